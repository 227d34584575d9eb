"""Matching in the app: recommended postings for a person, ranked candidates for a posting.

ORM rows become ``matching`` dataclasses through ``core.matchdata`` (the one converter, which
also gathers the policy engine's decisions matching filters by). The ranking comes from the
shared snapshot of the pool and this process's delta (``core.pool_serving``), from the
process's own pool before the first snapshot exists (``core.rank_pools``), or, past
``MARKETPLACE_RANKER_POOL_MAX`` rows or with Elasticsearch, from the search backend's top K
re-ranked (``core.scaleout``); ``_source`` chooses. Over a pool, the first page is ranked over
matching's cheap retrieval (``retrieve_k``: top K by vector and by BM25, then the full ranker;
``total`` still counts every match). A ranked page (ids, scores, reasons) is kept per (person
or posting, pool version, page, reader's scope) in ``core.rank_cache``; the rows shown are
read per request, for the page only.

Who sees what: a person gets recommendations for their own profile; staff of an employer
get candidates for their own postings among people who consented to be found
(``published``) or who applied to that posting; caseworkers get candidates for any
posting among the people of their district.
"""
from __future__ import annotations

import datetime as dt
import threading

import numpy as np
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from marketplace import clock, policies
from marketplace.core import eligibility, pool_serving, pool_snapshots, rank_pools, scaleout
from marketplace.core.matchdata import decided, posting_data, profile_data
from marketplace.core.models import OPEN_STAGES, Application, Posting, Profile, User
from marketplace.core.postings import get_posting, own_posting
from marketplace.core.profiles import get_profile, my_profile, visible_profiles
from marketplace.core.rank_cache import cache_of, digest
from marketplace.core.rank_pools import (
    BACKGROUND_REBUILD_MIN,
    postings_ranker,
    postings_version,
    profiles_ranker,
    profiles_version,
)
from marketplace.core.verification import require_verified
from marketplace.errors import Forbidden, NotFound
from matching.topk import RETRIEVE_K
from search.cache import LRU

__all__ = ["posting_data", "profile_data", "recommendations", "candidates", "note_profile_change"]

KIND_CODES = {"job": 0, "internship": 1, "public_welfare": 2}


def note_profile_change(profile_id: int | None = None) -> None:
    """A person's standing changed, perhaps outside their profile row (a caseworker's
    hard-to-employ grant queues their reindex, which calls this): this process's people pool
    is rebuilt, and the id goes to the snapshots' change log, which every process's delta reads."""
    rank_pools.note_profile_change()
    if profile_id is not None:
        pool_snapshots.note_profile_change(clock.current_config(), profile_id)


def _postings_ranker(session: Session, rt, today: dt.date):
    """The process's ranker over the open postings (tests compare it with the evaluation's)."""
    return postings_ranker(session, rt, today)[1]


def _profiles_ranker(session: Session, rt, today: dt.date):
    return profiles_ranker(session, rt, today)[1]


def _item_dict(item) -> dict:
    e = item.explanation
    d = {"id": item.id, "rank": item.rank, "score": round(item.score, 4), "eligible": item.eligible}
    if e is not None:
        d.update(matched_skills=e.matched_skills, missing_skills=e.missing_skills,
                 reasons={"zh": e.reasons_zh, "en": e.reasons_en}, gaps={"zh": e.gaps_zh, "en": e.gaps_en},
                 reason_codes=[r["code"] for r in e.reasons], gap_codes=[g["code"] for g in e.gaps])
    if item.ineligible:
        d["ineligible"] = item.ineligible
    return d


def _page(page) -> dict:
    """A ranked page as the cache keeps it: plain data, no rows."""
    return {"total": page.total, "excluded": page.excluded, "items": [_item_dict(i) for i in page.items]}


def _kind_ids(ranker, kind: str) -> list[str]:
    ids = ranker.postings.ids
    return [ids[j] for j in np.flatnonzero(np.asarray(ranker.postings.kind) == KIND_CODES.get(kind, -1))]


