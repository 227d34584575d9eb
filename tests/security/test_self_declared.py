"""Abuse cases: every fact an organisation could declare about itself to get public money or
access to people (issue 13, finding 2). Its type, internship-base status and date, and
epidemic-supply status are set only by a caseworker's verification; what it sends is recorded
as a request, and until a caseworker of its district verifies it, it may draft postings but
neither publish them nor see people."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import select

from marketplace.core import demo as core_demo
from marketplace.core import verification
from marketplace.core.models import AuditEntry, Organisation, OrganisationVerification, User
from marketplace.fairs.models import Booth, Fair
from marketplace.idcodes import credit_code_check_char

ROOT = Path(__file__).resolve().parents[2]
DOC = [{"name": "就业见习基地认定文件", "number": "抚人社发〔2019〕12号"}]


def _code(n: int) -> str:
    body = f"9121040{n:010d}"
    return body + credit_code_check_char(body)


def _register(client, n: int, **org) -> dict:
    body = {"username": f"self{n}", "password": "strong-pass-1", "display_name": "自报人事",
            "organisation": dict({"name": f"自报{n}有限公司", "org_type": "enterprise", "district": "望花区",
                                  "credit_code": _code(8_000_000_000 + n)}, **org)}
    r = client.post("/api/v1/auth/register/employer", json=body)
    assert r.status_code == 201, r.json
    token = client.post("/api/v1/auth/token", json={"username": f"self{n}", "password": "strong-pass-1"}).json["token"]
    return {"org": r.json["organisation"], "body": r.json, "h": {"Authorization": f"Bearer {token}"}}


def _posting(kind="job", **kw) -> dict:
    body = {"kind": kind, "title": "电焊工", "description": "负责钢结构焊接，按图纸施工。", "district": "望花区"}
    if kind == "internship":
        body.update(period_months=6, stipend="1500.00")
    if kind == "public_welfare":
        body.update(temporary=True, term_months=6)
    return dict(body, **kw)


SELF_DECLARED = [
    pytest.param({"is_internship_base": True, "internship_base_since_on": "2019-01-01", "documents": DOC}, id="base"),
    pytest.param({"is_epidemic_supply": True, "documents": DOC}, id="epidemic_supply"),
    pytest.param({"org_type": "soe", "documents": DOC}, id="soe"),
    pytest.param({"org_type": "hr_agency", "documents": DOC}, id="hr_agency"),
    pytest.param({"org_type": "public_institution", "documents": DOC}, id="public_institution"),
    pytest.param({"org_type": "social_org", "documents": DOC}, id="social_org"),
]


@pytest.mark.parametrize("declared", SELF_DECLARED)
def test_registration_records_a_declared_fact_as_a_request_and_grants_nothing(client, db, declared):
    reg = _register(client, 1, **declared)
    org = db.get(Organisation, reg["org"]["id"])
    assert (org.org_type, org.is_internship_base, org.internship_base_since_on, org.is_epidemic_supply) == \
        ("enterprise", False, None, False)
    assert org.verification_status == "pending" and reg["org"]["verification_status"] == "pending"
    user = db.scalar(select(User).where(User.username == "self1"))
    assert user.role == "employer"  # an HR agency's role comes with the verified type, not the declared one
    req = db.scalars(select(OrganisationVerification).where(OrganisationVerification.organisation_id == org.id)).one()
    assert req.status == "pending" and req.documents == DOC
    asked = reg["body"]["verification"]["requests"][0]["requested"]
    for key, value in declared.items():
        if key != "documents":
            assert asked[key] == value


def test_a_self_declared_base_or_soe_cannot_post_internships_or_public_welfare_posts(client):
    h = _register(client, 2, org_type="soe", is_internship_base=True, internship_base_since_on="2019-01-01",
                  documents=DOC)["h"]
    r = client.post("/api/v1/postings", json=_posting("internship"), headers=h)
    assert r.status_code == 422 and "R1" in r.json["error"]["message"]["en"]
    r = client.post("/api/v1/postings", json=_posting("public_welfare"), headers=h)
    assert r.status_code == 422 and r.json["error"]["field"] == "kind"


def test_asking_for_a_privileged_fact_needs_a_named_document(client, db):
    before = db.scalar(select(sa.func.count()).select_from(Organisation))
    r = client.post("/api/v1/auth/register/employer", json={
        "username": "nodoc", "password": "strong-pass-1", "display_name": "无材料", "organisation": {
            "name": "无材料有限公司", "org_type": "soe", "district": "望花区", "credit_code": _code(8_100_000_000)}})
    assert r.status_code == 422 and r.json["error"]["field"] == "organisation.documents"
    assert "材料" in r.json["error"]["message"]["zh"]
    assert db.scalar(select(sa.func.count()).select_from(Organisation)) == before


def test_the_registration_page_records_the_type_as_a_request(client, db):
    r = client.post("/register/employer", data={
        "username": "pagehr", "password": "strong-pass-1", "display_name": "页面人事",
        "organisation.name": "页面国企有限公司", "organisation.org_type": "soe", "organisation.district": "望花区",
        "organisation.credit_code": _code(8_200_000_000), "organisation.is_internship_base": "1",
        "organisation.internship_base_since_on": "2019-01-01", "organisation.doc_name_0": "国有资产产权登记证",
        "organisation.doc_number_0": "210400-2019-001"})
    assert r.status_code == 302, r.text
    org = db.scalar(select(Organisation).where(Organisation.name == "页面国企有限公司"))
    assert (org.org_type, org.is_internship_base, org.verification_status) == ("enterprise", False, "pending")
    home = client.get("/employer")
    assert "待审核" in home.text and "草稿" in home.text  # what happens next: drafts now, the rest after verification


def test_an_unverified_organisation_drafts_but_neither_publishes_nor_sees_people(client, make):
    org = make.org(verified=False)
    hr = make.user("employer", organisation=org)
    h = make.token(hr)
    person = make.profile(published=True)
    r = client.post("/api/v1/postings", json=_posting(), headers=h)
    assert r.status_code == 201 and r.json["status"] == "draft"
    pid = r.json["id"]
    r = client.post(f"/api/v1/postings/{pid}/publish", headers=h)
    assert r.status_code == 403 and "待审核" in r.json["error"]["message"]["zh"]
    assert "verification" in r.json["error"]["message"]["en"]
    for url in (f"/api/v1/profiles/{person.id}", "/api/v1/search/profiles?q=焊接", f"/api/v1/postings/{pid}/candidates",
                "/api/v1/applications", f"/api/v1/postings/{pid}/applications"):
        r = client.get(url, headers=h)
        assert r.status_code == 403 and "待审核" in r.json["error"]["message"]["zh"], url
    r = client.post(f"/api/v1/postings/{pid}/invitations", json={"profile_id": person.id}, headers=h)
    assert r.status_code == 403
    # the pages say the same
    client.post("/login", data={"username": hr.username, "password": "secret-pass-1"})
    assert "待审核" in client.get("/people?q=焊接").text
    r = client.post(f"/employer/postings/{pid}/publish")
    assert "待审核" in client.get(r.headers["Location"]).text
    assert client.get(f"/employer/postings/{pid}").status_code == 200  # its draft stays its own to edit


def test_the_queue_is_the_organisations_district_caseworkers(client, make):
    org = make.org(verified=False, district="望花区", name="望花待审有限公司")
    here, there = make.user("caseworker", district="望花区"), make.user("caseworker", district="新抚区")
    admin = make.user("admin")
    listed = client.get("/api/v1/organisations/verifications", headers=make.token(here)).json["items"]
    item = next(i for i in listed if i["organisation"]["id"] == org.id)
    assert item["organisation"]["credit_code"] == org.credit_code and item["documents"][0]["name"] == "营业执照"
    assert item["requested"]["is_internship_base"] is True
    other = client.get("/api/v1/organisations/verifications", headers=make.token(there)).json["items"]
    assert org.id not in [i["organisation"]["id"] for i in other]
    assert client.get(f"/api/v1/organisations/{org.id}/verification", headers=make.token(there)).status_code == 404
    r = client.post(f"/api/v1/organisations/{org.id}/verification/verify", json={"checked": "营业执照"},
                    headers=make.token(there))
    assert r.status_code == 404
    admin_list = client.get("/api/v1/organisations/verifications", headers=make.token(admin)).json["items"]
    assert org.id in [i["organisation"]["id"] for i in admin_list]
    # and the caseworker's page lists it with the credit code
    client.post("/login", data={"username": here.username, "password": "secret-pass-1"})
    page = client.get("/caseworker/organisations").text
    assert "望花待审有限公司" in page and org.credit_code in page


def test_an_organisation_cannot_verify_itself(client, make):
    org = make.org(verified=False)
    h = make.token(make.user("employer", organisation=org))
    r = client.post(f"/api/v1/organisations/{org.id}/verification/verify", json={"checked": "自己看过了"}, headers=h)
    assert r.status_code == 403
    # asking again (even after registration) is only a request
    r = client.post("/api/v1/organisations/me/verification", headers=h,
                    json={"org_type": "soe", "is_epidemic_supply": True, "documents": DOC})
    assert r.status_code == 201 and r.json["status"] == "pending"
    me = client.get("/api/v1/me", headers=h).json["organisation"]
    assert (me["org_type"], me["is_epidemic_supply"], me["verification_status"]) == ("enterprise", False, "pending")


def test_verification_sets_the_facts_is_audited_and_then_publishing_works(client, db, make):
    org = make.org(verified=False)
    hr = make.user("employer", organisation=org)
    h = make.token(hr)
    cw = make.user("caseworker", district="望花区")
    pid = client.post("/api/v1/postings", json=_posting(), headers=h).json["id"]
    r = client.post(f"/api/v1/organisations/{org.id}/verification/verify", headers=make.token(cw),
                    json={"checked": "见习基地认定文件原件 抚人社发〔2019〕12号"})
    assert r.status_code == 200, r.json
    assert r.json["granted"]["is_internship_base"] is True and r.json["decided_by_id"] == cw.id
    db.refresh(org)
    assert (org.verification_status, org.is_internship_base, org.internship_base_since_on) == \
        ("verified", True, dt.date(2019, 1, 1))
    row = db.scalar(select(AuditEntry).where(AuditEntry.entity == "organisation", AuditEntry.entity_id == org.id,
                                             AuditEntry.action == "verify"))
    assert row.actor_id == cw.id and "抚人社发" in row.reason
    assert row.before["is_internship_base"] is False and row.after["is_internship_base"] is True
    assert client.post(f"/api/v1/postings/{pid}/publish", headers=h).json["status"] == "published"
    r = client.post("/api/v1/postings", json=_posting("internship"), headers=h)
    assert r.status_code == 201
    assert client.get("/api/v1/search/profiles", headers=h).status_code == 200


def test_a_caseworker_may_grant_less_than_asked(client, db, make):
    org = make.org(verified=False, org_type="soe")
    cw = make.token(make.user("caseworker", district="望花区"))
    r = client.post(f"/api/v1/organisations/{org.id}/verification/verify", headers=cw,
                    json={"checked": "营业执照；无国资登记证", "org_type": "enterprise", "is_internship_base": False})
    assert r.status_code == 200
    db.refresh(org)
    assert (org.org_type, org.is_internship_base, org.verification_status) == ("enterprise", False, "verified")


def test_a_refusal_shows_its_reason_and_keeps_the_organisation_out(client, db, make):
    org = make.org(verified=False)
    hr = make.user("employer", organisation=org)
    h = make.token(hr)
    cw = make.token(make.user("caseworker", district="望花区"))
    assert client.post(f"/api/v1/organisations/{org.id}/verification/refuse", headers=cw,
                       json={"reason": "认定文件文号查无此件"}).status_code == 200
    mine = client.get("/api/v1/organisations/me/verification", headers=h).json
    assert mine["verification_status"] == "refused" and mine["requests"][0]["reason"] == "认定文件文号查无此件"
    pid = client.post("/api/v1/postings", json=_posting(), headers=h).json["id"]
    r = client.post(f"/api/v1/postings/{pid}/publish", headers=h)
    assert r.status_code == 403 and "认定文件文号查无此件" in r.json["error"]["message"]["zh"]
    client.post("/login", data={"username": hr.username, "password": "secret-pass-1"})
    assert "认定文件文号查无此件" in client.get("/employer").text
    assert db.scalar(select(AuditEntry.id).where(AuditEntry.entity_id == org.id,
                                                 AuditEntry.action == "refuse_verification"))


def test_revoking_withdraws_the_facts_and_closes_published_postings(client, db, make):
    org = make.org(org_type="soe")
    posting = make.posting(organisation=org)
    hr = make.user("employer", organisation=org)
    cw = make.token(make.user("caseworker", district="望花区"))
    r = client.post(f"/api/v1/organisations/{org.id}/verification/revoke", headers=cw, json={"reason": "认定已到期"})
    assert r.status_code == 200 and r.json["verification_status"] == "revoked"
    db.refresh(org)
    db.refresh(posting)
    assert (org.org_type, org.is_internship_base, posting.status) == ("enterprise", False, "closed")
    assert client.get("/api/v1/search/profiles", headers=make.token(hr)).status_code == 403
    entry = db.scalar(select(AuditEntry).where(AuditEntry.entity_id == org.id, AuditEntry.action == "revoke_verification"))
    assert entry.before["org_type"] == "soe" and entry.reason == "认定已到期"


def test_caseworker_pages_verify_an_organisation(client, db, make):
    org = make.org(verified=False, name="页面审核有限公司")
    cw = make.user("caseworker", district="望花区")
    client.post("/login", data={"username": cw.username, "password": "secret-pass-1"})
    page = client.get(f"/caseworker/organisations/{org.id}").text
    assert org.credit_code in page and "营业执照" in page
    r = client.post(f"/caseworker/organisations/{org.id}/verify", data={"checked": "", "is_internship_base": "1"})
    assert r.status_code == 422  # what was checked is required
    assert db.get(Organisation, org.id).verification_status == "pending"
    r = client.post(f"/caseworker/organisations/{org.id}/verify", data={
        "checked": "营业执照原件", "org_type": "enterprise", "is_internship_base": "1",
        "internship_base_since_on": "2019-01-01"})
    assert r.status_code == 302
    db.refresh(org)
    assert org.verification_status == "verified" and org.is_internship_base


def test_existing_organisations_keep_their_flags_and_are_queued_for_reverification(tmp_path):
    """Migration core_0004_verify on a database with an organisation registered before it."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    cfg = AlembicConfig(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
        conn.execute(sa.text(
            "INSERT INTO organisations (name, org_type, industry, district, credit_code, is_internship_base, "
            "internship_base_since_on, is_epidemic_supply, created_at) VALUES ('老基地有限公司', 'soe', '', '望花区', "
            f"'{_code(8_300_000_000)}', 1, '2018-03-01', 1, '2020-01-01 00:00:00')"))
        command.upgrade(cfg, "core_0004_verify")
        org = conn.execute(sa.text("SELECT id, org_type, is_internship_base, is_epidemic_supply, verification_status "
                                   "FROM organisations")).one()
        assert tuple(org[1:]) == ("soe", 1, 1, "reverify")
        req = conn.execute(sa.text("SELECT organisation_id, origin, status, requested_org_type, "
                                   "requested_internship_base, requested_internship_base_since_on "
                                   "FROM organisation_verifications")).one()
        assert tuple(req) == (org[0], "reverify", "pending", "soe", 1, "2018-03-01")
    engine.dispose()


