"""Interviews on an application: the employer proposes times with a place or a link, the
person accepts one, declines or asks for another; both are told; a reminder the day before;
an .ics file of the accepted one."""
from __future__ import annotations

import datetime as dt

from icalendar import Calendar
from sqlalchemy import select

from marketplace import clock
from marketplace.core.models import ApplicationInterview
from marketplace.core.tasks import interview_reminders
from marketplace.notifications.models import Notification


def _local(days: int, hour: int) -> dt.datetime:
    """A Fushun wall-clock time ``days`` from today (naive, as a person types it)."""
    return dt.datetime.combine(clock.local_date(clock.now_utc()) + dt.timedelta(days=days), dt.time(hour, 30))


def _notes(db, user, kind):
    return list(db.scalars(select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
                           .order_by(Notification.id)))


def _propose(client, scene, *times, **kw):
    body = {"options": [t.isoformat(timespec="minutes") for t in times], "place": "抚顺市望花区和平路 8 号 3 楼"}
    body.update(kw)
    return client.post(f"/api/v1/applications/{scene.app_id}/interviews", json=body, headers=scene.h_hr)


def test_propose_then_accept_and_both_see_it(client, db, scene):
    a, b = _local(3, 9), _local(4, 14)
    r = _propose(client, scene, b, a, note="请带焊工证")
    assert r.status_code == 201, r.json
    iv = r.json
    assert [o["local"] for o in iv["options"]] == [a.strftime("%Y-%m-%d %H:%M"), b.strftime("%Y-%m-%d %H:%M")]
    told = _notes(db, scene.person, "interview_proposed")
    assert len(told) == 1 and a.strftime("%Y-%m-%d %H:%M") in told[0].text_zh and told[0].link.endswith(str(scene.app_id))
    r = client.post(f"/api/v1/applications/{scene.app_id}/interviews/{iv['id']}/answer",
                    json={"answer": "accept", "option": 1}, headers=scene.h_person)
    assert r.status_code == 200, r.json
    assert r.json["status"] == "accepted" and r.json["starts_local"] == b.strftime("%Y-%m-%d %H:%M")
    for h in (scene.h_person, scene.h_hr):
        listed = client.get(f"/api/v1/applications/{scene.app_id}/interviews", headers=h).json["items"]
        assert [(i["id"], i["status"]) for i in listed] == [(iv["id"], "accepted")]
    answered = _notes(db, scene.hr, "interview_answered")
    assert len(answered) == 1 and "接受" in answered[0].text_zh


def test_decline_and_ask_for_another_time_tell_the_employer_and_a_new_proposal_replaces(client, db, scene):
    iv = _propose(client, scene, _local(2, 10)).json
    r = client.post(f"/api/v1/applications/{scene.app_id}/interviews/{iv['id']}/answer",
                    json={"answer": "reschedule", "note": "周三上午有课，周四可以"}, headers=scene.h_person)
    assert r.status_code == 200 and r.json["status"] == "reschedule_asked"
    asked = _notes(db, scene.hr, "interview_answered")
    assert "周四可以" in asked[-1].text_zh
    # the employer proposes again: the old one is replaced, the person is told of the change
    new = _propose(client, scene, _local(5, 10), online_link="https://meeting.example.cn/j/123", place="").json
    assert db.get(ApplicationInterview, iv["id"]).status == "replaced"
    assert "更改" in _notes(db, scene.person, "interview_proposed")[-1].text_zh
    r = client.post(f"/api/v1/applications/{scene.app_id}/interviews/{new['id']}/answer",
                    json={"answer": "decline", "note": "已找到工作"}, headers=scene.h_person)
    assert r.status_code == 200 and r.json["status"] == "declined"
    assert "拒绝" in _notes(db, scene.hr, "interview_answered")[-1].text_zh
    # a replaced or declined proposal cannot be accepted any more
    r = client.post(f"/api/v1/applications/{scene.app_id}/interviews/{iv['id']}/answer",
                    json={"answer": "accept", "option": 0}, headers=scene.h_person)
    assert r.status_code == 409


