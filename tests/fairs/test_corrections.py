"""Issue 15 in fairs: a fair and its slots are corrected before it starts (past days and
overlapping slots refused), a booth is cancelled; the people whose interview slot an edit
removes, or whose booth is cancelled, are told, and a removed slot's interview goes back to a
request; a reversed hire is taken back from the booth's outcome."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from marketplace import clock
from marketplace.core.models import AuditEntry
from marketplace.fairs.models import Fair, Interview
from marketplace.notifications.models import Notification


def _tomorrow(db, fair_world):
    fair = db.get(Fair, fair_world["fair"]["id"])
    fair.held_on = clock.today() + dt.timedelta(days=1)
    db.commit()
    return fair


def _iv(db, fair, booth, person, slot, status="confirmed"):
    iv = Interview(fair_id=fair.id, booth_id=booth["id"], profile_id=person["profile"].id,
                   posting_id=booth["posting"].id, requested_by="person", status=status, slot=slot)
    db.add(iv)
    db.commit()
    return iv.id


def _body(fair, **kw):
    body = {"name": fair.name, "mode": fair.mode, "held_on": fair.held_on.isoformat(), "venue": fair.venue,
            "slots": list(fair.slots), "description": fair.description}
    body.update(kw)
    return body


def _told(db, person):
    return [n for n in db.scalars(select(Notification).where(Notification.user_id == person["user"].id))]


def test_an_edit_that_removes_a_slot_sends_its_interview_back_to_a_request_and_tells_the_holder(
        client, db, fair_world):
    fair = _tomorrow(db, fair_world)
    a, b = fair_world["people"][0], fair_world["people"][1]
    kept = _iv(db, fair, fair_world["booths"][0], a, 2)       # 10:00-10:30 stays
    removed = _iv(db, fair, fair_world["booths"][1], b, 0)    # 09:00-09:30 goes
    r = client.put(f"/api/v1/fairs/{fair.id}", headers=fair_world["h_org"],
                   json=_body(fair, slots=["09:30-10:00", "10:00-10:30", "10:30-11:00"], reason="推迟半小时开始"))
    assert r.status_code == 200, r.json
    db.expire_all()
    assert (db.get(Interview, kept).status, db.get(Interview, kept).slot) == ("confirmed", 1)
    assert (db.get(Interview, removed).status, db.get(Interview, removed).slot) == ("requested", None)
    assert any("09:00-09:30" in n.text_zh for n in _told(db, b)) and not _told(db, a)
    [entry] = db.scalars(select(AuditEntry).where(AuditEntry.entity == "fair", AuditEntry.entity_id == fair.id,
                                                  AuditEntry.action == "edit")).all()
    assert entry.before["slots"][0] == "09:00-09:30" and entry.after["slots"][0] == "09:30-10:00"
    assert entry.reason == "推迟半小时开始" and entry.after["interviews_back_to_requests"] == 1


def test_past_days_overlapping_slots_and_a_started_fair_are_refused(client, db, fair_world):
    fair = _tomorrow(db, fair_world)
    h = fair_world["h_org"]
    r = client.put(f"/api/v1/fairs/{fair.id}", headers=h,
                   json=_body(fair, held_on=(clock.today() - dt.timedelta(days=1)).isoformat()))
    assert r.status_code == 422 and r.json["error"]["field"] == "held_on"
    r = client.put(f"/api/v1/fairs/{fair.id}", headers=h, json=_body(fair, slots=["09:00-09:45", "09:30-10:00"]))
    assert r.status_code == 422 and "slots" in str(r.json["error"])
    fair.held_on = clock.today()
    db.commit()
    r = client.put(f"/api/v1/fairs/{fair.id}", headers=h, json=_body(fair, name="改名"))
    assert r.status_code == 409 and r.json["error"]["field"] == "held_on"
    db.expire_all()
    assert db.get(Fair, fair.id).name == "抚顺市春季双选会"


def test_a_cancelled_booth_tells_the_people_with_interviews_there(client, db, fair_world):
    fair = _tomorrow(db, fair_world)
    a = fair_world["people"][0]
    booth = fair_world["booths"][0]
    iv = _iv(db, fair, booth, a, None, status="requested")
    url = f"/api/v1/fairs/{fair.id}/booths/{booth['id']}/cancel"
    assert client.post(url, headers=fair_world["booths"][1]["h"], json={"reason": "别人的展位"}).status_code == 404
    assert client.post(url, headers=fair_world["h_org"], json={"reason": ""}).status_code == 422
    r = client.post(url, headers=fair_world["h_org"], json={"reason": "单位无法到场"})
    assert r.status_code == 200 and r.json["status"] == "cancelled"
    db.expire_all()
    assert db.get(Interview, iv).status == "cancelled"
    assert any("单位无法到场" in n.text_zh for n in _told(db, a))


def test_a_reversed_hire_is_taken_back_from_the_booths_outcome(client, db, fair_world):
    a = fair_world["people"][0]
    booth = fair_world["booths"][0]
    fair = db.get(Fair, fair_world["fair"]["id"])
    iv = _iv(db, fair, booth, a, 0)
    r = client.post(f"/api/v1/fairs/interviews/{iv}/outcome", headers=booth["h"], json={"outcome": "hired"})
    assert r.status_code == 200, r.json
    app_id = db.get(Interview, iv).application_id
    r = client.post(f"/api/v1/applications/{app_id}/reverse", headers=booth["h"], json={"reason": "录错了人"})
    assert r.status_code == 200 and r.json["stage"] == "interview", r.json  # the fair moved it interview → hired
    db.expire_all()
    assert db.get(Interview, iv).outcome == "intent" and db.get(Interview, iv).subsidy_note == ""


def test_the_organiser_edits_a_fair_and_cancels_a_booth_on_its_pages(client, db, fair_world):
    fair = _tomorrow(db, fair_world)
    r = client.post("/login", data={"username": fair_world["organiser"].username, "password": "secret-pass-1"})
    assert r.status_code == 302
    page = client.get(f"/organiser/fairs/{fair.id}")
    assert 'data-test="edit-fair"' in page.text and 'data-test="cancel-booth"' in page.text
    form = client.get(f"/organiser/fairs/{fair.id}/edit")
    assert form.status_code == 200 and "09:00-09:30, 09:30-10:00" in form.text
    data = {"name": "抚顺市春季双选会（改期）", "mode": "both", "held_on": fair.held_on.isoformat(),
            "venue": fair.venue, "slots": "09:00-09:45, 09:30-10:00", "description": ""}
    r = client.post(f"/organiser/fairs/{fair.id}/edit", data=data)
    assert r.status_code == 422 and ("overlap" in r.text or "重叠" in r.text)
    r = client.post(f"/organiser/fairs/{fair.id}/edit", data=dict(data, slots="09:00-09:30, 09:30-10:00"))
    assert r.status_code == 302
    db.expire_all()
    assert db.get(Fair, fair.id).slots == ["09:00-09:30", "09:30-10:00"]
    booth = fair_world["booths"][1]
    r = client.post(f"/organiser/fairs/{fair.id}/booths/{booth['id']}/cancel", data={"reason": "展位撤展"})
    assert r.status_code == 302
    assert "已取消" in client.get(f"/organiser/fairs/{fair.id}").text


def test_an_employer_cancels_its_own_booth_on_its_fairs_page(client, db, fair_world):
    fair = _tomorrow(db, fair_world)
    booth = fair_world["booths"][0]
    a = fair_world["people"][0]
    _iv(db, fair, booth, a, 1)
    r = client.post("/login", data={"username": booth["hr"].username, "password": "secret-pass-1"})
    assert r.status_code == 302
    assert 'data-test="cancel-my-booth"' in client.get("/employer/fairs").text
    other = fair_world["booths"][1]
    assert client.post(f"/employer/fairs/{fair.id}/booths/{other['id']}/cancel",
                       data={"reason": "不是我的"}).status_code == 404
    r = client.post(f"/employer/fairs/{fair.id}/booths/{booth['id']}/cancel", data={"reason": "人手不足"})
    assert r.status_code == 302
    assert any("人手不足" in n.text_zh for n in _told(db, a))


def test_a_fair_cannot_be_created_for_a_past_day(client, db, fair_world):
    """Creating refuses a past day as editing does: nothing is created, the field is named."""
    h = fair_world["h_org"]
    before = db.scalar(select(func.count()).select_from(Fair))
    yesterday = (clock.today() - dt.timedelta(days=1)).isoformat()
    r = client.post("/api/v1/fairs", headers=h, json={"name": "补办的招聘会", "mode": "onsite", "held_on": yesterday,
                                                      "venue": "大厅", "slots": ["09:00-09:30"]})
    assert r.status_code == 422 and r.json["error"]["field"] == "held_on"
    assert r.json["error"]["message"]["zh"] == "招聘会日期不能早于今天"
    r = client.post("/login", data={"username": fair_world["organiser"].username, "password": "secret-pass-1"})
    r = client.post("/organiser/fairs", data={"name": "补办的招聘会", "mode": "onsite", "held_on": yesterday,
                                              "venue": "大厅", "slots": "09:00-09:30"})
    assert r.status_code == 422 and "招聘会日期不能早于今天" in r.text
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Fair)) == before
    today = client.post("/api/v1/fairs", headers=h, json={"name": "今天的招聘会", "mode": "online",
                                                          "held_on": clock.today().isoformat(), "slots": ["09:00-09:30"]})
    assert today.status_code == 201


def test_slot_errors_read_in_chinese_on_chinese_pages(client, db, fair_world):
    """The overlap, order and format refusals of the slots have Chinese text (no English on a Chinese page)."""
    fair = _tomorrow(db, fair_world)
    client.post("/login", data={"username": fair_world["organiser"].username, "password": "secret-pass-1"})
    data = {"name": fair.name, "mode": "both", "held_on": fair.held_on.isoformat(), "venue": fair.venue,
            "description": ""}
    for slots, zh in (("09:00-09:45, 09:30-10:00", "时段不能重叠：09:00-09:45 与 09:30-10:00"),
                      ("09:30-10:00, 09:00-09:30", "时段须按时间顺序排列"),
                      ("10:00-09:00", "结束晚于开始")):
        r = client.post(f"/organiser/fairs/{fair.id}/edit", data=dict(data, slots=slots))
        assert r.status_code == 422 and zh in r.text, slots
        assert "must not overlap" not in r.text and "in time order" not in r.text and "is written" not in r.text
    r = client.put(f"/api/v1/fairs/{fair.id}", headers=fair_world["h_org"],
                   json=_body(fair, slots=["09:00-09:45", "09:30-10:00"]))
    assert r.json["error"]["message"] == {"zh": "时段：时段不能重叠：09:00-09:45 与 09:30-10:00",
                                          "en": "slots: slots must not overlap: 09:00-09:45 and 09:30-10:00"}
