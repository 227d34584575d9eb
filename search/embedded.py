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
"""
from __future__ import annotations

import contextlib
import datetime as _dt
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

import chinese
from search import analysis, fusion, vecfiles
from search.base import (
    DOC_TYPES,
    FIELD_SCHEMA,
    Document,
    Hit,
    Query,
    Range,
    SearchBackend,
    SearchResult,
    SearchUnavailable,
    as_date,
)
from search.sqlite_util import enable_wal
from search.vectors import VectorIndex

log = logging.getLogger(__name__)

BM25_WEIGHTS = (5.0, 3.0, 1.0, 1.0, 2.0)  # title, skills, body, words, pinyin
FTS_COLUMNS = ("title", "skills", "body", "words", "pinyin")
#: Lexical ranking: bm25 over all matches when there are at most RANK_MAX;
#: otherwise title matches first, then the rest, each tier by bm25 over its newest
#: RANK_MAX documents (see EmbeddedBackend._lex_top). Scoring costs 2.5–10 µs a
#: match (焊工 at 100k postings: 27k matches, 77 ms); this bounds it.
RANK_MAX = 1000
_FIELD_NAME_OK = set("abcdefghijklmnopqrstuvwxyz0123456789_")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value);
CREATE TABLE IF NOT EXISTS docs(
    rowid INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_type TEXT NOT NULL,
    id TEXT NOT NULL,
    sort_on TEXT,
    UNIQUE(doc_type, id));
CREATE INDEX IF NOT EXISTS docs_sort ON docs(doc_type, sort_on);
CREATE TABLE IF NOT EXISTS fv(rowid INTEGER NOT NULL, name TEXT NOT NULL, kv TEXT, nv REAL);
CREATE INDEX IF NOT EXISTS fv_kv ON fv(name, kv, rowid);
CREATE INDEX IF NOT EXISTS fv_nv ON fv(name, nv, rowid);
CREATE INDEX IF NOT EXISTS fv_row ON fv(rowid, name, kv, nv);
CREATE TABLE IF NOT EXISTS vec(rowid INTEGER PRIMARY KEY, doc_type TEXT NOT NULL, seq INTEGER NOT NULL, v BLOB);
CREATE INDEX IF NOT EXISTS vec_seq ON vec(seq);
"""


_SCALAR = ("keyword", "int", "float", "date", "bool")
#: schema fields stored as typed columns ``f_<name>`` of ``docs`` (one value each):
#: a filter is then one row lookup per candidate, not a join. Other fields (lists,
#: fields outside the schema) live in ``fv``.
COLUMN_FIELDS: dict[str, dict[str, str]] = {
    dt: {name: kind for name, kind in schema.items() if kind in _SCALAR} for dt, schema in FIELD_SCHEMA.items()
}
_ALL_COLUMNS = sorted({name for cols in COLUMN_FIELDS.values() for name in cols})
_INDEXED_COLUMNS = ("kind", "district", "status")


def _column_value(kind: str, name: str, value: Any):
    if value is None:
        return None
    if isinstance(value, (list, tuple, set, frozenset)):
        raise ValueError(f"field {name!r} takes one value, not a list")
    if kind == "int":
        if isinstance(value, bool):
            raise ValueError(f"field {name!r} takes a number")
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "date":
        return as_date(value).isoformat()
    if kind == "bool":
        return "true" if bool(value) else "false"
    return _kv(value)


def _fts(doc_type: str) -> str:
    if doc_type not in DOC_TYPES:
        raise ValueError(f"doc_type must be one of {DOC_TYPES}, not {doc_type!r}")
    return f"fts_{doc_type}"


def _values(value: Any) -> list[tuple[str, float | None]]:
    """(kv, nv) rows for one field value."""
    if value is None:
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        out: list[tuple[str, float | None]] = []
        for v in value:
            out.extend(_values(v))
        return out
    if isinstance(value, bool):
        return [("true" if value else "false", float(value))]
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return []
        return [(str(value), float(value))]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return [(as_date(value).isoformat(), None)]
    return [(str(value), None)]


def _kv(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (_dt.date, _dt.datetime)):
        return as_date(value).isoformat()
    return str(value)


