"""The outbox: a notification reaches a person's verified e-mail through a real SMTP server
(aiosmtpd, started here), once even when the delivery task runs twice; retried while the
server is down and delivered once it is back; SMS held in quiet hours until 08:00 in Fushun;
throttled per person; nothing sent to a channel the person did not choose or verify."""
from __future__ import annotations

import datetime as dt
import socket
from email import message_from_string
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from marketplace.notifications import contacts, notify, outbox, register
from marketplace.notifications.models import ChannelChoice, ContactPoint, OutboxMessage
from marketplace.notifications.senders import for_channel

# Times of tomorrow (UTC; later than anything queued now): 04:00 UTC is noon in Fushun,
# 13:30 UTC is 21:30 there (quiet), 00:00 UTC the next day is 08:00 there.
DAY = dt.datetime.combine(dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=1), dt.time())
EVENING = DAY + dt.timedelta(hours=13, minutes=30)
NOON = DAY + dt.timedelta(hours=4)
NEXT_EIGHT = DAY + dt.timedelta(days=1)


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_config(app):
    cfg = app.config["MARKETPLACE"]
    port = free_port()
    saved = (cfg.EMAIL_SENDER, cfg.SMTP_HOST, cfg.SMTP_PORT, cfg.SMTP_FROM)
    cfg.EMAIL_SENDER, cfg.SMTP_HOST, cfg.SMTP_PORT, cfg.SMTP_FROM = "smtp", "127.0.0.1", port, "jobs@fushun.example"
    yield cfg
    cfg.EMAIL_SENDER, cfg.SMTP_HOST, cfg.SMTP_PORT, cfg.SMTP_FROM = saved


def start_server(port: int) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


def verified(db, cipher, user, channel, address, chosen=True):
    db.add(ContactPoint(user_id=user.id, channel=channel, address_enc=cipher.encrypt(address), code_hash="",
                        verified_at=dt.datetime(2026, 1, 1)))
    row = db.get(ChannelChoice, user.id) or ChannelChoice(user_id=user.id)
    setattr(row, channel, chosen)
    db.add(row)
    db.flush()


@pytest.fixture(autouse=True)
def kinds():
    register("stage_change", "申请进度更新", "Application update", ("app", "sms", "email"))


def queued(db, user, channel):
    return db.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user.id,
                                                  OutboxMessage.channel == channel)).all()


def test_sent_once_through_a_real_smtp_server_even_when_the_task_runs_twice(app, db, make, cipher, smtp_config):
    person = make.user("person")
    verified(db, cipher, person, "email", "li.hua@example.com")
    notify(db, person.id, "stage_change", "stage:1", "您的申请已进入面试", "Your application moved to interview",
           "/me/applications")
    [msg] = queued(db, person, "email")
    controller, inbox = start_server(smtp_config.SMTP_PORT)
    try:
        database = app.extensions["db"]
        assert outbox.deliver(database, cipher, smtp_config, msg.id, NOON) == "sent"
        assert outbox.deliver(database, cipher, smtp_config, msg.id, NOON) == "skipped"
        assert outbox.deliver_due(database, cipher, smtp_config, NOON + dt.timedelta(hours=1)) == {}
        with app.app_context():  # the Celery task itself, twice
            task = app.extensions["celery"].tasks["marketplace.notifications_deliver"]
            assert task.apply(args=(msg.id,)).get() == "skipped"
            assert task.apply(args=(msg.id,)).get() == "skipped"
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    rcpt, content = inbox.messages[0]
    assert rcpt == ["li.hua@example.com"]
    mail = message_from_string(content, policy=default)
    assert "申请进度更新" in mail["Subject"]
    assert "您的申请已进入面试" in mail.get_content() and "http://localhost:8000/me/applications" in mail.get_content()
    db.refresh(msg)
    assert msg.state == "sent" and msg.attempts == 1


def test_a_message_another_run_is_sending_is_not_sent_again(app, db, make, cipher, smtp_config):
    person = make.user("person")
    verified(db, cipher, person, "email", "li.hua@example.com")
    notify(db, person.id, "stage_change", "stage:2", "进度", "progress")
    [msg] = queued(db, person, "email")
    msg.state, msg.claimed_at, msg.attempts = "sending", NOON - dt.timedelta(minutes=1), 1
    db.flush()
    assert outbox.deliver(app.extensions["db"], cipher, smtp_config, msg.id, NOON) == "skipped"


