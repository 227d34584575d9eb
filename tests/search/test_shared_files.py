"""The server's worker processes start together and open the same new SQLite files (the
search index, the shared result cache) at the same moment. Each must open cleanly: before
the fix, 6 processes opening a fresh index together failed 28 times in 60 ("database is
locked" while switching to WAL, "table fts_posting already exists", "duplicate column"),
and `flask serve` on a fresh instance could lose a worker at boot."""
from __future__ import annotations

import multiprocessing

from search.cache import SharedResultCache
from search.embedded import EmbeddedBackend

PROCESSES = 6
ROUNDS = 5


def _open_index(path, barrier, results):
    barrier.wait()
    try:
        b = EmbeddedBackend(path=path)
        b.version()
        b.close()
        results.put("ok")
    except Exception as exc:  # reported to the parent, which fails the test with it
        results.put(repr(exc))


def _open_cache(path, barrier, results):
    barrier.wait()
    try:
        cache = SharedResultCache(path, max_age=30)
        cache.get(cache.key(("posting", "焊工")), "v1")
        results.put("ok")
    except Exception as exc:
        results.put(repr(exc))


def _together(target, path):
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
    procs = [ctx.Process(target=target, args=(path, barrier, results)) for _ in range(PROCESSES)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    return [results.get(timeout=5) for _ in procs]


def test_worker_processes_open_a_new_search_index_together(tmp_path):
    failures = []
    for n in range(ROUNDS):
        failures += [r for r in _together(_open_index, str(tmp_path / f"index{n}" / "search.db")) if r != "ok"]
    assert failures == []
    # and the index they made is whole: a new process searches it
    b = EmbeddedBackend(path=str(tmp_path / "index0" / "search.db"))
    assert b.version() is not None
    b.close()


def test_worker_processes_open_a_new_result_cache_together(tmp_path):
    failures = []
    for n in range(ROUNDS):
        failures += [r for r in _together(_open_cache, str(tmp_path / f"cache{n}.db")) if r != "ok"]
    assert failures == []
