"""Messages on an application: both sides write on one thread, the other side is told,
nobody else reads it, and it goes with the person's data."""
from __future__ import annotations

from sqlalchemy import select

from marketplace.core.models import ApplicationMessage
from marketplace.notifications.models import Notification


def _told(db, user):
    return [n.text_zh for n in db.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.kind == "application_message").order_by(Notification.id))]


def test_both_sides_write_on_one_thread_and_the_other_side_is_told(client, db, scene):
    url = f"/api/v1/applications/{scene.app_id}/messages"
    r = client.post(url, json={"body": "您好 请问周五能来面试吗"}, headers=scene.h_hr)
    assert r.status_code == 201, r.json
    assert client.post(url, json={"body": "可以 上午十点方便"}, headers=scene.h_person).status_code == 201
    assert _told(db, scene.person) == ["抚顺甲公司（电焊工）给您留言：您好 请问周五能来面试吗"]
    assert _told(db, scene.hr) == ["周敏（电焊工）留言：可以 上午十点方便"]
    for h in (scene.h_person, scene.h_hr):
        items = client.get(url, headers=h).json["items"]
        assert [(m["side"], m["body"]) for m in items] == [("employer", "您好 请问周五能来面试吗"),
                                                           ("person", "可以 上午十点方便")]
    assert all(m.read_at is not None for m in db.scalars(select(ApplicationMessage)))


def test_empty_long_or_attached_messages_are_refused(client, db, scene):
    url = f"/api/v1/applications/{scene.app_id}/messages"
    for body in ({"body": "  "}, {"body": "长" * 1001}, {"body": "见附件", "attachment": "cv.pdf"}):
        r = client.post(url, json=body, headers=scene.h_person)
        assert r.status_code == 422, body
    assert db.scalars(select(ApplicationMessage)).all() == []


def test_nobody_else_reads_or_writes_the_thread(client, db, make, scene):
    url = f"/api/v1/applications/{scene.app_id}/messages"
    client.post(url, json={"body": "私下的话"}, headers=scene.h_person)
    for role in ("employer", "person"):
        h = make.token(make.user(role))
        assert client.get(url, headers=h).status_code == 404
        assert client.post(url, json={"body": "冒充"}, headers=h).status_code == 404
    for role in ("caseworker", "admin"):
        assert client.get(url, headers=make.token(make.user(role))).status_code == 403
    assert [m.body for m in db.scalars(select(ApplicationMessage))] == ["私下的话"]


def test_a_withdrawn_application_takes_no_more_messages(client, db, scene):
    url = f"/api/v1/applications/{scene.app_id}/messages"
    client.post(f"/api/v1/applications/{scene.app_id}/stage", json={"stage": "withdrawn"}, headers=scene.h_person)
    r = client.post(url, json={"body": "还在考虑吗？"}, headers=scene.h_hr)
    assert r.status_code == 409 and "撤回" in r.json["error"]["message"]["zh"]


def test_the_thread_is_in_the_data_download_and_deleted_with_the_person(client, db, scene):
    url = f"/api/v1/applications/{scene.app_id}/messages"
    client.post(url, json={"body": "周敏你好"}, headers=scene.h_hr)
    client.post(url, json={"body": "我的电话 13912345678"}, headers=scene.h_person)
    data = client.get("/api/v1/me/data", headers=scene.h_person).json
    assert [m["body"] for m in data["application_messages"]] == ["周敏你好", "我的电话 13912345678"]
    assert client.post("/api/v1/me/delete", json={"password": "secret-pass-1"}, headers=scene.h_person).status_code == 200
    db.expire_all()
    assert db.scalars(select(ApplicationMessage)).all() == []
    r = client.get(url, headers=scene.h_hr)
    assert r.status_code == 200 and r.json["items"] == []