def test_an_organisation_awaiting_reverification_keeps_working_until_refused(client, db, make):
    org = make.org(org_type="soe")
    org.verification_status = "reverify"
    db.add(OrganisationVerification(organisation_id=org.id, origin="reverify", requested_org_type="soe",
                                    requested_internship_base=True, documents=[], status="pending"))
    hr = make.user("employer", organisation=org)
    draft = make.posting(organisation=org, status="draft")
    db.flush()
    h = make.token(hr)
    assert client.post(f"/api/v1/postings/{draft.id}/publish", headers=h).json["status"] == "published"
    cw = make.token(make.user("caseworker", district="望花区"))
    queue = client.get("/api/v1/organisations/verifications", headers=cw).json["items"]
    assert [i["origin"] for i in queue if i["organisation_id"] == org.id] == ["reverify"]
    assert client.post(f"/api/v1/organisations/{org.id}/verification/refuse", headers=cw,
                       json={"reason": "无国有资产产权登记证"}).status_code == 200
    db.refresh(org)
    assert (org.verification_status, org.org_type) == ("refused", "enterprise")
    db.refresh(draft)
    assert draft.status == "closed"
    assert client.get("/api/v1/search/profiles", headers=h).status_code == 403


def test_the_demo_loads_its_organisations_verified_and_one_registrant_in_the_queue(db, cipher):
    core_demo.load(db, cipher)
    statuses = dict(db.execute(select(Organisation.name, Organisation.verification_status)).all())
    assert statuses.pop(core_demo.PENDING_ORG) == "pending"
    assert statuses and set(statuses.values()) == {"verified"}
    cw = db.scalar(select(User).where(User.username == "caseworker"))
    queued = db.scalars(verification.queue(cw)).all()
    assert [r.organisation.name for r in queued] == [core_demo.PENDING_ORG] and queued[0].documents


