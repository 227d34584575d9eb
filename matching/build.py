"""Writing a pool's snapshot files with bounded memory.

Documents are consumed once, in chunks of ``CHUNK``: each chunk is built as an ordinary
``PostingPool`` / ``ProfilePool`` over a vocabulary and category registry of its own (in one
of ``workers`` processes when the pool is larger than a chunk, else here), its per-row columns,
bigram rows and document lines returned as flat arrays, and merged here in document order:
the chunk's bigrams are added to the shared vocabulary in the order the chunk first met them
(so every id is what one shared vocabulary would have given), its rows mapped to those ids
and re-sorted, its category bits mapped to the shared registry's. Its vectors, documents and
rows are appended to files and the chunk dropped. Then each bigram matrix is turned from rows
(CSR, on disk) into columns (CSC, on disk) by a counting sort over row chunks, one matrix at a
time, through memory maps. The BM25 weights need the pool's mean document length, so term
frequencies are written first and weighted at the end. Column ids differ from a one-piece
build's (the vocabulary grows chunk by chunk); they are labels only: every feature is the same.

Worker processes are started with ``spawn`` (nothing of the caller is inherited: a build may
run beside threads), so a script that builds must guard its top level with
``if __name__ == "__main__"``; a daemonic process (a Celery prefork worker) builds here.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import os
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from pathlib import Path

import numpy as np

from matching.mapped import BlobWriter, doc_line, npy_from_raw, save, write_ids
from matching.pools import Vocab, bm25_weight

CHUNK = 20_000
SORT_CHUNK = 4_000_000  # entries per counting-sort step
DIM = 384

#: matrix ← the pool attribute holding its rows
ROW_SETS = {"full_m": "full_sets", "req_m": "req_sets", "title_m": "title_sets", "waiver_m": "waiver_sets",
            "desired_m": "desired_sets", "major_m": "major_sets", "exp_m": "exp_sets"}
PHRASES = {"skill_m": ("skill_rows", "skill_owner", "skill"), "lic_m": ("lic_rows", "lic_owner", "lic")}
NOT_ROW_ARRAYS = {"skill_owner", "lic_owner", "vectors", "hub"}
#: columns holding bits of the category registry (``pools._cat_bits``)
BIT_COLUMNS = {"cats", "groups", "prefers", "target"}
#: most worker processes a build starts by default
MAX_WORKERS = 4


def default_workers() -> int:
    """Processes building chunks: one per core (at most ``MAX_WORKERS``), none in a daemonic
    process (it may not start children)."""
    if mp.current_process().daemon:
        return 1
    return max(1, min(MAX_WORKERS, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                      else os.cpu_count() or 1))


def _flat(rows) -> tuple[np.ndarray, np.ndarray]:
    """A list of int arrays as (their concatenation as int32, their lengths)."""
    lens = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    flat = np.concatenate(rows).astype(np.int32) if len(rows) and lens.sum() else np.zeros(0, dtype=np.int32)
    return flat, lens


def chunk_arrays(pool_cls, docs: list, today) -> dict:
    """One chunk of documents built as an ordinary pool over a vocabulary and category registry
    of its own, as flat arrays (what ``write_pool_streaming`` keeps of a pool); runs in a worker."""
    vocab, reg = Vocab(), {}
    P = pool_cls(docs, np.zeros((len(docs), 0), dtype=np.float32), vocab, today, reg)
    out: dict = {"n": len(docs), "ids": P.ids, "tokens": list(vocab.ids), "registry": list(reg), "rows": {},
                 "cols": {k: a for k, a in vars(P).items() if isinstance(a, np.ndarray) and k not in NOT_ROW_ARRAYS}}
    for m, attr in ROW_SETS.items():
        if hasattr(P, attr):
            out["rows"][m] = (*_flat(getattr(P, attr)), None)
    for m, (attr, own, _) in PHRASES.items():
        if hasattr(P, attr):
            out["rows"][m] = (*_flat(getattr(P, attr)), np.asarray(getattr(P, own), dtype=np.int32))
    ind, lens = _flat(P._bm25_rows)
    out["bm25"] = (ind, lens, np.concatenate(P._bm25_tf).astype(np.float32) if len(ind) else np.zeros(0, np.float32))
    out["dl"] = np.asarray(P._bm25_len, dtype=np.float64)
    lines = [doc_line(doc) for doc in docs]
    out["blob"], out["blob_lens"] = b"".join(lines), [len(x) for x in lines]
    return out


def _sort_rows(ind: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """Each row's ids in ascending order (rows are sets, written sorted)."""
    owner = np.repeat(np.arange(len(lens), dtype=np.int64), lens)
    return ind[np.lexsort((ind, owner))]


