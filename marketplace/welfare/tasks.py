"""Welfare tasks: the month's follow-up tasks (R12)."""
from __future__ import annotations

import datetime as dt

from celery import shared_task

from jobs.runtime import database
from marketplace import clock
from marketplace.welfare import followups, notices


@shared_task(name="marketplace.welfare_create_follow_ups", time_limit=600, soft_time_limit=540)
def create_follow_ups(on: str | None = None) -> int:
    """Create this month's follow-up task for every registered unemployed person and assign
    it. Idempotent: the unique (registration, month) constraint is the lock, so a second run
    (or two beats at once) creates nothing twice."""
    today = dt.date.fromisoformat(on) if on else clock.today()
    with database().unit_of_work() as s:
        made = followups.create_month_follow_ups(s, today)
        notices.tell_caseworkers(s, today)  # follow-ups due this month, and overdue ones
        return made
