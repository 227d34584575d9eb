"""A search-result cache shared by the processes of one machine (a small SQLite file).

``flask serve`` runs one process per core; without a shared cache each process would
compute every popular search again. Entries are keyed by the request and stamped with
the index :meth:`~search.base.SearchBackend.version` they were computed at: a result is
reused only while the index is at that same version (any write by any process changes
it) and for at most ``max_age`` seconds. It is a cache: any error reading or writing it
is logged and treated as a miss, never passed on to the search.

Results are stored as JSON (not pickle): the file can be deleted at any time.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from dataclasses import asdict

from search.base import Hit, SearchResult
from search.sqlite_util import enable_wal

log = logging.getLogger(__name__)

_SCHEMA = ("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, version TEXT NOT NULL, "
           "at REAL NOT NULL, body TEXT NOT NULL)")


def result_to_json(r: SearchResult) -> str:
    return json.dumps(asdict(r), ensure_ascii=False, separators=(",", ":"))


def result_from_json(text: str) -> SearchResult:
    d = json.loads(text)
    d["hits"] = [Hit(**h) for h in d["hits"]]
    return SearchResult(**d)


class SharedResultCache:
    PRUNE_EVERY = 500  # inserts between removals of expired rows

    def __init__(self, path: str | os.PathLike, max_age: float):
        self.path = str(path)
        self.max_age = max_age
        self._local = threading.local()
        self._puts = 0

    def _conn(self) -> sqlite3.Connection:
        c = getattr(self._local, "conn", None)
        if c is None:
            c = sqlite3.connect(self.path, timeout=1, isolation_level=None, check_same_thread=False)
            enable_wal(c)  # every server process opens it, at the same moment on a fresh instance
            c.execute("PRAGMA synchronous=OFF")  # a cache: losing the last writes on a crash is fine
            c.execute(_SCHEMA)
            self._local.conn = c
        return c

    @staticmethod
    def key(parts) -> str:
        return hashlib.sha256(repr(parts).encode()).hexdigest()

    def get(self, key: str, version: str) -> SearchResult | None:
        try:
            row = self._conn().execute("SELECT version, at, body FROM results WHERE key=?", (key,)).fetchone()
            if row is None or row[0] != version or time.time() - row[1] >= self.max_age:
                return None
            return result_from_json(row[2])
        except (sqlite3.Error, ValueError, TypeError, KeyError) as exc:
            log.warning("shared search cache unreadable (%s): computing the result", exc)
            return None

    def put(self, key: str, version: str, result: SearchResult) -> None:
        try:
            c = self._conn()
            now = time.time()
            c.execute("INSERT OR REPLACE INTO results (key, version, at, body) VALUES (?, ?, ?, ?)",
                      (key, version, now, result_to_json(result)))
            self._puts += 1
            if self._puts % self.PRUNE_EVERY == 0:
                c.execute("DELETE FROM results WHERE at < ?", (now - self.max_age,))
        except sqlite3.Error as exc:
            log.warning("shared search cache not written (%s)", exc)
