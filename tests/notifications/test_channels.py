"""A person chooses SMS or e-mail only for a number or address confirmed with a code sent
through the outbox; the code is the only message sent there before that."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from marketplace.errors import TooManyRequests
from marketplace.notifications import contacts, notify, outbox, register
from marketplace.notifications.models import OutboxMessage
from marketplace.notifications.senders import for_channel


def sent_codes(app, address):
    sender = for_channel(app.config["MARKETPLACE"], "sms" if address.isdigit() else "email")
    return [re.search(r"(\d{6})", body).group(1) for to, _, body in sender.sent if to == address]


def test_phone_verified_by_a_code_then_chosen_then_told_by_sms(app, client, make, db):
    register("stage_change", "申请进度更新", "Application update", ("app", "sms", "email"))
    person = make.user("person")
    h = make.token(person)
    r = client.put("/api/v1/notifications/settings", json={"sms": True, "email": False}, headers=h)
    assert r.status_code == 422 and r.json["error"]["field"] == "sms"

    r = client.post("/api/v1/notifications/contacts", json={"channel": "sms", "address": "13812345678"}, headers=h)
    assert r.status_code == 200 and r.json["contacts"]["sms"] == {"address": "138****5678", "verified": False,
                                                                  "waiting": True}
    [code] = sent_codes(app, "13812345678")
    # before the code comes back the channel cannot be chosen and nothing else goes there
    assert client.put("/api/v1/notifications/settings", json={"sms": True}, headers=h).status_code == 422
    notify(db, person.id, "stage_change", "before", "进度", "progress")
    assert db.scalars(select(OutboxMessage.key).where(OutboxMessage.user_id == person.id)).all() == [
        db.scalar(select(OutboxMessage.key).where(OutboxMessage.key.like("verify:%")))]

    wrong = "000000" if code != "000000" else "111111"
    r = client.post("/api/v1/notifications/contacts/confirm", json={"channel": "sms", "code": wrong}, headers=h)
    assert r.status_code == 422 and r.json["error"]["field"] == "code"
    r = client.post("/api/v1/notifications/contacts/confirm", json={"channel": "sms", "code": code}, headers=h)
    assert r.status_code == 200 and r.json["contacts"]["sms"]["verified"] is True
    assert client.put("/api/v1/notifications/settings", json={"sms": True}, headers=h).json["sms"] is True

    notify(db, person.id, "stage_change", "after", "您的申请进入面试", "interview", "/me/applications")
    sms = db.scalar(select(OutboxMessage).where(OutboxMessage.user_id == person.id, OutboxMessage.key == "after"))
    assert sms is not None and sms.channel == "sms" and "您的申请进入面试" in sms.body


def test_bad_addresses_are_refused_naming_the_field(client, make):
    h = make.token(make.user("person"))
    for channel, address in (("sms", "12345"), ("email", "not-an-address")):
        r = client.post("/api/v1/notifications/contacts", json={"channel": channel, "address": address}, headers=h)
        assert r.status_code == 422 and r.json["error"]["field"] == "address"
    assert client.get("/api/v1/notifications/settings", headers=h).json["contacts"] == {}


def test_a_new_code_cannot_be_asked_for_within_a_minute_and_five_wrong_codes_end_it(client, make):
    h = make.token(make.user("person"))
    body = {"channel": "email", "address": "me@example.com"}
    assert client.post("/api/v1/notifications/contacts", json=body, headers=h).status_code == 200
    assert client.post("/api/v1/notifications/contacts", json=body, headers=h).status_code == 429
    for _ in range(5):
        client.post("/api/v1/notifications/contacts/confirm", json={"channel": "email", "code": "999999x"[:6]},
                    headers=h)
    r = client.post("/api/v1/notifications/contacts/confirm", json={"channel": "email", "code": "123456"}, headers=h)
    assert r.status_code == 422 and "expired" in r.json["error"]["message"]["en"]


def test_settings_page_adds_confirms_and_chooses_email(app, client, make):
    person = make.user("person")
    client.post("/login", data={"username": person.username, "password": "secret-pass-1"})
    html = client.get("/account/notifications").get_data(as_text=True)
    assert "通知设置" in html
    r = client.post("/account/notifications", data={"action": "channels", "email": "1"})
    assert r.status_code == 422 and "请先添加并验证电子邮箱" in r.get_data(as_text=True)
    client.post("/account/notifications", data={"action": "add", "channel": "email", "address": "Zhang@Example.com"})
    [code] = sent_codes(app, "zhang@example.com")[-1:]
    html = client.get("/account/notifications").get_data(as_text=True)
    assert 'data-test="unverified"' in html
    client.post("/account/notifications", data={"action": "confirm", "channel": "email", "code": code})
    client.post("/account/notifications", data={"action": "channels", "email": "1"})
    html = client.get("/account/notifications").get_data(as_text=True)
    assert 'data-test="verified"' in html and 'name="email" value="1" checked' in html


def test_a_number_gets_five_codes_an_hour_and_ten_a_day_whichever_accounts_ask(app, db, make, cipher):
    """Anyone may type someone else's number: the minute between codes held one account, not
    many. Six accounts asking for the same number within an hour send it five codes; the sixth
    is refused, naming the field, and nothing of theirs changes. After the hour it goes on, up
    to ten that day; another number is not affected."""
    victim, start = "13700137000", dt.datetime(2026, 12, 7, 2, 0)  # 10:00 in Fushun
    sender = for_channel(app.config["MARKETPLACE"], "sms")
    before = sum(1 for to, _, _ in sender.sent if to == victim)
    people = [make.user("person") for _ in range(11)]
    for k, person in enumerate(people[:5]):
        contacts.add(db, cipher, person, "sms", victim, now=start + dt.timedelta(minutes=k))
    with pytest.raises(TooManyRequests) as refused:
        contacts.add(db, cipher, people[5], "sms", victim, now=start + dt.timedelta(minutes=10))
    assert refused.value.field == "address" and "一小时内" in refused.value.message_zh
    assert contacts.contact(db, people[5].id, "sms") is None
    contacts.add(db, cipher, people[5], "sms", "13700137001", now=start + dt.timedelta(minutes=11))  # another number

    later = start + dt.timedelta(hours=1, minutes=5)
    for k, person in enumerate(people[5:10]):
        contacts.add(db, cipher, person, "sms", victim, now=later + dt.timedelta(minutes=k))
    with pytest.raises(TooManyRequests) as today:
        contacts.add(db, cipher, people[10], "sms", victim, now=later + dt.timedelta(hours=3))
    assert "明天" in today.value.message_zh
    contacts.add(db, cipher, people[10], "sms", victim, now=start + dt.timedelta(days=1, minutes=1))
    db.commit()
    database, cfg = app.extensions["db"], app.config["MARKETPLACE"]
    codes = db.scalars(select(OutboxMessage.id).where(OutboxMessage.key.like("verify:%"),
                                                      OutboxMessage.user_id.in_([p.id for p in people]))).all()
    for i in codes:
        outbox.deliver(database, cipher, cfg, i, start + dt.timedelta(days=1, minutes=2))
    assert sum(1 for to, _, _ in sender.sent if to == victim) - before == 11  # 5 + 5, then 1 the next day


def test_the_api_refuses_the_sixth_code_to_one_number_with_429(client, make):
    victim = "13600136000"
    for _ in range(5):
        h = make.token(make.user("person"))
        r = client.post("/api/v1/notifications/contacts", json={"channel": "sms", "address": victim}, headers=h)
        assert r.status_code == 200
    h = make.token(make.user("person"))
    r = client.post("/api/v1/notifications/contacts", json={"channel": "sms", "address": victim}, headers=h)
    assert r.status_code == 429 and r.json["error"]["field"] == "address"
    assert "too many codes" in r.json["error"]["message"]["en"]
    assert client.get("/api/v1/notifications/settings", headers=h).json["contacts"] == {}
