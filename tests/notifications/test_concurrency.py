"""Two workers delivering the same message at the same moment (the task sent twice, or the
after-commit task and the periodic sweep together) send it once: the queued -> sending
claim is a conditional update, and only one of the two changes the row. PostgreSQL, real
threads on their own connections, a real SMTP server."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from marketplace.core.models import User
from marketplace.db import Database
from marketplace.notifications import outbox
from marketplace.notifications.models import OutboxMessage
from tests.conftest import PG_URL
from tests.notifications.test_outbox import free_port, start_server

pytestmark = pytest.mark.skipif(not PG_URL, reason="row-lock races need PostgreSQL: set MARKETPLACE_TEST_DATABASE_URL "
                                                   "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")


def test_two_workers_at_once_send_once(app, cipher):
    engine = app.extensions["db"].engine
    with Session(engine) as s:
        user = User(username="outbox-race", password_hash=generate_password_hash("x", method="pbkdf2:sha256:1000"),
                    display_name="race", role="person")
        s.add(user)
        s.flush()
        msg = OutboxMessage(user_id=user.id, channel="email", key="race:1", address_enc=cipher.encrypt("r@example.com"),
                            subject="s", body="b", not_before=dt.datetime(2000, 1, 1))
        s.add(msg)
        s.commit()
        uid, mid = user.id, msg.id
    cfg = app.config["MARKETPLACE"]
    saved = (cfg.EMAIL_SENDER, cfg.SMTP_HOST, cfg.SMTP_PORT, cfg.SMTP_FROM)
    cfg.EMAIL_SENDER, cfg.SMTP_HOST, cfg.SMTP_PORT, cfg.SMTP_FROM = "smtp", "127.0.0.1", free_port(), "a@example.com"
    controller, inbox = start_server(cfg.SMTP_PORT)
    try:
        barrier, results = threading.Barrier(4), [None] * 4

        def run(i):
            database = Database(engine=engine)
            barrier.wait()
            results[i] = outbox.deliver(database, cipher, cfg, mid)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        controller.stop()
        cfg.EMAIL_SENDER, cfg.SMTP_HOST, cfg.SMTP_PORT, cfg.SMTP_FROM = saved
        with Session(engine) as s:
            s.execute(delete(OutboxMessage).where(OutboxMessage.user_id == uid))
            s.execute(delete(User).where(User.id == uid))
            s.commit()
    assert sorted(results) == ["sent", "skipped", "skipped", "skipped"], results
    assert len(inbox.messages) == 1