def _bit_map(names: list[str], registry: dict[str, int]) -> list[int]:
    """The shared registry's bit for each of a chunk's categories (new ones added in the chunk's order)."""
    out = []
    for c in names:
        if c not in registry:
            registry[c] = len(registry)
        out.append(registry[c])
    return out


def _remap_bits(a: np.ndarray, bits: list[int]) -> np.ndarray:
    if bits == list(range(len(bits))):
        return a
    if any(b >= 63 for b in bits):
        raise OverflowError("more than 63 categories do not fit the bit columns")
    out = np.zeros_like(a)
    for j, b in enumerate(bits):
        out |= ((a >> j) & 1) << b
    return out


class _Rows:
    """Rows of column ids (and optionally values) appended to raw files: a CSR matrix on disk."""

    def __init__(self, d: Path, name: str, values: bool = False):
        self.d, self.name = d, name
        self.ind = open(d / f"{name}.ind.raw", "wb")  # noqa: SIM115  (closed in finish())
        self.val = open(d / f"{name}.val.raw", "wb") if values else None  # noqa: SIM115
        self.lens: list[np.ndarray] = []
        self.owners: list[np.ndarray] = []

    def add_flat(self, ind: np.ndarray, lens: np.ndarray, owners=None, values=None) -> None:
        self.lens.append(lens)
        self.ind.write(np.ascontiguousarray(ind, dtype=np.int32).tobytes())
        if self.val is not None:
            self.val.write(np.ascontiguousarray(values, dtype=np.float32).tobytes())
        if owners is not None:
            self.owners.append(np.asarray(owners, dtype=np.int32))

    def finish(self):
        self.ind.close()
        if self.val is not None:
            self.val.close()
        lens = np.concatenate(self.lens) if self.lens else np.zeros(0, dtype=np.int64)
        indptr = np.zeros(len(lens) + 1, dtype=np.int64)
        np.cumsum(lens, out=indptr[1:])
        owner = np.concatenate(self.owners) if self.owners else np.arange(len(lens), dtype=np.int32)
        return indptr, owner


def _rows(vectors, start: int, count: int) -> np.ndarray:
    """Rows of the input vectors; from a memory-mapped file they are read with plain reads, so
    the build does not keep a million vectors' pages resident."""
    if isinstance(vectors, np.memmap) and getattr(vectors, "filename", None) and vectors.ndim == 2 \
            and vectors.dtype == np.float32 and vectors.flags.c_contiguous:
        dim = vectors.shape[1]
        count = max(0, min(count, vectors.shape[0] - start))
        with open(vectors.filename, "rb") as f:
            f.seek(vectors.offset + start * dim * 4)
            return np.fromfile(f, dtype=np.float32, count=count * dim).reshape(count, dim)
    return np.asarray(vectors[start:start + count], dtype=np.float32).reshape(-1, vectors.shape[1] if
                                                                             vectors.ndim == 2 else DIM)


def _raw(path: Path, dtype, mode="r"):
    n = path.stat().st_size // np.dtype(dtype).itemsize
    if n == 0:
        return np.zeros(0, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode=mode, shape=(n,))


