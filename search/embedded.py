"""The embedded backend: SQLite FTS5 over character pairs + an in-process vector index.

Storage (one SQLite file next to the app database, or ``:memory:``):

* ``docs``: one row per document, ``rowid`` (AUTOINCREMENT, never reused) keys the rest;
* ``fv``: filter/facet values, one row per (document, field, value): ``kv`` is the
  string form (keywords, dates as ISO, booleans ``true``/``false``), ``nv`` the number;
* ``fts_posting`` / ``fts_profile``: FTS5 (``unicode61``) over space-separated
  character pairs of title, skills and text (two-character queries work; phrase
  queries keep order), plus a column of jieba words that adds ranking signal for
  whole-word matches. Column weights title 5, skills 3, text 1, words 1 (bm25);
* ``vec``: float32 unit vectors as blobs, with a sequence number per change so that
  every process applies others' writes to its numpy matrix incrementally.

Threads: file databases use one connection per thread (WAL: readers never block);
``:memory:`` uses one connection behind a lock. Writes take a process-wide lock and
SQLite's own file lock across processes.

This module holds the backend's connections and its write side (indexing, deletes, rebuilds,
the vectors' refresh and snapshots); the schema and value conversions are
``search.embedded_schema``'s, the read side (filters, candidates, fusion, facets)
``search.embedded_query``'s.
"""
from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from search import analysis, fusion, vecfiles
from search.base import (
    DOC_TYPES,
    Document,
    SearchBackend,
    SearchUnavailable,
    as_date,
)
from search.embedded_query import EmbeddedQueries
from search.embedded_schema import (
    _ALL_COLUMNS,
    _FIELD_NAME_OK,
    _INDEXED_COLUMNS,
    _SCHEMA,
    BM25_WEIGHTS,
    COLUMN_FIELDS,
    FTS_COLUMNS,
    _column_value,
    _fts,
    _values,
)
from search.sqlite_util import enable_wal
from search.vectors import VectorIndex

log = logging.getLogger(__name__)


