"""The ranking pools as shared snapshots: built by a job, memory-mapped by every process (issue 18).

A build reads the rows and the STORED embeddings (the encoder's store, which the indexing
task filled; a row it has not stored yet, e.g. one written a second ago, is encoded and
stored here, so a build never leaves a row out) and writes, with ``matching.store``:

* ``<instance>/pools/postings``: the open postings, hub scores from a sample of the people;
* ``<instance>/pools/profiles``: everyone, with the engine's decisions of the build's date,
  hub scores from a sample of the open postings;

exactly as ``core.rank_pools`` builds its in-process rankers (same converter, same
references). Each version is written beside the old and ``CURRENT`` is swapped atomically;
the serving side (``core.pool_serving``) picks a new version up on its next request. The
meta of a version holds its ``watermark`` (the table's newest ``updated_at`` when the build
started: rows changed later are served from the per-process delta), the business date,
the table's row count and highest id (a hard delete shows as a missing row), the policy set
and the offset of the change log below.

The change log (``<instance>/pools/profile-changes.log``): the ids of people whose standing
changed without their profile row changing (a caseworker's hard-to-employ grant queues
their reindex, which notes it here), appended by whichever process ran the task and read by
every process's delta. It is on the pools' volume, so share that volume between the nodes.

Only one process builds at a time (an ``fcntl`` lock on ``<instance>/pools/build.lock``;
another caller returns at once). ``run`` rebuilds a side when it has no snapshot, when the
business date or the policy set changed, when more than ``MARKETPLACE_POOL_DELTA_MAX`` rows
changed since its watermark, or when it is older than ``MARKETPLACE_POOL_REBUILD_SECONDS``.
The job is the Celery task ``marketplace.core_build_pools`` (beat every 5 minutes; on the
embedded default the embedded beat runs it, and at start when no snapshot exists).
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from pathlib import Path

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from marketplace import clock, policies
from marketplace.core.matchdata import posting_data, profile_data, profiles_data
from marketplace.core.models import Posting, Profile
from marketplace.core.rank_pools import people_reference, postings_reference
from matching import embed_postings, embed_profiles, store
from search import atomic_dir

log = logging.getLogger(__name__)
SIDES = ("postings", "profiles")
BATCH = 2000
DIM = 384


def pools_dir(config) -> Path:
    return Path(config.INSTANCE_DIR) / "pools"


def root(config, side: str) -> Path:
    return pools_dir(config) / side


def enabled(config) -> bool:
    """Snapshots are built and served unless turned off; with Elasticsearch no process holds a
    pool (``core.scaleout`` ranks the search candidates), so there is nothing to build."""
    return bool(getattr(config, "POOL_SNAPSHOTS", 1)) and config.SEARCH_BACKEND != "elasticsearch"


# ----------------------------------------------------------------- the change log

def _log_path(config) -> Path:
    return pools_dir(config) / "profile-changes.log"


def note_profile_change(config, profile_id: int) -> None:
    """Record that ``profile_id``'s standing changed outside their row (one appended line)."""
    path = _log_path(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{int(profile_id)}\n".encode())
    finally:
        os.close(fd)


def changes_size(config) -> int:
    try:
        return _log_path(config).stat().st_size
    except FileNotFoundError:
        return 0


def changed_since(config, offset: int) -> set[int]:
    """Ids noted in the change log after byte ``offset``."""
    try:
        with open(_log_path(config), "rb") as f:
            f.seek(offset)
            data = f.read()
    except FileNotFoundError:
        return set()
    return {int(x) for x in data.split() if x.isdigit()}


# ----------------------------------------------------------------- building

def build_lock(config):
    """Yields True in the one process that may build now, False elsewhere (never waits)."""
    return atomic_dir.writer_lock(pools_dir(config) / "build.lock", wait=False)


def building(config) -> bool:
    """Whether some process holds the build lock now."""
    with build_lock(config) as mine:
        return not mine


# Rows changed in the last WATERMARK_MARGIN before the build started stay in the delta: a row
# written by a transaction that committed after the build read the table, with an
# ``updated_at`` from before, is still served. Only those: the watermark is the newest change
# the build saw or the build's start minus the margin, whichever is earlier. (It was the
# newest change minus the margin, which put a whole bulk import, its rows stamped within two
# minutes of each other, into every process's delta, and made every build "due" again.)
WATERMARK_MARGIN = dt.timedelta(seconds=120)


def watermark(newest: dt.datetime | None, started: dt.datetime) -> dt.datetime | None:
    """Rows with ``updated_at`` after this are the delta's (see ``WATERMARK_MARGIN``)."""
    return None if newest is None else min(newest, started - WATERMARK_MARGIN)


def _marks(s: Session, model) -> dict:
    """The table's state at the build's start: rows changed since ``watermark`` are the delta's."""
    newest, rows, top = s.execute(select(func.max(model.updated_at), func.count(), func.max(model.id))).one()
    mark = watermark(newest, clock.now_utc())
    mark = mark.isoformat() if mark else None
    return {"watermark": mark, "rows": rows, "max_id": top or 0}


def _meta(s: Session, config, model, today: dt.date) -> dict:
    return {**_marks(s, model), "today": today.isoformat(), "policy": _policy_mark(s),
            "changes_offset": changes_size(config), "built_at": clock.now_utc().isoformat()}


def _policy_mark(s: Session) -> str:
    """The policy set in force (name, version and digest): its decisions are in the people's snapshot."""
    name = policies.active_name(session=s)
    try:
        info = policies.version_info(name, session=s)
    except Exception:  # no version in force: the bundled set decides
        info = None
    return f"{name}@{info.number}:{info.digest[:12]}" if info is not None else name


def _batches(ids: list[int], n: int = BATCH):
    for i in range(0, len(ids), n):
        yield ids[i:i + n]


def build_postings(s: Session, rt, today: dt.date) -> str:
    """Write a snapshot of the open postings; returns its version."""
    config = rt.config
    meta = _meta(s, config, Posting, today)
    ids = list(s.scalars(select(Posting.id).where(Posting.status == "published").order_by(Posting.id)))
    docs, vectors = [], []
    for chunk in _batches(ids):
        rows = s.scalars(select(Posting).options(selectinload(Posting.organisation))
                         .where(Posting.id.in_(chunk)).order_by(Posting.id))
        batch = [posting_data(p, today) for p in rows if p.is_open(today)]
        docs.extend(batch)
        vectors.append(embed_postings(batch, rt.encoder))
        s.expunge_all()
    people, people_vectors = people_reference(s, rt, today, policies.active(session=s))
    meta["count"] = len(docs)
    return store.write_snapshot(
        root(config, "postings"), postings=docs, posting_vectors=_stack(vectors), profiles=(),
        profile_vectors=None, today=today, hub_profiles=people,
        hub_profile_vectors=people_vectors, meta=meta,
        workers=config.POOL_BUILD_WORKERS or None)


def build_profiles(s: Session, rt, today: dt.date) -> str:
    """Write a snapshot of everyone (with the engine's decisions on ``today``). The vectors go
    to a scratch file first (one pass over the rows, text only), the people are read again in
    batches while the snapshot is written, so the build holds one batch of rows at a time."""
    config = rt.config
    meta = _meta(s, config, Profile, today)
    policy = policies.active(session=s)
    ids = list(s.scalars(select(Profile.id).order_by(Profile.id)))
    scratch = pools_dir(config) / f"profiles-vectors.{os.getpid()}.tmp"
    scratch.parent.mkdir(parents=True, exist_ok=True)
    vectors = np.lib.format.open_memmap(scratch, mode="w+", dtype=np.float32, shape=(len(ids), DIM))
    try:
        at = 0
        for chunk in _batches(ids):
            rows = list(s.scalars(select(Profile).options(selectinload(Profile.categories))
                                  .where(Profile.id.in_(chunk)).order_by(Profile.id)))
            if len(rows) != len(chunk):  # rows are never deleted (a deletion clears the row)
                raise RuntimeError("profiles were deleted during the build; the next run builds again")
            vectors[at:at + len(rows)] = embed_profiles([profile_data(p, today, {}) for p in rows], rt.encoder)
            at += len(rows)
            s.expunge_all()
        vectors.flush()

        def people():
            for chunk in _batches(ids):
                rows = list(s.scalars(select(Profile).options(selectinload(Profile.categories))
                                      .where(Profile.id.in_(chunk)).order_by(Profile.id)))
                if [p.id for p in rows] != chunk:  # the vectors' rows, in the same order
                    raise RuntimeError("profiles were deleted during the build; the next run builds again")
                yield from profiles_data(s, rows, today, policy)
                s.expunge_all()

        posts, post_vectors = postings_reference(s, rt, today)
        meta["count"] = at
        return store.write_snapshot(
            root(config, "profiles"), postings=(), posting_vectors=None, profiles=people(),
            profile_vectors=vectors[:at], today=today, hub_postings=posts, hub_posting_vectors=post_vectors, meta=meta,
            workers=config.POOL_BUILD_WORKERS or None)
    finally:
        del vectors
        scratch.unlink(missing_ok=True)


def _stack(parts: list[np.ndarray]) -> np.ndarray:
    parts = [p for p in parts if len(p)]
    return np.concatenate(parts).astype(np.float32) if parts else np.zeros((0, DIM), dtype=np.float32)


BUILDERS = {"postings": (build_postings, Posting), "profiles": (build_profiles, Profile)}


def due(s: Session, config, side: str, today: dt.date) -> str | None:
    """Why ``side`` should be rebuilt now (None: it need not be)."""
    try:
        snap = store.open_snapshot(root(config, side))
    except FileNotFoundError:
        return "no snapshot"
    meta = snap.meta
    if snap.format != store.FORMAT:
        return "built by an older ranker"
    if meta.get("today") != today.isoformat():
        return "business date changed"
    if side == "profiles" and meta.get("policy") != _policy_mark(s):
        return "policy set changed"
    model = BUILDERS[side][1]
    mark = dt.datetime.fromisoformat(meta["watermark"]) if meta.get("watermark") else None
    changed = s.scalar(select(func.count()).select_from(model).where(model.updated_at > mark)) if mark else \
        s.scalar(select(func.count()).select_from(model))
    if changed > config.POOL_DELTA_MAX:
        return f"{changed} rows changed since the build"
    if side == "profiles" and len(changed_since(config, meta.get("changes_offset", 0))) > config.POOL_DELTA_MAX:
        return "many changes of standing since the build"
    built = dt.datetime.fromisoformat(meta["built_at"]) if meta.get("built_at") else None
    if built is None or (clock.now_utc() - built).total_seconds() > config.POOL_REBUILD_SECONDS:
        return "periodic rebuild"
    return None


def run(database, rt, *, force: bool = False, today: dt.date | None = None) -> dict:
    """Build the snapshots that are due (all with ``force``); one process at a time."""
    config = rt.config
    if not enabled(config):
        return {"skipped": "MARKETPLACE_POOL_SNAPSHOTS=0"}
    today = today or clock.today()
    out: dict = {}
    with build_lock(config) as mine:
        if not mine:
            return {"skipped": "another process is building"}
        for side in SIDES:
            with database.unit_of_work(write=False) as s:
                why = "forced" if force else due(s, config, side, today)
                if why is None:
                    continue
                started = time.monotonic()
                version = BUILDERS[side][0](s, rt, today)
            out[side] = {"version": version, "why": why, "seconds": round(time.monotonic() - started, 1)}
            log.info("pool snapshot %s %s built (%s) in %.1fs", side, version, why, out[side]["seconds"])
    return out


def missing(config) -> bool:
    return any(store.current_version(root(config, side)) is None for side in SIDES)


def start_if_missing(app) -> threading.Thread | None:
    """At a server's start: build the snapshots in a background thread when there are none
    (requests meanwhile rank as before, ``core.pool_serving``)."""
    config = app.config["MARKETPLACE"]
    if not enabled(config) or not missing(config):
        return None

    def work():
        try:
            with app.app_context():
                run(app.extensions["db"], app.extensions["runtime"])
        except Exception:  # the periodic job tries again
            log.exception("first pool snapshot build failed")

    thread = threading.Thread(target=work, name="pool-snapshots", daemon=True)
    thread.start()
    return thread