def test_retried_while_the_smtp_server_is_down_and_delivered_once_it_is_back(app, db, make, cipher, smtp_config):
    person = make.user("person")
    verified(db, cipher, person, "email", "wang@example.com")
    notify(db, person.id, "stage_change", "stage:3", "已录用", "hired", "/me/applications")
    [msg] = queued(db, person, "email")
    database = app.extensions["db"]
    assert outbox.deliver(database, cipher, smtp_config, msg.id, NOON) == "queued"    # server down
    db.refresh(msg)
    assert msg.attempts == 1 and msg.not_before == NOON + dt.timedelta(minutes=1) and "SMTP" in msg.last_error
    assert outbox.deliver_due(database, cipher, smtp_config, NOON) == {}             # not due yet
    later = NOON + dt.timedelta(minutes=1)
    assert outbox.deliver_due(database, cipher, smtp_config, later) == {"queued": 1}  # still down
    db.refresh(msg)
    assert msg.attempts == 2 and msg.not_before == later + dt.timedelta(minutes=2)
    controller, inbox = start_server(smtp_config.SMTP_PORT)
    try:
        assert outbox.deliver_due(database, cipher, smtp_config, later + dt.timedelta(minutes=2)) == {"sent": 1}
        assert outbox.deliver_due(database, cipher, smtp_config, later + dt.timedelta(minutes=30)) == {}
    finally:
        controller.stop()
    assert [m[0] for m in inbox.messages] == [["wang@example.com"]]
    db.refresh(msg)
    assert msg.state == "sent" and msg.attempts == 3 and msg.last_error == ""


def test_gives_up_after_the_last_try(app, db, make, cipher, smtp_config):
    person = make.user("person")
    verified(db, cipher, person, "email", "zhao@example.com")
    notify(db, person.id, "stage_change", "stage:4", "x", "x")
    [msg] = queued(db, person, "email")
    msg.attempts = outbox.MAX_ATTEMPTS - 1
    db.flush()
    assert outbox.deliver(app.extensions["db"], cipher, smtp_config, msg.id, NOON) == "failed"


def test_sms_in_quiet_hours_is_held_until_eight_in_the_morning(app, db, make, cipher):
    person = make.user("person")
    verified(db, cipher, person, "sms", "13800138000")
    msg = outbox.queue(db, person.id, "sms", "stage:5", cipher.encrypt("13800138000"), "", "【抚顺就业】申请进度更新",
                       now=EVENING)
    eight = NEXT_EIGHT  # 08:00 the next morning in Fushun
    assert msg.not_before == eight
    database, cfg = app.extensions["db"], app.config["MARKETPLACE"]
    sender = for_channel(cfg, "sms")
    before = len(sender.sent)
    assert outbox.deliver_due(database, cipher, cfg, EVENING + dt.timedelta(hours=2)) == {}
    assert outbox.deliver(database, cipher, cfg, msg.id, eight - dt.timedelta(minutes=1)) == "skipped"
    assert len(sender.sent) == before
    assert outbox.deliver_due(database, cipher, cfg, eight) == {"sent": 1}
    assert sender.sent[-1][0] == "13800138000"


def test_an_sms_retry_that_falls_in_quiet_hours_waits_for_the_morning(app, db, make, cipher):
    person = make.user("person")
    msg = outbox.queue(db, person.id, "sms", "stage:6", cipher.encrypt("13800138000"), "", "text", now=NOON)
    msg.not_before = EVENING - dt.timedelta(hours=1)
    db.flush()
    database, cfg = app.extensions["db"], app.config["MARKETPLACE"]
    assert outbox.deliver(database, cipher, cfg, msg.id, EVENING) == "skipped"
    db.refresh(msg)
    assert msg.state == "queued" and msg.not_before == NEXT_EIGHT


def test_a_code_asked_for_in_quiet_hours_is_sent_at_once(app, db, make, cipher):
    """A person adding their phone at 21:30 gets the code then (it expires in 30 minutes), not
    at 08:00; another SMS queued at the same moment still waits for the morning."""
    person = make.user("person")
    contacts.add(db, cipher, person, "sms", "13900139000", now=EVENING)
    other = outbox.queue(db, person.id, "sms", "stage:7", cipher.encrypt("13900139000"), "", "text", now=EVENING)
    code = db.scalar(select(OutboxMessage).where(OutboxMessage.user_id == person.id,
                                                 OutboxMessage.key.like(outbox.CODE_KEY + "%")))
    db.commit()
    database, cfg = app.extensions["db"], app.config["MARKETPLACE"]
    sender = for_channel(cfg, "sms")
    before = len(sender.sent)
    assert outbox.deliver(database, cipher, cfg, code.id, EVENING) == "sent"
    assert outbox.deliver(database, cipher, cfg, other.id, EVENING) == "skipped"
    assert [to for to, _, _ in sender.sent[before:]] == ["13900139000"]
    assert "验证码" in sender.sent[-1][2]


