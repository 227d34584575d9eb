"""The core's Celery tasks: keep the search index in step with postings and profiles.
Explicit names, ids as arguments, reload inside, idempotent, time-limited."""
from __future__ import annotations

import datetime as dt

from celery import shared_task

from jobs.runtime import database, runtime
from marketplace import clock
from marketplace.core import indexing, interviews, outreach, pool_snapshots, saved_searches


@shared_task(name="marketplace.index_posting", bind=True, max_retries=5, default_retry_delay=10)
def index_posting(self, posting_id: int) -> str:
    rt = runtime()
    try:
        with database().unit_of_work(write=False) as s:  # reads rows, writes the index
            result = indexing.index_posting(s, rt.backend, rt.encoder, posting_id)
        rt.invalidate()
        return result
    except Exception as exc:  # search backend or database briefly unavailable: try again later
        raise self.retry(exc=exc)


@shared_task(name="marketplace.index_profile", bind=True, max_retries=5, default_retry_delay=10)
def index_profile(self, profile_id: int) -> str:
    rt = runtime()
    try:
        with database().unit_of_work(write=False) as s:  # reads rows, writes the index
            result = indexing.index_profile(s, rt.backend, rt.encoder, profile_id)
        rt.invalidate()
        return result
    except Exception as exc:
        raise self.retry(exc=exc)


@shared_task(name="marketplace.core_interview_reminders", time_limit=300, soft_time_limit=240)
def interview_reminders(now: str | None = None) -> int:
    """The day-before reminder of accepted application interviews (hourly). Idempotent: each
    interview's ``reminded_at`` (taken under a row lock) and the notification's unique key."""
    moment = dt.datetime.fromisoformat(now) if now else None
    with database().unit_of_work() as s:
        return interviews.send_reminders(s, moment)


@shared_task(name="marketplace.core_policy_outreach", time_limit=1800, soft_time_limit=1700)
def policy_outreach(on: str | None = None) -> dict:
    """政策找人, daily: tell people and employers what they may qualify for (``core.outreach``).
    Idempotent: a unique (rule, subject, recipient, decision) row is the lock."""
    today = dt.date.fromisoformat(on) if on else clock.today()
    # Finding reads everyone (minutes for a city's registry): in a read-only transaction, so on
    # SQLite it does not hold the write lock that every page's write waits for (30 s at most,
    # then the write fails). Then the findings are recorded a batch at a time, each batch its
    # own short transaction; a run stopped midway is finished by the next (recording is idempotent).
    # People are decided 2,000 at a time, each batch in its own session, so the process holds
    # one batch's rows, not a city's.
    with database().unit_of_work(write=False) as s:
        ids, shared = outreach.profile_ids(s), outreach.common(s, today)
    found: list[dict] = []
    for i in range(0, len(ids), OUTREACH_PEOPLE):
        with database().unit_of_work(write=False) as s:
            found += outreach.people_findings(s, today, ids[i:i + OUTREACH_PEOPLE], shared)
    with database().unit_of_work(write=False) as s:
        found += outreach.other_findings(s, today)
    told = {r: 0 for r in outreach.RULES}
    for i in range(0, len(found), OUTREACH_BATCH):
        with database().unit_of_work() as s:
            for rule, n in outreach.record(s, found[i:i + OUTREACH_BATCH], today).items():
                told[rule] = told.get(rule, 0) + n
    return told


OUTREACH_BATCH = 200  # findings recorded (and told) per transaction
OUTREACH_PEOPLE = 2000  # people decided per read-only session


@shared_task(name="marketplace.saved_search_alerts", time_limit=600, soft_time_limit=540)
def saved_search_alerts(on: str | None = None) -> dict:
    """Daily: tell people of new postings matching their saved searches (at most one alert a
    day per saved search; a second run the same day sends nothing)."""
    today = dt.date.fromisoformat(on) if on else clock.today()
    with database().unit_of_work() as s:
        return saved_searches.run_alerts(s, runtime(), today)


@shared_task(name="marketplace.core_build_pools", time_limit=1800, soft_time_limit=1700)
def build_pools(force: bool = False) -> dict:
    """The ranking pools' snapshots (``core.pool_snapshots``), every few minutes: each side is
    rebuilt only when due (none yet, a new business date or policy set, a large delta, or
    its age). One process builds at a time (a file lock); a second run returns at once."""
    return pool_snapshots.run(database(), runtime(), force=bool(force))