def _source(session: Session, rt, side: str, today: dt.date) -> tuple:
    """Where ``side``'s ranking comes from now, as the version ranked pages are cached under:
    ("search", fingerprint) past the pool limit (``core.scaleout``), ("snapshot", version,
    fingerprint) from the shared snapshot and its delta (``core.pool_serving``), or ("pool",
    fingerprint) from the process's own ranker (``core.rank_pools``; no snapshot yet). While
    the first snapshot of a large pool is being built, the search path answers, so no process
    builds a large pool of its own."""
    if side == "postings":
        fp = postings_version(session, today)
    else:
        fp = (*profiles_version(session, today), pool_snapshots.changes_size(rt.config))
    if scaleout.uses_search(rt, fp[0]):
        return "search", fp
    version = pool_serving.current(rt.config, side)
    if version is not None:
        return "snapshot", version, fp
    if pool_snapshots.enabled(rt.config) and fp[0] >= BACKGROUND_REBUILD_MIN:
        return "search", fp
    return "pool", fp


def _ranker(session: Session, rt, side: str, source: tuple, today: dt.date):
    """(the version it was built at, ranker) for a "snapshot" or "pool" source."""
    if source[0] == "snapshot":
        served = (pool_serving.postings if side == "postings" else pool_serving.profiles)(session, rt, today,
                                                                                          source[2])
        if served is not None:
            return served
    fp = source[-1]
    built, ranker = (postings_ranker if side == "postings" else profiles_ranker)(session, rt, today, fp[:3])
    return ("pool", (*built, *fp[3:])), ranker


def _ranked_postings(session: Session, rt, pd, today: dt.date, kind, offset: int, limit: int,
                     include_ineligible: bool) -> dict:
    """The person's ranked page, from the cache when the person (as ranking reads them: profile
    and the engine's decisions) and the postings pool are what it was computed for."""
    source = _source(session, rt, "postings", today)
    key = ("rec", pd.id, digest(pd), source, kind, offset, limit, include_ineligible)
    cache = cache_of(rt)
    hit = cache.get(key)
    if hit is not None:
        return hit
    if source[0] == "search":
        page = scaleout.postings_for(session, rt, pd, today, kind=kind, offset=offset, limit=limit,
                                     include_ineligible=include_ineligible)
        built = source
    else:
        built, ranker = _ranker(session, rt, "postings", source, today)
        page = ranker.rank_postings_for(pd, offset=offset, limit=limit, include_ineligible=include_ineligible,
                                        candidates=_kind_ids(ranker, kind) if kind else None, retrieve_k=RETRIEVE_K)
    result = _page(page)
    if built == source:  # a pool being rebuilt, or a snapshot swapped meanwhile: not kept
        cache.put(key, result)
    return result


def recommendations(session: Session, rt, actor: User, profile_id: int, offset: int = 0, limit: int = 20,
                    kind: str | None = None, today: dt.date | None = None, include_ineligible: bool = True) -> dict:
    """Open postings ranked for a person, each with reasons and gaps. The posts the person
    may not take (R1, R8, R14 as ``core.eligibility`` decides them, or the post's own age or
    gender limit) follow the ranked ones, each with ``eligible: false`` and the reason, so
    nobody is left wondering why the internships are missing (docs/eligibility.md);
    ``include_ineligible=False`` leaves them out. ``total`` counts the ranked ones,
    ``excluded`` the others."""
    today = today or clock.today()
    if actor.role == "person":
        own = my_profile(session, actor)
        if own is None or own.id != profile_id:
            raise NotFound("求职者档案", "profile")
        profile = own
    elif actor.role in ("caseworker", "admin"):
        profile = get_profile(session, actor, profile_id)
    else:
        raise Forbidden()
    policy = policies.in_force(today, session)
    facts = eligibility.decide_people(session, [profile], today, policy)[profile.id]  # once, for both uses
    page = _ranked_postings(session, rt, profile_data(profile, today, decided(facts)), today, kind, offset, limit,
                            include_ineligible)
    ids = [int(i["id"]) for i in page["items"]]
    rows = {p.id: p for p in session.scalars(select(Posting).options(selectinload(Posting.organisation))
                                             .where(Posting.id.in_(ids)))}
    verdicts = {p.id: eligibility.verdict(facts, p.kind, p.target_group or None, policy) for p in rows.values()}
    return {"total": page["total"], "excluded": page["excluded"], "offset": offset, "limit": limit,
            "items": [dict(_shown(i), posting=rows[int(i["id"])], eligibility=verdicts[int(i["id"])].to_json())
                      for i in page["items"] if int(i["id"]) in rows]}


