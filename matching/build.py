"""Writing a pool's snapshot files with bounded memory.

Documents are consumed once, in chunks of ``CHUNK``: each chunk is built as an ordinary
``PostingPool`` / ``ProfilePool`` over the shared vocabulary, its per-row columns kept (small),
its vectors, documents and bigram rows appended to files, and the chunk dropped. Then each
bigram matrix is turned from rows (CSR, on disk) into columns (CSC, on disk) by a counting sort
over row chunks, one matrix at a time, through memory maps. The BM25 weights need the pool's
mean document length, so term frequencies are written first and weighted at the end.
Column ids differ from a one-piece build's (the vocabulary grows chunk by chunk); they are
labels only: every feature is the same.
"""
from __future__ import annotations

import json
from array import array
from itertools import islice
from pathlib import Path

import numpy as np

from matching.mapped import BlobWriter, npy_from_raw, save, write_ids
from matching.pools import bm25_weight

CHUNK = 20_000
SORT_CHUNK = 4_000_000  # entries per counting-sort step
DIM = 384

#: matrix ← the pool attribute holding its rows
ROW_SETS = {"full_m": "full_sets", "req_m": "req_sets", "title_m": "title_sets", "waiver_m": "waiver_sets",
            "desired_m": "desired_sets", "major_m": "major_sets", "exp_m": "exp_sets"}
PHRASES = {"skill_m": ("skill_rows", "skill_owner", "skill"), "lic_m": ("lic_rows", "lic_owner", "lic")}
NOT_ROW_ARRAYS = {"skill_owner", "lic_owner", "vectors", "hub"}


class _Rows:
    """Rows of column ids (and optionally values) appended to raw files: a CSR matrix on disk."""

    def __init__(self, d: Path, name: str, values: bool = False):
        self.d, self.name = d, name
        self.ind = open(d / f"{name}.ind.raw", "wb")  # noqa: SIM115  (closed in finish())
        self.val = open(d / f"{name}.val.raw", "wb") if values else None  # noqa: SIM115
        self.lens: list[np.ndarray] = []
        self.owners: list[np.ndarray] = []

    def add(self, rows, owners=None, values=None) -> None:
        self.lens.append(np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows)))
        if rows:
            self.ind.write(np.concatenate(rows).astype(np.int32).tobytes())
            if self.val is not None:
                self.val.write(np.concatenate(values).astype(np.float32).tobytes())
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


def write_pool_streaming(pool_cls, docs, vectors, vocab, today, registry, d: Path) -> dict:
    """Build ``pool_cls`` chunk by chunk from ``docs`` (any iterable) and ``vectors`` (array
    or memmap, one row per document, in order) into directory ``d``; returns the pool's idf
    over the vocabulary as it stands when the pool is done, and the manifest."""
    d.mkdir(parents=True, exist_ok=True)
    it = iter(docs)
    cols: dict[str, list[np.ndarray]] = {}
    blob = BlobWriter(d, "items")
    ids: list[str] = []
    tf_dl = array("d")
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
    while True:
        chunk = list(islice(it, CHUNK))
        if not chunk:
            break
        v = _rows(vectors, n, len(chunk))
        if len(v) != len(chunk):
            raise ValueError("fewer vectors than documents")
        P = pool_cls(chunk, v, vocab, today, registry)
        vec_f.write(np.ascontiguousarray(v).tobytes())
        for doc in chunk:
            blob.add(doc)
        ids.extend(P.ids)
        for k, a in vars(P).items():
            if k in cols:
                cols[k].append(a)
        for m, attr in ROW_SETS.items():
            if m in mats:
                mats[m].add(getattr(P, attr))
        for m, (attr, own, _) in PHRASES.items():
            if m in mats:
                mats[m].add(getattr(P, attr), getattr(P, own) + n)
        mats["bm25"].add(P._bm25_rows, values=P._bm25_tf)
        tf_dl.extend(float(x) for x in P._bm25_len)
        n += len(chunk)
        del P, chunk, v
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
    dl = np.frombuffer(tf_dl, dtype=np.float64) if len(tf_dl) else np.zeros(0)
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
