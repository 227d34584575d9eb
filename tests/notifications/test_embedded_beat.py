"""Periodic work on the embedded default: every entry of the scale-out's beat schedule runs
by the same task name in the server process, once per interval across processes (a row
per task moved forward by a conditional update is the lock)."""
from __future__ import annotations

import datetime as dt
import time

from flask import current_app

from jobs import embedded_beat
from jobs.celery_app import BEAT_SCHEDULE
from marketplace import create_app
from marketplace.cli import upgrade_database

ALL_TASKS = {entry["task"] for entry in BEAT_SCHEDULE.values()}


def test_each_periodic_task_runs_once_per_interval(app, db):
    now = dt.datetime(2031, 5, 6, 2, 0)
    assert embedded_beat.run_due(app, now) == {task: "ok" for task in ALL_TASKS}
    # another server process (or this one's next tick) a moment later: nothing is due
    assert embedded_beat.run_due(app, now + dt.timedelta(seconds=30)) == {}
    # after a minute the every-minute entries run again, the daily ones not
    again = embedded_beat.run_due(app, now + dt.timedelta(seconds=61))
    assert set(again) == {e["task"] for e in BEAT_SCHEDULE.values() if e["schedule"] <= 61}
    assert "marketplace.welfare_create_follow_ups" not in again
    runs = embedded_beat.last_runs(app.extensions["db"])
    assert runs["marketplace.welfare_create_follow_ups"] == now


def test_serve_starts_the_beat_thread_which_runs_every_task(tmp_path):
    app = create_app({"ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'beat.db'}", "SECRET_KEY": "t",
                      "INSTANCE_DIR": str(tmp_path)})
    upgrade_database(app)
    with app.app_context():  # as `flask serve` calls it: with the current_app proxy
        thread = embedded_beat.start(current_app, tick=0.1)
    assert thread is not None and embedded_beat.start(app) is None  # once per process and app
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            runs = embedded_beat.last_runs(app.extensions["db"])
            if set(runs) == ALL_TASKS and all(runs.values()):
                break
            time.sleep(0.1)
        assert set(runs) == ALL_TASKS and all(runs.values())
    finally:
        app.extensions["embedded_beat_stop"].set()
        thread.join(5)
        app.extensions["db"].engine.dispose()


def test_no_thread_when_a_broker_and_its_beat_do_the_work(tmp_path):
    app = create_app({"ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}", "SECRET_KEY": "t",
                      "INSTANCE_DIR": str(tmp_path), "CELERY_BROKER_URL": "redis://127.0.0.1:1/0"})
    assert embedded_beat.start(app) is None
