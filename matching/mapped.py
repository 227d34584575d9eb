"""Ranking pools written to files and memory-mapped read-only (the snapshot format of ``store``).

A pool directory holds every per-document number of ``PostingPool`` / ``ProfilePool`` as one
``.npy`` file (``np.load(mmap_mode="r")``: every server process maps the same pages), each
bigram matrix as its CSC arrays (``m.<name>.indptr|indices|data.npy``; column sums read them
directly, scipy is not involved, nothing is copied) and its rows (``r.<name>.*``: a page's
reasons and the cheap top K read a few thousand of them), the documents themselves as one UTF-8
JSON-lines blob with offsets (decoded one row at a time, for the page's reasons); the row ids
and the blob are read with ``os.pread`` (``ReadAt``), not mapped. The ids are a
fixed-width string array with a sorted copy for lookups (``np.searchsorted``). The vocabulary
is a sorted string array with the ids beside it. Nothing per document is materialised in
Python objects when a snapshot is opened.
"""
from __future__ import annotations

import ctypes
import dataclasses
import datetime as dt
import functools
import json
import mmap
import os
import shutil
import weakref
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from matching import features as F
from matching.pools import FrozenVocab, Pool, SetMatrix

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long)
_libc.munmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t)
_MAP_FAILED = ctypes.c_void_p(-1).value


def _npy_header(f) -> tuple[tuple, bool, np.dtype, int]:
    """(shape, Fortran order, dtype, where the data starts) of the ``.npy`` file open as ``f``."""
    version = np.lib.format.read_magic(f)
    header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, fortran, dtype = header(f)
    return shape, fortran, np.dtype(dtype), f.tell()


def load(path: Path) -> np.ndarray:
    """An ``.npy`` file memory-mapped read-only (shared pages, ``MAP_SHARED`` + ``PROT_READ``),
    as a read-only ndarray; an empty array is read.

    Mapped with libc's ``mmap`` and the file closed at once, not with ``np.load(mmap_mode="r")``:
    Python's ``mmap`` object keeps a duplicate of the file's descriptor for as long as the
    mapping lives, and a snapshot maps some 150 arrays, so a server process held ~600
    descriptors for two snapshots and ~1,300 while a new version was being opened. Past
    1,024 a server failed: waitress's ``select()`` cannot watch a higher descriptor, and a
    process limited to 1,024 files answered 500 ("Too many open files"). A mapping needs no
    open descriptor; it is unmapped when the last array viewing it is collected."""
    with open(path, "rb") as f:
        shape, fortran, dtype, offset = _npy_header(f)
        size = os.fstat(f.fileno()).st_size
        count = int(np.prod(shape, dtype=np.int64))
        if count == 0 or dtype.hasobject or size < offset + count * dtype.itemsize:
            f.seek(0)
            return np.load(f)  # nothing to map (or not a plain array: let numpy say what is wrong)
        addr = _libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, f.fileno(), 0)
    if addr in (None, _MAP_FAILED):
        err = ctypes.get_errno()
        raise OSError(err, f"mmap failed: {os.strerror(err)}", str(path))
    buf = (ctypes.c_char * size).from_address(addr)
    weakref.finalize(buf, _libc.munmap, addr, size)  # every view keeps ``buf`` alive through .base
    arr = np.frombuffer(buf, dtype=dtype, count=count, offset=offset).reshape(shape, order="F" if fortran else "C")
    arr.flags.writeable = False  # the pages are PROT_READ: a write would be a segfault, not an error
    return arr


