"""A small pub/sub keyed by fair, for the live pages (server-sent events).

Subscribers are queues, one per open stream, in the process that serves the stream. An
event is delivered to this process's queues at once, and relayed to the other web
processes (``flask serve`` runs one per core):

* through the Redis channel ``fair:<id>`` when the broker is Redis
  (``MARKETPLACE_CELERY_BROKER_URL=redis://...``);
* otherwise (the embedded default: no services) through a small SQLite file in the
  instance folder (``fair-events.db``), which each process with open streams reads every
  :data:`RELAY_POLL_SECONDS`; rows older than :data:`RELAY_KEEP_SECONDS` are pruned.

Events are small dicts (``{"type": "checkin", "fair": 3, ...}``); pages re-read what they show
when one arrives, so a lost event only delays an update until the next one or the poll.
Publishing happens after the commit (``publish_after_commit``), never for a rolled-back change.
"""
from __future__ import annotations

import json
import logging
import queue
import sqlite3
import threading
import time
import uuid

from sqlalchemy import event
from sqlalchemy.orm import Session

from search.sqlite_util import enable_wal

log = logging.getLogger(__name__)
_lock = threading.Lock()
_subscribers: dict[int, set[queue.Queue]] = {}
_redis = {"url": None, "client": None, "thread": None}
_relay = {"path": None, "thread": None}
RELAY_POLL_SECONDS = 0.25
RELAY_KEEP_SECONDS = 300
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
    elif _relay["path"]:
        try:
            _relay_publish(fair_id, message)
        except sqlite3.Error:  # the relay file is unusable: this process's pages still update
            log.warning("fair event relay failed for fair %s", fair_id, exc_info=True)


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


def configure(broker_url: str | None, relay_path: str | None = None) -> None:
    """Use Redis pub/sub when the broker is Redis, else the relay file ``relay_path`` (the
    pages' blueprint calls this when it is registered); neither means in-process only."""
    url = broker_url if broker_url and broker_url.startswith(("redis://", "rediss://")) else None
    if url != _redis["url"]:
        _redis.update(url=url, client=None, thread=None)
    path = None if url else (str(relay_path) if relay_path else None)
    if path != _relay["path"]:
        _relay.update(path=path, thread=None)


def _redis_client():
    url = _redis["url"] or ""
    if not url:
        return None
    if _redis["client"] is None:
        try:
            import redis  # noqa: PLC0415  (optional, only when the broker is Redis)

            _redis["client"] = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        except Exception:
            return None
    return _redis["client"]


def _relay_connect(path: str) -> sqlite3.Connection:
    c = sqlite3.connect(path, timeout=5, isolation_level=None)
    enable_wal(c)  # every server process opens it, at the same moment on a fresh instance
    c.execute("CREATE TABLE IF NOT EXISTS fair_events (id INTEGER PRIMARY KEY AUTOINCREMENT, "
              "origin TEXT NOT NULL, fair_id INTEGER NOT NULL, body TEXT NOT NULL, at REAL NOT NULL)")
    return c


_relay_local = threading.local()


def _relay_publish(fair_id: int, message: dict) -> None:
    path = _relay["path"]
    c = getattr(_relay_local, "conn", None)
    if c is None or getattr(_relay_local, "path", None) != path:
        c = _relay_local.conn = _relay_connect(path)
        _relay_local.path = path
    now = time.time()
    cur = c.execute("INSERT INTO fair_events (origin, fair_id, body, at) VALUES (?, ?, ?, ?)",
                    (_ORIGIN, fair_id, json.dumps(message, ensure_ascii=False), now))
    if cur.lastrowid % 200 == 0:  # now and then: the relay keeps only the last few minutes
        c.execute("DELETE FROM fair_events WHERE at < ?", (now - RELAY_KEEP_SECONDS,))


def _relay_listen(path: str) -> None:
    """Deliver other processes' events to this process's streams. Starts after the newest
    event already there (a stream opened now wants what happens from now on)."""
    try:
        c = _relay_connect(path)
        last = c.execute("SELECT coalesce(max(id), 0) FROM fair_events").fetchone()[0]
        while _relay["path"] == path:
            with _lock:
                listening = bool(_subscribers)
            if not listening:  # nobody to deliver to: keep up cheaply
                last = c.execute("SELECT coalesce(max(id), ?) FROM fair_events", (last,)).fetchone()[0]
                time.sleep(1.0)
                continue
            for row_id, origin, fair_id, body in c.execute(
                    "SELECT id, origin, fair_id, body FROM fair_events WHERE id > ? ORDER BY id", (last,)).fetchall():
                last = row_id
                if origin != _ORIGIN:
                    try:
                        _deliver(int(fair_id), json.loads(body))
                    except ValueError:
                        continue
            time.sleep(RELAY_POLL_SECONDS)
    except sqlite3.Error as exc:
        log.warning("fair event relay listener stopped (%s): pages fall back to polling", exc)
        _relay["thread"] = None  # the next subscriber starts it again


def _ensure_listener() -> None:
    path = _relay["path"]
    if path and (_relay["thread"] is None or not _relay["thread"].is_alive()):
        t = threading.Thread(target=_relay_listen, args=(path,), name="fair-bus-relay", daemon=True)
        _relay["thread"] = t
        t.start()
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