def test_a_self_declared_hr_agency_introduces_no_one_until_verified_and_stops_when_revoked(client, db, make):
    reg = _register(client, 3, org_type="hr_agency", documents=[{"name": "人力资源服务许可证", "number": "2104002019001"}])
    h = reg["h"]
    posting, person = make.posting(), make.profile(published=True)
    intro = {"profile_id": person.id, "posting_id": posting.id, "note": "住得近"}
    assert client.post("/api/v1/introductions", json=intro, headers=h).status_code == 403
    cw = make.token(make.user("caseworker", district="望花区"))
    org_id = reg["org"]["id"]
    assert client.post(f"/api/v1/organisations/{org_id}/verification/verify", headers=cw,
                       json={"checked": "人力资源服务许可证原件 2104002019001"}).status_code == 200
    assert client.get("/api/v1/me", headers=h).json["role"] == "agency"
    assert client.post("/api/v1/introductions", json=intro, headers=h).status_code == 201
    assert client.post(f"/api/v1/organisations/{org_id}/verification/revoke", headers=cw,
                       json={"reason": "许可证已注销"}).status_code == 200
    me = client.get("/api/v1/me", headers=h).json
    assert (me["role"], me["organisation"]["org_type"]) == ("employer", "enterprise")
    roles = db.scalars(select(AuditEntry.after).where(AuditEntry.entity == "user", AuditEntry.action == "role")).all()
    assert {"role": "agency"} in roles and {"role": "employer"} in roles


