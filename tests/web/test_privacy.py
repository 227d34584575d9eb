"""PIPL: a person downloads everything held about them and deletes it; what other records
need stays, pseudonymised; nobody else can do either for them."""
from __future__ import annotations

from sqlalchemy import select

from marketplace.core.models import Application, AuditEntry, Profile, User

ID = "11010519491231002X"


def test_download_then_delete_my_data(client, db, make):
    person = make.user("person")
    h = make.token(person)
    client.put("/api/v1/profiles/me", headers=h, json={
        "name": "周敏", "gender": "女", "birth_on": "1949-12-31", "id_number": ID, "phone": "13800001111",
        "district": "望花区", "skills": ["收银"], "published": True,
        "categories": [{"category": "registered_unemployed", "since_on": "2020-01-01"}]})
    posting = make.posting()
    agency = make.user("agency", display_name="丙机构职员")
    me = client.get("/api/v1/profiles/me", headers=h).json
    r = client.post("/api/v1/introductions", headers=make.token(agency),
                    json={"profile_id": me["id"], "posting_id": posting.id, "note": "周敏做过三年收银"})
    assert r.status_code == 201, r.json
    client.post(f"/api/v1/postings/{posting.id}/applications", json={"note": "你好"}, headers=h)

    data = client.get("/api/v1/me/data", headers=h).json
    assert data["profile"]["id_number"] == ID and data["profile"]["phone"] == "13800001111"
    assert data["applications"][0]["posting"] == posting.title and data["audit_log"]
    for area in ("internship_agreements", "unemployment_registrations", "referrals", "public_welfare_placements"):
        assert isinstance(data[area], list)
    # who introduced me to which posting, and what they wrote about me
    assert [(i["agency"], i["posting"], i["note"]) for i in data["introductions_by_agencies"]] == [
        (agency.organisation.name, posting.id, "周敏做过三年收银")]

    assert client.post("/api/v1/me/delete", json={"password": "wrong"}, headers=h).status_code == 401
    assert client.post("/api/v1/me/delete", json={"password": "secret-pass-1"}, headers=h).status_code == 200
    assert client.get("/api/v1/me", headers=h).status_code == 401  # token revoked
    db.expire_all()
    prof = db.scalar(select(Profile).join(Application).where(Application.posting_id == posting.id))
    assert prof.name.startswith("已注销用户") and prof.id_number_enc is None and prof.phone_enc is None
    assert prof.categories == [] and prof.published is False and prof.user_id is None
    assert db.get(User, person.id).is_active is False
    logs = list(db.scalars(select(AuditEntry).where(AuditEntry.entity == "profile", AuditEntry.entity_id == prof.id)))
    assert logs and all("周敏" not in str(e.before) + str(e.after) for e in logs)
    # the introduction stays (a referral claim may rest on it) without the agency's words about her
    listed = client.get("/api/v1/introductions", headers=make.token(agency)).json["items"]
    assert [(i["person"], i["note"]) for i in listed] == [(prof.name, "")]
    assert client.post("/api/v1/auth/token", json={"username": person.username, "password": "secret-pass-1"}).status_code == 401


def test_only_the_person_downloads_their_data(client, make):
    for role in ("employer", "caseworker", "admin"):
        assert client.get("/api/v1/me/data", headers=make.token(make.user(role))).status_code == 403
