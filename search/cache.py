"""Caches shared by the processes of one machine (small SQLite files): search results
(:class:`SharedResultCache`) and query embeddings (:class:`QueryVectorCache`); and the one
bounded in-process map every per-process cache in front of them is (:class:`LRU`).

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
from collections import OrderedDict
from dataclasses import fields

import numpy as np

from search.base import Hit, SearchResult
from search.sqlite_util import enable_wal

log = logging.getLogger(__name__)

_HIT_FIELDS = fields(Hit)

_SCHEMA = ("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, version TEXT NOT NULL, "
           "at REAL NOT NULL, body TEXT NOT NULL)")


_MISSING = object()


class LRU:
    """A bounded least-recently-used map, safe across a process's threads: the per-process
    caches (search result windows, query vectors, ranked pages, the ids a reader may see, a
    fair's explanations) are each one of these, in front of a shared file or a computation.
    ``size`` 0 keeps nothing."""

    def __init__(self, size: int):
        self.size = max(0, int(size))
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, default=None):
        """The value (now the most recently used), or ``default``."""
        with self._lock:
            value = self._entries.get(key, _MISSING)
            if value is _MISSING:
                return default
            self._entries.move_to_end(key)
            return value

    def put(self, key, value, stale=None) -> None:
        """Keep ``value`` as the most recently used; then drop the least recently used while
        more than ``size`` are kept or, given ``stale``, while ``stale(value)`` says the least
        recently used one is past use (e.g. expired)."""
        if not self.size:
            return
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while self._entries and (len(self._entries) > self.size
                                     or (stale is not None and stale(next(iter(self._entries.values()))))):
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def result_to_json(r: SearchResult) -> str:
    """A result as compact JSON (~4 KB for a window of 50 hits; ~14 KB as objects)."""
    d = {f.name: getattr(r, f.name) for f in fields(r)}
    d["hits"] = [{f.name: getattr(h, f.name) for f in _HIT_FIELDS} for h in r.hits]  # asdict: 2 ms a window
    return json.dumps(d, ensure_ascii=False, separators=(",", ":"))


def result_from_json(text: str) -> SearchResult:
    d = json.loads(text)
    d["hits"] = [Hit(**h) for h in d["hits"]]
    return SearchResult(**d)


class _SharedFile:
    """One SQLite file shared by a machine's processes: a connection per thread, WAL (every
    server process opens it, at the same moment on a fresh instance), no fsync (a cache:
    losing the last writes on a crash is fine)."""

    SCHEMA = ""

    def __init__(self, path: str | os.PathLike | None):
        self.path = str(path) if path is not None else None
        self._local = threading.local()
        self._puts = 0

    def _conn(self) -> sqlite3.Connection:
        c = getattr(self._local, "conn", None)
        if c is None:
            c = sqlite3.connect(self.path, timeout=1, isolation_level=None, check_same_thread=False)
            enable_wal(c)
            c.execute("PRAGMA synchronous=OFF")
            # one connection per server thread: SQLite's default 2 MB page cache each adds up to
            # 8 threads x 3 files per process; a key lookup needs a few pages (the OS caches the file)
            c.execute("PRAGMA cache_size=-256")
            c.execute(self.SCHEMA)
            self._local.conn = c
        return c


class SharedResultCache(_SharedFile):
    PRUNE_EVERY = 500  # inserts between removals of expired rows
    SCHEMA = _SCHEMA

    def __init__(self, path: str | os.PathLike, max_age: float):
        super().__init__(path)
        self.max_age = max_age

    @staticmethod
    def key(parts) -> str:
        return hashlib.sha256(repr(parts).encode()).hexdigest()

    def get(self, key: str, version: str) -> SearchResult | None:
        found = self.get_text(key, version)
        return None if found is None else found[0]

    def get_text(self, key: str, version: str) -> tuple[SearchResult, str] | None:
        """The result and its JSON text (for a caller that keeps the text)."""
        try:
            row = self._conn().execute("SELECT version, at, body FROM results WHERE key=?", (key,)).fetchone()
            if row is None or row[0] != version or time.time() - row[1] >= self.max_age:
                return None
            return result_from_json(row[2]), row[2]
        except (sqlite3.Error, ValueError, TypeError, KeyError) as exc:
            log.warning("shared search cache unreadable (%s): computing the result", exc)
            return None

    def put(self, key: str, version: str, result: SearchResult) -> None:
        self.put_text(key, version, result_to_json(result))

    def put_text(self, key: str, version: str, text: str) -> None:
        """Store a result already written by ``result_to_json``."""
        try:
            c = self._conn()
            now = time.time()
            c.execute("INSERT OR REPLACE INTO results (key, version, at, body) VALUES (?, ?, ?, ?)",
                      (key, version, now, text))
            self._puts += 1
            if self._puts % self.PRUNE_EVERY == 0:
                c.execute("DELETE FROM results WHERE at < ?", (now - self.max_age,))
        except sqlite3.Error as exc:
            log.warning("shared search cache not written (%s)", exc)


_VEC_SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, at REAL NOT NULL, v BLOB NOT NULL)"


class QueryVectorCache(_SharedFile):
    """Query text → embedding, for every process of a machine: an LRU dict in this process
    in front of a small SQLite file (WAL, no fsync: a cache) that the server's processes
    share, so a query is encoded once per machine, not once per process and request.

    Keys are chosen by the caller (they must name the model: a vector of another model is
    of no use). :meth:`get_or_compute` also makes threads of one process that ask for the
    same missing key at once wait for one computation instead of each running the model.
    Like :class:`SharedResultCache`, a file error is logged and counted as a miss."""

    PRUNE_EVERY = 1000
    SCHEMA = _VEC_SCHEMA

    def __init__(self, path: str | os.PathLike | None, entries: int = 10000, max_rows: int = 200_000):
        super().__init__(path)
        self.max_rows = max_rows
        self._lru = LRU(entries)
        self._lock = threading.Lock()
        self._pending: dict[str, threading.Event] = {}
        self.hits = {"memory": 0, "shared": 0, "computed": 0}

    def _remember(self, key: str, v: np.ndarray) -> None:
        self._lru.put(key, v)

    def get(self, key: str) -> np.ndarray | None:
        v = self._lru.get(key)
        if v is not None:
            with self._lock:
                self.hits["memory"] += 1
            return v
        if self.path is None:
            return None
        try:
            row = self._conn().execute("SELECT v FROM vectors WHERE key=?", (key,)).fetchone()
        except sqlite3.Error as exc:
            log.warning("shared query-vector cache unreadable (%s): encoding the query", exc)
            return None
        if row is None:
            return None
        v = np.frombuffer(row[0], dtype=np.float32)
        self._remember(key, v)
        self.hits["shared"] += 1
        return v

    def put(self, key: str, v) -> None:
        v = np.ascontiguousarray(v, dtype=np.float32).reshape(-1)
        v.setflags(write=False)
        self._remember(key, v)
        if self.path is None:
            return
        try:
            c = self._conn()
            c.execute("INSERT OR REPLACE INTO vectors (key, at, v) VALUES (?, ?, ?)", (key, time.time(), v.tobytes()))
            self._puts += 1
            if self._puts % self.PRUNE_EVERY == 0:  # keep the newest max_rows
                c.execute("DELETE FROM vectors WHERE at < (SELECT at FROM vectors ORDER BY at DESC LIMIT 1 OFFSET ?)",
                          (self.max_rows,))
        except sqlite3.Error as exc:
            log.warning("shared query-vector cache not written (%s)", exc)

    def get_or_compute(self, key: str, compute) -> np.ndarray:
        """The cached vector, or ``compute()``'s (stored), computed once per process at a time."""
        while True:
            v = self.get(key)
            if v is not None:
                return v
            with self._lock:
                event = self._pending.get(key)
                mine = event is None
                if mine:
                    event = self._pending[key] = threading.Event()
            if not mine:
                event.wait(30)
                continue  # the other thread stored it (or failed: then try ourselves)
            try:
                v = np.asarray(compute(), dtype=np.float32).reshape(-1)
                self.put(key, v)
                self.hits["computed"] += 1
                return v
            finally:
                with self._lock:
                    self._pending.pop(key, None)
                event.set()


