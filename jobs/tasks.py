"""Celery tasks: explicit names, ids as arguments, reload inside, idempotent, time-limited."""
from __future__ import annotations

from .celery_app import celery_app
from .runtime import database


@celery_app.task(name="marketplace.index_posting", bind=True, max_retries=5, default_retry_delay=10)
def index_posting(self, posting_id: int) -> str:
    from marketplace.services import indexing

    with database().unit_of_work() as s:
        return indexing.index_posting(s, posting_id)


@celery_app.task(name="marketplace.index_profile", bind=True, max_retries=5, default_retry_delay=10)
def index_profile(self, profile_id: int) -> str:
    from marketplace.services import indexing

    with database().unit_of_work() as s:
        return indexing.index_profile(s, profile_id)
