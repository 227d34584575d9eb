"""The Celery app, one per Flask app or worker process (tasks are ``shared_task``s, so
every instance knows them).

Embedded default (no ``MARKETPLACE_CELERY_BROKER_URL``): tasks run eagerly in the
process that sends them, right after the commit, so one machine needs no broker.
Scale-out: a Redis or RabbitMQ URL; workers run ``celery -A jobs.worker worker`` and
beat runs ``celery -A jobs.worker beat``. On the embedded default the same schedule is run
by a thread in each server process (``jobs.embedded_beat``), locked in the database.

Tasks are sent only after the database commit (``marketplace.web`` does it). If the
broker is down, the send is recorded in the ``task_outbox`` table instead, and the
periodic ``marketplace.flush_outbox`` task (or ``flask flush-outbox``) re-sends it when
the broker is back, so no index update is lost.
"""
from __future__ import annotations

import logging

from celery import Celery

from jobs.outbox import keep

log = logging.getLogger(__name__)

BEAT_SCHEDULE = {
    "flush-outbox": {"task": "marketplace.flush_outbox", "schedule": 60.0},
    # R12: once a day; idempotent, so the first run of a month creates its tasks and later
    # runs add only people registered since.
    "welfare-follow-ups": {"task": "marketplace.welfare_create_follow_ups", "schedule": 24 * 3600.0},
    # Internships: reminders and caseworker notices, daily; unique keys make a rerun create nothing.
    "internship-reminders": {"task": "marketplace.internships_reminders", "schedule": 24 * 3600.0},
    # Application interviews: the day-before reminder, hourly (an interview accepted late in the
    # day before still gets one); reminded_at makes a rerun send nothing twice.
    "interview-reminders": {"task": "marketplace.core_interview_reminders", "schedule": 3600.0},
    # 政策找人: daily; each finding is told once (a unique row), each rule at most monthly per recipient.
    "policy-outreach": {"task": "marketplace.core_policy_outreach", "schedule": 24 * 3600.0},
    # Notifications: SMS and e-mails due (held for quiet hours or throttling, retries after a
    # failure); a message is claimed by a conditional update, so overlapping runs send it once.
    "notifications-deliver-due": {"task": "marketplace.notifications_deliver_due", "schedule": 60.0},
    "internship-evidence-purge": {"task": "marketplace.internships_evidence_purge", "schedule": 24 * 3600.0},
    # issue 17: new postings for saved searches; the task itself keeps it to one alert a day
    "saved-search-alerts": {"task": "marketplace.saved_search_alerts", "schedule": 24 * 3600.0},
    # issue 18: the ranking pools' shared snapshots, rebuilt when due (the task decides; a file lock)
    "pool-snapshots": {"task": "marketplace.core_build_pools", "schedule": 300.0},
}


def make_celery(config) -> Celery:
    app = Celery("marketplace", set_as_current=False)
    app.conf.update(
        task_serializer="json", accept_content=["json"], result_serializer="json",
        task_acks_late=True,             # a worker killed mid-task leaves the message for another
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=300, task_soft_time_limit=240,
        broker_connection_retry_on_startup=True,
        task_default_queue="marketplace",
        beat_schedule=BEAT_SCHEDULE,
        timezone="Asia/Shanghai",
    )
    if config.CELERY_BROKER_URL:
        vt = config.CELERY_VISIBILITY_TIMEOUT
        app.conf.update(broker_url=config.CELERY_BROKER_URL, result_backend=config.CELERY_RESULT_BACKEND or None,
                        task_always_eager=False,
                        broker_transport_options={
                            "max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5,
                            # Redis: a message a dead worker took is handed out again after this
                            # many seconds (tasks are acknowledged late, after they finish);
                            # sweep for such messages every few seconds, not every 100.
                            "visibility_timeout": vt, "unacked_restore_interval": max(1, min(10, vt // 3)),
                            "unacked_restore_throttle": 1})
    else:
        app.conf.update(task_always_eager=True, task_eager_propagates=False, broker_url="memory://")
    import jobs.tasks  # noqa: F401, PLC0415  (every area's tasks; they import the app's modules, which import this one)

    return app


def init_celery(app, config) -> None:
    celery = make_celery(config)

    def send_task(name: str, *args) -> None:
        try:
            with app.app_context():
                celery.tasks[name].apply_async(args=args, retry=False)
        except Exception:  # broker down: keep the work in the outbox, never fail the request
            log.warning("broker unavailable, task %s%r kept in the outbox", name, args, exc_info=True)
            keep(app.extensions["db"], name, args)

    app.extensions["celery"] = celery
    app.extensions["send_task"] = send_task
