"""Referrals (职业介绍) of a person to a posting and their outcomes. A referral that ends in
a hire ends the person's open registration; one that ends ``not_hired`` counts towards
R8's failed referrals (see ``hard_to_employ``)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.core import audit
from marketplace.core.models import Posting, Profile, User
from marketplace.core.profiles import visible_profiles
from marketplace.errors import Conflict, NotFound, ValidationFailed
from marketplace.welfare.common import _staff, add_unique, served_row, staff_profile
from marketplace.welfare.models import REFERRAL_OUTCOMES, Referral
from marketplace.welfare.registrations import _end, open_registration


def refer(session: Session, actor: User, profile_id: int, posting_id: int, note: str = "",
          today: dt.date | None = None) -> Referral:
    today = today or clock.today()
    profile = staff_profile(session, actor, profile_id)
    posting = session.get(Posting, posting_id)
    if posting is None or posting.status == "draft":
        raise NotFound("岗位", "posting")
    if not posting.is_open(today):
        raise Conflict("该岗位目前不接受申请，不能介绍", "this posting is not open now; it cannot be referred to",
                       field="posting_id")
    if session.scalar(select(Referral.id).where(Referral.profile_id == profile.id, Referral.posting_id == posting.id)):
        raise Conflict("已向该岗位介绍过此人", "this person has already been referred to this posting",
                       field="posting_id")
    ref = Referral(profile_id=profile.id, posting_id=posting.id, referred_by_id=actor.id, referred_on=today, note=note)
    add_unique(session, ref, Conflict("已向该岗位介绍过此人", "this person has already been referred to this posting",
                                      field="posting_id"))
    audit.record(session, actor, "referral", ref.id, "create", after={"posting_id": posting.id}, reason=note)
    return ref


def get_referral(session: Session, actor: User, referral_id: int, lock: bool = False) -> Referral:
    """A referral of a person of the actor's district (404 for others)."""
    return served_row(session, actor, Referral, referral_id, lambda r: r.profile.district, ("介绍记录", "referral"),
                      lock=lock)


def record_outcome(session: Session, actor: User, referral_id: int, outcome: str, note: str = "",
                   on: dt.date | None = None, today: dt.date | None = None) -> Referral:
    today = today or clock.today()
    ref = get_referral(session, actor, referral_id, lock=True)
    if ref.outcome is not None:
        raise Conflict(f"该介绍的结果已记录（{ref.outcome}）", f"the outcome is already recorded ({ref.outcome})",
                       field="outcome")
    if outcome not in REFERRAL_OUTCOMES:
        raise ValidationFailed("结果应为已录用、未录用或本人拒绝", "outcome must be hired, not_hired or refused",
                               field="outcome")
    on = on or today
    if not ref.referred_on <= on <= today:
        raise ValidationFailed("结果日期应在介绍日期和今天之间", "the outcome date must be between the referral and today",
                               field="outcome_on")
    ref.outcome, ref.outcome_on, ref.outcome_note, ref.outcome_by_id = outcome, on, note, actor.id
    if outcome == "hired":
        reg = open_registration(session, ref.profile_id)
        if reg is not None:
            _end(session, actor, reg, on, "hired_in_system", f"referral #{ref.id}, posting #{ref.posting_id}")
    session.flush()
    audit.record(session, actor, "referral", ref.id, "outcome", after={"outcome": outcome}, reason=note)
    return ref


def referrals_for(actor: User, pending: bool = False, profile_id: int | None = None):
    _staff(actor)
    stmt = select(Referral).join(Profile, Referral.profile_id == Profile.id).order_by(Referral.referred_on,
                                                                                     Referral.id)
    stmt = stmt.where(visible_profiles(actor))
    if pending:
        stmt = stmt.where(Referral.outcome.is_(None))
    if profile_id is not None:
        stmt = stmt.where(Referral.profile_id == profile_id)
    return stmt


def referral_to_dict(ref: Referral) -> dict:
    return {"id": ref.id, "profile_id": ref.profile_id, "name": ref.profile.name, "posting_id": ref.posting_id,
            "posting": ref.posting.title, "referred_on": ref.referred_on.isoformat(), "note": ref.note,
            "outcome": ref.outcome, "outcome_on": ref.outcome_on.isoformat() if ref.outcome_on else None,
            "outcome_note": ref.outcome_note}


def referrals(session: Session, actor: User, **filters) -> list[Referral]:
    """The referrals ``referrals_for`` selects, as a list (for a page)."""
    return list(session.scalars(referrals_for(actor, **filters)))


def open_postings(session: Session, today: dt.date, limit: int = 200) -> list[Posting]:
    """Postings a person can be referred to today (the newest ``limit`` published, open ones)."""
    rows = session.scalars(select(Posting).where(Posting.status == "published").order_by(Posting.id.desc())
                           .limit(limit))
    return [p for p in rows if p.is_open(today)]