def _shown(item: dict) -> dict:
    return {k: v for k, v in item.items() if k != "id"}


def _visible_people(actor: User, posting: Posting):
    """Ids of the people the actor may see ranked for ``posting``: those the actor may see
    at all (``profiles.visible_profiles``); for an employer, of those the consenting ones
    and this posting's applicants."""
    stmt = select(Profile.id).where(visible_profiles(actor))
    if actor.role in ("caseworker", "admin"):
        return stmt
    applied = select(Application.profile_id).where(Application.posting_id == posting.id)
    return stmt.where(or_(Profile.published.is_(True), Profile.id.in_(applied)))


def _scope(session: Session, actor: User, posting: Posting) -> tuple:
    """What decides whom ``actor`` may see ranked for ``posting`` besides the people pool
    (whose version covers consent and districts): a cached list is shared only within it."""
    if actor.role == "admin":
        return ("admin",)
    if actor.role == "caseworker":
        return ("caseworker", actor.district, actor.id)
    apps = session.execute(select(func.count(), func.max(Application.id), func.max(Application.updated_at))
                           .where(Application.posting_id == posting.id)).one()
    return (actor.role, actor.organisation_id, tuple(apps))


def _ranked_people(session: Session, rt, actor: User, posting: Posting, today: dt.date, district, offset: int,
                   limit: int, include_ineligible: bool) -> dict:
    pd = posting_data(posting, today)
    source = _source(session, rt, "profiles", today)
    key = ("cand", posting.id, posting.updated_at, digest(pd), source, _scope(session, actor, posting), district,
           offset, limit, include_ineligible)
    cache = cache_of(rt)
    hit = cache.get(key)
    if hit is not None:
        return hit
    if source[0] == "search":
        page = scaleout.profiles_for(session, rt, posting, _visible_people(actor, posting), today,
                                     district=district, offset=offset, limit=limit,
                                     include_ineligible=include_ineligible)
        built = source
    else:
        built, ranker = _ranker(session, rt, "profiles", source, today)
        cands = _visible_ids(session, rt, actor, posting, source, district)
        page = ranker.rank_profiles_for(pd, offset=offset, limit=limit, candidates=cands,
                                        include_ineligible=include_ineligible, retrieve_k=RETRIEVE_K)
    result = _page(page)
    if built == source:
        cache.put(key, result)
    return result


#: sets of visible ids kept per process (``_visible_ids``): ~0.8 MB each at 100,000 people
VISIBLE_IDS_ENTRIES = 16
_visible_lock = threading.Lock()


def _visible_ids(session: Session, rt, actor: User, posting: Posting, source: tuple, district) -> np.ndarray:
    """The ids of ``_visible_people(actor, posting)`` (in ``district`` when given), sorted.

    Reading them took ~58 ms a request at 100,000 people on SQLite, so the part shared by
    every posting the reader ranks is kept per process under the people pool's version
    (``source``: any profile written, added or removed, consent and district included, makes
    a new one) and the reader's scope, in a small LRU: everyone the rule lets an admin or a
    caseworker see; for employer staff, the consenting people as their rule lets them see
    them, to which this posting's own applicants are added per request (a few rows)."""
    extra = None
    if actor.role in ("employer", "agency"):
        scope = (actor.role, actor.organisation_id)
        base = select(Profile.id).where(visible_profiles(actor), Profile.published.is_(True))
        applied = select(Application.profile_id).where(Application.posting_id == posting.id)
        extra = select(Profile.id).where(visible_profiles(actor), Profile.id.in_(applied))
    else:
        scope = (actor.role, actor.district, actor.id)
        base = _visible_people(actor, posting)
    if district:
        base = base.where(Profile.district == district)
        extra = extra.where(Profile.district == district) if extra is not None else None
    key = (source, scope, district)
    cache = rt.__dict__.get("_visible_ids")
    if cache is None:
        with _visible_lock:
            cache = rt.__dict__.setdefault("_visible_ids", LRU(VISIBLE_IDS_ENTRIES))
    ids = cache.get(key)
    if ids is None:
        ids = np.sort(_ids(session, base))
        cache.put(key, ids)
    if extra is not None:
        ids = np.union1d(ids, _ids(session, extra))
    return ids


