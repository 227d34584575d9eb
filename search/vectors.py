"""In-process vector index: a float32 numpy matrix per document type, mirrored into a
faiss flat scalar-quantised (fp16) index when faiss is installed and the matrix is large.

Measured on this project's 2-core machine (100k × 384, one query, under load from
other work): numpy matmul + argpartition 17–21 ms (memory-bound: 154 MB read per
query); faiss ``IndexScalarQuantizer(QT_fp16)`` with one thread 3.2 ms, two threads
19 ms (the cores are shared), top-100 identical to exact search on a probe. HNSW
would cost a 40–60 s build per 100k for no gain at this size. Exact numpy is used
below :data:`FAISS_MIN_ROWS` vectors or without faiss. (At 10k vectors numpy took
20 ms p50 in the bench on the loaded machine: OpenBLAS threads spin against the
other work; faiss with one thread does not.)

The vectors are the cache of the ``vec`` table of the SQLite file; other processes
(a Celery worker) write that table, and the embedded backend applies their changes
using a sequence number (see ``search.embedded``). With a file index, most vectors sit
in a snapshot that all processes memory-map (``search.vecfiles``); this module's
matrices then hold only the rows changed since (a per-process delta).
"""
from __future__ import annotations

import os
import threading

import numpy as np

try:  # optional: pinned in requirements.txt, numpy fallback otherwise
    import faiss  # type: ignore

    faiss.omp_set_num_threads(int(os.environ.get("SEARCH_FAISS_THREADS", "1")))
except ImportError:  # pragma: no cover - depends on the environment
    faiss = None

FAISS_MIN_ROWS = 1000


