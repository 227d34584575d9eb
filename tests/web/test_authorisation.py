"""Who may reach what. Every API endpoint is called by every role: roles outside the
endpoint's declared list get 401 (no token) or 403; and within a role, nobody reaches
another organisation's, person's or district's records (404, so existence does not leak).
A new endpoint without declared roles cannot be added (the registry requires them), and
this test calls every registered endpoint, so a new one is covered automatically."""
from __future__ import annotations

import re

import pytest

import marketplace.app  # noqa: F401  (registers every area's routes)
from marketplace.core.models import ROLES, Application
from marketplace.web.apispec import ROUTES


@pytest.fixture
def world(make, db):
    org_a, org_b = make.org(name="甲公司"), make.org(name="乙公司")
    hr_a, hr_b = make.user("employer", organisation=org_a), make.user("employer", organisation=org_b)
    person_a, person_b = make.user("person"), make.user("person")
    prof_a = make.profile(user=person_a, district="望花区", published=False)
    prof_b = make.profile(user=person_b, district="新抚区", published=False)
    posting_a = make.posting(organisation=org_a, created_by=hr_a)
    app_a = Application(posting_id=posting_a.id, profile_id=prof_a.id, stage="applied")
    db.add(app_a)
    db.flush()
    users = {role: make.user(role) for role in ROLES if role not in ("person", "employer")}
    users["person"], users["employer"] = person_a, hr_a
    return dict(org_a=org_a, hr_a=hr_a, hr_b=hr_b, person_a=person_a, person_b=person_b, prof_a=prof_a,
                prof_b=prof_b, posting_a=posting_a, app_a=app_a, users=users,
                cw_x=make.user("caseworker", district="望花区"), cw_y=make.user("caseworker", district="新抚区"))


def _url(rule: str, w) -> str:
    ids = {"posting_id": w["posting_a"].id, "profile_id": w["prof_a"].id, "application_id": w["app_a"].id,
           "user_id": w["person_a"].id, "category": "disabled"}
    return "/api/v1" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids.get(m.group(1), 1)), rule)


CASES = [(spec, method, role) for spec in ROUTES for method in spec.methods for role in ("anonymous",) + ROLES]


@pytest.mark.parametrize("spec,method,role", CASES,
                         ids=[f"{m} {s.rule} as {r}" for s, m, r in CASES])
def test_every_endpoint_for_every_role(client, make, world, spec, method, role):
    headers = {} if role == "anonymous" else make.token(world["users"][role])
    r = client.open(_url(spec.rule, world), method=method, headers=headers, json={} if method != "GET" else None)
    if role in spec.roles:
        assert r.status_code not in (401, 403), (r.status_code, r.json)
    else:
        assert r.status_code == (401 if role == "anonymous" else 403), (r.status_code, r.json)
    assert r.status_code < 500


def test_an_employer_never_sees_another_employers_applications(client, make, world):
    other = make.token(world["hr_b"])
    assert client.get(f"/api/v1/applications/{world['app_a'].id}", headers=other).status_code == 404
    assert client.get(f"/api/v1/postings/{world['posting_a'].id}/applications", headers=other).status_code == 404
    assert client.get("/api/v1/applications", headers=other).json["items"] == []
    assert client.post(f"/api/v1/applications/{world['app_a'].id}/stage", json={"stage": "interview"},
                       headers=other).status_code == 404
    assert client.post(f"/api/v1/postings/{world['posting_a'].id}/close", headers=other).status_code == 404
    own = make.token(world["hr_a"])
    assert client.get(f"/api/v1/applications/{world['app_a'].id}", headers=own).status_code == 200


def test_a_person_never_sees_another_persons_profile(client, make, world):
    b = make.token(world["person_b"])
    assert client.get(f"/api/v1/profiles/{world['prof_a'].id}", headers=b).status_code == 404
    assert client.get(f"/api/v1/applications/{world['app_a'].id}", headers=b).status_code == 404
    a = make.token(world["person_a"])
    assert client.get(f"/api/v1/profiles/{world['prof_a'].id}", headers=a).status_code == 200


def test_employers_see_unpublished_profiles_only_of_their_applicants(client, make, world):
    assert client.get(f"/api/v1/profiles/{world['prof_a'].id}", headers=make.token(world["hr_a"])).status_code == 200
    assert client.get(f"/api/v1/profiles/{world['prof_a'].id}", headers=make.token(world["hr_b"])).status_code == 404
    r = client.get(f"/api/v1/profiles/{world['prof_a'].id}", headers=make.token(world["hr_a"]))
    assert "id_number_masked" not in r.json and r.json["birth_on"] is None


def test_caseworkers_see_and_correct_only_their_district(client, make, world):
    x, y = make.token(world["cw_x"]), make.token(world["cw_y"])
    assert client.get(f"/api/v1/profiles/{world['prof_a'].id}", headers=x).status_code == 200
    assert client.get(f"/api/v1/profiles/{world['prof_a'].id}", headers=y).status_code == 404
    names = [p["id"] for p in client.get("/api/v1/profiles", headers=y).json["items"]]
    assert world["prof_a"].id not in names and world["prof_b"].id in names
    body = {"name": "改名", "gender": "男", "birth_on": "1998-05-01", "district": "望花区"}
    assert client.put(f"/api/v1/profiles/{world['prof_a'].id}", json=body, headers=y).status_code == 404
    assert client.put(f"/api/v1/profiles/{world['prof_a'].id}", json=body, headers=x).status_code == 200


def test_deactivated_accounts_lose_their_tokens(client, make, world):
    admin = make.user("admin")
    victim_headers = make.token(world["person_a"])
    assert client.get("/api/v1/me", headers=victim_headers).status_code == 200
    assert client.patch(f"/api/v1/admin/users/{world['person_a'].id}", json={"is_active": False},
                        headers=make.token(admin)).status_code == 200
    assert client.get("/api/v1/me", headers=victim_headers).status_code == 401
