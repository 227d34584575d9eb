"""What only the embedded backend promises: a file that survives restarts, several
processes (web + worker) on one file, threads, no downtime during a rebuild."""
from __future__ import annotations

import sqlite3
import threading

import numpy as np
import pytest

from search import Document, Query, SearchUnavailable, get_backend, vectors
from search.embedded import EmbeddedBackend
from tests.search import corpus


def _vec(seed: int) -> list[float]:
    v = np.random.default_rng(seed).standard_normal(384).astype(np.float32)
    return (v / np.linalg.norm(v)).tolist()


def test_index_survives_reopening(tmp_path):
    path = str(tmp_path / "search.db")
    with get_backend("embedded", path=path) as b:
        docs = corpus.postings()
        for i, d in enumerate(docs):
            d.vector = _vec(i)
        b.index(docs)
    with get_backend("embedded", path=path) as b:
        assert b.count("posting") == len(docs)
        assert b.search(Query("posting", "焊工", mode="lexical")).ids == ["p-weld"]
        res = b.search(Query("posting", mode="vector", query_vector=_vec(3), per_page=1))
        assert res.ids == [docs[3].id]
        assert b.health()["vectors"]["posting"] == len(docs)


def test_writes_of_another_instance_become_visible(tmp_path):
    """A Celery worker and the web server are two processes on one file."""
    path = str(tmp_path / "search.db")
    web, worker = EmbeddedBackend(path), EmbeddedBackend(path)
    try:
        worker.index([Document("a", "posting", "电工", vector=_vec(1))])
        assert web.search(Query("posting", mode="vector", query_vector=_vec(1))).ids == ["a"]
        worker.index([Document("b", "posting", "焊工", vector=_vec(2))])
        worker.index([Document("a", "posting", "电工", vector=_vec(3))])  # vector changed
        res = web.search(Query("posting", mode="vector", query_vector=_vec(3), per_page=1))
        assert res.ids == ["a"] and res.hits[0].score == pytest.approx(1.0, abs=1e-3)
        worker.delete("posting", ["a"])
        assert web.search(Query("posting", mode="vector", query_vector=_vec(3))).ids == ["b"]
        worker.clear()
        assert web.search(Query("posting", mode="vector", query_vector=_vec(2))).ids == []
    finally:
        web.close()
        worker.close()


def test_rebuild_has_no_downtime(tmp_path):
    path = str(tmp_path / "search.db")
    writer, reader = EmbeddedBackend(path), EmbeddedBackend(path)
    try:
        writer.index(corpus.postings())
        seen_during = []

        def docs():
            for i in range(3000):
                if i == 2500:  # mid-rebuild, another process still sees the old index
                    seen_during.append(reader.search(Query("posting", "焊工", mode="lexical")).ids)
                yield Document(f"n{i}", "posting", f"新岗位{i}", "维修电工", fields={"kind": "job"})

        assert writer.rebuild("posting", docs()) == 3000
        assert seen_during == [["p-weld"]]
        assert reader.search(Query("posting", "焊工", mode="lexical")).ids == []
        assert reader.count("posting") == 3000
    finally:
        writer.close()
        reader.close()


@pytest.mark.parametrize("where", ["file", "memory"])
def test_threads_search_while_another_writes(tmp_path, where):
    b = get_backend("embedded", path=str(tmp_path / "s.db") if where == "file" else ":memory:")
    b.index(corpus.postings())
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader():
        try:
            while not stop.is_set():
                assert "p-acct" in b.search(Query("posting", "会计", mode="lexical")).ids
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for i in range(30):
        b.index([Document(f"x{i}", "posting", "电工", f"第{i}个", vector=_vec(i))])
    stop.set()
    for t in threads:
        t.join()
    b.close()
    assert not errors, errors[0]


def test_unusable_path_raises_search_unavailable(tmp_path):
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(SearchUnavailable):
        EmbeddedBackend(str(tmp_path / "dir.db"))


def test_closed_backend_is_unavailable():
    b = EmbeddedBackend()
    b.close()
    with pytest.raises(SearchUnavailable):
        b.search(Query("posting", "会计"))
    assert b.health()["ok"] is False


def test_list_valued_schema_field_is_refused():
    with EmbeddedBackend() as b, pytest.raises(ValueError):
        b.index([Document("a", "posting", "会计", fields={"district": ["顺城区", "新抚区"]})])


def test_large_corpus_uses_the_faiss_path_when_available():
    """Above FAISS_MIN_ROWS vectors search goes through faiss (fp16): same answers,
    updates and deletes applied, filtering by rowid works."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((vectors.FAISS_MIN_ROWS + 10, 32)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    m = vectors._Matrix(32)
    m.put(np.arange(1, len(X) + 1), X)
    exact = int(np.argmax(X @ X[5])) + 1
    got = m.top(X[5], 10)
    assert got[0][0] == exact
    assert got[0][0] == 6 and got[0][1] == pytest.approx(1.0, abs=1e-2)
    m.remove(np.array([6]))
    assert m.top(X[5], 10)[0][0] != 6
    sub = m.top(X[5], 3, rowids=np.array([1, 2, 3]))
    assert {r for r, _ in sub} == {1, 2, 3}
    m.put(np.array([6]), X[7:8])  # an update moves the vector
    assert m.top(X[7], 2)[0][0] in (6, 8) and {r for r, _ in m.top(X[7], 2)} == {6, 8}


def test_index_of_an_older_format_is_cleared_and_flagged(tmp_path):
    path = str(tmp_path / "old.db")
    c = sqlite3.connect(path)
    c.execute("CREATE VIRTUAL TABLE fts_posting USING fts5(title, skills, body, words)")
    c.commit()
    c.close()
    with EmbeddedBackend(path) as b:
        assert b.health()["needs_reindex"] == ["posting"]
        b.rebuild("posting", corpus.postings())
        assert b.health()["needs_reindex"] == []
        assert b.search(Query("posting", "焊工", mode="lexical")).ids == ["p-weld"]


def test_warm_up_loads_everything_before_the_first_search(tmp_path):
    with EmbeddedBackend(str(tmp_path / "w.db")) as b:
        b.index([Document("a", "posting", "电工", vector=_vec(1))])
        b.warm_up()
        assert b.vectors.size("posting") == 1