class _Matrix:
    def __init__(self, dim: int):
        self.dim = dim
        self.mat = np.zeros((0, dim), dtype=np.float32)
        self.rowids = np.zeros(0, dtype=np.int64)
        self.valid = np.zeros(0, dtype=bool)
        self.n = 0
        self.slot_by_rowid = np.full(0, -1, dtype=np.int64)
        self.free: list[int] = []
        self.faiss = None  # IndexIDMap2(SQfp16) keyed by slot, built on first large search
        self.use_faiss = faiss is not None

    def _faiss_sync(self, slots: np.ndarray, removed: bool = False) -> None:
        if self.faiss is None or len(slots) == 0:
            return
        ids = np.ascontiguousarray(slots, dtype=np.int64)
        self.faiss.remove_ids(faiss.IDSelectorBatch(ids))
        if not removed:
            self.faiss.add_with_ids(np.ascontiguousarray(self.mat[ids]), ids)

    def _faiss_build(self) -> None:
        idx = faiss.IndexIDMap2(faiss.IndexScalarQuantizer(self.dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT))
        slots = np.flatnonzero(self.valid[: self.n]).astype(np.int64)
        if len(slots):
            idx.add_with_ids(np.ascontiguousarray(self.mat[slots]), slots)
        self.faiss = idx

    def _grow(self, need: int) -> None:
        cap = len(self.mat)
        if need <= cap:
            return
        new = max(need, int(cap * 1.5) + 1024)
        mat = np.zeros((new, self.dim), dtype=np.float32)
        mat[: self.n] = self.mat[: self.n]
        rowids = np.full(new, -1, dtype=np.int64)
        rowids[: self.n] = self.rowids[: self.n]
        valid = np.zeros(new, dtype=bool)
        valid[: self.n] = self.valid[: self.n]
        self.mat, self.rowids, self.valid = mat, rowids, valid

    def _slot_map(self, max_rowid: int) -> None:
        if max_rowid >= len(self.slot_by_rowid):
            new = np.full(max(max_rowid + 1, int(len(self.slot_by_rowid) * 1.5) + 1024), -1, dtype=np.int64)
            new[: len(self.slot_by_rowid)] = self.slot_by_rowid
            self.slot_by_rowid = new

    def put(self, rowids: np.ndarray, vecs: np.ndarray) -> None:
        if len(rowids) == 0:
            return
        self._slot_map(int(rowids.max()))
        slots = self.slot_by_rowid[rowids]
        new_mask = slots < 0
        k = int(new_mask.sum())
        if k:
            reuse = [self.free.pop() for _ in range(min(k, len(self.free)))]
            fresh = k - len(reuse)
            self._grow(self.n + fresh)
            new_slots = np.array(reuse + list(range(self.n, self.n + fresh)), dtype=np.int64)
            self.n += fresh
            slots[new_mask] = new_slots
            self.slot_by_rowid[rowids[new_mask]] = new_slots
        self.mat[slots] = vecs
        self.rowids[slots] = rowids
        self.valid[slots] = True
        self._faiss_sync(slots)

    def remove(self, rowids: np.ndarray) -> None:
        rowids = rowids[rowids < len(self.slot_by_rowid)]
        slots = self.slot_by_rowid[rowids]
        slots = slots[slots >= 0]
        self.valid[slots] = False
        self.rowids[slots] = -1
        self.slot_by_rowid[rowids] = -1
        self.free.extend(int(s) for s in slots)
        self._faiss_sync(slots, removed=True)

    def top(self, q: np.ndarray, k: int, rowids: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Best ``k`` (rowid, cosine) among all vectors, or among ``rowids``."""
        if self.n == 0 or k <= 0:
            return []
        if self.use_faiss and self.n >= FAISS_MIN_ROWS:
            return self._top_faiss(q, k, rowids)
        if rowids is None:
            scores = self.mat[: self.n] @ q
            scores[~self.valid[: self.n]] = -np.inf
            cand_rowids = self.rowids[: self.n]
        else:
            rowids = rowids[rowids < len(self.slot_by_rowid)]
            slots = self.slot_by_rowid[rowids]
            slots = slots[slots >= 0]
            if len(slots) == 0:
                return []
            scores = self.mat[slots] @ q
            cand_rowids = self.rowids[slots]
        k = min(k, len(scores))
        idx = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        idx = idx[np.argsort(-scores[idx], kind="stable")]
        return [(int(cand_rowids[i]), float(scores[i])) for i in idx if np.isfinite(scores[i])]

    def _top_faiss(self, q: np.ndarray, k: int, rowids: np.ndarray | None) -> list[tuple[int, float]]:
        if self.faiss is None:
            self._faiss_build()
        params = None
        if rowids is not None:
            rowids = rowids[rowids < len(self.slot_by_rowid)]
            slots = self.slot_by_rowid[rowids]
            slots = np.ascontiguousarray(slots[slots >= 0], dtype=np.int64)
            if len(slots) == 0:
                return []
            k = min(k, len(slots))
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(slots))
        k = min(k, self.faiss.ntotal)
        if k <= 0:
            return []
        dist, ids = self.faiss.search(np.ascontiguousarray(q.reshape(1, -1), dtype=np.float32), k, params=params)
        keep = ids[0] >= 0
        return list(zip(self.rowids[ids[0][keep]].tolist(), dist[0][keep].tolist()))

    @property
    def size(self) -> int:
        return int(self.valid[: self.n].sum())


class VectorIndex:
    """Vectors of all document types, keyed by the SQLite rowid of the document: a
    memory-mapped snapshot shared by all processes (``search.vecfiles``, when the backend
    has one) plus this process's delta, the rows changed since the snapshot (all rows when
    there is none). A changed or deleted row's snapshot slot is *dead* (skipped) and its new
    vector, if any, lives in the delta."""

    def __init__(self):
        self.lock = threading.RLock()
        self.by_type: dict[str, _Matrix] = {}  # the delta
        self.snap = None  # search.vecfiles.Snapshot or None
        self.published = None  # the snapshot CURRENT names (of another epoch, ``snap`` stays)
        self.stamp = None  # CURRENT's stamp when ``published`` was opened
        self.dead: dict[str, set[int]] = {}
        self._dead_arr: dict[str, np.ndarray] = {}
        self.seq = -1
        self.epoch = None

    def reset(self, snap=None) -> None:
        with self.lock:
            self.by_type.clear()
            self.dead.clear()
            self._dead_arr.clear()
            self.snap = snap
            self.seq = -1

    def matrix(self, doc_type: str, dim: int) -> _Matrix:
        m = self.by_type.get(doc_type)
        if m is None or m.dim != dim:
            m = self.by_type[doc_type] = _Matrix(dim)
            if self.snap is not None:
                m.use_faiss = False  # a small delta: numpy is as fast and needs no rebuilds
        return m

    def apply(self, rows) -> None:
        """Apply (rowid, doc_type, blob-or-None) changes in order."""
        puts: dict[str, tuple[list[int], list[bytes]]] = {}
        changed: dict[str, list[int]] = {}
        for rowid, doc_type, blob in rows:
            changed.setdefault(doc_type, []).append(rowid)
            if blob is None:
                self._flush(puts)
                m = self.by_type.get(doc_type)
                if m is not None:
                    m.remove(np.array([rowid], dtype=np.int64))
            else:
                puts.setdefault(doc_type, ([], []))
                puts[doc_type][0].append(rowid)
                puts[doc_type][1].append(blob)
        self._flush(puts)
        if self.snap is not None:
            for doc_type, rowids in changed.items():
                part = self.snap.parts.get(doc_type)
                if part is not None:
                    slots = part.slots(np.array(rowids, dtype=np.int64))
                    if len(slots):
                        self.dead.setdefault(doc_type, set()).update(slots.tolist())
                        self._dead_arr.pop(doc_type, None)

    def _flush(self, puts) -> None:
        for doc_type, (rowids, blobs) in puts.items():
            if not rowids:
                continue
            vecs = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), -1)
            self.matrix(doc_type, vecs.shape[1]).put(np.array(rowids, dtype=np.int64), vecs)
        puts.clear()

    def _dead(self, doc_type: str) -> np.ndarray:
        arr = self._dead_arr.get(doc_type)
        if arr is None:
            arr = self._dead_arr[doc_type] = np.fromiter(sorted(self.dead.get(doc_type, ())), dtype=np.int64)
        return arr

    def top(self, doc_type: str, q: np.ndarray, k: int, rowids: np.ndarray | None = None):
        # the delta under the lock: another thread may be applying changes (arrays grow,
        # faiss add/remove), and faiss indexes are not safe to search while written; the
        # snapshot is read-only, searched outside it
        with self.lock:
            m = self.by_type.get(doc_type)
            part = self.snap.parts.get(doc_type) if self.snap is not None else None
            dim = m.dim if m is not None else part.dim if part is not None else None
            if dim is None:
                return []
            if q.shape[0] != dim:
                raise ValueError(f"query vector has {q.shape[0]} dimensions, the index has {dim}")
            delta = m.top(q, k, rowids) if m is not None else []
            dead = self._dead(doc_type) if part is not None else None
        if part is None:
            return delta
        found = part.top(np.ascontiguousarray(q, dtype=np.float32), k, rowids, dead)
        if not delta:
            return found
        return sorted(found + delta, key=lambda h: -h[1])[:k]

    def size(self, doc_type: str) -> int:
        with self.lock:
            m = self.by_type.get(doc_type)
            part = self.snap.parts.get(doc_type) if self.snap is not None else None
            return (m.size if m else 0) + (part.n - len(self.dead.get(doc_type, ())) if part is not None else 0)
