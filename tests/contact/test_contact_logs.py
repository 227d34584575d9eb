"""PIPL contact: an employer opens its applicant's profile and phone through that application
only; a caseworker reveals a phone for a stated purpose, limited per day; every opening is
in the person's data download."""
from __future__ import annotations

from sqlalchemy import select

from marketplace.core import contact
from marketplace.core.models import Application, ApplicationEvent, ContactLog

from .conftest import PHONE


def _log(db, profile):
    return list(db.scalars(select(ContactLog).where(ContactLog.profile_id == profile.id).order_by(ContactLog.id)))


def test_the_employer_applied_to_opens_the_full_profile_and_phone_and_each_opening_is_logged(client, db, scene):
    r = client.get(f"/api/v1/applications/{scene.app_id}/applicant", headers=scene.h_hr)
    assert r.status_code == 200, r.json
    d = r.json
    assert d["phone"] == PHONE and d["experience"] == "三年焊接" and d["summary"] == "踏实肯干"
    assert d["application"]["note"] == "我有焊工证" and d["birth_on"] is None and "id_number_masked" not in d
    client.get(f"/api/v1/applications/{scene.app_id}/applicant", headers=scene.h_hr)
    logs = _log(db, scene.profile)
    assert [(lg.kind, lg.viewer_id, lg.application_id, lg.organisation_id) for lg in logs] == \
        [("applicant_profile", scene.hr.id, scene.app_id, scene.org.id)] * 2
    # the person reads who opened their number, when and why
    data = client.get("/api/v1/me/data", headers=scene.h_person).json
    seen = data["who_saw_my_contact"]
    assert len(seen) == 2 and seen[0]["organisation"] == "抚顺甲公司" and seen[0]["who"] == "甲公司人事"
    assert seen[0]["what"] == "profile_and_phone" and seen[0]["application_id"] == scene.app_id


def test_another_employer_or_an_application_it_does_not_own_opens_nothing(client, db, make, scene):
    other = make.user("employer")
    r = client.get(f"/api/v1/applications/{scene.app_id}/applicant", headers=make.token(other))
    assert r.status_code == 404 and PHONE not in r.get_data(as_text=True)
    # the same person applied to another organisation too: that one's staff open only their own application
    other_posting = make.posting(organisation=other.organisation, created_by=other)
    r = client.post(f"/api/v1/postings/{other_posting.id}/applications", json={}, headers=scene.h_person)
    assert r.status_code == 201
    assert client.get(f"/api/v1/applications/{scene.app_id}/applicant", headers=make.token(other)).status_code == 404
    assert client.get(f"/api/v1/applications/{r.json['id']}/applicant", headers=make.token(other)).status_code == 200
    assert [lg.organisation_id for lg in _log(db, scene.profile)] == [other.organisation_id]


def test_an_invited_person_who_has_not_applied_and_a_withdrawn_one_stay_closed(client, db, make, scene):
    invitee = make.profile(name="李四", published=True)
    r = client.post(f"/api/v1/postings/{scene.posting.id}/invitations", json={"profile_id": invitee.id},
                    headers=scene.h_hr)
    assert r.status_code == 201, r.json
    r = client.get(f"/api/v1/applications/{r.json['id']}/applicant", headers=scene.h_hr)
    assert r.status_code == 409 and "接受邀请" in r.json["error"]["message"]["zh"] and "phone" not in r.json
    client.post(f"/api/v1/applications/{scene.app_id}/stage", json={"stage": "withdrawn"}, headers=scene.h_person)
    r = client.get(f"/api/v1/applications/{scene.app_id}/applicant", headers=scene.h_hr)
    assert r.status_code == 409 and "撤回" in r.json["error"]["message"]["zh"]
    assert _log(db, scene.profile) == [] and _log(db, invitee) == []


def test_an_unverified_organisation_opens_no_applicant(client, db, make, scene):
    scene.org.verification_status = "pending"
    db.flush()
    r = client.get(f"/api/v1/applications/{scene.app_id}/applicant", headers=scene.h_hr)
    assert r.status_code in (403, 409) and PHONE not in r.get_data(as_text=True)
    assert _log(db, scene.profile) == []