def test_bad_proposals_are_refused_naming_the_field(client, db, make, scene):
    r = _propose(client, scene, _local(-1, 9))
    assert r.status_code == 422 and r.json["error"]["field"] == "options"
    r = _propose(client, scene, _local(2, 9), place="")
    assert r.status_code == 422 and r.json["error"]["field"] == "place"
    r = _propose(client, scene, _local(2, 9), online_link="javascript:alert(1)")
    assert r.status_code == 422 and r.json["error"]["field"] == "online_link"
    r = client.post(f"/api/v1/applications/{scene.app_id}/interviews",
                    json={"options": [_local(2, 9).isoformat()], "place": "x"}, headers=make.token(make.user("employer")))
    assert r.status_code == 404
    # the person answers; the employer does not answer for them
    iv = _propose(client, scene, _local(2, 9)).json
    r = client.post(f"/api/v1/applications/{scene.app_id}/interviews/{iv['id']}/answer",
                    json={"answer": "accept", "option": 0}, headers=scene.h_hr)
    assert r.status_code == 403
    r = client.post(f"/api/v1/applications/{scene.app_id}/interviews/{iv['id']}/answer",
                    json={"answer": "accept", "option": 3}, headers=scene.h_person)
    assert r.status_code == 422 and r.json["error"]["field"] == "option"
    assert db.scalars(select(ApplicationInterview).where(ApplicationInterview.status != "proposed")).all() == []


def test_the_reminder_goes_out_the_day_before_once(app, client, db, scene):
    iv = _propose(client, scene, _local(1, 15), _local(2, 10)).json
    client.post(f"/api/v1/applications/{scene.app_id}/interviews/{iv['id']}/answer",
                json={"answer": "accept", "option": 1}, headers=scene.h_person)
    with app.app_context():
        assert interview_reminders.run() == 0  # the day after tomorrow: not yet
        tomorrow = clock.now_utc() + dt.timedelta(days=1)
        assert interview_reminders.run(tomorrow.isoformat()) == 1
        assert interview_reminders.run(tomorrow.isoformat()) == 0  # twice: sent once
    db.expire_all()
    person_told = _notes(db, scene.person, "interview_reminder")
    assert len(person_told) == 1 and "明天 10:30" in person_told[0].text_zh and "和平路" in person_told[0].text_zh
    assert len(_notes(db, scene.hr, "interview_reminder")) == 1


def test_the_accepted_interview_downloads_as_an_ics_file(client, db, scene):
    when = _local(3, 9)
    iv = _propose(client, scene, when, note="请带焊工证").json
    r = client.get(f"/api/v1/applications/{scene.app_id}/interviews/{iv['id']}.ics", headers=scene.h_person)
    assert r.status_code == 409  # no time yet
    client.post(f"/api/v1/applications/{scene.app_id}/interviews/{iv['id']}/answer",
                json={"answer": "accept", "option": 0}, headers=scene.h_person)
    for h in (scene.h_person, scene.h_hr):
        r = client.get(f"/api/v1/applications/{scene.app_id}/interviews/{iv['id']}.ics", headers=h)
        assert r.status_code == 200 and r.mimetype == "text/calendar"
        assert "attachment" in r.headers["Content-Disposition"]
        cal = Calendar.from_ical(r.data)
        (event,) = cal.walk("VEVENT")
        start = event.decoded("dtstart")
        assert start.astimezone(clock.TZ).replace(tzinfo=None) == when
        assert event.decoded("dtend") - start == dt.timedelta(minutes=30)
        assert str(event["summary"]) == "面试：电焊工（抚顺甲公司）"
        assert "和平路" in str(event["location"]) and "焊工证" in str(event["description"])
        assert event.walk("VALARM")[0].decoded("trigger") == dt.timedelta(days=-1)


def test_strangers_see_no_interviews(client, make, scene):
    _propose(client, scene, _local(2, 9))
    for who in ("employer", "caseworker", "admin"):
        r = client.get(f"/api/v1/applications/{scene.app_id}/interviews", headers=make.token(make.user(who)))
        assert r.status_code in (403, 404)
