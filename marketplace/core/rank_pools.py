"""The ranking pools of a server process: open postings (for people's recommendations) and
people (for a posting's candidates), each a ``matching.Ranker`` over the whole table.

A pool is rebuilt when its table changes (its fingerprint is the row count and the newest
``updated_at``, two index lookups) or the business date does; ``postings_version`` and
``profiles_version`` give that fingerprint, the version ``core.rank_cache`` keys ranked
pages by. Vectors come from the encoder's cache, which the indexing task filled with the
same texts, so a rebuild does not re-embed unchanged rows. Each one-sided pool takes its hub scores from a sample of the other
side (``matching.hub_sample``), so production ranks with the hub discount that
``matching.evaluate``'s two-sided ranker measures (issue 17, item 3).
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from marketplace import policies
from marketplace.core.matchdata import posting_data, profiles_data
from marketplace.core.models import Posting, Profile
from matching import Ranker, embed_postings, embed_profiles, hub_sample

_lock = threading.Lock()
# Bumped when a person's standing changed outside their profile row (a caseworker's
# hard-to-employ grant or revocation queues the profile's reindex, which calls
# ``note_profile_change``): the people pool's fingerprint includes it, so the next ranking
# is rebuilt with the engine's new decisions.
_profile_generation = [0]


def note_profile_change() -> None:
    with _lock:
        _profile_generation[0] += 1


def profile_generation() -> int:
    return _profile_generation[0]


# Pools at least this large are rebuilt in a background thread while requests keep using
# the previous ranker (stale for the rebuild's duration, tens of seconds at 100,000 rows);
# smaller pools are rebuilt in the request, which takes well under a second.
BACKGROUND_REBUILD_MIN = 5000


def _cached_ranker(rt, key, size: int, build, session: Session):
    """One ranker per pool scope (key minus its fingerprint), replaced when the fingerprint
    (count, newest change, today) moves on. ``build(session)`` makes a new one. Returns
    (the fingerprint the ranker was built at, the ranker)."""
    cache = rt.__dict__.setdefault("_rankers", {})
    scope, fingerprint = key[:-3], key[-3:]
    with _lock:
        entry = cache.get(scope)
        if entry is not None and entry["fingerprint"] == fingerprint:
            return fingerprint, entry["ranker"]
        if entry is not None and size >= BACKGROUND_REBUILD_MIN:
            if not entry.get("rebuilding"):
                entry["rebuilding"] = True
                threading.Thread(target=_rebuild, args=(cache, scope, fingerprint, build, session.get_bind()),
                                 daemon=True, name=f"ranker-{scope[0]}").start()
            return entry["fingerprint"], entry["ranker"]
    ranker = build(session)
    with _lock:
        cache[scope] = {"fingerprint": fingerprint, "ranker": ranker}
    return fingerprint, ranker


def _rebuild(cache, scope, fingerprint, build, bind) -> None:
    try:
        with Session(bind=bind) as s:
            ranker = build(s)
        with _lock:
            cache[scope] = {"fingerprint": fingerprint, "ranker": ranker}
    except Exception:  # keep serving the old ranker; the next request tries again
        logging.getLogger(__name__).exception("ranker rebuild failed for %s", scope)
        with _lock:
            if scope in cache:
                cache[scope]["rebuilding"] = False


_counts: dict[str, tuple] = {}  # table -> ((newest id, newest change), rows) this process last counted


def fingerprint(session: Session, model) -> tuple:
    """What a pool is built from, as (rows, newest change) over the whole table: any insert
    or change (publishing and closing included) moves it. Asked on every request, so it is
    two index lookups, the newest id and the newest ``updated_at`` (one combined aggregate
    over the published rows cost 66 ms, more than the ranking itself); the rows are counted
    again (a scan of the smallest index: 2 ms at 100,000 rows, linear in the table) only when
    one of those two moved. The app never deletes a posting or profile row (they are closed
    or cleared); a row deleted by hand shows at the next insert or change, when the count
    is taken again, and by the next pool build."""
    # two selects: SQLite answers a lone max() from the index's end, but scans for max(a), max(b)
    newest = (session.scalar(select(func.max(model.id))), session.scalar(select(func.max(model.updated_at))))
    name = model.__tablename__
    hit = _counts.get(name)
    if hit is not None and hit[0] == newest:
        return hit[1], newest[1]
    count = session.scalar(select(func.count()).select_from(model))
    _counts[name] = (newest, count)
    return count, newest[1]


def open_postings(s: Session, today: dt.date) -> list[Posting]:
    stmt = select(Posting).where(Posting.status == "published").options(selectinload(Posting.organisation))
    return [p for p in s.scalars(stmt.order_by(Posting.id)) if p.is_open(today)]


def people_reference(s: Session, rt, today: dt.date, policy):
    """The sample of people a posting's hub score is averaged over (``matching.hub_sample``
    of everyone, in id order: the sample a two-sided ranker over the same pool takes), with
    their vectors."""
    ids = list(s.scalars(select(Profile.id).order_by(Profile.id)))
    pick = [ids[i] for i in hub_sample(len(ids))]
    rows = list(s.scalars(select(Profile).options(selectinload(Profile.categories))
                          .where(Profile.id.in_(pick)).order_by(Profile.id)))
    ref = profiles_data(s, rows, today, policy)
    return ref, embed_profiles(ref, rt.encoder)


def postings_reference(s: Session, rt, today: dt.date):
    """The sample of open postings a person's hub score is averaged over, with their vectors."""
    rows = open_postings(s, today)
    ref = [posting_data(rows[i], today) for i in hub_sample(len(rows))]
    return ref, embed_postings(ref, rt.encoder)


