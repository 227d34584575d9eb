"""The fair's pub/sub: in-process delivery after commit only, and relaying between processes
through Redis when the broker is Redis."""
from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import text

from marketplace.fairs import bus as fair_bus
from tests import services as svc


def test_events_are_published_after_commit_and_dropped_on_rollback(app, db):
    q = fair_bus.subscribe(987654)
    try:
        s = app.extensions["db"].session()
        s.execute(text("SELECT 1"))  # a service publishes inside its transaction
        fair_bus.publish_after_commit(s, 987654, {"type": "checkin"})
        s.rollback()
        s.commit()
        assert q.empty()
        fair_bus.publish_after_commit(s, 987654, {"type": "checkin", "n": 1})
        assert q.empty()
        s.commit()
        assert q.get(timeout=1) == {"type": "checkin", "n": 1, "fair": 987654}
        s.close()
    finally:
        fair_bus.unsubscribe(987654, q)
    assert fair_bus.subscribers(987654) == 0


@pytest.mark.redis
def test_redis_relays_events_from_other_processes():
    svc.ensure_redis()
    import redis  # noqa: PLC0415  (optional: only the redis-marked test needs it)

    fair_bus.configure("redis://127.0.0.1:6379/15")
    try:
        q = fair_bus.subscribe(424242)
        time.sleep(0.3)  # the listener subscribes
        other = redis.Redis.from_url("redis://127.0.0.1:6379/15")
        other.publish("fair:424242", json.dumps({"type": "checkin", "fair": 424242, "_origin": "another-process"}))
        assert q.get(timeout=3) == {"type": "checkin", "fair": 424242}
        # our own publications reach Redis too, and are not delivered twice here
        ps = other.pubsub(ignore_subscribe_messages=True)
        ps.subscribe("fair:424242")
        time.sleep(0.2)
        fair_bus.publish(424242, {"type": "interview"})
        assert q.get(timeout=1)["type"] == "interview"
        msg = None
        for _ in range(30):
            msg = ps.get_message(timeout=0.1)
            if msg:
                break
        assert msg and json.loads(msg["data"])["type"] == "interview"
        time.sleep(0.3)
        assert q.empty()
        fair_bus.unsubscribe(424242, q)
    finally:
        fair_bus.configure(None)