def test_a_caseworker_reveals_a_phone_of_their_district_for_a_purpose_and_the_person_sees_why(client, db, make, scene):
    cw = make.user("caseworker", district="望花区", display_name="王经办")
    h = make.token(cw)
    r = client.post(f"/api/v1/profiles/{scene.profile.id}/phone", json={"purpose": "follow_up"}, headers=h)
    assert r.status_code == 200, r.json
    assert r.json["phone"] == PHONE and r.json["purpose_zh"] == "跟踪回访"
    assert r.json["reveals_left_today"] == contact.REVEALS_PER_DAY - 1
    seen = client.get("/api/v1/me/data", headers=scene.h_person).json["who_saw_my_contact"]
    assert [(s["who"], s["role"], s["what"], s["purpose_zh"]) for s in seen] == [("王经办", "caseworker", "phone", "跟踪回访")]


def test_a_reveal_needs_a_purpose_and_other_needs_words(client, db, make, scene):
    h = make.token(make.user("caseworker", district="望花区"))
    for body, field in (({}, "purpose"), ({"purpose": "curiosity"}, "purpose"), ({"purpose": "other"}, "note")):
        r = client.post(f"/api/v1/profiles/{scene.profile.id}/phone", json=body, headers=h)
        assert r.status_code == 422 and r.json["error"]["field"] == field and "phone" not in r.json, (body, r.json)
    assert _log(db, scene.profile) == []
    r = client.post(f"/api/v1/profiles/{scene.profile.id}/phone", json={"purpose": "other", "note": "核对住址"}, headers=h)
    assert r.status_code == 200


def test_a_caseworker_of_another_district_and_other_roles_get_no_number(client, db, make, scene):
    r = client.post(f"/api/v1/profiles/{scene.profile.id}/phone", json={"purpose": "follow_up"},
                    headers=make.token(make.user("caseworker", district="新抚区")))
    assert r.status_code == 404
    for who in (scene.h_hr, scene.h_person, make.token(make.user("admin"))):
        r = client.post(f"/api/v1/profiles/{scene.profile.id}/phone", json={"purpose": "follow_up"}, headers=who)
        assert r.status_code == 403
    assert _log(db, scene.profile) == []


def test_reveals_are_limited_per_caseworker_per_day(client, db, make, scene):
    cw = make.user("caseworker", district="望花区")
    h = make.token(cw)
    for _ in range(contact.REVEALS_PER_DAY):
        assert client.post(f"/api/v1/profiles/{scene.profile.id}/phone", json={"purpose": "policy_notice"},
                           headers=h).status_code == 200
    r = client.post(f"/api/v1/profiles/{scene.profile.id}/phone", json={"purpose": "policy_notice"}, headers=h)
    assert r.status_code == 429 and str(contact.REVEALS_PER_DAY) in r.json["error"]["message"]["zh"]
    assert PHONE not in r.get_data(as_text=True)
    assert len(_log(db, scene.profile)) == contact.REVEALS_PER_DAY
    # a colleague has their own allowance
    r = client.post(f"/api/v1/profiles/{scene.profile.id}/phone", json={"purpose": "policy_notice"},
                    headers=make.token(make.user("caseworker", district="望花区")))
    assert r.status_code == 200


def test_the_log_outlives_the_person_deletion_without_the_notes(client, db, make, scene):
    cw = make.user("caseworker", district="望花区")
    client.post(f"/api/v1/profiles/{scene.profile.id}/phone", json={"purpose": "other", "note": "周敏要求回电"},
                headers=make.token(cw))
    assert client.post("/api/v1/me/delete", json={"password": "secret-pass-1"}, headers=scene.h_person).status_code == 200
    db.expire_all()
    logs = _log(db, scene.profile)
    assert [(lg.viewer_id, lg.purpose, lg.note) for lg in logs] == [(cw.id, "other", "")]
    assert db.get(Application, scene.app_id) is not None and db.scalars(select(ApplicationEvent)).first() is not None
