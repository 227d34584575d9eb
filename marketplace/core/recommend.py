"""Matching in the app: recommended postings for a person, ranked candidates for a posting.

ORM rows become ``matching`` dataclasses through ``core.matchdata`` (the one converter, which
also gathers the policy engine's decisions matching filters by), and a ``Ranker`` over
the current pool is cached per process, rebuilt when the pool changes (its fingerprint is
the count and the newest change time). Vectors come from the encoder's cache, which the
indexing task filled with the same texts, so a rebuild does not re-embed unchanged rows.

Who sees what: a person gets recommendations for their own profile; staff of an employer
get candidates for their own postings among people who consented to be found
(``published``) or who applied to that posting; caseworkers get candidates for any
posting among the people of their district.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from marketplace import clock, policies
from marketplace.core import eligibility
from marketplace.core.matchdata import posting_data, profile_data, profiles_data
from marketplace.core.models import OPEN_STAGES, Application, Posting, Profile, User
from marketplace.core.postings import get_posting, own_posting
from marketplace.core.profiles import get_profile, my_profile, visible_profiles
from marketplace.core.verification import require_verified
from marketplace.errors import Forbidden, NotFound
from matching import Ranker, embed_postings, embed_profiles, hub_sample

__all__ = ["posting_data", "profile_data", "recommendations", "candidates", "note_profile_change"]

_lock = threading.Lock()
# Bumped when a person's standing changed outside their profile row (a caseworker's
# hard-to-employ grant or revocation queues the profile's reindex, which calls
# ``note_profile_change``): the people pool's fingerprint includes it, so the next ranking
# is rebuilt with the engine's new decisions.
_profile_generation = [0]


def note_profile_change() -> None:
    with _lock:
        _profile_generation[0] += 1


# Pools at least this large are rebuilt in a background thread while requests keep using
# the previous ranker (stale for the rebuild's duration, tens of seconds at 100,000 rows);
# smaller pools are rebuilt in the request, which takes well under a second.
BACKGROUND_REBUILD_MIN = 5000


def _cached_ranker(rt, key, size: int, build, session: Session):
    """One ranker per pool scope (key minus its fingerprint), replaced when the fingerprint
    (count, newest change, today) moves on. ``build(session)`` makes a new one."""
    cache = rt.__dict__.setdefault("_rankers", {})
    scope, fingerprint = key[:-3], key[-3:]
    with _lock:
        entry = cache.get(scope)
        if entry is not None and entry["fingerprint"] == fingerprint:
            return entry["ranker"]
        if entry is not None and size >= BACKGROUND_REBUILD_MIN:
            if not entry.get("rebuilding"):
                entry["rebuilding"] = True
                threading.Thread(target=_rebuild, args=(cache, scope, fingerprint, build, session.get_bind()),
                                 daemon=True, name=f"ranker-{scope[0]}").start()
            return entry["ranker"]
    ranker = build(session)
    with _lock:
        cache[scope] = {"fingerprint": fingerprint, "ranker": ranker}
    return ranker


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


def _fingerprint(session: Session, model) -> tuple:
    """What a pool is built from, as (rows, newest change) over the whole table: any insert,
    deletion or change (publishing and closing included) moves it. Asked on every request,
    so it is two index lookups (``updated_at`` is indexed; a row count reads the smallest
    index), about 1 ms at 100,000 rows, where one combined aggregate over the published
    rows cost 66 ms, more than the ranking itself."""
    count = session.scalar(select(func.count()).select_from(model))
    return count, session.scalar(select(func.max(model.updated_at)))


def _open_postings(s: Session, today: dt.date) -> list[Posting]:
    stmt = select(Posting).where(Posting.status == "published").options(selectinload(Posting.organisation))
    return [p for p in s.scalars(stmt.order_by(Posting.id)) if p.is_open(today)]


def _people_reference(s: Session, rt, today: dt.date, policy):
    """The sample of people a posting's hub score is averaged over (``matching.hub_sample``
    of everyone, in id order: the sample a two-sided ranker over the same pool takes), with
    their vectors; the app's rankers are one-sided, so without it production would rank
    without the hub discount that ``matching.evaluate`` measures (issue 17, item 3)."""
    ids = list(s.scalars(select(Profile.id).order_by(Profile.id)))
    pick = [ids[i] for i in hub_sample(len(ids))]
    rows = list(s.scalars(select(Profile).options(selectinload(Profile.categories))
                          .where(Profile.id.in_(pick)).order_by(Profile.id)))
    ref = profiles_data(s, rows, today, policy)
    return ref, embed_profiles(ref, rt.encoder)


def _postings_reference(s: Session, rt, today: dt.date):
    """The sample of open postings a person's hub score is averaged over, with their vectors."""
    rows = _open_postings(s, today)
    ref = [posting_data(rows[i], today) for i in hub_sample(len(rows))]
    return ref, embed_postings(ref, rt.encoder)