class ReadAt:
    """A one-dimensional ``.npy`` file read a few scattered pieces at a time with ``os.pread``
    (a page's documents, the retrieved rows' bigram ids), not mapped: a mapped page cache
    page enters the process's RSS whole with its folio (up to 2 MB on ext4 with large
    folios), so a few thousand scattered rows of a million-row pool put nearly the whole
    file in every serving process's RSS. The pages stay in the page cache, shared."""

    def __init__(self, path: Path):
        with open(path, "rb") as f:
            shape, fortran, self.dtype, self.offset = _npy_header(f)
        if len(shape) != 1 or fortran:
            raise ValueError(f"{path}: a one-dimensional array is expected")
        self.n, self.path = int(shape[0]), Path(path)
        self.fd = os.open(path, os.O_RDONLY)

    def __len__(self) -> int:
        return self.n

    def __del__(self):
        fd = getattr(self, "fd", None)
        if fd is not None:
            os.close(fd)

    def read(self, a: int, b: int) -> np.ndarray:
        """Elements ``a:b``."""
        a, b = max(0, int(a)), min(self.n, int(b))
        if b <= a:
            return np.zeros(0, dtype=self.dtype)
        k = self.dtype.itemsize
        return np.frombuffer(os.pread(self.fd, (b - a) * k, self.offset + a * k), dtype=self.dtype)

    #: pieces closer than this are read with one call, the bytes between them thrown away: a
    #: call costs about a microsecond (the system call and Python's loop), as much as copying
    #: some 8 KB from the page cache. A page's retrieved rows (a few thousand scattered rows)
    #: took one call each, ~15,000 calls and ~17 ms of a cold recommendation (100k postings).
    GAP_BYTES = 8192

    def read_many(self, starts, ends) -> np.ndarray:
        """Elements ``starts[i]:ends[i]`` for every i, concatenated in the given order. Nearby
        pieces are read together (``GAP_BYTES``), so the calls grow with the spread of the
        pieces over the file, not with their number."""
        starts, ends = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
        ends = np.maximum(np.minimum(ends, self.n), starts)
        lens = ends - starts
        total = int(lens.sum())
        if total == 0:
            return np.zeros(0, dtype=self.dtype)
        k, fd, off = self.dtype.itemsize, self.fd, self.offset
        order = np.argsort(starts, kind="stable")
        s, e = starts[order], ends[order]
        reach = np.maximum.accumulate(e)          # the furthest end read so far, in start order
        cut = np.flatnonzero(s[1:] - reach[:-1] > self.GAP_BYTES // k) + 1
        first, last = np.r_[0, cut], np.r_[cut, len(s)] - 1
        lo, hi = s[first], reach[last]
        data = np.frombuffer(b"".join(os.pread(fd, int(b - a) * k, off + int(a) * k)
                                      for a, b in zip(lo.tolist(), hi.tolist())), dtype=self.dtype)
        base = np.r_[0, np.cumsum(hi - lo)[:-1]]  # where each run starts in ``data``
        run = np.repeat(np.arange(len(lo)), last - first + 1)
        at = np.empty(len(s), dtype=np.int64)
        at[order] = base[run] + (s - lo[run])     # where each piece starts in ``data``
        out_at = np.r_[0, np.cumsum(lens)[:-1]]
        return data[np.arange(total) + np.repeat(at - out_at, lens)]


def save(path: Path, arr) -> None:
    np.save(path, np.ascontiguousarray(arr))


def npy_from_raw(dst: Path, raw: Path, dtype, shape: tuple) -> None:
    """An ``.npy`` file from a raw file of ``dtype`` values, copied with plain reads and writes
    (nothing is mapped into the process, so a large copy does not count in its memory)."""
    with open(dst, "wb") as out, open(raw, "rb") as src:
        np.lib.format.write_array_header_1_0(out, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
                                                   "fortran_order": False, "shape": tuple(shape)})
        shutil.copyfileobj(src, out, 1 << 22)
    raw.unlink()


# ---------------------------------------------------------------- documents, ids, vocabulary


def _json_default(v):
    return v.isoformat() if hasattr(v, "isoformat") else str(v)


@functools.lru_cache(maxsize=None)
def _field_names(cls) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


#: values ``json.dumps`` writes as ``dataclasses.asdict`` would give them (dates via the default)
_PLAIN = (str, int, float, bool, type(None), dt.date)


def _is_plain(v) -> bool:
    return isinstance(v, _PLAIN) or (isinstance(v, (list, tuple)) and all(isinstance(x, _PLAIN) for x in v))


def doc_line(doc) -> bytes:
    # the fields one level deep (documents hold plain values, lists and tuples of strings):
    # ``dataclasses.asdict`` walks and deep-copies every value, most of a build's writing time
    d = {k: getattr(doc, k) for k in _field_names(type(doc))}
    if not all(map(_is_plain, d.values())):
        d = dataclasses.asdict(doc)
    return json.dumps(d, ensure_ascii=False, default=_json_default).encode("utf-8")


