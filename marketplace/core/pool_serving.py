"""Ranking from the shared snapshots (``core.pool_snapshots``) plus a small per-process delta.

Per request: ``matching.store.current_version`` (one small file read) says whether the job
swapped in a new version; if so it is opened (memory-mapped, read-only: the pages are shared
by every process) and the old one is let go. Then the table's fingerprint (row count and
newest ``updated_at``, and for people the size of the change log) says whether the delta
must be rebuilt: the rows changed since the snapshot's watermark (published, edited, closed
or cleared postings and profiles), the people whose standing changed without their row
changing (the change log), and, after midnight until the next build, the postings whose
dates opened or closed them. Every such id is a tombstone in the snapshot and, where it is
still in the pool, a document of the delta (``Snapshot.with_delta``). A rebuild of the
delta is one query of a few rows, under a lock so that concurrent requests wait for it
instead of repeating it.

Returns None when there is no snapshot (a fresh install, the tests): ``core.rank_pools``'
in-process ranker is used then, as before.
"""
from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from marketplace.core import pool_snapshots as snaps
from marketplace.core.matchdata import posting_data, profiles_data
from marketplace.core.models import Posting, Profile
from matching import embed_postings, embed_profiles, store

_lock = threading.Lock()
_opened: dict[str, object] = {}           # root -> Snapshot (this process)
_deltas: dict[str, tuple] = {}            # root -> (snapshot version, fingerprint, ranker)
_building: dict[str, threading.Lock] = {}
_opening: dict[str, threading.Lock] = {}


def current(config, side: str) -> str | None:
    """The version of ``side``'s current snapshot (a small file read), or None."""
    return store.current_version(str(snaps.root(config, side))) if snaps.enabled(config) else None


def snapshot(rt, side: str):
    """The current snapshot of ``side`` (re-opened when the job swapped a new one in), or None."""
    config = rt.config
    if not snaps.enabled(config):
        return None
    root = str(snaps.root(config, side))
    version = store.current_version(root)
    if version is None:
        return None
    snap = _opened.get(root)
    if snap is None or snap.version != version:
        # one thread opens it; the others of this process wait and take that one, rather than
        # each mapping the same ~150 files at the moment a new version appears
        with _opening.setdefault(root, threading.Lock()):
            snap = _opened.get(root)
            if snap is None or snap.version != version:
                try:
                    snap = store.open_snapshot(root, version, encoder=rt.encoder)
                except FileNotFoundError:  # swapped again meanwhile: keep the one we have
                    return _opened.get(root)
                with _lock:
                    _opened[root] = snap
    return snap


def _watermark(snap) -> dt.datetime | None:
    mark = snap.meta.get("watermark")
    return dt.datetime.fromisoformat(mark) if mark else None


def _deleted(session: Session, model, snap, ids) -> set[str]:
    """Ids of the snapshot whose rows are gone (hard deletes; this app clears rows instead, so
    this costs one count unless a row was really deleted)."""
    meta = snap.meta
    newer = session.scalar(select(func.count()).select_from(model).where(model.id > meta.get("max_id", 0)))
    count = session.scalar(select(func.count()).select_from(model))
    if count >= meta.get("rows", 0) + newer:
        return set()
    present = {str(i) for i in session.scalars(select(model.id).where(model.id <= meta.get("max_id", 0)))}
    return {i for i in ids if i not in present}


def _postings_delta(session: Session, rt, snap, today: dt.date):
    mark, built_on = _watermark(snap), snap.today
    cond = [Posting.updated_at > mark] if mark else [Posting.id > 0]
    if today != built_on:  # the dates opened or closed these since the build's business day
        cond.append(and_(Posting.close_on >= built_on, Posting.close_on < today))
        cond.append(and_(Posting.open_on > built_on, Posting.open_on <= today))
    rows = list(session.scalars(select(Posting).options(selectinload(Posting.organisation)).where(or_(*cond))))
    removed = {str(p.id) for p in rows} | _deleted(session, Posting, snap, snap.ranker.postings.ids)
    docs = [posting_data(p, today) for p in rows if p.is_open(today)]
    if not removed and not docs:
        return snap.ranker
    return snap.with_delta(postings=docs, posting_vectors=embed_postings(docs, rt.encoder) if docs else None,
                           removed_postings=sorted(removed))


def _profiles_delta(session: Session, rt, snap, today: dt.date):
    mark = _watermark(snap)
    noted = snaps.changed_since(rt.config, snap.meta.get("changes_offset", 0))
    cond = [Profile.updated_at > mark] if mark else [Profile.id > 0]
    if noted:
        cond.append(Profile.id.in_(sorted(noted)))
    rows = list(session.scalars(select(Profile).options(selectinload(Profile.categories)).where(or_(*cond))
                                .order_by(Profile.id)))
    removed = {str(p.id) for p in rows} | _deleted(session, Profile, snap, snap.ranker.profiles.ids)
    if not removed:
        return snap.ranker
    people = profiles_data(session, rows, today)
    return snap.with_delta(profiles=people, profile_vectors=embed_profiles(people, rt.encoder) if people else None,
                           removed_profiles=sorted(removed))


def _served(session: Session, rt, side: str, today: dt.date, fp: tuple, make_delta):
    snap = snapshot(rt, side)
    if snap is None:
        return None
    root = str(snaps.root(rt.config, side))
    hit = _deltas.get(root)
    if hit is not None and hit[0] == snap.version and hit[1] == fp:
        return ("snapshot", snap.version, fp), hit[2]
    with _building.setdefault(root, threading.Lock()):
        hit = _deltas.get(root)  # another thread may have built it while this one waited
        if hit is not None and hit[0] == snap.version and hit[1] == fp:
            return ("snapshot", snap.version, fp), hit[2]
        ranker = make_delta(session, rt, snap, today)
        _deltas[root] = (snap.version, fp, ranker)
    return ("snapshot", snap.version, fp), ranker


def postings(session: Session, rt, today: dt.date, fp: tuple):
    """(version, ranker over the open postings) from the snapshot and its delta; None without
    one. ``fp``: the table's fingerprint now (``rank_pools.postings_version``); the delta is
    rebuilt when it moves."""
    return _served(session, rt, "postings", today, fp, _postings_delta)


def profiles(session: Session, rt, today: dt.date, fp: tuple):
    """(version, ranker over everyone) from the snapshot and its delta; None without one.
    ``fp`` includes the change log's size."""
    return _served(session, rt, "profiles", today, fp, _profiles_delta)
