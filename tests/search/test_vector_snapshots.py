"""The embedded backend's vectors live in snapshot files that every process memory-maps
(issue 18): a second process serves searches from the same pages without loading its own
copy, a document indexed after the snapshot is found at once (the per-process delta), an
edited or deleted one is never found by its old vector, a search during a rebuild answers,
and the rebuilt snapshot is picked up without a restart."""
from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import numpy as np
import pytest

from search import Document, Query, vecfiles
from search.embedded import EmbeddedBackend

DIM = 32


def unit(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def docs(n: int, start: int = 0, district: str = "望花区") -> list[Document]:
    return [Document(f"p{i}", "posting", f"岗位{i}", "负责日常工作", fields={"district": district if i % 2 else "新抚区"},
                     vector=unit(i).tolist()) for i in range(start, start + n)]


def nearest(b: EmbeddedBackend, seed: int, **kw) -> list[str]:
    return b.search(Query("posting", mode="vector", query_vector=unit(seed).tolist(), per_page=3, **kw)).ids


def _child_search(path, out):
    b = EmbeddedBackend(path, snapshot_min_rows=10)
    try:
        ids = nearest(b, 7)
        out.put((ids, b.vectors.snap is not None, sum(m.size for m in b.vectors.by_type.values())))
    finally:
        b.close()


@pytest.mark.parametrize("n", [40, 1200])  # 1200: the faiss index of the snapshot is mapped too
def test_another_process_searches_the_mapped_snapshot_not_its_own_copy(tmp_path, n):
    path = str(tmp_path / "search.db")
    with EmbeddedBackend(path, snapshot_min_rows=10) as writer:
        writer.index(docs(n))
        root = Path(path + ".vectors")
        version = vecfiles.current_version(root)
        assert version is not None and (root / version / "posting.vec.npy").exists()
        assert ((root / version / "posting.faiss").exists()) == (n >= vecfiles.FAISS_MIN_ROWS and vecfiles.faiss is not None)
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    p = ctx.Process(target=_child_search, args=(path, out))
    p.start()
    p.join(120)
    ids, mapped, private_rows = out.get(timeout=5)
    assert ids[0] == "p7" and mapped and private_rows == 0


def test_documents_changed_after_the_snapshot_are_served_from_the_delta(tmp_path):
    path = str(tmp_path / "search.db")
    with EmbeddedBackend(path, snapshot_min_rows=10, delta_max=100) as writer, \
            EmbeddedBackend(path, snapshot_min_rows=10, delta_max=100) as reader:
        writer.index(docs(40))
        assert nearest(reader, 5)[0] == "p5"
        version = reader.vectors.snap.version
        writer.index([Document("new", "posting", "新岗位", vector=unit(1000).tolist())])
        assert nearest(reader, 1000)[0] == "new"  # published after the snapshot: found at once
        writer.index([Document("p5", "posting", "岗位5", fields={"district": "望花区"},
                               vector=unit(2000).tolist())])  # edited: a new vector
        assert nearest(reader, 2000)[0] == "p5"
        assert "p5" not in nearest(reader, 5)  # never by the old one
        writer.delete("posting", ["p6"])
        assert "p6" not in nearest(reader, 6)
        # filtered vector search (the candidate set path) sees the same
        assert nearest(reader, 2000, filters={"district": "望花区"})[0] == "p5"
        assert "p6" not in nearest(reader, 6, filters={"district": "新抚区"})
        assert reader.vectors.snap.version == version  # all of that without a new snapshot
        assert reader.health()["vectors"]["posting"] == 40


def test_a_delta_over_the_limit_is_folded_into_a_new_snapshot(tmp_path):
    path = str(tmp_path / "search.db")
    root = Path(path + ".vectors")
    with EmbeddedBackend(path, snapshot_min_rows=10, delta_max=3) as b:
        b.index(docs(20))
        first = vecfiles.current_version(root)
        for i in range(3):
            b.index(docs(1, start=100 + i))
        assert vecfiles.current_version(root) == first
        b.index(docs(1, start=200))
        second = vecfiles.current_version(root)
        assert second != first
        assert nearest(b, 200)[0] == "p200" and b.vectors.snap.version == second
        assert sum(m.size for m in b.vectors.by_type.values()) == 0  # the delta is empty again
        for i in range(3):  # old versions beyond the newest two are removed
            b.maybe_snapshot(force=True)
        assert len([p for p in root.iterdir() if p.is_dir()]) == 2


def test_a_search_during_a_rebuild_answers_and_the_new_snapshot_is_picked_up(tmp_path):
    path = str(tmp_path / "search.db")
    writer = EmbeddedBackend(path, snapshot_min_rows=10)
    reader = EmbeddedBackend(path, snapshot_min_rows=10)
    try:
        writer.index(docs(50))
        assert nearest(reader, 3)[0] == "p3"
        old = reader.vectors.snap.version
        answers, errors, stop = [], [], threading.Event()

        def search_meanwhile():
            try:
                while not stop.is_set():
                    answers.append(nearest(reader, 3)[0])
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)

        t = threading.Thread(target=search_meanwhile)
        t.start()

        def rebuilt():
            for i in range(3000):
                yield Document(f"r{i}", "posting", f"新岗位{i}", vector=unit(10_000 + i).tolist())

        try:
            assert writer.rebuild("posting", rebuilt()) == 3000
        finally:
            stop.set()
            t.join()
        assert not errors, errors[0]
        after = nearest(reader, 3)[0]
        assert after.startswith("r")
        assert answers and set(answers) <= {"p3", after}  # the old index until the commit, then the new
        assert nearest(reader, 10_003)[0] == "r3"  # no restart: the next search maps the new snapshot
        assert reader.vectors.snap.version != old and sum(m.size for m in reader.vectors.by_type.values()) == 0
    finally:
        writer.close()
        reader.close()


def test_without_a_snapshot_directory_vectors_stay_in_memory():
    with EmbeddedBackend(":memory:", snapshot_min_rows=10) as b:
        b.index(docs(40))
        assert b.snapshot_root is None and b.vectors.snap is None
        assert nearest(b, 9)[0] == "p9"