def test_a_revoked_organisations_fair_booth_no_longer_ranks_people(client, db, make):
    org = make.org()
    hr = make.user("employer", organisation=org)
    posting = make.posting(organisation=org, created_by=hr)
    fair = Fair(organiser_id=make.user("organiser").id, name="秋季双选会", mode="both", held_on=dt.date(2020, 9, 1),
                venue="抚顺市人才市场", slots=["09:00-09:30"], status="open")
    db.add(fair)
    db.flush()
    booth = Booth(fair_id=fair.id, organisation_id=org.id, status="approved", posting_ids=[posting.id], place="A1",
                  created_by_id=hr.id)
    db.add(booth)
    db.flush()
    h = make.token(hr)
    assert client.get(f"/api/v1/fairs/{fair.id}/booths/{booth.id}/ranking", headers=h).status_code == 200
    assert client.post(f"/api/v1/organisations/{org.id}/verification/revoke", json={"reason": "营业执照已吊销"},
                       headers=make.token(make.user("caseworker", district="望花区"))).status_code == 200
    r = client.get(f"/api/v1/fairs/{fair.id}/booths/{booth.id}/ranking", headers=h)
    assert r.status_code == 403 and "营业执照已吊销" in r.json["error"]["message"]["zh"]


def test_the_registrants_verification_page_asks_again_after_a_refusal(client, db, make):
    org = make.org(verified=False)
    hr = make.user("employer", organisation=org)
    cw = make.user("caseworker", district="望花区")
    client.post("/login", data={"username": cw.username, "password": "secret-pass-1"})
    r = client.post(f"/caseworker/organisations/{org.id}/refuse", data={"reason": "营业执照复印件不清晰"})
    assert r.status_code == 302
    assert "营业执照复印件不清晰" in client.get(f"/caseworker/organisations/{org.id}").text
    client.post("/logout")
    client.post("/login", data={"username": hr.username, "password": "secret-pass-1"})
    page = client.get("/employer/verification").text
    assert "营业执照复印件不清晰" in page and "未通过审核" in page
    r = client.post("/employer/verification", data={"org_type": "soe"})
    assert r.status_code == 422 and "材料" in r.text  # a state-owned enterprise names its document
    r = client.post("/employer/verification", data={"org_type": "soe", "doc_name_0": "国有资产产权登记证",
                                                    "doc_number_0": "210400-2019-001"})
    assert r.status_code == 302
    db.refresh(org)
    assert (org.verification_status, org.org_type) == ("pending", "enterprise")
    assert "待审核" in client.get("/employer/verification").text
    client.post("/logout")
    client.post("/login", data={"username": cw.username, "password": "secret-pass-1"})
    assert client.post(f"/caseworker/organisations/{org.id}/verify", data={
        "checked": "国有资产产权登记证原件", "org_type": "soe"}).status_code == 302
    assert client.post(f"/caseworker/organisations/{org.id}/revoke", data={"reason": ""}).status_code == 422
    assert client.post(f"/caseworker/organisations/{org.id}/revoke", data={"reason": "产权登记已注销"}).status_code == 302
    db.refresh(org)
    assert (org.verification_status, org.org_type) == ("revoked", "enterprise")
