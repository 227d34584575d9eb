"""The tasks every worker knows: the outbox flush here, and each area's tasks, imported
by name (an area's tasks live in ``marketplace/<area>/tasks.py``; add a new area here)."""
from __future__ import annotations

from celery import shared_task

from jobs.outbox import flush
from jobs.runtime import database
from marketplace.core import tasks as core_tasks
from marketplace.fairs import tasks as fairs_tasks
from marketplace.internships import tasks as internships_tasks
from marketplace.notifications import tasks as notifications_tasks
from marketplace.welfare import tasks as welfare_tasks

AREA_TASKS = (core_tasks, internships_tasks, welfare_tasks, fairs_tasks, notifications_tasks)


@shared_task(name="marketplace.flush_outbox", bind=True, time_limit=120)
def flush_outbox(self) -> int:
    """Re-send tasks kept while the broker was down (locked rows: safe to run twice)."""

    def send(name, args):
        self.app.tasks[name].apply_async(args=args, retry=False)

    return flush(database(), send)
