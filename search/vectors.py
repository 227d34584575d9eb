"""In-process exact vector index: a float32 numpy matrix per document type.

Measured (STACK-NOTES, re-measured by ``python -m search.bench``): a matmul plus
``argpartition`` over 100k×384 takes a few milliseconds, faster than any HNSW build
is worth at this size, exact (recall 1.0), and updates are O(1) (overwrite a row).
The matrix is the cache of the ``vec`` table of the SQLite file; other processes
(a Celery worker) write that table, and :meth:`VectorIndex.refresh` applies their
changes using a sequence number (see ``search.embedded``).
"""
from __future__ import annotations

import threading

import numpy as np


class _Matrix:
    def __init__(self, dim: int):
        self.dim = dim
        self.mat = np.zeros((0, dim), dtype=np.float32)
        self.rowids = np.zeros(0, dtype=np.int64)
        self.valid = np.zeros(0, dtype=bool)
        self.n = 0
        self.slot_by_rowid = np.full(0, -1, dtype=np.int64)
        self.free: list[int] = []

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

    def remove(self, rowids: np.ndarray) -> None:
        rowids = rowids[rowids < len(self.slot_by_rowid)]
        slots = self.slot_by_rowid[rowids]
        slots = slots[slots >= 0]
        self.valid[slots] = False
        self.rowids[slots] = -1
        self.slot_by_rowid[rowids] = -1
        self.free.extend(int(s) for s in slots)

    def top(self, q: np.ndarray, k: int, rowids: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Best ``k`` (rowid, cosine) among all vectors, or among ``rowids``."""
        if self.n == 0 or k <= 0:
            return []
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

    @property
    def size(self) -> int:
        return int(self.valid[: self.n].sum())


class VectorIndex:
    """Vectors of all document types, keyed by the SQLite rowid of the document."""

    def __init__(self):
        self.lock = threading.RLock()
        self.by_type: dict[str, _Matrix] = {}
        self.seq = -1
        self.epoch = None

    def reset(self) -> None:
        with self.lock:
            self.by_type.clear()
            self.seq = -1

    def matrix(self, doc_type: str, dim: int) -> _Matrix:
        m = self.by_type.get(doc_type)
        if m is None or m.dim != dim:
            m = self.by_type[doc_type] = _Matrix(dim)
        return m

    def apply(self, rows) -> None:
        """Apply (rowid, doc_type, blob-or-None) changes in order."""
        puts: dict[str, tuple[list[int], list[bytes]]] = {}
        for rowid, doc_type, blob in rows:
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

    def _flush(self, puts) -> None:
        for doc_type, (rowids, blobs) in puts.items():
            if not rowids:
                continue
            vecs = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), -1)
            self.matrix(doc_type, vecs.shape[1]).put(np.array(rowids, dtype=np.int64), vecs)
        puts.clear()

    def top(self, doc_type: str, q: np.ndarray, k: int, rowids: np.ndarray | None = None):
        m = self.by_type.get(doc_type)
        if m is None:
            return []
        if q.shape[0] != m.dim:
            raise ValueError(f"query vector has {q.shape[0]} dimensions, the index has {m.dim}")
        return m.top(q, k, rowids)

    def size(self, doc_type: str) -> int:
        m = self.by_type.get(doc_type)
        return m.size if m else 0
