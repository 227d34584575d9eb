"""A person's download lists the phone and e-mail they gave for messages, their choice, their
notifications and the messages sent; erasure removes them."""
from __future__ import annotations

from sqlalchemy import func, select

from marketplace.notifications import notify
from marketplace.notifications.models import ContactPoint, Notification, OutboxMessage


def test_download_and_erasure(client, make, db):
    person = make.user("person")
    make.profile(user=person)
    h = make.token(person)
    client.post("/api/v1/notifications/contacts", json={"channel": "email", "address": "me@example.com"}, headers=h)
    notify(db, person.id, "stage_change", "p:1", "您的申请进入面试", "interview")
    data = client.get("/api/v1/me/data", headers=h).json
    assert data["message_contacts"] == [{"channel": "email", "address": "me@example.com", "verified_at": None}]
    assert data["message_channels"] == {"sms": False, "email": False}
    assert [n["zh"] for n in data["notifications"]] == ["您的申请进入面试"]
    assert len(data["messages_sent"]) == 1 and "验证码" in data["messages_sent"][0]["body"]

    assert client.post("/api/v1/me/delete", json={"password": "secret-pass-1"}, headers=h).status_code == 200
    for model in (ContactPoint, OutboxMessage, Notification):
        assert db.scalar(select(func.count()).select_from(model).where(model.user_id == person.id)) == 0
