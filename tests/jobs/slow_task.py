"""A deliberately slow task for the fault test: it sleeps before indexing, so the test can
kill the worker while the task is running. Loaded only by the test's worker
(``celery ... --include tests.jobs.slow_task``); it is not part of the app."""
import time
from pathlib import Path

from celery import shared_task

from marketplace.core.tasks import index_posting


@shared_task(name="tests.slow_index_posting", bind=True, acks_late=True)
def slow_index_posting(self, posting_id: int, marker: str) -> str:
    log = Path(marker)
    with log.open("a") as f:
        f.write("start\n")
    time.sleep(6)
    result = index_posting.run(posting_id)
    with log.open("a") as f:
        f.write("done\n")
    return result
