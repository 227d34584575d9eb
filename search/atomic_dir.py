"""Versioned folders published through a ``CURRENT`` pointer: the plumbing that the vector
snapshots (``search.vecfiles``) and the ranking pools (``matching.store``) share, with the
writers' lock the pool builds use too (``marketplace.core.pool_snapshots``).

    <root>/<version>/...            a complete version, never changed once renamed into place
    <root>/<version>.tmp-<pid>      the version being written (``staged``)
    <root>/CURRENT                  the version in force, one line (``publish``)

A version is written into its temporary folder, fsynced, renamed to ``<version>`` and the
root fsynced (``staged``); ``publish`` writes ``CURRENT.tmp-<pid>``, fsyncs it and
``os.replace``-s it onto ``CURRENT`` (atomic: a reader sees the old version or the new one).
``prune`` removes all but the newest versions; a process still mapping a removed one keeps
reading it (an unlinked file stays readable while mapped). Callers name their versions (each
keeps its own sortable format) and their lock file.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from pathlib import Path

CURRENT = "CURRENT"


@contextlib.contextmanager
def writer_lock(path: str | os.PathLike, wait: bool = True):
    """An ``flock`` on the file ``path`` (created, with its folder). Yields True when this
    process holds it, False when ``wait`` is off and another process holds it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def fsync(path: str | os.PathLike) -> None:
    """Flush a file, or a folder's entries, to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(path: str | os.PathLike) -> None:
    """Every file and folder under ``path``, ``path`` included."""
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            fsync(os.path.join(dirpath, name))
        fsync(dirpath)


@contextlib.contextmanager
def staged(root: str | os.PathLike, version: str):
    """Yields the new, empty folder ``<root>/<version>.tmp-<pid>`` to write a version into.
    When the block ends normally the folder is fsynced and renamed to ``<root>/<version>``
    (not yet published); when it raises, the folder is removed."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f"{version}.tmp-{os.getpid()}"
    tmp.mkdir()
    try:
        yield tmp
        fsync_tree(tmp)
        os.rename(tmp, root / version)
        fsync(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def publish(root: str | os.PathLike, version: str) -> Path:
    """Point ``<root>/CURRENT`` at ``version`` atomically. Returns the temporary pointer's path
    (gone by then: replaced onto ``CURRENT``)."""
    root = Path(root)
    tmp = root / f"{CURRENT}.tmp-{os.getpid()}"
    tmp.write_text(version + "\n", encoding="utf-8")
    fsync(tmp)
    os.replace(tmp, root / CURRENT)
    fsync(root)
    return tmp


def current_version(root: str | os.PathLike) -> str | None:
    """The version ``<root>/CURRENT`` names (one small read; cheap enough per request)."""
    try:
        return (Path(root) / CURRENT).read_text(encoding="utf-8").strip() or None
    except (FileNotFoundError, NotADirectoryError):
        return None


def current_stamp(root: str | os.PathLike):
    """A cheap token that changes whenever ``CURRENT`` is replaced (inode, mtime, size)."""
    try:
        st = os.stat(Path(root) / CURRENT)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def versions(root: str | os.PathLike, marker: str | None = None) -> list[str]:
    """Complete versions under ``root``, oldest first (names sort by time); with ``marker``,
    only folders that hold that file."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and ".tmp-" not in p.name
                  and (marker is None or (p / marker).exists()))


def prune(root: str | os.PathLike, keep: int, spare: str, marker: str | None = None) -> None:
    """Remove all but the newest ``keep`` versions, never ``spare``."""
    found = versions(root, marker)
    for old in found[: max(0, len(found) - keep)]:
        if old != spare:
            shutil.rmtree(Path(root) / old, ignore_errors=True)


def _remove(p: Path) -> None:
    shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


def remove_stale_temps(root: str | os.PathLike, older_than: float, spare: str | None = None) -> None:
    """Temporary folders and pointers (``*.tmp-*``) last changed more than ``older_than``
    seconds ago: left by crashed writers."""
    for p in Path(root).iterdir():
        if ".tmp-" in p.name and p.name != spare and time.time() - p.stat().st_mtime > older_than:
            _remove(p)


def remove_dead_writers_temps(root: str | os.PathLike) -> None:
    """Temporary folders and pointers of processes that no longer run (a build killed mid-way)."""
    for p in Path(root).glob("*.tmp-*"):
        pid = p.name.rsplit(".tmp-", 1)[1]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            _remove(p)
        except OSError:
            pass