def _phrase(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def fts_expression(terms: list[analysis.Term], any_term: bool = False, columns: tuple[str, ...] = ()) -> str:
    """The FTS5 MATCH expression for analysed terms (see ``search.analysis``), over
    all columns or only ``columns``."""
    colspec = f"{{{' '.join(columns)}}} : " if columns else ""
    parts = []
    for t in terms:
        alts = []
        for a in t.alternatives:
            if len(a) == 1 and analysis._HAN_RE.match(a):
                alts.append(f"{colspec}{_phrase(a)} *")  # one character: prefix of a pair
                continue
            toks = chinese.bigrams(a)
            if not toks:
                continue
            alts.append(colspec + _phrase(" ".join(toks)))
            if len(toks) > 1 and " " not in a and not columns:
                alts.append(f"words : {_phrase(a)}")  # whole-word bonus
            if chinese.looks_like_pinyin(a) and not columns:
                alts.append(f"pinyin : {_phrase(a)}")  # kuaiji → 会计
        if alts:
            parts.append("(" + " OR ".join(alts) + ")")
    return (" OR " if any_term else " AND ").join(parts)


class EmbeddedBackend(SearchBackend):
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

    def search(self, query: Query) -> SearchResult:
        query.validate()
        try:
            with self._conn() as c:
                # one read transaction: the vectors' state (meta), the matches and the ids
                # all come from one committed state, even while a rebuild commits
                c.execute("BEGIN")
                try:
                    return self._search(c, query)
                finally:
                    if c.in_transaction:
                        c.execute("COMMIT")
        except sqlite3.Error as e:
            raise SearchUnavailable(f"search failed: {e}") from e

    # filters ---------------------------------------------------------------
    @staticmethod
    def _filter_sql(filters, doc_type: str, alias: str = "d") -> tuple[list[str], list[Any]]:
        """SQL conditions (AND-ed) on the ``docs`` row ``alias`` and their parameters.

        Schema scalars are typed columns of ``docs`` (``d.f_district = ?``): over FTS
        matches or vector candidates, a filter costs one row lookup per candidate.
        Other fields go through ``fv`` (``d.rowid IN (SELECT rowid FROM fv ...)``).
        (Measured: ``rowid IN (...)`` on an FTS5 table itself makes FTS5 re-run the
        MATCH per row, and correlated ``EXISTS`` over ``fv`` cost 30 µs per row.)
        """
        conds: list[str] = []
        params: list[Any] = []
        colkinds = COLUMN_FIELDS.get(doc_type, {})
        for name, cond in filters.items():
            if not set(name) <= _FIELD_NAME_OK:
                raise ValueError(f"bad field name {name!r}")
            kind = colkinds.get(name)
            if kind:
                col = f"{alias}.f_{name}"
                numeric = kind in ("int", "float")

                def conv(v, name=name, numeric=numeric):
                    if numeric:
                        if isinstance(v, bool) or not isinstance(v, (int, float)):
                            raise ValueError(f"filter on {name!r} needs a number, not {v!r}")
                        return v
                    return _kv(v)

                if isinstance(cond, Range):
                    for op, v in cond.bounds():
                        conds.append(f"{col} {op} ?")
                        params.append(conv(v))
                elif cond is None:
                    conds.append(f"{col} IS NULL")
                else:
                    values = list(cond) if isinstance(cond, (list, tuple, set, frozenset)) else [cond]
                    vals = [conv(v) for v in values if v is not None]
                    parts = []
                    if vals:
                        parts.append(f"{col} IN ({','.join('?' * len(vals))})")
                        params.extend(vals)
                    if any(v is None for v in values):
                        parts.append(f"{col} IS NULL")
                    conds.append("(" + (" OR ".join(parts) or "0") + ")")
                continue

            def member(name_sql: str, negate: bool = False) -> str:
                return f"{alias}.rowid {'NOT ' if negate else ''}IN (SELECT rowid FROM fv WHERE name = ?{name_sql})"

            if isinstance(cond, Range):
                sub, sp = [], [name]
                for op, v in cond.bounds():
                    if isinstance(v, (_dt.date, _dt.datetime, str)):
                        sub.append(f" AND kv {op} ?")
                        sp.append(_kv(v))
                    elif isinstance(v, (int, float)) and not isinstance(v, bool):
                        sub.append(f" AND nv {op} ?")
                        sp.append(float(v))
                    else:
                        raise ValueError(f"bad range bound for {name}: {v!r}")
                conds.append(member("".join(sub)))
                params.extend(sp)
                continue
            if cond is None:
                conds.append(member("", negate=True))
                params.append(name)
                continue
            values = list(cond) if isinstance(cond, (list, tuple, set, frozenset)) else [cond]
            kvs = [_kv(v) for v in values if v is not None]
            parts = []
            if kvs:
                parts.append(member(f" AND kv IN ({','.join('?' * len(kvs))})"))
                params.extend([name, *kvs])
            if any(v is None for v in values):
                parts.append(member("", negate=True))
                params.append(name)
            conds.append("(" + (" OR ".join(parts) or "0") + ")")
        return conds, params

    # the search pipeline ----------------------------------------------------
    def _search(self, c: sqlite3.Connection, q: Query) -> SearchResult:
        fts = _fts(q.doc_type)
        conds, fparams = self._filter_sql(q.filters, q.doc_type)
        dwhere = "".join(f" AND {x}" for x in conds)
        notes: list[str] = []
        need = q.offset + q.per_page
        depth = max(self.depth, 2 * need)

        aq = analysis.analyze_query(q.text) if q.text and q.text.strip() else None
        use_lex = q.mode in ("hybrid", "lexical") and aq is not None and bool(aq.terms)
        qv = None
        if q.mode in ("hybrid", "vector") and q.query_vector is not None:
            qv = np.asarray(q.query_vector, dtype=np.float32).reshape(-1)
            n = float(np.linalg.norm(qv))
            if n > 0:
                qv = qv / n
        if q.mode == "vector" and qv is None:
            raise ValueError("mode 'vector' needs query_vector")

        # lexical: FTS5 matches, joined to docs only when there are filters
        join_from = f"{fts} JOIN docs AS d ON d.rowid = {fts}.rowid WHERE {fts} MATCH ?{dwhere}"
        lex_from = join_from if conds else f"{fts} WHERE {fts} MATCH ?"
        match_expr, tiers = None, []
        if use_lex:
            terms, any_term = aq.terms, False
            match_expr = fts_expression(terms)
            if match_expr and aq.relaxable:
                hit = c.execute(f"SELECT 1 FROM {lex_from} LIMIT 1", (match_expr, *fparams)).fetchone()
                if hit is None:
                    terms, any_term = aq.relaxed_terms, True
                    match_expr = fts_expression(terms, any_term=True)
                    notes.append("relaxed")
            if match_expr:
                tiers = [fts_expression(terms, any_term=any_term, columns=("title",)), match_expr]
            else:
                use_lex = False
        lex_sql = f"SELECT {fts}.rowid FROM {lex_from}"
        lex_params = [match_expr, *fparams]

        # vector: only candidates at the similarity threshold or more count as matches
        vec: list[tuple[int, float]] = []
        if qv is not None:
            self._refresh_vectors(c)
            vec = self._vector_top(c, q.doc_type, qv, depth, conds, fparams)
            if q.min_similarity is not None:
                vec = [(r, s) for r, s in vec if s >= q.min_similarity]
        vec_ids = json.dumps([r for r, _ in vec])
        relaxed = "relaxed" in notes

        # totals: lexical matches (every term: exact; any term: related), plus vector
        # candidates that are not lexical matches (related)
        lex_total = 0
        exact_vec: set[int] = set()  # vector candidates that are also exact matches
        if use_lex:
            lex_total = c.execute(f"SELECT count(*) FROM {lex_from}", lex_params).fetchone()[0]
            if vec:
                overlap = {r for (r,) in c.execute(
                    f"SELECT value FROM json_each(?) WHERE value IN (SELECT {fts}.rowid FROM {lex_from})",
                    (vec_ids, *lex_params))}
                if not relaxed:
                    exact_vec = overlap
                total = lex_total + len(vec) - len(overlap)
            else:
                total = lex_total
            exact_total = 0 if relaxed else lex_total
        elif qv is not None:
            total, exact_total = len(vec), 0
        elif aq is not None:
            total = exact_total = 0  # text without any searchable term (only punctuation)
        else:
            total = exact_total = None

        # candidate set (for facets, date sort, browse)
        if use_lex and vec:
            cand_sql = f"{lex_sql} UNION SELECT value FROM json_each(?)"
            cand_params = [*lex_params, vec_ids]
        elif use_lex:
            cand_sql, cand_params = lex_sql, lex_params
        elif qv is not None:
            cand_sql, cand_params = "SELECT value FROM json_each(?)", [vec_ids]
        elif aq is not None:
            cand_sql, cand_params = "SELECT rowid FROM docs WHERE 0", []
        else:  # browse
            cand_sql = f"SELECT d.rowid FROM docs AS d WHERE d.doc_type=?{dwhere}"
            cand_params = [q.doc_type, *fparams]
        if total is None:
            total = exact_total = c.execute(f"SELECT count(*) FROM ({cand_sql})", cand_params).fetchone()[0]

        # ranking: exact matches first in every order, then the related ones
        # (only in "honest" mode, with a similarity threshold: matching's candidate pools,
        # which set none, keep the plain fused order)
        exact_first = use_lex and not relaxed and q.min_similarity is not None
        if q.sort in ("date", "pay") or (not use_lex and qv is None):
            if exact_first:
                first, first_params = f"rowid IN ({lex_sql}) DESC, ", lex_params
            else:
                first, first_params = "", []
            key = "f_salary_max IS NULL, f_salary_max DESC, " if q.sort == "pay" else ""
            rows = c.execute(
                f"SELECT rowid FROM docs WHERE rowid IN ({cand_sql}) "
                f"ORDER BY {first}{key}sort_on IS NULL, sort_on DESC, rowid DESC LIMIT ? OFFSET ?",
                (*cand_params, *first_params, q.per_page, q.offset),
            ).fetchall()
            vec_rank = {r: i + 1 for i, (r, _) in enumerate(vec)}
            ranked = [(r, 0.0, None, vec_rank.get(r)) for (r,) in rows]
        elif use_lex and qv is None:
            rows = self._lex_top(c, fts, lex_from, join_from, tiers, lex_total, fparams, q.per_page, q.offset)
            ranked = [(r, s, q.offset + i + 1, None) for i, (r, s) in enumerate(rows)]
        else:
            lex: list[tuple[int, float]] = []
            if use_lex:
                lex = self._lex_top(c, fts, lex_from, join_from, tiers, lex_total, fparams, depth, 0)
            if lex and vec:
                fused = fusion.fuse(lex, vec, method=self.fusion_method, vector_weight=self.vector_weight)
            elif lex:
                fused = [(r, s, i + 1, None) for i, (r, s) in enumerate(lex)]
            else:
                fused = [(r, s, None, i + 1) for i, (r, s) in enumerate(vec)]
            if exact_first:
                fused = ([f for f in fused if f[2] is not None or f[0] in exact_vec]
                         + [f for f in fused if f[2] is None and f[0] not in exact_vec])
            ranked = fused[q.offset : need]

        ids = self._ids(c, [r[0] for r in ranked])
        hits = [Hit(ids[r], float(s), lr, vr) for r, s, lr, vr in ranked if r in ids]
        facets = self._facets(c, q.doc_type, q.facets, cand_sql, cand_params) if q.facets else {}
        return SearchResult(hits, total, facets, q.page, q.per_page, notes, exact_total)

    def _lex_top(self, c, fts, lex_from, join_from, tiers, n_matches, fparams, limit, offset) -> list[tuple[int, float]]:
        """Best lexical matches. At most :data:`RANK_MAX` matches: bm25 of the whole
        query over all of them. More: title matches first, then the rest, and within
        each tier bm25 over its newest :data:`RANK_MAX` documents (highest rowids, i.e.
        most recently indexed) — a bounded cost for broad queries such as 会计 over
        100k postings (27k matches: scoring all of them took 80–200 ms)."""
        title, full = tiers[0], tiers[-1]
        if n_matches <= RANK_MAX:
            # with filters (a join), "rank + 0" so that only the filtered rows are scored
            order = f"{fts}.rank + 0" if lex_from == join_from and " AND " in lex_from else f"{fts}.rank"
            return c.execute(
                f"SELECT {fts}.rowid, -{fts}.rank FROM {lex_from} ORDER BY {order} LIMIT ? OFFSET ?",
                (full, *fparams, limit, offset),
            ).fetchall()
        out: list[tuple[int, float]] = []
        for expr in (title, f"({full}) NOT ({title})"):
            need = limit - len(out)
            if need <= 0:
                break
            if offset > 0:
                n = c.execute(f"SELECT count(*) FROM {lex_from}", (expr, *fparams)).fetchone()[0]
                if offset >= n:
                    offset -= n
                    continue
            edge = c.execute(
                f"SELECT {fts}.rowid FROM {lex_from} ORDER BY {fts}.rowid DESC LIMIT 1 OFFSET ?",
                (expr, *fparams, RANK_MAX - 1),
            ).fetchone()
            window = f" AND {fts}.rowid >= ?" if edge else ""
            # "rank + 0": a bare ORDER BY rank makes FTS5 sort by itself and score
            # every match before the rowid window applies (measured 2-4x slower)
            rows = c.execute(
                f"SELECT {fts}.rowid, -{fts}.rank FROM {lex_from}{window} ORDER BY {fts}.rank + 0 LIMIT ? OFFSET ?",
                (expr, *fparams, *([edge[0]] if edge else []), need, offset),
            ).fetchall()
            offset = 0
            if out and rows:  # keep this tier below the one before (score-based fusion)
                floor, top = min(s for _, s in out), max(s for _, s in rows)
                if top >= floor:
                    rows = [(r, s - top + floor - 1e-6) for r, s in rows]
            out.extend(rows)
        return out

    def _vector_top(self, c, doc_type, qv, k, conds, fparams) -> list[tuple[int, float]]:
        if not conds:
            return self.vectors.top(doc_type, qv, k)
        # The best unfiltered neighbours that pass the filters are exactly the filtered
        # top k once at least k of them pass. Most searches filter on little (only
        # status = published), so the first, narrow step nearly always suffices; the
        # wider step serves selective filters, and beyond that the whole filtered set
        # is scored (small when the filters are that selective). Measured at 100k
        # postings: the narrow step costs about a fifth of the old single wide step.
        for wide in (2 * k, max(20 * k, 1000)):
            over = self.vectors.top(doc_type, qv, wide)
            if not over:
                return []
            ok = {
                r
                for (r,) in c.execute(
                    f"SELECT d.rowid FROM docs AS d WHERE d.rowid IN (SELECT value FROM json_each(?))"
                    f"{''.join(f' AND {x}' for x in conds)}",
                    (json.dumps([r for r, _ in over]), *fparams),
                )
            }
            passed = [(r, s) for r, s in over if r in ok]
            if len(passed) >= k or len(over) < wide:
                return passed[:k]
        rowids = np.array(
            [r for (r,) in c.execute(
                f"SELECT d.rowid FROM docs AS d WHERE d.doc_type=?{''.join(f' AND {x}' for x in conds)}",
                (doc_type, *fparams),
            )],
            dtype=np.int64,
        )
        return self.vectors.top(doc_type, qv, k, rowids)

    @staticmethod
    def _ids(c, rowids: list[int]) -> dict[int, str]:
        if not rowids:
            return {}
        return dict(c.execute("SELECT rowid, id FROM docs WHERE rowid IN (SELECT value FROM json_each(?))", (json.dumps(rowids),)))

    @staticmethod
    def _facets(c, doc_type, names, cand_sql, cand_params) -> dict[str, dict[str, int]]:
        """Counts of each value of each field in ``names`` over the candidate set: one
        GROUP BY pass over ``docs`` for the column fields, one over ``fv`` for others."""
        out: dict[str, dict[str, int]] = {}
        colkinds = COLUMN_FIELDS.get(doc_type, {})
        cols, other = [], []
        for n in names:
            if not set(n) <= _FIELD_NAME_OK:
                raise ValueError(f"bad field name {n!r}")
            out[n] = {}
            (cols if n in colkinds else other).append(n)
        if cols:
            sel = ", ".join(f"f_{n}" for n in cols)
            rows = c.execute(f"SELECT {sel}, count(*) FROM docs WHERE rowid IN ({cand_sql}) GROUP BY {sel}", cand_params)
            for row in rows:
                cnt = row[-1]
                for n, v in zip(cols, row[:-1]):
                    if v is not None:
                        key = str(v)
                        out[n][key] = out[n].get(key, 0) + cnt
        if other:
            rows = c.execute(
                f"SELECT f.name, f.kv, count(*) FROM fv AS f WHERE f.rowid IN ({cand_sql}) "
                f"AND f.name IN ({','.join('?' * len(other))}) GROUP BY f.name, f.kv",
                (*cand_params, *other),
            )
            for name, kv, cnt in rows:
                out[name][kv] = cnt
        return {n: dict(sorted(v.items(), key=lambda kv: (-kv[1], kv[0]))) for n, v in out.items()}