class BlobWriter:
    """Appends one JSON document per row to ``<prefix>.blob.npy``-to-be; ``close`` writes the
    blob and its offsets."""

    def __init__(self, d: Path, prefix: str):
        self.d, self.prefix = d, prefix
        self.raw = open(d / f"{prefix}.blob.tmp", "wb")  # noqa: SIM115  (closed in close())
        self.offsets = array("q", [0])

    def add(self, doc) -> None:
        line = doc_line(doc)
        self.raw.write(line)
        self.offsets.append(self.offsets[-1] + len(line))

    def add_raw(self, lines: bytes, lengths) -> None:
        """Documents already written with ``doc_line``, joined, with each one's length."""
        self.raw.write(lines)
        at = self.offsets[-1]
        for k in lengths:
            at += k
            self.offsets.append(at)

    def close(self) -> None:
        self.raw.close()
        src = self.d / f"{self.prefix}.blob.tmp"
        npy_from_raw(self.d / f"{self.prefix}.blob.npy", src, np.uint8, (self.offsets[-1],))
        save(self.d / f"{self.prefix}.off.npy", np.asarray(self.offsets, dtype=np.int64))


class LazyDocs(Sequence):
    """Documents decoded from the blob one row at a time (a small cache for the page's rows)."""

    def __init__(self, d: Path, prefix: str, cls):
        self.blob, self.off, self.cls = ReadAt(d / f"{prefix}.blob.npy"), load(d / f"{prefix}.off.npy"), cls
        self._get = functools.lru_cache(maxsize=512)(self._decode)

    def _decode(self, i: int):
        a, b = int(self.off[i]), int(self.off[i + 1])
        return self.cls.from_dict(json.loads(self.blob.read(a, b).tobytes().decode("utf-8")))

    def __len__(self) -> int:
        return len(self.off) - 1

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._get(i)


def write_ids(d: Path, ids: list[str]) -> None:
    arr = np.array(ids, dtype=str) if ids else np.zeros(0, dtype="U1")
    order = np.argsort(arr, kind="stable")
    save(d / "ids.npy", arr)
    save(d / "ids.sorted.npy", arr[order])
    save(d / "ids.order.npy", order.astype(np.int64))


class LazyIds(Sequence):
    """Ids in row order, from a fixed-width string array."""

    def __init__(self, arr: np.ndarray):
        self.arr = arr

    def __len__(self) -> int:
        return len(self.arr)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [str(x) for x in self.arr[i]]
        return str(self.arr[int(i)])

    def __iter__(self) -> Iterator[str]:
        for a in range(0, len(self.arr), 65536):
            yield from self.arr[a:a + 65536].tolist()