_JSON_SCHEMA = "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, at REAL NOT NULL, body TEXT NOT NULL)"


class SharedJson(_SharedFile):
    """Key → a JSON value, for every process of a machine (e.g. ranked pages: a page one
    process computed is served by the others). Entries are found only under their exact key
    (the caller's key names everything the value was computed from), so nothing expires by
    age; the newest ``max_rows`` are kept. Like the other caches, a file error is logged and
    counted as a miss."""

    PRUNE_EVERY = 1000
    SCHEMA = _JSON_SCHEMA

    def __init__(self, path: str | os.PathLike, max_rows: int = 100_000):
        super().__init__(path)
        self.max_rows = max_rows

    @staticmethod
    def key(parts) -> str:
        return hashlib.sha256(repr(parts).encode()).hexdigest()

    def get(self, key: str):
        found = self.get_text(key)
        return None if found is None else found[0]

    def get_text(self, key: str) -> tuple[object, str] | None:
        """The value and its JSON text (for a caller that keeps the text)."""
        try:
            row = self._conn().execute("SELECT body FROM entries WHERE key=?", (key,)).fetchone()
            return None if row is None else (json.loads(row[0]), row[0])
        except (sqlite3.Error, ValueError) as exc:
            log.warning("shared cache %s unreadable (%s): computing", os.path.basename(self.path), exc)
            return None

    def put(self, key: str, value) -> None:
        try:
            text = dumps(value)
        except (TypeError, ValueError) as exc:
            log.warning("shared cache %s not written (%s)", os.path.basename(self.path), exc)
            return
        self.put_text(key, text)

    def put_text(self, key: str, text: str) -> None:
        """Store a value already written as JSON (``dumps``)."""
        try:
            c = self._conn()
            c.execute("INSERT OR REPLACE INTO entries (key, at, body) VALUES (?, ?, ?)", (key, time.time(), text))
            self._puts += 1
            if self._puts % self.PRUNE_EVERY == 0:  # keep the newest max_rows
                c.execute("DELETE FROM entries WHERE at < (SELECT at FROM entries ORDER BY at DESC LIMIT 1 OFFSET ?)",
                          (self.max_rows,))
        except sqlite3.Error as exc:
            log.warning("shared cache %s not written (%s)", os.path.basename(self.path), exc)


def dumps(value) -> str:
    """The compact JSON text ``SharedJson`` keeps: UTF-8 as is, no spaces."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