def _to_csc(d: Path, name: str, indptr: np.ndarray, ncols: int, values: bool) -> None:
    """``<name>.ind.raw`` (+ ``.val.raw``) rows → ``m.<name>.indptr|indices|data.npy`` columns."""
    ind = _raw(d / f"{name}.ind.raw", np.int32)
    val = _raw(d / f"{name}.val.raw", np.float32) if values else None
    nnz, ncols = len(ind), max(ncols, 1)
    if nnz == 0:
        save(d / f"m.{name}.indptr.npy", np.zeros(ncols + 1, dtype=np.int64))
        save(d / f"m.{name}.indices.npy", np.zeros(0, dtype=np.int32))
        if values:
            save(d / f"m.{name}.data.npy", np.zeros(0, dtype=np.float32))
        return
    counts = np.zeros(ncols, dtype=np.int64)
    for a in range(0, nnz, SORT_CHUNK):
        counts += np.bincount(ind[a:a + SORT_CHUNK], minlength=ncols)
    cptr = np.zeros(ncols + 1, dtype=np.int64)
    np.cumsum(counts, out=cptr[1:])
    save(d / f"m.{name}.indptr.npy", cptr)
    out_r = np.lib.format.open_memmap(d / f"m.{name}.indices.npy", mode="w+", dtype=np.int32, shape=(nnz,))
    out_v = np.lib.format.open_memmap(d / f"m.{name}.data.npy", mode="w+", dtype=np.float32, shape=(nnz,)) \
        if values else None
    nxt = cptr[:-1].copy()
    nrows, r0 = len(indptr) - 1, 0
    while r0 < nrows:
        r1 = int(np.searchsorted(indptr, indptr[r0] + SORT_CHUNK, side="right")) - 1
        r1 = min(max(r1, r0 + 1), nrows)
        a, b = int(indptr[r0]), int(indptr[r1])
        if b > a:
            cols = np.asarray(ind[a:b])
            rows = np.repeat(np.arange(r0, r1, dtype=np.int32), np.diff(indptr[r0:r1 + 1]))
            order = np.argsort(cols, kind="stable")
            sc = cols[order]
            uniq, first, cnt = np.unique(sc, return_index=True, return_counts=True)
            dest = nxt[sc] + (np.arange(len(sc)) - np.repeat(first, cnt))
            out_r[dest] = rows[order]
            if out_v is not None:
                out_v[dest] = np.asarray(val[a:b])[order]
            nxt[uniq] += cnt
        r0 = r1
    for m in (out_r, out_v):
        if m is not None:
            m.flush()
    del out_r, out_v, ind, val


def _chunks(docs, size: int):
    it = iter(docs)
    while True:
        chunk = list(islice(it, size))
        if not chunk:
            return
        yield chunk


def _built_chunks(pool_cls, docs, today, workers: int):
    """``chunk_arrays`` of each chunk of ``docs``, in order: here when there is one chunk or one
    worker, else in ``workers`` processes with at most ``workers + 1`` chunks under way."""
    chunks = _chunks(docs, CHUNK)
    first = next(chunks, None)
    if first is None:
        return
    second = next(chunks, None) if workers > 1 else None
    if second is None:
        yield chunk_arrays(pool_cls, first, today)
        for chunk in chunks:
            yield chunk_arrays(pool_cls, chunk, today)
        return
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as ex:
        pending = deque([ex.submit(chunk_arrays, pool_cls, first, today),
                         ex.submit(chunk_arrays, pool_cls, second, today)])
        del first, second
        for chunk in chunks:
            while len(pending) > workers:
                yield pending.popleft().result()
            pending.append(ex.submit(chunk_arrays, pool_cls, chunk, today))
            del chunk
        while pending:
            yield pending.popleft().result()


