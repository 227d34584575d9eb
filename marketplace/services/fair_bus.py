"""A small pub/sub keyed by fair, for the live pages (server-sent events).

In-process by default: subscribers are queues, one per open stream. When a Redis broker is
configured (``MARKETPLACE_CELERY_BROKER_URL=redis://...``), events are also published on the
Redis channel ``fair:<id>`` and a listener thread relays other processes' events into this
process's queues, so several web processes see each other's check-ins.

Events are small dicts (``{"type": "checkin", "fair": 3, ...}``); pages re-read what they show
when one arrives, so a lost event only delays an update until the next one or the poll.
Publishing happens after the commit (``publish_after_commit``), never for a rolled-back change.
"""
from __future__ import annotations

import json
import logging
import queue
import threading
import uuid

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_lock = threading.Lock()
_subscribers: dict[int, set[queue.Queue]] = {}
_redis = {"url": None, "client": None, "thread": None}
_ORIGIN = uuid.uuid4().hex


def subscribe(fair_id: int) -> queue.Queue:
    q: queue.Queue = queue.Queue(maxsize=200)
    with _lock:
        _subscribers.setdefault(fair_id, set()).add(q)
    _ensure_listener()
    return q


def unsubscribe(fair_id: int, q: queue.Queue) -> None:
    with _lock:
        subs = _subscribers.get(fair_id)
        if subs is not None:
            subs.discard(q)
            if not subs:
                _subscribers.pop(fair_id, None)


def subscribers(fair_id: int) -> int:
    with _lock:
        return len(_subscribers.get(fair_id, ()))


def _deliver(fair_id: int, message: dict) -> None:
    with _lock:
        subs = list(_subscribers.get(fair_id, ()))
    for q in subs:
        try:
            q.put_nowait(message)
        except queue.Full:  # a stalled client: drop, it re-reads on the next event or poll
            pass


def publish(fair_id: int, message: dict) -> None:
    message = dict(message, fair=fair_id)
    _deliver(fair_id, message)
    client = _redis_client()
    if client is not None:
        try:
            client.publish(f"fair:{fair_id}", json.dumps(dict(message, _origin=_ORIGIN)))
        except Exception:  # Redis down: this process's pages still update
            log.warning("redis publish failed for fair %s", fair_id, exc_info=True)


def publish_after_commit(session: Session, fair_id: int, message: dict) -> None:
    """Publish once the session's transaction commits (nothing if it rolls back)."""
    pending = session.info.setdefault("fair_events", [])
    pending.append((fair_id, message))
    if not session.info.get("fair_events_hooked"):
        session.info["fair_events_hooked"] = True

        def _after_commit(s):
            for fid, msg in s.info.pop("fair_events", []):
                publish(fid, msg)

        def _after_rollback(s, previous):
            if previous.parent is None:  # the whole transaction, not a savepoint inside it
                s.info.pop("fair_events", None)

        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_soft_rollback", _after_rollback)


def configure(broker_url: str | None) -> None:
    """Use Redis pub/sub when the broker is Redis (the pages' blueprint calls this when it is
    registered); anything else (or None) means in-process only."""
    url = broker_url if broker_url and broker_url.startswith(("redis://", "rediss://")) else None
    if url != _redis["url"]:
        _redis.update(url=url, client=None, thread=None)


def _redis_client():
    url = _redis["url"] or ""
    if not url:
        return None
    if _redis["client"] is None:
        try:
            import redis

            _redis["client"] = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        except Exception:
            return None
    return _redis["client"]


def _ensure_listener() -> None:
    client = _redis_client()
    if client is None or (_redis["thread"] is not None and _redis["thread"].is_alive()):
        return

    def listen():
        try:
            ps = client.pubsub(ignore_subscribe_messages=True)
            ps.psubscribe("fair:*")
            for item in ps.listen():
                try:
                    msg = json.loads(item["data"])
                except (TypeError, ValueError):
                    continue
                if msg.pop("_origin", None) != _ORIGIN:
                    _deliver(int(msg.get("fair", 0)), msg)
        except Exception:
            log.warning("redis fair listener stopped", exc_info=True)

    t = threading.Thread(target=listen, name="fair-bus-redis", daemon=True)
    _redis["thread"] = t
    t.start()
