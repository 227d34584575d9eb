"""Issue 15: a caseworker corrects a person's welfare records (the unemployment registration's
dates and status, the hard-to-employ status) with a reason; the correction is audited
(before, after, why), the profile's category follows, the person is told and sees it on
their own page. Refusals name the field and change nothing."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from marketplace import clock
from marketplace.core.models import AuditEntry, Profile, User
from marketplace.notifications.models import Notification
from marketplace.welfare import registrations
from marketplace.welfare.models import HardToEmployStatus, Registration
from tests.welfare.helpers import registered

D = dt.timedelta


def login(client, user, password="secret-pass-1"):
    client.post("/logout")
    r = client.post("/login", data={"username": user.username, "password": password})
    assert r.status_code == 302, r.text


def _notes(db, profile):
    return list(db.scalars(select(Notification).where(Notification.user_id == profile.user_id,
                                                      Notification.kind == "welfare_record_corrected")
                           .order_by(Notification.id)))


def _since(db, profile):
    db.expire_all()
    p = db.get(Profile, profile.id)
    return next((c.since_on for c in p.categories if c.category == "registered_unemployed"), None)


def test_a_caseworker_corrects_a_registration_date_with_a_reason_and_the_person_sees_it(client, db, make):
    cw = make.user("caseworker", district="望花区")
    today = clock.today()
    p, reg = registered(db, make, cw, today - D(30), hte=False, name="刘登记")
    db.commit()
    login(client, cw)
    page = client.get(f"/caseworker/people/{p.id}").text
    assert f'data-test="correct-registration-{reg.id}"' in page and "保存更正" in page and "更正理由" in page
    right = today - D(75)
    r = client.post(f"/welfare/registrations/{reg.id}/correct", data={
        "registered_on": right.isoformat(), "ended_on": "", "end_reason": "", "reason": "窗口登记日期录入有误"})
    assert r.status_code == 302
    db.expire_all()
    assert db.get(Registration, reg.id).registered_on == right
    assert _since(db, p) == right  # the profile's category follows (R8 counts from here)
    entry = db.scalar(select(AuditEntry).where(AuditEntry.entity == "registration", AuditEntry.entity_id == reg.id,
                                               AuditEntry.action == "correct"))
    assert entry.before == {"registered_on": (today - D(30)).isoformat()}
    assert entry.after == {"registered_on": right.isoformat()}
    assert entry.reason == "窗口登记日期录入有误" and entry.actor_id == cw.id
    [note] = _notes(db, p)
    assert "登记日期" in note.text_zh and "窗口登记日期录入有误" in note.text_zh and note.link == "/welfare/me"
    assert 'data-test="welfare-corrections"' in client.get(f"/caseworker/people/{p.id}").text

    login(client, db.get(User, p.user_id))
    me = client.get("/welfare/me").text
    assert 'data-test="welfare-correction"' in me and "经办人员的更正" in me
    assert f"{(today - D(30)).isoformat()} → {right.isoformat()}" in me and "窗口登记日期录入有误" in me
    api = client.get("/api/v1/notifications", headers=make.token(db.get(User, p.user_id))).json
    assert api["items"][0]["title"] == "就业登记信息已更正"


def test_ending_and_reopening_a_registration_by_correction(client, db, make):
    cw = make.user("caseworker", district="望花区")
    today = clock.today()
    p, reg = registered(db, make, cw, today - D(60), hte=False)
    db.commit()
    h = make.token(cw)
    r = client.post(f"/api/v1/welfare/registrations/{reg.id}/correct", headers=h, json={
        "registered_on": reg.registered_on.isoformat(), "ended_on": (today - D(10)).isoformat(),
        "end_reason": "employed", "reason": "回访得知已于上月就业"})
    assert r.status_code == 200, r.json
    assert r.json["ended_on"] == (today - D(10)).isoformat() and r.json["end_reason"] == "employed"
    assert _since(db, p) is None  # no longer registered unemployed on the profile
    r = client.post(f"/api/v1/welfare/registrations/{reg.id}/correct", headers=h, json={
        "registered_on": reg.registered_on.isoformat(), "ended_on": None, "reason": "误注销 就业的是同名人员"})
    assert r.status_code == 200 and r.json["ended_on"] is None and r.json["end_reason"] is None
    assert _since(db, p) == today - D(60)
    assert len(_notes(db, p)) == 2


def test_reopening_is_refused_while_another_registration_is_open(client, db, make):
    cw = make.user("caseworker", district="望花区")
    today = clock.today()
    p, old = registered(db, make, cw, today - D(90), hte=False)
    registrations.end_registration(db, cw, old.id, "employed", ended_on=today - D(40), today=today)
    new = registrations.register(db, cw, profile_id=p.id, basis="residence", district="望花区",
                                 registered_on=today - D(5), today=today)
    db.commit()
    r = client.post(f"/api/v1/welfare/registrations/{old.id}/correct", headers=make.token(cw), json={
        "registered_on": old.registered_on.isoformat(), "ended_on": None, "reason": "误注销"})
    assert r.status_code == 409 and r.json["error"]["field"] == "ended_on" and f"#{new.id}" in r.json["error"]["message"]["zh"]
    db.expire_all()
    assert db.get(Registration, old.id).ended_on == today - D(40)


def test_refusals_name_the_field_and_change_nothing(client, db, make):
    cw = make.user("caseworker", district="望花区")
    other = make.user("caseworker", district="顺城区")
    today = clock.today()
    p, reg = registered(db, make, cw, today - D(30), hte=False)
    db.commit()
    h = make.token(cw)
    base = {"registered_on": reg.registered_on.isoformat(), "reason": "更正"}
    cases = [({**base, "reason": ""}, 422, "reason"),
             ({**base, "registered_on": (today + D(1)).isoformat()}, 422, "registered_on"),
             ({**base, "ended_on": (reg.registered_on - D(1)).isoformat(), "end_reason": "employed"}, 422, "ended_on"),
             ({**base, "ended_on": today.isoformat()}, 422, "end_reason"),
             ({**base, "end_reason": "fired"}, 422, "end_reason"),
             (base, 422, "registered_on")]  # nothing changed
    for body, status, field in cases:
        r = client.post(f"/api/v1/welfare/registrations/{reg.id}/correct", headers=h, json=body)
        assert r.status_code == status and r.json["error"]["field"] == field, (body, r.json)
    r = client.post(f"/api/v1/welfare/registrations/{reg.id}/correct", headers=make.token(other),
                    json={**base, "registered_on": (today - D(40)).isoformat()})
    assert r.status_code == 404
    person = db.get(User, p.user_id)
    r = client.post(f"/api/v1/welfare/registrations/{reg.id}/correct", headers=make.token(person),
                    json={**base, "registered_on": (today - D(40)).isoformat()})
    assert r.status_code == 403
    # the page shows the refusal with its reason and saves nothing
    login(client, cw)
    r = client.post(f"/welfare/registrations/{reg.id}/correct", data={"registered_on": (today - D(40)).isoformat(),
                                                                       "reason": ""})
    assert r.status_code == 303
    assert "请填写原因" in client.get(r.headers["Location"]).text  # in Chinese, the field named by its label
    db.expire_all()
    assert db.get(Registration, reg.id).registered_on == today - D(30)
    assert not _notes(db, p)
    assert db.scalar(select(AuditEntry.id).where(AuditEntry.entity == "registration", AuditEntry.action == "correct")) \
        is None


def test_a_caseworker_corrects_and_ends_a_hard_to_employ_status(client, db, make):
    cw = make.user("caseworker", district="望花区")
    today = clock.today()
    p, reg = registered(db, make, cw, today - D(20))
    status = db.scalar(select(HardToEmployStatus).where(HardToEmployStatus.profile_id == p.id))
    db.commit()
    login(client, cw)
    assert f'data-test="correct-hte-{status.id}"' in client.get(f"/caseworker/people/{p.id}").text
    r = client.post(f"/welfare/hard-to-employ/{status.id}/correct", data={
        "granted_on": (today - D(200)).isoformat(), "note": "认定证明 2020-001", "revoked_on": "",
        "revoked_reason": "", "reason": "认定日期以认定证明为准"})
    assert r.status_code == 302
    r = client.post(f"/welfare/hard-to-employ/{status.id}/correct", data={
        "granted_on": (today - D(200)).isoformat(), "note": "认定证明 2020-001", "revoked_on": "",
        "revoked_reason": "", "reason": ""})
    assert r.status_code == 303  # no reason: refused, nothing saved
    r = client.post(f"/api/v1/welfare/hard-to-employ/{status.id}/correct", headers=make.token(cw), json={
        "granted_on": (today - D(200)).isoformat(), "note": "认定证明 2020-001",
        "revoked_on": (today - D(3)).isoformat(), "reason": "已稳定就业"})
    assert r.status_code == 422 and r.json["error"]["field"] == "revoked_reason"
    r = client.post(f"/api/v1/welfare/hard-to-employ/{status.id}/correct", headers=make.token(cw), json={
        "granted_on": (today - D(200)).isoformat(), "note": "认定证明 2020-001",
        "revoked_on": (today - D(3)).isoformat(), "revoked_reason": "已稳定就业", "reason": "漏记终止"})
    assert r.status_code == 200 and r.json["revoked_on"] == (today - D(3)).isoformat()
    entries = list(db.scalars(select(AuditEntry).where(AuditEntry.entity == "hard_to_employ", AuditEntry.action == "correct")
                              .order_by(AuditEntry.id)))
    assert [e.reason for e in entries] == ["认定日期以认定证明为准", "漏记终止"]
    assert entries[0].before == {"granted_on": (today - D(20)).isoformat()}
    assert entries[1].after == {"revoked_on": (today - D(3)).isoformat(), "revoked_reason": "已稳定就业"}
    assert len(_notes(db, p)) == 2
    login(client, db.get(User, p.user_id))
    me = client.get("/welfare/me").text
    assert "就业困难人员认定" in me and "漏记终止" in me and "认定日期以认定证明为准" in me
