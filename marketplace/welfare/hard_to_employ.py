"""Hard-to-employ status (就业困难人员, R8): the engine's decision for a person from the
records, a caseworker's grant (registered, or the R8 reference status) and its revocation.

Readings (**[choice]**):

* R8 failed referrals are referrals with outcome ``not_hired``; a person who *refused*
  the suitable work did not "accept" the referral, so ``refused`` does not count.
  Continuous unemployment counts from the open registration's date. A reference
  category comes from a *confirmed* profile category: ``veteran`` with the set's
  category name as its detail (e.g. 自主就业退役士兵), ``model_worker`` (county level or
  above is what the caseworker confirms), ``landless_farmer``.
* Eligibility for a public-welfare post (R8) is decided when it is asked (the placement
  queue, ``hooks.public_welfare_decisions``): an open hard-to-employ status confirmed by a
  caseworker, or the reference conditions holding on the day.
* A grant or a revocation queues the profile for re-indexing after the commit, so
  matching reads the new status.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, selectinload

from marketplace import clock
from marketplace.core import audit
from marketplace.core.models import Profile, User
from marketplace.db import after_commit
from marketplace.errors import Conflict, ValidationFailed
from marketplace.policy import Decision, HardToEmployFacts, hard_to_employ_reference
from marketplace.welfare.common import _require, _who, policy, served_row, staff_profile, stamped
from marketplace.welfare.models import HardToEmployStatus, Referral, Registration


def open_hte(session: Session, profile_id: int) -> HardToEmployStatus | None:
    return session.scalar(select(HardToEmployStatus).where(HardToEmployStatus.profile_id == profile_id,
                                                           HardToEmployStatus.revoked_on.is_(None)))


def reference_category(pset, profile: Profile) -> tuple[str | None, str | None]:
    """(R8 reference category code, record) from a confirmed profile category."""
    cats = {c.category: c for c in profile.categories if c.confirmed_at is not None}
    codes = {c.code: c for c in pset.rule("R8").categories}
    for name, code in (("model_worker", "model_worker_county_plus"), ("landless_farmer", "landless_farmer")):
        if name in cats and code in codes:
            return code, f"档案类别「{_CATEGORY_ZH[name]}」，{_who(cats[name].confirmed_by)}确认"
    if "veteran" in cats:
        detail = cats["veteran"].detail
        code = next((c.code for c in codes.values() if c.code.startswith("veteran") and c.zh == detail), None)
        if code:
            return code, f"档案类别「退役军人（{detail}）」，{_who(cats['veteran'].confirmed_by)}确认"
    return None, None


_CATEGORY_ZH = {"model_worker": "县级以上劳动模范", "landless_farmer": "失地农民"}


@dataclass(frozen=True)
class Known:
    """What ``hte_decision`` reads of one person, gathered for many at once (:func:`gather`)."""
    registration: Registration | None
    status: HardToEmployStatus | None
    #: every referral of the person that ended not hired, by id
    failed: tuple[Referral, ...]


GATHER_CHUNK = 500  # ids per IN list


def gather(session: Session, profiles) -> dict[int, Known]:
    """The open registration, open hard-to-employ status and failed referrals of each of
    ``profiles``, in three queries per 500 people, and their profile categories loaded: the
    placement queue and ``hooks.public_welfare_decisions`` decide for many people (a
    posting's candidates, the daily outreach over everyone), and asking per person took
    ~5 ms each, 194 s for 100,000 people."""
    ids = [p.id for p in profiles]
    regs: dict[int, Registration] = {}
    statuses: dict[int, HardToEmployStatus] = {}
    failed: dict[int, list[Referral]] = {}
    for i in range(0, len(ids), GATHER_CHUNK):
        chunk = ids[i:i + GATHER_CHUNK]
        for r in session.scalars(select(Registration).where(Registration.profile_id.in_(chunk),
                                                            Registration.ended_on.is_(None))):
            regs[r.profile_id] = r  # at most one open per person (a unique partial index)
        for st in session.scalars(select(HardToEmployStatus).where(HardToEmployStatus.profile_id.in_(chunk),
                                                                   HardToEmployStatus.revoked_on.is_(None))):
            statuses[st.profile_id] = st
        for ref in session.scalars(select(Referral).where(Referral.profile_id.in_(chunk), Referral.outcome == "not_hired")
                                   .order_by(Referral.id)):
            failed.setdefault(ref.profile_id, []).append(ref)
        unloaded = [p for p in profiles[i:i + GATHER_CHUNK] if "categories" in inspect(p).unloaded]
        if unloaded:  # fills the collections of the profiles already in the session
            session.scalars(select(Profile).options(selectinload(Profile.categories))
                            .where(Profile.id.in_([p.id for p in unloaded]))).all()
    return {i: Known(regs.get(i), statuses.get(i), tuple(failed.get(i, ()))) for i in ids}


def hte_decision(session: Session, profile: Profile, on: dt.date, pset=None,
                 as_registered: str | None = None, known: Known | None = None) -> Decision:
    """The R8 decision for a person on `on`, with the records each condition rests on
    (``known``: the person's records gathered beforehand for many people, :func:`gather`;
    gathered here for this one otherwise)."""
    pset = pset or policy()
    known = known if known is not None else gather(session, [profile])[profile.id]
    status = known.status
    if as_registered is not None or (status is not None and status.basis == "registered"):
        record = as_registered or (f"就业困难人员认定#{status.id}，{_who(status.confirmed_by)}于"
                                   f"{status.granted_on.isoformat()}确认")
        return hard_to_employ_reference(pset, HardToEmployFacts(
            registered_hard_to_employ=True, records={"registered_hard_to_employ": record}), on)
    reg = known.registration
    confirmed = reg is not None and reg.confirmed_at is not None
    code, cat_record = reference_category(pset, profile)
    fails = [r for r in known.failed if reg is None or r.referred_on >= reg.registered_on]
    none = "无有效失业登记"
    records = {"registered_unemployed": f"失业登记#{reg.id}（{reg.registered_on.isoformat()}登记"
               + ("）" if confirmed else "，尚未确认）") if reg else none,
               "unemployed_long": f"失业登记#{reg.id}，自{reg.registered_on.isoformat()}起" if reg else none,
               "no_flexible_or_self_employment": f"失业登记#{reg.id}" if reg else none,
               "failed_referrals": ("职业介绍" + "、".join(f"#{r.id}" for r in fails) + "（未录用）")
               if fails else "无未录用的介绍记录"}
    if cat_record:
        records["category"] = cat_record
    return hard_to_employ_reference(pset, HardToEmployFacts(
        category=code, registered_unemployed=confirmed, unemployed_since=reg.registered_on if reg else None,
        flexible_or_self_employed=bool(reg and reg.flexible_or_self_employed), failed_referrals=len(fails),
        records=records), on)


def evaluate_hte(session: Session, actor: User, profile_id: int, today: dt.date | None = None) -> Decision:
    profile = staff_profile(session, actor, profile_id)
    return hte_decision(session, profile, today or clock.today())


def grant_hte(session: Session, actor: User, profile_id: int, basis: str, note: str = "",
              today: dt.date | None = None) -> HardToEmployStatus:
    """A caseworker registers a hard-to-employ person, or confirms the R8 reference status."""
    today = today or clock.today()
    profile = staff_profile(session, actor, profile_id)
    if open_hte(session, profile.id) is not None:
        raise Conflict("该人员已有有效的就业困难人员身份", "this person already has a hard-to-employ status",
                       field="basis")
    pset = policy()
    if basis == "registered":
        if not note.strip():
            raise ValidationFailed("请填写认定依据（如认定证明编号）", "give the ground of the registration (e.g. the "
                                   "certificate number)", field="note")
        decision = hte_decision(session, profile, today, pset,
                                as_registered=f"{_who(actor)}于{today.isoformat()}认定：{note}")
        category = None
    elif basis == "reference":
        decision = _require(hte_decision(session, profile, today, pset), field="basis")
        category = reference_category(pset, profile)[0]
    else:
        raise ValidationFailed("依据应为 registered 或 reference", "basis must be registered or reference", field="basis")
    status = HardToEmployStatus(profile_id=profile.id, basis=basis, category=category,
                                ground=stamped(decision, pset), note=note, granted_on=today,
                                confirmed_by_id=actor.id)
    session.add(status)
    session.flush()
    after_commit(session, "marketplace.index_profile", profile.id)
    audit.record(session, actor, "hard_to_employ", status.id, "grant", after={"basis": basis, "category": category},
                 reason=note)
    return status


def get_hte(session: Session, actor: User, status_id: int) -> HardToEmployStatus:
    """A status of a person in a district the staff actor serves; 404 otherwise."""
    return served_row(session, actor, HardToEmployStatus, status_id, lambda s: s.profile.district,
                      ("就业困难人员身份", "hard-to-employ status"))


def statuses_of(session: Session, profile_id: int) -> list[HardToEmployStatus]:
    """Every hard-to-employ status of the person, newest first (the caseworker's file)."""
    return list(session.scalars(select(HardToEmployStatus).where(HardToEmployStatus.profile_id == profile_id)
                                .order_by(HardToEmployStatus.id.desc())))


def revoke_hte(session: Session, actor: User, status_id: int, reason: str, today: dt.date | None = None):
    status = served_row(session, actor, HardToEmployStatus, status_id, lambda s: s.profile.district,
                        ("就业困难人员身份", "hard-to-employ status"))
    if status.revoked_on is not None:
        raise Conflict("该身份已终止", "this status has already ended", field="status")
    if not reason.strip():
        raise ValidationFailed("请填写终止原因", "give the reason", field="reason")
    status.revoked_on, status.revoked_reason = today or clock.today(), reason
    session.flush()
    after_commit(session, "marketplace.index_profile", status.profile_id)
    audit.record(session, actor, "hard_to_employ", status.id, "revoke", reason=reason)
    return status


def hte_to_dict(status: HardToEmployStatus) -> dict:
    return {"id": status.id, "profile_id": status.profile_id, "basis": status.basis, "category": status.category,
            "ground": status.ground, "note": status.note, "granted_on": status.granted_on.isoformat(),
            "confirmed_by": {"id": status.confirmed_by_id, "name": status.confirmed_by.display_name},
            "confirmed_at": status.confirmed_at.isoformat(),
            "revoked_on": status.revoked_on.isoformat() if status.revoked_on else None,
            "revoked_reason": status.revoked_reason}

