"""The foundation through the JSON API: what a person, an employer and a caseworker
notice — the flow works, bad input is refused with a reason and changes nothing, and
nobody sees what is not theirs."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from marketplace import clock
from marketplace.core.models import Application, AuditEntry, Organisation, Posting, Profile, User

VALID_ID = "11010519491231002X"
VALID_CODE = "91350100M000100Y43"


def profile_body(**kw):
    body = {"name": "李明", "gender": "男", "birth_on": "1999-03-04", "district": "望花区", "education": 4,
            "major": "机械制造", "graduation_year": 2020, "skills": ["焊接", "CAD"], "summary": "想找焊工工作",
            "desired_jobs": "焊工", "published": True,
            "categories": [{"category": "registered_unemployed", "since_on": "2020-07-01"}]}
    body.update(kw)
    return body


def posting_body(**kw):
    body = {"kind": "internship", "title": "机械设计见习生", "description": "协助工程师完成零件图纸绘制与工艺文件整理。",
            "skills": ["CAD", "机械制图"], "education_min": 4, "salary_min": 1800, "salary_max": 2500, "headcount": 2,
            "district": "望花区", "period_months": 6, "stipend": "1800.00"}
    body.update(kw)
    return body


def counts(db):
    return {m.__name__: db.scalar(select(func.count()).select_from(m))
            for m in (User, Organisation, Profile, Posting, Application)}


def test_the_whole_flow_from_registration_to_interview(client, db, make):
    r = client.post("/api/v1/auth/register/employer", json={
        "username": "hr_zhang", "password": "strong-pass-1", "display_name": "张人事",
        "organisation": {"name": "抚顺恒远机械有限公司", "org_type": "enterprise", "district": "望花区",
                         "credit_code": VALID_CODE, "is_internship_base": True, "internship_base_since_on": "2019-06-01",
                         "documents": [{"name": "就业见习基地认定文件", "number": "抚人社发〔2019〕12号"}]}})
    assert r.status_code == 201, r.json
    emp = {"Authorization": "Bearer " + client.post("/api/v1/auth/token", json={
        "username": "hr_zhang", "password": "strong-pass-1"}).json["token"]}
    # the base is only asked for: the caseworker of 望花区 checks the certificate and verifies it
    org_id = r.json["organisation"]["id"]
    cw = make.token(make.user("caseworker", district="望花区"))
    r = client.post(f"/api/v1/organisations/{org_id}/verification/verify", headers=cw,
                    json={"checked": "见习基地认定文件原件 抚人社发〔2019〕12号；营业执照"})
    assert r.status_code == 200, r.json
    r = client.post("/api/v1/postings", json=posting_body(), headers=emp)
    assert r.status_code == 201 and r.json["status"] == "draft"
    pid = r.json["id"]
    assert client.get(f"/api/v1/postings/{pid}").status_code == 404  # a draft is not public
    assert client.post(f"/api/v1/postings/{pid}/publish", headers=emp).json["status"] == "published"
    assert client.get(f"/api/v1/postings/{pid}").json["title"] == "机械设计见习生"

    assert client.post("/api/v1/auth/register/person", json={
        "username": "liming", "password": "strong-pass-2", "display_name": "李明"}).status_code == 201
    me = {"Authorization": "Bearer " + client.post("/api/v1/auth/token", json={
        "username": "liming", "password": "strong-pass-2"}).json["token"]}
    r = client.post(f"/api/v1/postings/{pid}/applications", json={"note": "盼回复"}, headers=me)
    assert r.status_code == 409 and r.json["error"]["field"] == "profile"  # profile first
    # an internship takes a person in one of R1's cohorts on the application date (docs/eligibility.md):
    # a college graduate who left school last summer is one, whatever today's date is
    body = profile_body(graduation_year=clock.today().year - 1)
    assert client.put("/api/v1/profiles/me", json=body, headers=me).status_code == 200
    r = client.post(f"/api/v1/postings/{pid}/applications", json={"note": "盼回复"}, headers=me)
    assert r.status_code == 201
    app_id = r.json["id"]
    assert client.post(f"/api/v1/postings/{pid}/applications", json={}, headers=me).status_code == 409

    listed = client.get(f"/api/v1/postings/{pid}/applications", headers=emp).json
    assert [a["profile"]["name"] for a in listed["items"]] == ["李明"]
    r = client.post(f"/api/v1/applications/{app_id}/stage", json={"stage": "interview", "note": "周一面试"}, headers=emp)
    assert r.status_code == 200 and r.json["stage"] == "interview"
    assert [(h["from"], h["to"]) for h in r.json["history"]] == [(None, "applied"), ("applied", "interview")]
    # backwards is refused; the person sees the stage and may withdraw
    assert client.post(f"/api/v1/applications/{app_id}/stage", json={"stage": "screening"}, headers=emp).status_code == 409
    assert client.get("/api/v1/applications", headers=me).json["items"][0]["stage"] == "interview"
    assert client.post(f"/api/v1/applications/{app_id}/stage", json={"stage": "offer"}, headers=me).status_code == 403
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "application")) >= 2


def test_what_people_write_is_kept_and_keys_are_normalised(client, make):
    # issue 16: a name and a description stay as the person wrote them (traditional
    # characters, full-width punctuation); skills are keys for matching: simplified, half-width
    user = make.user("person")
    r = client.put("/api/v1/profiles/me", headers=make.token(user),
                   json=profile_body(name="陳曉明", skills=["電工證", "ＣＡＤ"], summary="會開車，（持證）"))
    assert r.status_code == 200
    assert (r.json["name"], r.json["skills"], r.json["summary"]) == ("陳曉明", ["电工证", "CAD"], "會開車，（持證）")


def test_id_and_phone_are_encrypted_at_rest_and_shown_masked(client, db, make):
    user = make.user("person")
    r = client.put("/api/v1/profiles/me", headers=make.token(user),
                   json=profile_body(id_number=VALID_ID.lower(), birth_on="1949-12-31", phone="13912345678"))
    assert r.status_code == 200
    assert r.json["id_number_masked"] == "**************002X" and r.json["phone_masked"] == "139****5678"
    row = db.scalar(select(Profile).where(Profile.user_id == user.id))
    assert VALID_ID not in (row.id_number_enc or "") and "13912345678" not in (row.phone_enc or "")
    assert VALID_ID not in r.get_data(as_text=True)


BAD_PROFILES = [
    ({"name": None}, "name"),
    ({"birth_on": "2001-02-30"}, "birth_on"),
    ({"birth_on": "1990-01-01", "id_number": "110105199001010011"}, "id_number"),  # wrong check digit
    ({"id_number": VALID_ID}, "birth_on"),  # birth date differs from the ID number
    ({"phone": "12345"}, "phone"),
    ({"education": "本科"}, "education"),
    ({"summary": "字" * 2001}, "summary"),
    ({"district": "北京市"}, "district"),
    ({"categories": [{"category": "astronaut"}]}, "categories.0.category"),
    ({"skills": "焊接"}, "skills"),
    ({"unexpected": 1}, "unexpected"),
]


@pytest.mark.parametrize("change,field", BAD_PROFILES)
def test_bad_profile_is_refused_naming_the_field_and_nothing_changes(client, db, make, change, field):
    user = make.user("person")
    before = counts(db)
    r = client.put("/api/v1/profiles/me", headers=make.token(user), json=profile_body(**change))
    assert r.status_code == 422
    err = r.json["error"]
    assert field in [d["field"] for d in err["details"]], err
    assert err["message"]["zh"] and err["message"]["en"]
    assert counts(db) == before


BAD_POSTINGS = [
    ({"title": ""}, "title"),
    ({"salary_min": 9000, "salary_max": 3000}, "salary_min"),
    ({"salary_min": "很多"}, "salary_min"),
    ({"period_months": 13}, "period_months"),
    ({"period_months": None}, "period_months"),
    ({"close_on": "2026-13-01"}, "close_on"),
    ({"open_on": "2026-05-01", "close_on": "2026-04-01"}, "open_on"),
    ({"description": "很" * 5001}, "description"),
    ({"kind": "gig"}, "kind"),
    ({"headcount": 0}, "headcount"),
    ({"kind": "public_welfare", "period_months": None, "stipend": None, "temporary": True, "term_months": 9}, "term_months"),
    ({"kind": "job", "period_months": 6}, "period_months"),
]


@pytest.mark.parametrize("change,field", BAD_POSTINGS)
def test_bad_posting_is_refused_naming_the_field_and_nothing_changes(client, db, make, change, field):
    hr = make.user("employer")
    before = counts(db)
    r = client.post("/api/v1/postings", headers=make.token(hr), json=posting_body(**change))
    assert r.status_code == 422, r.json
    assert field in [d["field"] for d in r.json["error"]["details"]]
    assert counts(db) == before


@pytest.mark.parametrize("org_change,field", [
    ({"credit_code": "91350100M000100Y44"}, "organisation.credit_code"),
    ({"credit_code": "123"}, "organisation.credit_code"),
    ({"org_type": "cartel"}, "organisation.org_type"),
    ({"name": ""}, "organisation.name"),
])
def test_bad_employer_registration_is_refused(client, db, org_change, field):
    before = counts(db)
    org = {"name": "某公司", "org_type": "enterprise", "district": "望花区", "credit_code": VALID_CODE}
    org.update(org_change)
    r = client.post("/api/v1/auth/register/employer", json={
        "username": "hr_x", "password": "strong-pass-1", "display_name": "X", "organisation": org})
    assert r.status_code == 422 and field in [d["field"] for d in r.json["error"]["details"]]
    assert counts(db) == before


@pytest.mark.parametrize("body", [None, "not json", [], {"password": "x"}, {"username": "a", "password": "b" * 500}])
def test_malformed_bodies_get_a_clear_4xx(client, body):
    if body == "not json":
        r = client.post("/api/v1/auth/token", data="{", content_type="application/json")
    elif body is None:
        r = client.post("/api/v1/auth/token")
    else:
        r = client.post("/api/v1/auth/token", json=body)
    assert 400 <= r.status_code < 500 and r.json["error"]["message"]["en"]


def test_internship_needs_a_registered_internship_base(client, make):
    hr = make.user("employer", organisation=make.org(internship_base=False))
    r = client.post("/api/v1/postings", headers=make.token(hr), json=posting_body())
    assert r.status_code == 422 and "R1" in r.json["error"]["message"]["en"]


def test_hiring_stops_at_headcount(client, make, db):
    posting = make.posting(headcount=1)
    hr = make.user("employer", organisation=posting.organisation)
    apps = []
    for _ in range(2):
        prof = make.profile()
        a = Application(posting_id=posting.id, profile_id=prof.id, stage="offer")
        db.add(a)
        db.flush()
        apps.append(a.id)
    h = make.token(hr)
    assert client.post(f"/api/v1/applications/{apps[0]}/stage", json={"stage": "hired"}, headers=h).status_code == 200
    r = client.post(f"/api/v1/applications/{apps[1]}/stage", json={"stage": "hired"}, headers=h)
    assert r.status_code == 409 and "places" in r.json["error"]["message"]["en"]


def test_target_group_posting_refuses_people_outside_it(client, make):
    posting = make.posting(target_group="disabled")
    outsider = make.profile()
    insider = make.profile(categories=("disabled",))
    r = client.post(f"/api/v1/postings/{posting.id}/applications", json={},
                    headers=make.token(outsider.user_id and _user(make, outsider)))
    assert r.status_code == 422 and "R14" in r.json["error"]["message"]["en"]
    assert client.post(f"/api/v1/postings/{posting.id}/applications", json={},
                       headers=make.token(_user(make, insider))).status_code == 201


def _user(make, profile):
    return make.s.get(User, profile.user_id)


def test_closed_or_expired_postings_take_no_applications(client, make):
    prof = make.profile()
    closed = make.posting(status="closed")
    expired = make.posting(close_on=clock.today() - dt.timedelta(days=1))
    for p in (closed, expired):
        r = client.post(f"/api/v1/postings/{p.id}/applications", json={}, headers=make.token(_user(make, prof)))
        assert r.status_code == 409


def test_pagination_and_bad_page_arguments(client, make):
    org = make.org()
    for i in range(5):
        make.posting(organisation=org, title=f"岗位{i}")
    r = client.get("/api/v1/postings?per_page=2&page=2")
    assert r.status_code == 200 and r.json["per_page"] == 2 and len(r.json["items"]) == 2 and r.json["total"] >= 5
    for bad in ("per_page=0", "per_page=1000", "page=-1", "page=abc", "kind=gig"):
        r = client.get(f"/api/v1/postings?{bad}")
        assert r.status_code == 422 and r.json["error"]["field"] in bad


def test_login_is_throttled_after_repeated_failures(client, make):
    make.user("person", username="victim")
    for _ in range(5):
        assert client.post("/api/v1/auth/token", json={"username": "victim", "password": "wrong"}).status_code == 401
    r = client.post("/api/v1/auth/token", json={"username": "victim", "password": "secret-pass-1"})
    assert r.status_code == 429 and "seconds" in r.json["error"]["message"]["en"]  # a short wait (tests/security)


def test_openapi_documents_every_route(client, app):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    api_rules = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/") and r.endpoint != "api.openapi_json"}
    documented = {re.sub(r"\{(\w+)\}", r"<\1>", p) for p in doc["paths"]}
    assert {re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", r) for r in api_rules} <= documented
    assert "PostingIn" in doc["components"]["schemas"]


def test_ids_beyond_64_bits_are_not_found_not_a_crash(client):
    assert client.get("/api/v1/postings/9223372036854775808").status_code == 404
    assert client.get("/postings/99999999999999999999999").status_code == 404


@pytest.mark.parametrize("path,body", [
    ("/api/v1/internships/claims", {"agreement_id": 2**63}),
    ("/api/v1/internships/hire-claims", {"application_id": 2**63, "kind": "hiring_r6", "contract_months": 12}),
    ("/api/v1/internships/agreements", {"application_id": 2**63, "start_on": "2020-07-01"}),
])
def test_ids_beyond_64_bits_in_a_body_are_refused_by_name(client, make, path, body):
    """Found by the schemathesis fuzzing: an id past the databases' 64-bit range in a body
    overflowed in the SQLite driver (500). It is now a 422 naming the field."""
    r = client.post(path, json=body, headers=make.token(make.user("employer")))
    assert r.status_code == 422, r.json
    assert r.json["error"]["field"] == next(iter(body))
