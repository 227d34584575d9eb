"""Running the same work in several threads at once, each on its own connection, for the
PostgreSQL concurrency tests of every area."""
from __future__ import annotations

import threading

from sqlalchemy.orm import Session

from marketplace.errors import DomainError


def race(engine, work, n: int = 2, timeout: float = 60):
    """Run ``work(session, i)`` in ``n`` threads released together; each commits its own
    session. Returns each thread's result, or the exception that refused it (a domain
    error, or a constraint the database enforced at commit)."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        with Session(engine) as s:
            barrier.wait()
            try:
                results[i] = work(s, i)
                s.commit()
            except DomainError as exc:
                s.rollback()
                results[i] = exc
            except Exception as exc:  # an IntegrityError at commit is a refusal too
                s.rollback()
                results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results