def _ids(session: Session, stmt) -> np.ndarray:
    """The ids a ``select(<id column>)`` returns, as an int64 array, read through the DBAPI
    cursor: a posting's candidates are everyone the reader may see (100,000 people at a city's
    scale), and the ORM's rows, then a list of strings, cost ~170 ms per request (~60 ms now)."""
    conn = session.connection()
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = tuple(compiled.params[n] for n in compiled.positiontup) if compiled.positiontup else compiled.params
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        return np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)
    finally:
        cursor.close()


def candidates(session: Session, rt, actor: User, posting_id: int, offset: int = 0, limit: int = 20,
               include_ineligible: bool = False, district: str | None = None, today: dt.date | None = None) -> dict:
    """People ranked for a posting, each with reasons and gaps; hard filters first."""
    today = today or clock.today()
    if actor.role in ("employer", "agency"):
        posting = own_posting(session, actor, posting_id)
        require_verified(actor)
    elif actor.role in ("caseworker", "admin"):
        posting = get_posting(session, actor, posting_id)
    else:
        raise Forbidden()
    page = _ranked_people(session, rt, actor, posting, today, district, offset, limit, include_ineligible)
    ids = [int(i["id"]) for i in page["items"]]
    # read through the reader's visibility again: a cached page never shows someone hidden since
    rows = {p.id: p for p in session.scalars(select(Profile).where(Profile.id.in_(ids),
                                                                   Profile.id.in_(_visible_people(actor, posting))))}
    refused = [rows[int(i["id"])] for i in page["items"] if not i["eligible"] and int(i["id"]) in rows]
    facts = eligibility.decide_people(session, refused, today) if refused else {}
    return {"total": page["total"], "excluded": page["excluded"], "offset": offset, "limit": limit,
            "items": [dict(_shown(i), profile=rows[int(i["id"])], **_refused(facts, rows[int(i["id"])], posting))
                      for i in page["items"] if int(i["id"]) in rows],
            "ineligible_applicants": ineligible_applicants(session, posting, today)}


def _refused(facts: dict, profile: Profile, posting: Posting) -> dict:
    """``eligibility`` (label and reason) for a person the hard filters left out."""
    if profile.id not in facts:
        return {}
    return {"eligibility": eligibility.verdict(facts[profile.id], posting.kind, posting.target_group or None).to_json()}


def ineligible_applicants(session: Session, posting: Posting, today: dt.date) -> list[dict]:
    """The people with an open application to ``posting`` whom ``core.eligibility`` refuses
    today (R1, R8, R14), each with the list's label (不符合见习补贴条件 …) and the reason.
    They are not ranked (they could not be hired), but the employer sees them and why;
    refused people who did not apply stay hidden, their reasons being their own records."""
    apps = list(session.scalars(select(Application).options(selectinload(Application.profile))
                                .where(Application.posting_id == posting.id, Application.stage.in_(OPEN_STAGES))
                                .order_by(Application.id)))
    if not apps or (posting.kind == "job" and not posting.target_group):
        return []
    facts = eligibility.decide_people(session, [a.profile for a in apps], today)
    out = []
    for a in apps:
        v = eligibility.verdict(facts[a.profile_id], posting.kind, posting.target_group or None)
        if not v.allowed:
            out.append({"profile": a.profile, "application_id": a.id, "stage": a.stage, "eligible": False,
                        "eligibility": v.to_json()})
    return out
