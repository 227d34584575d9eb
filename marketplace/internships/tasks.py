"""Internship tasks: reminders before an internship ends and at the one-third point (R4),
and notices to caseworkers of agreements without claims."""
from __future__ import annotations

import datetime as dt

from celery import shared_task

from jobs.runtime import database
from marketplace import clock
from marketplace.internships import evidence
from marketplace.internships import reminders as internship_reminders


@shared_task(name="marketplace.internships_reminders", time_limit=600, soft_time_limit=540)
def reminders(on: str | None = None) -> dict:
    """Idempotent and locked: each notification has a unique (recipient, key), so a second
    run, or two beats at once, creates nothing twice."""
    today = dt.date.fromisoformat(on) if on else clock.today()
    with database().unit_of_work() as s:
        return internship_reminders.run_reminders(s, today)


@shared_task(name="marketplace.internships_evidence_purge", time_limit=600, soft_time_limit=540)
def evidence_purge(on: str | None = None) -> dict:
    """Removes claim evidence whose retention period has ended. Idempotent: a removed paper
    is marked and skipped, so two beats at once remove nothing twice."""
    today = dt.date.fromisoformat(on) if on else clock.today()
    with database().unit_of_work() as s:
        return {"removed": evidence.purge(s, today)}
