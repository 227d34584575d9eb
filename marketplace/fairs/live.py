"""What the live pages of a fair show: booths and postings ranked for a checked-in person,
people ranked for a booth with its queue, and the hall's board (counts, latest check-ins,
interviews under way, intents to hire; names shortened on a public screen).
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from marketplace import clock
from marketplace.core.models import Organisation, Posting, Profile, User
from marketplace.core.verification import require_verified
from marketplace.documents import mask_name
from marketplace.errors import Forbidden, NotFound
from marketplace.fairs.booths import booth_to_dict, checked_in_where, fair_to_dict, get_fair, my_registration, own_booth
from marketplace.fairs.interviews import booth_interviews, interview_to_dict
from marketplace.fairs.matchers import explanation_dict, live_state, matcher
from marketplace.fairs.models import Booth, FairRegistration, Interview


def person_view(session: Session, actor: User, encoder, fair_id: int, limit: int = 20) -> dict:
    """What a checked-in person sees: booths and postings ranked for them, with reasons."""
    if actor.role != "person":
        raise Forbidden("只有求职者有个人推荐", "only job seekers have personal rankings")
    fair = get_fair(session, actor, fair_id)
    reg = my_registration(session, actor, fair_id)
    if reg is None:
        raise NotFound("您的报名（请先报名）", "your registration (register first)")
    out = {"fair": fair_to_dict(fair), "registered": True, "checked_in": reg.checked_in_at is not None,
           "booths": [], "postings": []}
    if reg.checked_in_at is None:
        return out
    m = matcher(session, encoder, fair)
    pid = str(reg.profile_id)
    ranking = m.for_person(pid, limit=limit)
    explained = {i.id: i for i in m.explain(pid, [p for p, _ in ranking.postings], limit=limit)}
    posts = {p.id: p for p in session.scalars(select(Posting).where(
        Posting.id.in_([int(p) for p, _ in ranking.postings] or [0])).options(joinedload(Posting.organisation)))}
    booths = {b.id: b for b in session.execute(select(Booth.id, Booth.place, Organisation.name.label("organisation"))
                                               .join(Organisation, Organisation.id == Booth.organisation_id)
                                               .where(Booth.fair_id == fair.id, Booth.status == "approved"))}
    for post_id, score in ranking.postings:
        p = posts.get(int(post_id))
        if p is None:
            continue
        item = explained.get(post_id)
        out["postings"].append({"id": p.id, "title": p.title, "kind": p.kind, "score": round(score, 3),
                                "booth_id": m.booth_of.get(post_id), "organisation": p.organisation.name,
                                "explanation": explanation_dict(item) if item else {}})
    for booth_id, score, best in ranking.booths:
        b = booths.get(booth_id)
        if b is None:
            continue
        out["booths"].append({"id": b.id, "organisation": b.organisation, "place": b.place,
                              "score": round(score, 3), "best_posting_id": int(best)})
    return out


def booth_view(session: Session, actor: User, encoder, fair_id: int, booth_id: int, limit: int = 30) -> dict:
    """What a booth sees: the checked-in people ranked for its postings, with reasons, and its queue."""
    booth = own_booth(session, actor, fair_id, booth_id)
    require_verified(actor)  # the ranked people are people: not for an organisation whose verification was withdrawn
    fair = get_fair(session, actor, fair_id)
    ivs = booth_interviews(session, booth.id)
    out = {"fair": fair_to_dict(fair), "booth": booth_to_dict(booth), "people": [],
           "interviews": [interview_to_dict(i, fair) for i in ivs]}
    if booth.status != "approved":
        return out
    live = live_state(session, encoder, fair)
    rows = live.matcher.for_booth(booth.id, limit=limit)
    profiles = {p.id: p for p in session.scalars(select(Profile).where(
        Profile.id.in_([int(p) for p, _, _ in rows] or [0])))}
    asked = {i.profile_id: i for i in ivs}
    mine = tuple(str(p) for p in booth.posting_ids)
    for pid, score, post_id in rows:
        prof = profiles.get(int(pid))
        if prof is None:
            continue
        iv = asked.get(prof.id)
        out["people"].append({"profile_id": prof.id, "name": prof.name, "district": prof.district,
                              "education": prof.education, "skills": list(prof.skills)[:8],
                              "score": round(score, 3), "posting_id": int(post_id),
                              "explanation": live.best_reason(pid, mine),
                              "interview": {"id": iv.id, "status": iv.status, "slot": iv.slot} if iv else None})
    return out


def board(session: Session, fair_id: int) -> dict:
    """The hall screen: counts, latest check-ins, interviews in the current slot, intents to hire.
    Names are masked (``赵**``, ``documents.mask_name``) on a public screen. Counted in the database; only the
    rows shown are loaded."""
    fair = get_fair(session, None, fair_id)
    R, I = FairRegistration, Interview
    registered, arrived = session.execute(select(func.count(), func.count(R.checked_in_at))
                                          .where(R.fair_id == fair.id)).one()
    latest = session.execute(select(Profile.name, R.checked_in_at).join(Profile, Profile.id == R.profile_id)
                             .where(*checked_in_where(fair.id))
                             .order_by(R.checked_in_at.desc(), R.id).limit(8)).all()
    by_status = dict(session.execute(select(I.status, func.count()).where(I.fair_id == fair.id)
                                     .group_by(I.status)).all())
    with_intent = (I.fair_id == fair.id, I.outcome.in_(("intent", "offer", "hired")))
    intents = session.scalar(select(func.count()).select_from(I).where(*with_intent))
    shown = (joinedload(I.booth).joinedload(Booth.organisation), joinedload(I.profile))
    now = session.scalars(select(I).where(I.fair_id == fair.id, I.status == "confirmed", I.slot == fair.current_slot)
                          .options(*shown).order_by(I.id)).all()
    intent_list = session.scalars(select(I).where(*with_intent).options(*shown)
                                  .order_by(I.updated_at.desc(), I.id).limit(8)).all()
    return {
        "fair": fair_to_dict(fair),
        "registered": registered, "checked_in": arrived,
        "booths": session.scalar(select(func.count()).select_from(Booth).where(Booth.fair_id == fair.id,
                                                                               Booth.status == "approved")),
        "requested": by_status.get("requested", 0), "confirmed": by_status.get("confirmed", 0),
        "done": by_status.get("done", 0), "intents": intents,
        "latest": [{"name": mask_name(name), "at": clock.local_time(at)} for name, at in latest],
        "now": [{"booth": i.booth.organisation.name, "place": i.booth.place, "name": mask_name(i.profile.name)}
                for i in now],
        "intent_list": [{"booth": i.booth.organisation.name, "name": mask_name(i.profile.name), "outcome": i.outcome}
                        for i in intent_list],
    }