class EmbeddedBackend(EmbeddedQueries, SearchBackend):
    """SQLite FTS5 + numpy vectors. ``path`` is a file (created if absent) or
    ``":memory:"``. Options: ``vector_weight`` and ``fusion_method`` (see
    :mod:`search.fusion`), ``depth`` (candidates taken from each side for fusion,
    at least; default 100)."""

    name = "embedded"

    def __init__(
        self,
        path: str = ":memory:",
        *,
        vector_weight: float = fusion.DEFAULT_VECTOR_WEIGHT,
        fusion_method: str = fusion.DEFAULT_METHOD,
        depth: int = 100,
        timeout: float = 10.0,
        snapshot_min_rows: int = 1000,
        delta_max: int = 2000,
    ):
        self.path = path
        self.vector_weight = vector_weight
        self.fusion_method = fusion_method
        self.depth = depth
        self.timeout = timeout
        self._memory = path in ("", ":memory:")
        self._local = threading.local()
        self._shared: sqlite3.Connection | None = None
        self._shared_lock = threading.RLock()
        self._write_lock = threading.RLock()
        self._closed = False
        self._all_conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self.vectors = VectorIndex()
        # vectors shared by processes through memory-mapped snapshot files beside the index
        # (search.vecfiles): written once there are ``snapshot_min_rows`` vectors, and again
        # when more than ``delta_max`` rows changed since (each process serves those itself)
        self.snapshot_root = None if self._memory else os.path.abspath(path) + ".vectors"
        self.snapshot_min_rows = snapshot_min_rows
        self.delta_max = delta_max
        try:
            if not self._memory:
                os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            with self._conn() as c:
                self._init_schema(c)
        except sqlite3.Error as e:
            raise SearchUnavailable(f"cannot open search index {path!r}: {e}") from e

    # ---------------------------------------------------------------- connections
    def _connect(self) -> sqlite3.Connection:
        c = sqlite3.connect(
            self.path if not self._memory else ":memory:",
            timeout=self.timeout,
            isolation_level=None,
            check_same_thread=False,
        )
        c.execute("PRAGMA synchronous=NORMAL")
        c.execute("PRAGMA temp_store=MEMORY")
        if not self._memory:
            enable_wal(c)  # other processes may be opening the same new file right now
            # The first 256 MB are read through a memory map (shared by every process and thread);
            # the rest through the connection's own page cache, one per server thread: 1 MB each
            # (64 MB each grew every server process by up to 8 x 64 MB at 100k postings and
            # profiles, a 750 MB file; 4 MB each still by ~24 MB, for no faster search: the OS
            # caches the file for every connection). A larger map costs more: the kernel maps
            # the pages around each fault too, and PSS counts them.
            c.execute("PRAGMA mmap_size=268435456")
            c.execute("PRAGMA cache_size=-1024")
        else:
            c.execute("PRAGMA cache_size=-65536")
        with self._conns_lock:
            self._all_conns.append(c)
        return c

    @contextlib.contextmanager
    def _conn(self):
        if self._closed:
            raise SearchUnavailable("search backend is closed")
        if self._memory:
            with self._shared_lock:
                if self._shared is None:
                    self._shared = self._connect()
                yield self._shared
            return
        c = getattr(self._local, "conn", None)
        if c is None:
            c = self._local.conn = self._connect()
        yield c

    @contextlib.contextmanager
    def _write(self):
        """A write transaction (process lock + BEGIN IMMEDIATE)."""
        with self._write_lock, self._conn() as c:
            try:
                c.execute("BEGIN IMMEDIATE")
                yield c
                c.execute("COMMIT")
            except BaseException:
                if c.in_transaction:
                    c.execute("ROLLBACK")
                raise

    def _init_schema(self, c: sqlite3.Connection) -> None:
        with self._write_lock:
            c.executescript(_SCHEMA)  # IF NOT EXISTS throughout: safe beside another process
        # The checks below look, then change: other processes (the server's workers start
        # together) must not look in between, so all of it is one write transaction.
        with self._write() as w:
            self._migrate_schema(w)

    def _migrate_schema(self, c: sqlite3.Connection) -> None:
        for dt in DOC_TYPES:
            t = _fts(dt)
            exists = c.execute("SELECT 1 FROM sqlite_master WHERE name=?", (t,)).fetchone()
            if exists and tuple(r[1] for r in c.execute(f"PRAGMA table_info({t})")) != FTS_COLUMNS:
                # an index of an older format cannot be converted (the source text
                # is not kept): empty it and say so; the reindex command refills it
                log.warning("search index %s has an old format: cleared, run the reindex", t)
                self._clear(c, dt)
                c.execute(f"DROP TABLE {t}")
                c.execute("INSERT OR REPLACE INTO meta(key, value) VALUES(?, 1)", (f"needs_reindex:{dt}",))
                exists = None
            if not exists:
                c.execute(
                    f"CREATE VIRTUAL TABLE {t} USING fts5({', '.join(FTS_COLUMNS)}, "
                    "tokenize=\"unicode61 remove_diacritics 2 tokenchars '+#'\")"
                )
                c.execute(f"INSERT INTO {t}({t}, rank) VALUES('rank', 'bm25({', '.join(map(str, BM25_WEIGHTS))})')")
        have = {r[1] for r in c.execute("PRAGMA table_info(docs)")}
        for name in _ALL_COLUMNS:
            if f"f_{name}" not in have:
                c.execute(f"ALTER TABLE docs ADD COLUMN f_{name}")
        for name in _INDEXED_COLUMNS:
            c.execute(f"CREATE INDEX IF NOT EXISTS docs_{name} ON docs(doc_type, f_{name})")
        c.execute("INSERT OR IGNORE INTO meta(key, value) VALUES('seq', 0)")
        c.execute("INSERT OR IGNORE INTO meta(key, value) VALUES('epoch', ?)", (f"{time.time_ns()}",))

    def warm_up(self) -> None:
        """Load the Chinese tools and this process's vector cache now (call once per
        worker process after fork) so the first search is not slow."""
        analysis.warm_up()
        self.maybe_snapshot()  # an index from before snapshots gets its first one (one process writes it)
        with self._conn() as c:
            self._refresh_vectors(c)
            for dt in DOC_TYPES:
                m = self.vectors.by_type.get(dt)
                if m is not None and m.n:
                    self.vectors.top(dt, m.mat[0].copy(), 1)  # builds the faiss index when large
                part = self.vectors.snap.parts.get(dt) if self.vectors.snap is not None else None
                if part is not None and part.n:
                    self.vectors.top(dt, np.asarray(part.vecs[0], dtype=np.float32), 1)  # maps the pages

    def close(self) -> None:
        self._closed = True
        with self._conns_lock:
            for c in self._all_conns:
                with contextlib.suppress(Exception):
                    c.close()
            self._all_conns.clear()
        self._shared = None

    def version(self) -> str | None:
        """``epoch:seq``: every write bumps ``seq`` and every clear or rebuild renews
        ``epoch``, in whichever process it happens (one indexed read, ~20 µs)."""
        try:
            with self._conn() as c:
                meta = dict(c.execute("SELECT key, value FROM meta WHERE key IN ('seq', 'epoch')").fetchall())
        except sqlite3.Error as e:
            raise SearchUnavailable(f"search index unreadable: {e}") from e
        return f"{meta.get('epoch')}:{meta.get('seq')}"

    # ---------------------------------------------------------------- vectors
    def _refresh_vectors(self, c: sqlite3.Connection) -> None:
        """Apply vector changes committed since the last look (by any process), and map a
        newly published snapshot (one ``os.stat`` of its ``CURRENT`` file per call)."""
        meta = dict(c.execute("SELECT key, value FROM meta WHERE key IN ('seq', 'epoch')").fetchall())
        seq, epoch = int(meta.get("seq", 0)), meta.get("epoch")
        vi = self.vectors
        with vi.lock:
            snap = None
            if self.snapshot_root is not None:
                stamp = vecfiles.current_stamp(self.snapshot_root)
                if stamp != vi.stamp:
                    vi.published = vecfiles.open_current(self.snapshot_root)
                    vi.stamp = stamp
                # the published snapshot when it holds this state of the table; else the one
                # in use while it still does (a rebuild's snapshot is published a moment after
                # its commit, and a search that began before the commit still reads the old state)
                for cand in (vi.published, vi.snap):
                    if cand is not None and cand.epoch == epoch:
                        snap = cand
                        break
            if epoch != vi.epoch or snap is not vi.snap:
                vi.reset(snap)
                vi.epoch = epoch
            if seq == vi.seq:
                return
            if vi.seq < 0 and snap is not None:  # the rows changed since the snapshot, deletions included
                rows = c.execute("SELECT rowid, doc_type, v FROM vec WHERE seq > ? ORDER BY seq", (snap.seq,))
            elif vi.seq < 0:
                rows = c.execute("SELECT rowid, doc_type, v FROM vec WHERE v IS NOT NULL ORDER BY seq")
            else:
                rows = c.execute("SELECT rowid, doc_type, v FROM vec WHERE seq > ? ORDER BY seq", (vi.seq,))
            vi.apply(rows)
            vi.seq = seq

    def maybe_snapshot(self, force: bool = False) -> str | None:
        """Write and publish a new vector snapshot when the rows changed since the current
        one exceed ``delta_max`` (or there is none, or it is of another epoch, and there are
        at least ``snapshot_min_rows`` vectors); ``force`` writes one regardless. Skipped when
        another process is writing one. Returns the new version or ``None``."""
        root = self.snapshot_root
        if root is None:
            return None
        try:
            with vecfiles.writer_lock(root, wait=force) as mine:
                if not mine:
                    return None
                with self._conn() as c:
                    c.execute("BEGIN")  # one read transaction: a consistent copy
                    try:
                        if not force and not self._snapshot_due(c, root):
                            return None
                        version, _ = vecfiles.write_from_table(c, root)
                    finally:
                        c.execute("COMMIT")
                vecfiles.publish(root, version)
                return version
        except (OSError, sqlite3.Error, ValueError, RuntimeError) as e:  # the delta keeps serving
            log.warning("vector snapshot not written (%s): processes serve vectors from their own memory", e)
            return None

    def _snapshot_due(self, c: sqlite3.Connection, root: str) -> bool:
        epoch = c.execute("SELECT value FROM meta WHERE key='epoch'").fetchone()[0]
        version = vecfiles.current_version(root)
        snap_meta = None
        if version is not None:
            with contextlib.suppress(OSError, ValueError):
                snap_meta = json.loads((Path(root) / version / "meta.json").read_text(encoding="utf-8"))
        if snap_meta is None or snap_meta.get("epoch") != epoch:
            n = c.execute("SELECT count(*) FROM vec WHERE v IS NOT NULL").fetchone()[0]
            return n >= self.snapshot_min_rows
        changed = c.execute("SELECT count(*) FROM vec WHERE seq > ?", (int(snap_meta["seq"]),)).fetchone()[0]
        return changed > self.delta_max

    # ---------------------------------------------------------------- writes
    def index(self, docs: Iterable[Document]) -> int:
        n = 0
        batch: list[Document] = []
        try:
            for d in docs:
                batch.append(d)
                if len(batch) >= 2000:
                    n += self._index_batch(batch)
                    batch = []
            if batch:
                n += self._index_batch(batch)
            if n >= 5000:
                with self._write() as c:
                    c.execute("ANALYZE")
        except sqlite3.Error as e:
            raise SearchUnavailable(f"search index write failed: {e}") from e
        if n:
            self.maybe_snapshot()
        return n

    def _prepare(self, d: Document):
        if d.doc_type not in DOC_TYPES:
            raise ValueError(f"doc_type must be one of {DOC_TYPES}, not {d.doc_type!r}")
        if not d.id:
            raise ValueError("document id is empty")
        cols = analysis.doc_columns(d.title or "", list(d.skills or []), d.text or "")
        fvals = []
        colvals = dict.fromkeys(_ALL_COLUMNS)
        colkinds = COLUMN_FIELDS[d.doc_type]
        for name, value in (d.fields or {}).items():
            if not set(name) <= _FIELD_NAME_OK:
                raise ValueError(f"bad field name {name!r}")
            if name in colkinds:
                colvals[name] = _column_value(colkinds[name], name, value)
                continue
            for kv, nv in _values(value):
                fvals.append((name, kv, nv))
        blob = None
        if d.vector is not None:
            v = np.asarray(d.vector, dtype=np.float32).reshape(-1)
            norm = float(np.linalg.norm(v))
            if not v.size or not math.isfinite(norm):
                raise ValueError(f"bad vector for {d.doc_type} {d.id}")
            if norm > 0:
                v = v / norm
            blob = v.tobytes()
        sort_on = as_date(d.updated_on).isoformat() if d.updated_on else None
        return cols, fvals, blob, sort_on, [colvals[n] for n in _ALL_COLUMNS]

    def _index_batch(self, docs: list[Document], c: sqlite3.Connection | None = None) -> int:
        # analyse outside the write lock (it is the slow part)
        latest = {(d.doc_type, str(d.id)): d for d in docs}
        prepared = [(key, self._prepare(d)) for key, d in latest.items()]
        dims = {len(p[2]) // 4 for _, p in prepared if p[2] is not None}
        ctx = self._write() if c is None else contextlib.nullcontext(c)
        with ctx as c:
            seq = int(c.execute("UPDATE meta SET value = value + 1 WHERE key='seq' RETURNING value").fetchone()[0])
            for dt in {k[0] for k, _ in prepared}:
                self._check_dim(c, dt, {len(p[2]) // 4 for k, p in prepared if k[0] == dt and p[2] is not None})
            fts_rows: dict[str, list] = {}
            fv_rows, vec_rows, rowids = [], [], []
            fcols = [f"f_{n}" for n in _ALL_COLUMNS]
            upsert = (
                f"INSERT INTO docs(doc_type, id, sort_on, {', '.join(fcols)}) VALUES(?,?,?{',?' * len(fcols)}) "
                f"ON CONFLICT(doc_type, id) DO UPDATE SET sort_on=excluded.sort_on, "
                + ", ".join(f"{col}=excluded.{col}" for col in fcols)
                + " RETURNING rowid"
            )
            for (dt, id_), (cols, fvals, blob, sort_on, colvals) in prepared:
                rowid = c.execute(upsert, (dt, id_, sort_on, *colvals)).fetchone()[0]
                rowids.append((rowid,))
                fts_rows.setdefault(dt, []).append(
                    (rowid, cols["title"], cols["skills"], cols["body"], cols["words"], cols["pinyin"]))
                fv_rows.extend((rowid, name, kv, nv) for name, kv, nv in fvals)
                vec_rows.append((rowid, dt, seq, blob))
            c.executemany("DELETE FROM fv WHERE rowid=?", rowids)
            c.executemany("INSERT INTO fv(rowid, name, kv, nv) VALUES(?,?,?,?)", fv_rows)
            for dt, rows in fts_rows.items():
                t = _fts(dt)
                c.executemany(f"DELETE FROM {t} WHERE rowid=?", [(r[0],) for r in rows])
                c.executemany(f"INSERT INTO {t}(rowid, {', '.join(FTS_COLUMNS)}) VALUES(?,?,?,?,?,?)", rows)
            # a document indexed without a vector loses its old one (blob NULL = tombstone)
            c.executemany("INSERT OR REPLACE INTO vec(rowid, doc_type, seq, v) VALUES(?,?,?,?)", vec_rows)
        del dims
        return len(prepared)

    def _check_dim(self, c: sqlite3.Connection, doc_type: str, dims: set[int]) -> None:
        if not dims:
            return
        if len(dims) > 1:
            raise ValueError(f"vectors of different lengths in one batch: {sorted(dims)}")
        dim = dims.pop()
        row = c.execute("SELECT value FROM meta WHERE key=?", (f"dim:{doc_type}",)).fetchone()
        if row is None:
            c.execute("INSERT INTO meta(key, value) VALUES(?, ?)", (f"dim:{doc_type}", dim))
        elif int(row[0]) != dim:
            raise ValueError(f"{doc_type} vectors have {int(row[0])} dimensions, got {dim}")

    def delete(self, doc_type: str, ids: Iterable[str]) -> int:
        t = _fts(doc_type)
        ids = [str(i) for i in ids]
        if not ids:
            return 0
        try:
            with self._write() as c:
                seq = int(c.execute("UPDATE meta SET value = value + 1 WHERE key='seq' RETURNING value").fetchone()[0])
                n = 0
                for i in range(0, len(ids), 500):
                    chunk = ids[i : i + 500]
                    rows = c.execute(
                        f"DELETE FROM docs WHERE doc_type=? AND id IN ({','.join('?' * len(chunk))}) RETURNING rowid",
                        (doc_type, *chunk),
                    ).fetchall()
                    n += len(rows)
                    c.executemany("DELETE FROM fv WHERE rowid=?", rows)
                    c.executemany(f"DELETE FROM {t} WHERE rowid=?", rows)
                    c.executemany("UPDATE vec SET v=NULL, seq=? WHERE rowid=?", [(seq, r[0]) for r in rows])
        except sqlite3.Error as e:
            raise SearchUnavailable(f"search index write failed: {e}") from e
        if n:
            self.maybe_snapshot()
        return n

    def clear(self, doc_type: str | None = None) -> None:
        try:
            with self._write() as c:
                self._clear(c, doc_type)
        except sqlite3.Error as e:
            raise SearchUnavailable(f"search index write failed: {e}") from e

    def _clear(self, c: sqlite3.Connection, doc_type: str | None) -> None:
        for dt in [doc_type] if doc_type else DOC_TYPES:
            t = _fts(dt)
            c.execute("DELETE FROM fv WHERE rowid IN (SELECT rowid FROM docs WHERE doc_type=?)", (dt,))
            c.execute("DELETE FROM docs WHERE doc_type=?", (dt,))
            c.execute(f"DELETE FROM {t}")
            c.execute("DELETE FROM vec WHERE doc_type=?", (dt,))
            c.execute("DELETE FROM meta WHERE key=?", (f"dim:{dt}",))
        # every process reloads its vectors from scratch
        c.execute("UPDATE meta SET value=? WHERE key='epoch'", (f"{time.time_ns()}",))

    def rebuild(self, doc_type: str, docs: Iterable[Document], progress=None) -> int:
        """One transaction: readers (WAL) see the old documents until it commits."""
        _fts(doc_type)
        n = 0
        version = None
        lock = contextlib.ExitStack()  # the snapshot writers' lock, from writing to publishing
        try:
            with self._write() as c:
                self._clear(c, doc_type)
                batch: list[Document] = []
                for d in docs:
                    if d.doc_type != doc_type:
                        raise ValueError(f"rebuild({doc_type!r}) got a {d.doc_type!r}")
                    batch.append(d)
                    if len(batch) >= 2000:
                        n += self._index_batch(batch, c)
                        if progress:
                            progress(len(batch))
                        batch = []
                if batch:
                    n += self._index_batch(batch, c)
                    if progress:
                        progress(len(batch))
                c.execute(f"INSERT INTO {_fts(doc_type)}({_fts(doc_type)}) VALUES('optimize')")
                c.execute("DELETE FROM meta WHERE key=?", (f"needs_reindex:{doc_type}",))
                c.execute("ANALYZE")
                # the new vectors' snapshot is written before the commit (this transaction
                # sees its own rows) and published right after it: other processes switch
                # from the old snapshot to the new one, never to their own copy of everything
                if self.snapshot_root is not None:
                    lock.enter_context(vecfiles.writer_lock(self.snapshot_root))
                version = self._snapshot_in(c)
            if version is not None:
                vecfiles.publish(self.snapshot_root, version)
        except sqlite3.Error as e:
            raise SearchUnavailable(f"search index rebuild failed: {e}") from e
        except BaseException:
            if version is not None:
                vecfiles.discard(self.snapshot_root, version)
            raise
        finally:
            lock.close()
        if version is not None:
            self._refresh_after_publish()
        return n

    def _snapshot_in(self, c: sqlite3.Connection) -> str | None:
        if self.snapshot_root is None:
            return None
        n = c.execute("SELECT count(*) FROM vec WHERE v IS NOT NULL").fetchone()[0]
        if n < self.snapshot_min_rows:
            return None
        try:
            return vecfiles.write_from_table(c, self.snapshot_root)[0]
        except (OSError, ValueError, RuntimeError) as e:
            log.warning("vector snapshot not written (%s): processes serve vectors from their own memory", e)
            return None

    def _refresh_after_publish(self) -> None:
        with contextlib.suppress(sqlite3.Error, SearchUnavailable), self._conn() as c:
            self._refresh_vectors(c)

    def optimize(self) -> None:
        """Merge FTS segments and refresh the query planner's statistics (after large
        bulk loads; ``rebuild`` does it itself). Without statistics SQLite picked the
        ``status`` index (80% of rows) over ``district`` (12%): 2.5x slower filters."""
        with self._write() as c:
            for dt in DOC_TYPES:
                c.execute(f"INSERT INTO {_fts(dt)}({_fts(dt)}) VALUES('optimize')")
            c.execute("ANALYZE")

    # ---------------------------------------------------------------- reads
    def count(self, doc_type: str) -> int:
        _fts(doc_type)
        try:
            with self._conn() as c:
                return c.execute("SELECT count(*) FROM docs WHERE doc_type=?", (doc_type,)).fetchone()[0]
        except sqlite3.Error as e:
            raise SearchUnavailable(str(e)) from e

    def get_ids(self, doc_type: str) -> set[str]:
        with self._conn() as c:
            return {r[0] for r in c.execute("SELECT id FROM docs WHERE doc_type=?", (doc_type,))}

    def health(self) -> dict[str, Any]:
        try:
            with self._conn() as c:
                counts = dict(c.execute("SELECT doc_type, count(*) FROM docs GROUP BY doc_type").fetchall())
                stale = [k.split(":", 1)[1] for (k,) in c.execute("SELECT key FROM meta WHERE key LIKE 'needs_reindex:%'")]
                self._refresh_vectors(c)
            return {
                "ok": True,
                "backend": self.name,
                "path": self.path,
                "documents": {dt: counts.get(dt, 0) for dt in DOC_TYPES},
                "vectors": {dt: self.vectors.size(dt) for dt in DOC_TYPES},
                "needs_reindex": stale,
            }
        except Exception as e:  # health never raises
            return {"ok": False, "backend": self.name, "path": self.path, "error": str(e)}