def write_pool_streaming(pool_cls, docs, vectors, vocab, today, registry, d: Path, workers: int | None = None) -> dict:
    """Build ``pool_cls`` chunk by chunk from ``docs`` (any iterable) and ``vectors`` (array
    or memmap, one row per document, in order) into directory ``d``; returns the pool's idf
    over the vocabulary as it stands when the pool is done, and the manifest. ``workers``:
    processes building chunks (default ``default_workers()``)."""
    d.mkdir(parents=True, exist_ok=True)
    workers = default_workers() if workers is None else max(1, int(workers))
    cols: dict[str, list[np.ndarray]] = {}
    blob = BlobWriter(d, "items")
    ids: list[str] = []
    tf_dl: list[np.ndarray] = []
    vec_f = open(d / "vectors.raw", "wb")  # noqa: SIM115  (closed below)
    n = 0
    vectors = np.zeros((0, DIM), dtype=np.float32) if vectors is None else vectors
    # an empty pool names the columns and matrices (an empty side still has them all)
    P = pool_cls([], np.zeros((0, DIM), dtype=np.float32), vocab, today, registry)
    for k, a in vars(P).items():
        if isinstance(a, np.ndarray) and k not in NOT_ROW_ARRAYS:
            cols[k] = [a]
    mats = {m: _Rows(d, m) for m, attr in ROW_SETS.items() if hasattr(P, attr)}
    mats.update({m: _Rows(d, m) for m, (attr, _, _) in PHRASES.items() if hasattr(P, attr)})
    mats["bm25"] = _Rows(d, "bm25", values=True)
    del P
    for c in _built_chunks(pool_cls, docs, today, workers):
        k = c["n"]
        v = _rows(vectors, n, k)
        if len(v) != k:
            raise ValueError("fewer vectors than documents")
        vec_f.write(np.ascontiguousarray(v).tobytes())
        del v
        blob.add_raw(c["blob"], c["blob_lens"])
        ids.extend(c["ids"])
        # the chunk's bigram ids → the shared vocabulary's (added in the order the chunk met them)
        gid = vocab.add(c["tokens"])
        bits = _bit_map(c["registry"], registry)
        for name, a in c["cols"].items():
            if name in cols:
                cols[name].append(_remap_bits(a, bits) if name in BIT_COLUMNS else a)
        for m, (ind, lens, owners) in c["rows"].items():
            if m in mats:
                mats[m].add_flat(_sort_rows(gid[ind], lens), lens, None if owners is None else owners + n)
        ind, lens, tf = c["bm25"]
        mats["bm25"].add_flat(gid[ind], lens, values=tf)
        tf_dl.append(c["dl"])
        n += k
        del c, gid
    vec_f.close()
    blob.close()
    dim = vectors.shape[1] if getattr(vectors, "ndim", 2) == 2 and vectors.shape[1] else DIM
    npy_from_raw(d / "vectors.npy", d / "vectors.raw", np.float32, (n, dim))
    write_ids(d, ids)
    del ids
    arrays = ["vectors", "hub"]
    save(d / "hub.npy", np.zeros(n, dtype=np.float32))
    for k, parts in cols.items():
        save(d / f"{k}.npy", np.concatenate(parts))
        arrays.append(k)
    del cols
    V = len(vocab)
    dl = np.concatenate(tf_dl) if tf_dl else np.zeros(0)
    #: BM25's mean document length (a delta's documents are weighted with it too)
    manifest: dict = {"n": n, "arrays": arrays, "matrices": {}, "avgdl": max(float(dl.mean()), 1.0) if len(dl) else 1.0}
    for m, rows in mats.items():
        indptr, owner = rows.finish()
        if m == "bm25":  # weights need the mean document length over the whole pool
            avg = manifest["avgdl"]
            tf = _raw(d / "bm25.val.raw", np.float32, mode="r+")
            for r0 in range(0, n, CHUNK):
                a, b = int(indptr[r0]), int(indptr[min(r0 + CHUNK, n)])
                per = np.repeat(dl[r0:r0 + CHUNK], np.diff(indptr[r0:min(r0 + CHUNK, n) + 1]))
                tf[a:b] = bm25_weight(np.asarray(tf[a:b]), per, avg)
            if isinstance(tf, np.memmap):
                tf.flush()
            del tf
        _to_csc(d, m, indptr, V, values=(m == "bm25"))
        if m == "bm25":
            for suffix in ("ind", "val"):
                (d / f"bm25.{suffix}.raw").unlink(missing_ok=True)
        else:  # the rows too: a page's reasons and the cheap top K read a few rows each
            prefix = PHRASES[m][2] if m in PHRASES else m
            save(d / f"r.{prefix}.indptr.npy", indptr)
            npy_from_raw(d / f"r.{prefix}.indices.npy", d / f"{m}.ind.raw", np.int32, (int(indptr[-1]),))
        if m in PHRASES:
            prefix = PHRASES[m][2]
            save(d / f"{prefix}_bounds.npy", np.searchsorted(owner, np.arange(n + 1)))
            save(d / f"{prefix}_owner.npy", owner)
            arrays.append(f"{prefix}_owner")
        save(d / f"m.{m}.owner.npy", owner)
        save(d / f"m.{m}.length.npy", np.diff(indptr).astype(np.float32))
        manifest["matrices"][m] = {"nrows": len(indptr) - 1, "ncols": max(V, 1), "binary": m != "bm25"}
    (d / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    df = np.diff(np.load(d / "m.bm25.indptr.npy")).astype(np.float32)
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
    return {"idf": idf, "n": n}
