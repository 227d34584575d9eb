"""Celery tasks: explicit names, ids as arguments, reload inside, idempotent, time-limited."""
from __future__ import annotations

from celery import shared_task

from .runtime import database, runtime


@shared_task(name="marketplace.index_posting", bind=True, max_retries=5, default_retry_delay=10)
def index_posting(self, posting_id: int) -> str:
    from marketplace.services import indexing

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
    from marketplace.services import indexing

    rt = runtime()
    try:
        with database().unit_of_work(write=False) as s:  # reads rows, writes the index
            result = indexing.index_profile(s, rt.backend, rt.encoder, profile_id)
        rt.invalidate()
        return result
    except Exception as exc:
        raise self.retry(exc=exc)


@shared_task(name="marketplace.flush_outbox", bind=True, time_limit=120)
def flush_outbox(self) -> int:
    """Re-send tasks kept while the broker was down (locked rows: safe to run twice)."""
    from .outbox import flush

    def send(name, args):
        self.app.tasks[name].apply_async(args=args, retry=False)

    return flush(database(), send)


def _load_area_tasks() -> None:
    """Import every ``jobs/tasks_<area>.py`` so their shared tasks are registered."""
    import importlib
    import pkgutil

    import jobs

    for info in pkgutil.iter_modules(jobs.__path__):
        if info.name.startswith("tasks_"):
            importlib.import_module(f"jobs.{info.name}")


_load_area_tasks()