class SortedIndex(Mapping):
    """key → value over a sorted key array (``np.searchsorted``): ids → rows, bigrams → ids."""

    def __init__(self, keys: np.ndarray, values: np.ndarray):
        self.keys_, self.values_ = keys, values
        self.width = keys.dtype.itemsize // 4 if keys.dtype.kind == "U" else 0

    def _pos(self, key: str) -> int:
        if not isinstance(key, str) or len(key) > self.width or not len(self.keys_):
            return -1
        p = int(np.searchsorted(self.keys_, key))
        return p if p < len(self.keys_) and self.keys_[p] == key else -1

    def __getitem__(self, key):
        p = self._pos(key)
        if p < 0:
            raise KeyError(key)
        return int(self.values_[p])

    def get(self, key, default=None):
        p = self._pos(key)
        return default if p < 0 else int(self.values_[p])

    def __contains__(self, key) -> bool:
        return self._pos(key) >= 0

    def __len__(self) -> int:
        return len(self.keys_)

    def __iter__(self):
        return iter(self.keys_.tolist())

    def lookup(self, keys: list) -> np.ndarray:
        """The value of each key, -1 where absent (one vectorised search)."""
        out = np.full(len(keys), -1, dtype=np.int64)
        ok = [j for j, k in enumerate(keys) if isinstance(k, str) and len(k) <= self.width]
        if not ok or not len(self.keys_):
            return out
        q = np.array([keys[j] for j in ok], dtype=self.keys_.dtype)
        p = np.minimum(np.searchsorted(self.keys_, q), len(self.keys_) - 1)
        hit = self.keys_[p] == q
        sel = np.asarray(ok)[hit]
        out[sel] = self.values_[p[hit]]
        return out

    @functools.cached_property
    def _numeric(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(sorted int64 keys, their values) when there are keys and every one is a plain
        decimal number (the database's ids), built once per index; else None."""
        if self.keys_.dtype.kind != "U" or not len(self.keys_) or not bool(np.all(np.char.isdigit(self.keys_))):
            return None
        try:
            ints = self.keys_.astype(np.int64)
        except (ValueError, OverflowError):
            return None
        if not bool(np.all(ints.astype(self.keys_.dtype) == self.keys_)):  # "7", not "07"
            return None
        order = np.argsort(ints, kind="stable")
        return ints[order], np.asarray(self.values_)[order]

    def rows_of(self, keys: Iterable[str]) -> np.ndarray:
        """Values of the keys present (vectorised; unknown keys are skipped). ``keys`` may be a
        numpy string or integer array (a city's candidates: no Python loop over them; integers
        are the decimal ids)."""
        if isinstance(keys, np.ndarray) and keys.dtype.kind in "iu":
            if self._numeric is not None:  # ids that are numbers: one search over them, no strings made
                nk, nv = self._numeric  # never empty
                p = np.minimum(np.searchsorted(nk, keys), len(nk) - 1)
                hit = nk[p] == keys
                return np.asarray(nv[p[hit]], dtype=np.int64)
            keys = keys.astype(str)
        if isinstance(keys, np.ndarray) and keys.dtype.kind == "U":
            ks = keys[np.char.str_len(keys) <= self.width] if keys.dtype.itemsize // 4 > self.width else keys
        else:
            ks = [k for k in keys if isinstance(k, str) and len(k) <= self.width]
        if not len(ks) or not len(self.keys_):
            return np.zeros(0, dtype=np.int64)
        q = np.asarray(ks, dtype=self.keys_.dtype)
        p = np.minimum(np.searchsorted(self.keys_, q), len(self.keys_) - 1)
        hit = self.keys_[p] == q
        return np.asarray(self.values_[p[hit]], dtype=np.int64)


def write_vocab(path: Path, ids: dict[str, int]) -> None:
    keys = np.array(list(ids), dtype=str) if ids else np.zeros(0, dtype="U1")
    vals = np.fromiter(ids.values(), dtype=np.int32, count=len(ids))
    order = np.argsort(keys, kind="stable")
    save(path / "vocab.keys.npy", keys[order])
    save(path / "vocab.ids.npy", vals[order])


class MappedVocab:
    """The snapshot's bigram vocabulary, read-only; queries use ``frozen()`` as with ``Vocab``."""

    def __init__(self, path: Path):
        self.ids = SortedIndex(load(path / "vocab.keys.npy"), load(path / "vocab.ids.npy"))

    def __len__(self) -> int:
        return len(self.ids)

    def get(self, toks) -> np.ndarray:
        return FrozenVocab(self).get(toks)

    def frozen(self) -> FrozenVocab:
        return FrozenVocab(self)


# ---------------------------------------------------------------- matrices and pools


class _CSC:
    """The parts of a CSC matrix ``SetMatrix.colsum`` reads."""

    def __init__(self, indptr, indices, data, shape):
        self.indptr, self.indices, self.data, self.shape = indptr, indices, data, shape


class MappedSetMatrix(SetMatrix):
    def __init__(self, d: Path, name: str, info: dict):  # noqa: D107  (no SetMatrix.__init__: nothing is built)
        p = f"m.{name}"
        data = load(d / f"{p}.data.npy") if not info["binary"] else None
        self.csc = _CSC(load(d / f"{p}.indptr.npy"), load(d / f"{p}.indices.npy"), data, (info["nrows"], info["ncols"]))
        self.owner = load(d / f"{p}.owner.npy")
        self.length = load(d / f"{p}.length.npy")
        self.nrows = info["nrows"]
        self.binary = info["binary"]


class _Rows(Sequence):
    """Rows of a matrix (CSR: ``r.<name>.indptr|indices.npy``), one document's or phrase's ids each."""

    def __init__(self, d: Path, name: str):
        self.indptr, self.indices = load(d / f"r.{name}.indptr.npy"), ReadAt(d / f"r.{name}.indices.npy")

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def __getitem__(self, k):
        k = int(k)
        return self.indices.read(self.indptr[k], self.indptr[k + 1])

    def gather(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The ids of ``rows`` concatenated, and for each the position of its row in ``rows``."""
        starts = np.asarray(self.indptr[rows], dtype=np.int64)
        lens = np.asarray(self.indptr[rows + 1], dtype=np.int64) - starts
        own = np.repeat(np.arange(len(rows), dtype=np.int64), lens)
        return self.indices.read_many(starts.tolist(), (starts + lens).tolist()), own


class _PerDoc(Sequence):
    """Something derived from one document on demand (its limits, its bigram sets)."""

    def __init__(self, docs: LazyDocs, fn):
        self.docs, self.fn = docs, fn

    def __len__(self) -> int:
        return len(self.docs)

    def __getitem__(self, i):
        return self.fn(self.docs[int(i)])


class _Phrases(Sequence):
    """The k-th skill phrase of the pool (phrases in document order)."""

    def __init__(self, docs: LazyDocs, owner: np.ndarray, bounds: np.ndarray):
        self.docs, self.owner, self.bounds = docs, owner, bounds

    def __len__(self) -> int:
        return len(self.owner)

    def __getitem__(self, k):
        i = int(self.owner[k])
        return self.docs[i].skills[int(k) - int(self.bounds[i])]


class MappedPool(Pool):
    """A pool read from ``build.write_pool_streaming``'s files, as a candidate side: the arrays and matrices
    ``pair_features`` reads, and per-row documents, limits and bigram sets for the reasons."""

    doc_cls: type = F.PostingData

    def __init__(self, d: Path, vocab: MappedVocab):
        man = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        for k in man["arrays"]:
            setattr(self, k, load(d / f"{k}.npy"))
        for k, info in man["matrices"].items():
            m = MappedSetMatrix(d, k, info)
            rows = {"skill_m": "skill", "lic_m": "lic"}.get(k, k)
            m.rows = _Rows(d, rows) if (d / f"r.{rows}.indptr.npy").exists() else None
            setattr(self, k, m)
        self.vocab = vocab
        self.avgdl = float(man.get("avgdl", 1.0))
        ids = load(d / "ids.npy")
        self.ids = LazyIds(ids)
        self.index = SortedIndex(load(d / "ids.sorted.npy"), load(d / "ids.order.npy"))
        self.items = LazyDocs(d, "items", self.doc_cls)
        self.skill_rows = _Rows(d, "skill")
        self._skill_bounds = load(d / "skill_bounds.npy")
        if (d / "r.lic.indptr.npy").exists():
            self.lic_rows = _Rows(d, "lic")
            self._lic_bounds = load(d / "lic_bounds.npy")

    def __len__(self) -> int:
        return len(self.ids)

    def skills_of(self, i: int) -> np.ndarray:
        return np.arange(int(self._skill_bounds[i]), int(self._skill_bounds[i + 1]))

    def lics_of(self, i: int) -> np.ndarray:
        return np.arange(int(self._lic_bounds[i]), int(self._lic_bounds[i + 1]))


class MappedPostingPool(MappedPool):
    doc_cls = F.PostingData

    def __init__(self, d: Path, vocab: MappedVocab):
        super().__init__(d, vocab)
        self.limits = _PerDoc(self.items, F.parse_limits)
        self.skill_phrases = _Phrases(self.items, self.skill_owner, self._skill_bounds)


class MappedProfilePool(MappedPool):
    doc_cls = F.ProfileData

    def __init__(self, d: Path, vocab: MappedVocab):
        super().__init__(d, vocab)
        # a candidate person's bigram sets, for the reasons of the page's rows
        self.full_sets, self.exp_sets = self.full_m.rows, self.exp_m.rows
