"""The plumbing the vector snapshots and the ranking pools share (``search.atomic_dir``): a
version that fails half-way leaves nothing behind, ``CURRENT`` names the published one,
old versions and a crashed writer's leftovers go, and only one writer holds the lock."""
from __future__ import annotations

import os
import time

import pytest

from search import atomic_dir


def test_a_failed_write_leaves_nothing_and_the_published_version_is_current(tmp_path):
    root = tmp_path / "snaps"
    with pytest.raises(RuntimeError), atomic_dir.staged(root, "v1") as tmp:
        (tmp / "half.bin").write_bytes(b"x")
        raise RuntimeError("disk full")
    assert list(root.iterdir()) == []
    assert atomic_dir.current_version(root) is None and atomic_dir.current_stamp(root) is None

    for v in ("v1", "v2", "v3"):
        with atomic_dir.staged(root, v) as tmp:
            (tmp / "meta.json").write_text("{}")
        before = atomic_dir.current_stamp(root)
        atomic_dir.publish(root, v)
        assert atomic_dir.current_stamp(root) != before
    assert (root / "CURRENT").read_text() == "v3\n"  # the on-disk pointer format is unchanged
    assert atomic_dir.current_version(root) == "v3"
    (root / "v0").mkdir()  # a folder without the marker is no complete version
    assert atomic_dir.versions(root, marker="meta.json") == ["v1", "v2", "v3"]

    atomic_dir.prune(root, 1, spare="v2", marker="meta.json")
    assert atomic_dir.versions(root, marker="meta.json") == ["v2", "v3"]


def test_leftovers_of_crashed_writers_are_removed_and_live_ones_kept(tmp_path):
    old = tmp_path / "v9.tmp-123"
    old.mkdir()
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    fresh = tmp_path / "CURRENT.tmp-456"
    fresh.write_text("v9\n")
    atomic_dir.remove_stale_temps(tmp_path, 3600)
    assert not old.exists() and fresh.exists()

    mine = tmp_path / f"v10.tmp-{os.getpid()}"
    mine.mkdir()
    dead = tmp_path / "v11.tmp-999999999"
    dead.mkdir()
    atomic_dir.remove_dead_writers_temps(tmp_path)
    assert mine.exists() and not dead.exists()


def test_only_one_writer_holds_the_lock(tmp_path):
    lock = tmp_path / "pools" / "build.lock"
    with atomic_dir.writer_lock(lock, wait=False) as first:
        with atomic_dir.writer_lock(lock, wait=False) as second:  # flock: a second open file description
            assert first and not second
    with atomic_dir.writer_lock(lock, wait=False) as again:
        assert again