def _postings_ranker(session: Session, rt, today: dt.date):
    """Open postings, with hub scores from a sample of the people (``_people_reference``).
    The hub scores are refreshed whenever the ranker is rebuilt: when a posting changes, and
    at least daily (``today`` is in the fingerprint)."""
    count, newest = _fingerprint(session, Posting)
    key = ("postings", count, newest, today)
    policy = policies.active()  # read here: a large pool is built in a thread without the app

    def build(s: Session):
        ranker = Ranker([posting_data(p, today) for p in _open_postings(s, today)], [], encoder=rt.encoder,
                        today=today)
        people, vectors = _people_reference(s, rt, today, policy)
        ranker.set_hub_reference(profiles=people, profile_vectors=vectors)
        return ranker

    return _cached_ranker(rt, key, count, build, session)


def _visible_people(actor: User, posting: Posting):
    """Ids of the people the actor may see ranked for ``posting``: those the actor may see
    at all (``profiles.visible_profiles``); for an employer, of those the consenting ones
    and this posting's applicants."""
    stmt = select(Profile.id).where(visible_profiles(actor))
    if actor.role in ("caseworker", "admin"):
        return stmt
    applied = select(Application.profile_id).where(Application.posting_id == posting.id)
    return stmt.where(or_(Profile.published.is_(True), Profile.id.in_(applied)))


def _profiles_ranker(session: Session, rt, today: dt.date):
    """One ranker over everyone; each request restricts it to the ids its actor may see.
    Hub scores from a sample of the open postings (``_postings_reference``), refreshed when a
    profile changes and at least daily."""
    count, newest = _fingerprint(session, Profile)
    key = ("profiles", count, (newest, _profile_generation[0]), today)
    policy = policies.active()  # read here: a large pool is built in a thread without the app

    def build(s: Session):
        rows = list(s.scalars(select(Profile).options(selectinload(Profile.categories)).order_by(Profile.id)))
        ranker = Ranker([], profiles_data(s, rows, today, policy), encoder=rt.encoder, today=today)
        posts, vectors = _postings_reference(s, rt, today)
        ranker.set_hub_reference(postings=posts, posting_vectors=vectors)
        return ranker

    return _cached_ranker(rt, key, count, build, session)


def _item_dict(item) -> dict:
    e = item.explanation
    d = {"rank": item.rank, "score": round(item.score, 4), "eligible": item.eligible}
    if e is not None:
        d.update(matched_skills=e.matched_skills, missing_skills=e.missing_skills,
                 reasons={"zh": e.reasons_zh, "en": e.reasons_en}, gaps={"zh": e.gaps_zh, "en": e.gaps_en},
                 reason_codes=[r["code"] for r in e.reasons], gap_codes=[g["code"] for g in e.gaps])
    if item.ineligible:
        d["ineligible"] = item.ineligible
    return d


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
    ranker = _postings_ranker(session, rt, today)
    candidates = None
    if kind:
        candidates = [pd.id for pd in ranker.postings.items if pd.kind == kind]
    page = ranker.rank_postings_for(profile_data(profile, today), offset=offset, limit=limit, candidates=candidates,
                                    include_ineligible=include_ineligible)
    rows = {p.id: p for p in session.scalars(select(Posting).options(selectinload(Posting.organisation))
                                             .where(Posting.id.in_([int(i.id) for i in page.items])))}
    verdicts = eligibility.for_postings(session, profile, list(rows.values()), today)
    return {"total": page.total, "excluded": page.excluded, "offset": offset, "limit": limit,
            "items": [dict(_item_dict(i), posting=rows[int(i.id)], eligibility=verdicts[int(i.id)].to_json())
                      for i in page.items if int(i.id) in rows]}


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
    ranker = _profiles_ranker(session, rt, today)
    stmt = _visible_people(actor, posting)
    if district:
        stmt = stmt.where(Profile.district == district)
    cands = [str(i) for i in session.scalars(stmt)]
    page = ranker.rank_profiles_for(posting_data(posting, today), offset=offset, limit=limit, candidates=cands,
                                    include_ineligible=include_ineligible)
    rows = {p.id: p for p in session.scalars(select(Profile).where(Profile.id.in_([int(i.id) for i in page.items])))}
    refused = [rows[int(i.id)] for i in page.items if not i.eligible and int(i.id) in rows]
    facts = eligibility.decide_people(session, refused, today) if refused else {}
    return {"total": page.total, "excluded": page.excluded, "offset": offset, "limit": limit,
            "items": [dict(_item_dict(i), profile=rows[int(i.id)], **_refused(facts, rows[int(i.id)], posting))
                      for i in page.items if int(i.id) in rows],
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