REFERENCE_SECONDS = 3600.0


def cached_reference(s: Session, rt, side: str, today: dt.date):
    """``people_reference`` / ``postings_reference`` kept for an hour (and the day) in this
    process: the small rankers of the search-candidates path need one per request, and a
    sample of 64 drifts slowly."""
    cache = rt.__dict__.setdefault("_references", {})
    now = time.monotonic()
    hit = cache.get(side)
    if hit is not None and hit[0] == today and now - hit[1] < REFERENCE_SECONDS:
        return hit[2]
    ref = (people_reference(s, rt, today, policies.active()) if side == "profiles"
           else postings_reference(s, rt, today))
    cache[side] = (today, now, ref)
    return ref


def postings_version(session: Session, today: dt.date) -> tuple:
    """The postings pool's version now: (rows, newest change, today)."""
    return (*fingerprint(session, Posting), today)


def profiles_version(session: Session, today: dt.date) -> tuple:
    """The people pool's version now: (rows, (newest change, decisions changed), today)."""
    count, newest = fingerprint(session, Profile)
    return count, (newest, _profile_generation[0]), today


def postings_ranker(session: Session, rt, today: dt.date, version: tuple | None = None):
    """(the version it was built at, ranker over the open postings), hub scores from a sample
    of the people, refreshed whenever the ranker is rebuilt: when a posting changes, and at
    least daily. A large pool being rebuilt answers with the previous one (and its version)."""
    version = version or postings_version(session, today)
    count = version[0]
    key = ("postings", *version)
    policy = policies.active()  # read here: a large pool is built in a thread without the app

    def build(s: Session):
        ranker = Ranker([posting_data(p, today) for p in open_postings(s, today)], [], encoder=rt.encoder,
                        today=today)
        people, vectors = people_reference(s, rt, today, policy)
        ranker.set_hub_reference(profiles=people, profile_vectors=vectors)
        return ranker

    return _cached_ranker(rt, key, count, build, session)


def profiles_ranker(session: Session, rt, today: dt.date, version: tuple | None = None):
    """(the version it was built at, one ranker over everyone); each request restricts it to
    the ids its actor may see. Hub scores from a sample of the open postings, refreshed when a
    profile changes and at least daily."""
    version = version or profiles_version(session, today)
    count = version[0]
    key = ("profiles", *version)
    policy = policies.active()  # read here: a large pool is built in a thread without the app

    def build(s: Session):
        rows = list(s.scalars(select(Profile).options(selectinload(Profile.categories)).order_by(Profile.id)))
        ranker = Ranker([], profiles_data(s, rows, today, policy), encoder=rt.encoder, today=today)
        posts, vectors = postings_reference(s, rt, today)
        ranker.set_hub_reference(postings=posts, posting_vectors=vectors)
        return ranker

    return _cached_ranker(rt, key, count, build, session)
