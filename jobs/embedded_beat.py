"""Periodic work on the embedded default (no broker, so no Celery beat): a thread in each
server process runs the entries of ``jobs.celery_app.BEAT_SCHEDULE`` by the same task names,
in the process (eagerly).

Every server process (each gunicorn worker, or waitress's one) starts the thread; which one
runs an entry is decided in the database: the row of ``notification_periodic_runs`` for the
task is moved forward by a conditional update (``started_at`` older than the entry's
interval), and only the process whose update changed the row runs it. So the tasks run once
per interval across all processes and restarts, and the tasks' own locks (unique
constraints, locked rows) still hold. The scale-out runs ``celery beat`` instead and this
thread is not started (``MARKETPLACE_CELERY_BROKER_URL`` set, or ``MARKETPLACE_EMBEDDED_BEAT=0``).
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from jobs.celery_app import BEAT_SCHEDULE
from marketplace import clock
from marketplace.core import pool_snapshots
from marketplace.notifications.models import PeriodicRun

log = logging.getLogger(__name__)
TICK_SECONDS = 20.0
_started: set[int] = set()
_guard = threading.Lock()


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:80]


def _take(database, task: str, interval: float, now: dt.datetime) -> bool:
    """True when this process won the entry's turn (the row moved forward by our update)."""
    with database.unit_of_work() as s:
        if s.get(PeriodicRun, task) is None:
            try:
                with s.begin_nested():
                    s.add(PeriodicRun(task_name=task, started_at=None, holder=""))
                    s.flush()
            except IntegrityError:
                pass  # another process made the row at the same moment
        won = s.execute(update(PeriodicRun).where(
            PeriodicRun.task_name == task,
            or_(PeriodicRun.started_at.is_(None), PeriodicRun.started_at <= now - dt.timedelta(seconds=interval)))
            .values(started_at=now, holder=_holder())).rowcount
    return won == 1


def run_due(app, now: dt.datetime | None = None) -> dict[str, str]:
    """Run every beat entry whose interval has passed (and that no other process took);
    returns {task name: 'ok' | 'failed'} of those run. Each task runs in the app's context,
    as a worker would."""
    now = now or clock.now_utc()
    ran: dict[str, str] = {}
    database, celery = app.extensions["db"], app.extensions["celery"]
    for entry in BEAT_SCHEDULE.values():
        task, interval = entry["task"], float(entry["schedule"])
        if not _take(database, task, interval, now):
            continue
        ran[task] = "failed"
        try:
            with app.app_context():
                result = celery.tasks[task].apply(args=entry.get("args", ()))
            if result.failed():
                log.error("periodic task %s failed: %s", task, result.result)
            else:
                ran[task] = "ok"
        except Exception:  # one task's failure never stops the others or the thread
            log.exception("periodic task %s failed", task)
    return ran


def last_runs(database) -> dict[str, dt.datetime | None]:
    with database.unit_of_work(write=False) as s:
        return {r.task_name: r.started_at for r in s.scalars(select(PeriodicRun))}


def start(app, tick: float = TICK_SECONDS) -> threading.Thread | None:
    """Start the thread once per process for this app, unless a broker (and its beat) is configured."""
    app = app._get_current_object() if hasattr(app, "_get_current_object") else app  # `flask serve` passes current_app
    config = app.config["MARKETPLACE"]
    if config.CELERY_BROKER_URL or not config.EMBEDDED_BEAT:
        return None
    with _guard:
        if id(app) in _started:
            return None
        _started.add(id(app))
    stop = threading.Event()

    def loop():
        pool_snapshots.start_if_missing(app)  # the first ranking pools, built beside the requests
        while not stop.wait(tick):
            try:
                run_due(app)
            except Exception:  # the database briefly unavailable: try at the next tick
                log.exception("embedded beat: tick failed")

    thread = threading.Thread(target=loop, name="marketplace-beat", daemon=True)
    thread.start()
    app.extensions["embedded_beat_stop"] = stop
    log.info("embedded beat started (%s entries)", len(BEAT_SCHEDULE))
    return thread