def test_email_is_not_held_in_quiet_hours():
    assert outbox.quiet_until("email", EVENING) is None
    assert outbox.quiet_until("sms", NOON) is None
    assert outbox.quiet_until("sms", DAY + dt.timedelta(hours=23)) == NEXT_EIGHT  # 07:00 local


def test_throttled_per_person(app, db, make, cipher):
    person = make.user("person")
    database, cfg = app.extensions["db"], app.config["MARKETPLACE"]
    ids = [outbox.queue(db, person.id, "email", f"k{i}", cipher.encrypt("a@example.com"), "s", "b", now=NOON).id
           for i in range(cfg.NOTIFY_MAX_PER_HOUR + 1)]
    states = [outbox.deliver(database, cipher, cfg, i, NOON) for i in ids]
    assert states == ["sent"] * cfg.NOTIFY_MAX_PER_HOUR + ["skipped"]
    last = db.get(OutboxMessage, ids[-1])
    db.refresh(last)
    assert last.state == "queued" and last.not_before == NOON + dt.timedelta(hours=1)
    assert outbox.deliver_due(database, cipher, cfg, NOON + dt.timedelta(hours=1)) == {"sent": 1}


def test_nothing_goes_beyond_the_page_without_a_choice_and_a_verified_address(db, make, cipher):
    unchosen, unverified = make.user("person"), make.user("person")
    verified(db, cipher, unchosen, "email", "a@example.com", chosen=False)
    db.add(ContactPoint(user_id=unverified.id, channel="sms", address_enc=cipher.encrypt("13900000000"), code_hash="x"))
    db.add(ChannelChoice(user_id=unverified.id, sms=True))
    db.flush()
    for u in (unchosen, unverified):
        assert notify(db, u.id, "stage_change", "stage:7", "x", "x")
        assert queued(db, u, "email") == [] and queued(db, u, "sms") == []


def test_a_kind_registered_for_the_page_only_sends_nothing_else(db, make, cipher):
    register("page_only", "仅页面", "Page only", ("app",))
    person = make.user("person")
    verified(db, cipher, person, "email", "a@example.com")
    notify(db, person.id, "page_only", "p:1", "x", "x")
    assert queued(db, person, "email") == []


def test_sms_text_is_short_plain_chinese_with_the_link(db, make, cipher, app):
    person = make.user("person")
    verified(db, cipher, person, "sms", "13800138000")
    notify(db, person.id, "stage_change", "stage:8", "您申请的“焊工”岗位进度更新为：面试。" * 10, "x", "/me/applications")
    [msg] = queued(db, person, "sms")
    assert msg.body.startswith("【抚顺就业】申请进度更新：")
    assert msg.body.endswith(" 详情：http://localhost:8000/me/applications")
    assert len(msg.body) < 170


def test_the_periodic_task_delivers_what_is_due(app, db, make, cipher, smtp_config):
    person = make.user("person")
    verified(db, cipher, person, "email", "li@example.com")
    controller, inbox = start_server(smtp_config.SMTP_PORT)
    try:
        notify(db, person.id, "stage_change", "stage:9", "已进入面试", "interview", "/me/applications")
        with app.app_context():
            assert app.extensions["celery"].tasks["marketplace.notifications_deliver_due"].apply().get() == {"sent": 1}
    finally:
        controller.stop()
    assert len(inbox.messages) == 1


def test_a_message_whose_sender_died_is_retried_after_ten_minutes_then_given_up(app, db, make, cipher):
    person = make.user("person")
    msg = outbox.queue(db, person.id, "email", "died:1", cipher.encrypt("a@example.com"), "s", "b", now=NOON)
    msg.state, msg.claimed_at, msg.attempts = "sending", NOON, 1
    db.flush()
    database, cfg = app.extensions["db"], app.config["MARKETPLACE"]
    assert outbox.deliver_due(database, cipher, cfg, NOON + dt.timedelta(minutes=5)) == {}
    assert outbox.deliver_due(database, cipher, cfg, NOON + dt.timedelta(minutes=11)) == {"sent": 1}
    msg2 = outbox.queue(db, person.id, "email", "died:2", cipher.encrypt("a@example.com"), "s", "b", now=NOON)
    msg2.state, msg2.claimed_at, msg2.attempts = "sending", NOON, outbox.MAX_ATTEMPTS
    db.flush()
    assert outbox.deliver(database, cipher, cfg, msg2.id, NOON + dt.timedelta(minutes=11)) == "skipped"
    db.refresh(msg2)
    assert msg2.state == "failed"
