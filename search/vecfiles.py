"""Vector snapshots on disk, memory-mapped read-only by every process (issue 18).

Without them every server process kept its own copy of every vector (a float32 matrix
and a faiss fp16 index: ~230 MB per process at 100k postings). A snapshot is a folder

    <root>/<version>/meta.json           {"format", "epoch", "seq", "parts": {doc_type: {"n", "dim"}}}
    <root>/<version>/<doc_type>.rowid.npy  int64, ascending (the ``docs`` rowids)
    <root>/<version>/<doc_type>.vec.npy    float32 (n, dim), unit rows, same order
    <root>/<version>/<doc_type>.faiss      faiss IndexScalarQuantizer(fp16), same order (if faiss)
    <root>/CURRENT                         the version in force (one line)

opened with ``np.load(mmap_mode="r")`` and faiss ``IO_FLAG_MMAP_IFC``: the pages are the
page cache's, shared by all processes (PSS, not RSS, is what they cost). A new snapshot is
written into ``<version>.tmp-<pid>``, fsynced, renamed to ``<version>``, and published by
writing ``CURRENT.tmp-<pid>`` and ``os.replace`` onto ``CURRENT`` (atomic). Readers notice a
new ``CURRENT`` by its inode and mtime (one ``os.stat`` per search). Old versions are removed
once ``keep`` newer ones exist; a process still mapping one keeps reading it (an unlinked
file stays readable while mapped). Writers serialise on ``<root>/LOCK`` (``flock``).

The snapshot's ``epoch``/``seq`` say which state of the SQLite ``vec`` table it holds
(see ``search.embedded``): rows changed after ``seq`` are served from a per-process delta.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from pathlib import Path

import numpy as np

from search import atomic_dir

try:  # optional, as in search.vectors
    import faiss  # type: ignore
except ImportError:  # pragma: no cover - depends on the environment
    faiss = None

FORMAT = 1
FAISS_MIN_ROWS = 1000  # below this the numpy scan of the memmap is as fast


def new_version() -> str:
    """Sortable: UTC time to the microsecond, then a short random tail."""
    t = time.time_ns()
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(t / 1e9)) + f"{(t // 1000) % 1_000_000:06d}-{secrets.token_hex(3)}"


# the pointer and the lock are ``search.atomic_dir``'s (shared with ``matching.store``)
current_version = atomic_dir.current_version
current_stamp = atomic_dir.current_stamp


def writer_lock(root: str | os.PathLike, wait: bool = True):
    """Yields True when this process holds the writers' lock (``<root>/LOCK``), False when
    ``wait`` is off and another process holds it."""
    return atomic_dir.writer_lock(Path(root) / "LOCK", wait)


def write(root: str | os.PathLike, parts, *, epoch, seq: int) -> str:
    """Write a snapshot (not yet published: see :func:`publish`). ``parts`` maps a doc type
    to ``(n, dim, fill)`` where ``fill(rowids, vecs)`` writes ``n`` ascending rowids and
    their unit vectors into the two arrays it is given (memory maps of the new files, so
    the rows never need to be held in memory twice). Returns the version."""
    version = new_version()
    with atomic_dir.staged(root, version) as tmp:
        meta = {"format": FORMAT, "epoch": epoch, "seq": int(seq), "parts": {}}
        for doc_type, (n, dim, fill) in parts.items():
            rowids = np.lib.format.open_memmap(tmp / f"{doc_type}.rowid.npy", mode="w+", dtype=np.int64, shape=(n,))
            vecs = np.lib.format.open_memmap(tmp / f"{doc_type}.vec.npy", mode="w+", dtype=np.float32, shape=(n, dim))
            fill(rowids, vecs)
            if n > 1 and not bool(np.all(rowids[1:] > rowids[:-1])):
                raise ValueError(f"snapshot rowids of {doc_type} are not ascending")
            if faiss is not None and n >= FAISS_MIN_ROWS:
                idx = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
                for i in range(0, n, 20000):
                    idx.add(np.ascontiguousarray(vecs[i : i + 20000]))
                faiss.write_index(idx, str(tmp / f"{doc_type}.faiss"))
                del idx
            rowids.flush()
            vecs.flush()
            del rowids, vecs
            meta["parts"][doc_type] = {"n": int(n), "dim": int(dim)}
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return version


def publish(root: str | os.PathLike, version: str, keep: int = 2) -> None:
    """Point ``CURRENT`` at ``version`` atomically, then remove all but the newest ``keep``
    versions (never ``version``) and temporary folders left by crashed writers."""
    pointer = atomic_dir.publish(root, version)
    atomic_dir.prune(root, keep, spare=version)
    atomic_dir.remove_stale_temps(root, 3600, spare=pointer.name)


def discard(root: str | os.PathLike, version: str) -> None:
    shutil.rmtree(Path(root) / version, ignore_errors=True)


class Part:
    """One doc type of a snapshot: rowids, vectors and (when large) a faiss index, all mapped."""

    def __init__(self, folder: Path, doc_type: str, n: int, dim: int):
        self.n, self.dim = n, dim
        self.rowids = np.load(folder / f"{doc_type}.rowid.npy", mmap_mode="r")
        self.vecs = np.load(folder / f"{doc_type}.vec.npy", mmap_mode="r")
        f = folder / f"{doc_type}.faiss"
        self.faiss = faiss.read_index(str(f), faiss.IO_FLAG_MMAP_IFC) if faiss is not None and f.exists() else None

    def slots(self, rowids: np.ndarray) -> np.ndarray:
        """Positions of those ``rowids`` that the snapshot holds."""
        rowids = np.asarray(rowids, dtype=np.int64)
        if self.n == 0 or len(rowids) == 0:
            return np.zeros(0, dtype=np.int64)
        pos = np.searchsorted(self.rowids, rowids)
        pos[pos >= self.n] = 0
        return pos[self.rowids[pos] == rowids].astype(np.int64)

    def top(self, q: np.ndarray, k: int, rowids: np.ndarray | None, dead: np.ndarray) -> list[tuple[int, float]]:
        """Best ``k`` (rowid, cosine) of the snapshot, without the ``dead`` slots (rows
        changed since), among ``rowids`` when given."""
        if self.n == 0 or k <= 0:
            return []
        if rowids is not None:
            slots = self.slots(rowids)
            if len(dead):
                slots = slots[~np.isin(slots, dead)]
            if len(slots) == 0:
                return []
            k = min(k, len(slots))
            if self.faiss is not None and len(slots) > 2000:
                sel = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.ascontiguousarray(slots)))
                dist, ids = self.faiss.search(q.reshape(1, -1), k, params=sel)
                keep = ids[0] >= 0
                return list(zip(self.rowids[ids[0][keep]].tolist(), dist[0][keep].tolist()))
            slots = np.sort(slots)  # ascending: the memmap is read in order
            return _best(np.asarray(self.vecs[slots]) @ q, np.asarray(self.rowids[slots]), k)
        want = min(self.n, k + len(dead))
        if self.faiss is not None:
            dist, ids = self.faiss.search(q.reshape(1, -1), want)
            ids, dist = ids[0], dist[0]
            keep = ids >= 0
            ids, dist = ids[keep], dist[keep]
            if len(dead):
                live = ~np.isin(ids, dead)
                ids, dist = ids[live], dist[live]
            return list(zip(self.rowids[ids[:k]].tolist(), dist[:k].tolist()))
        scores = np.asarray(self.vecs @ q)
        if len(dead):
            scores[dead] = -np.inf
        return _best(scores, np.asarray(self.rowids), k)


def _best(scores: np.ndarray, rowids: np.ndarray, k: int) -> list[tuple[int, float]]:
    k = min(k, len(scores))
    idx = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    return [(int(rowids[i]), float(scores[i])) for i in idx if np.isfinite(scores[i])]


class Snapshot:
    def __init__(self, root: str | os.PathLike, version: str):
        folder = Path(root) / version
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise FileNotFoundError(f"vector snapshot {version} has format {meta.get('format')}, not {FORMAT}")
        self.version, self.epoch, self.seq = version, meta["epoch"], int(meta["seq"])
        self.parts = {dt: Part(folder, dt, p["n"], p["dim"]) for dt, p in meta["parts"].items()}

    @property
    def rows(self) -> int:
        return sum(p.n for p in self.parts.values())


def open_current(root: str | os.PathLike) -> Snapshot | None:
    """The snapshot ``CURRENT`` names, or ``None`` (none yet, or removed under our feet)."""
    for _ in range(3):
        version = current_version(root)
        if version is None:
            return None
        try:
            return Snapshot(root, version)
        except (FileNotFoundError, ValueError, KeyError, RuntimeError):
            continue  # replaced and removed between reading CURRENT and opening it: look again
    return None


def write_from_table(c, root: str | os.PathLike) -> tuple[str, int]:
    """Write a snapshot of the embedded backend's ``vec`` table as connection ``c`` sees it
    (call inside a transaction: a read one for a consistent copy, or the rebuild's own
    write transaction, which sees its uncommitted rows). Rows are copied straight into the
    new files' memory maps in rowid order, so the peak memory is the faiss index being
    built (2 bytes a dimension a row), not the matrix. Returns (version, rows)."""
    meta = dict(c.execute("SELECT key, value FROM meta WHERE key IN ('seq', 'epoch')").fetchall())
    parts, total = {}, 0
    for doc_type, n in c.execute("SELECT doc_type, count(*) FROM vec WHERE v IS NOT NULL GROUP BY doc_type").fetchall():
        first = c.execute("SELECT v FROM vec WHERE doc_type=? AND v IS NOT NULL LIMIT 1", (doc_type,)).fetchone()[0]

        def fill(rowids, vecs, doc_type=doc_type, n=n):
            rows = c.execute("SELECT rowid, v FROM vec WHERE doc_type=? AND v IS NOT NULL ORDER BY rowid", (doc_type,))
            i = 0
            while batch := rows.fetchmany(5000):
                j = i + len(batch)
                if j > n:
                    raise ValueError("vec table changed while its snapshot was written")
                rowids[i:j] = [r for r, _ in batch]
                vecs[i:j] = np.frombuffer(b"".join(v for _, v in batch), dtype=np.float32).reshape(len(batch), -1)
                i = j
            if i != n:
                raise ValueError("vec table changed while its snapshot was written")

        parts[doc_type] = (n, len(first) // 4, fill)
        total += n
    return write(root, parts, epoch=meta.get("epoch"), seq=int(meta.get("seq", 0))), total
