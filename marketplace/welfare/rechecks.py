"""What rests on a corrected record is decided again (issue 15's corrections, carried through).

A public-welfare placement is made on the engine's R8 decision, and that decision names the
records it read: the unemployment registration (``失业登记#12``) or the hard-to-employ status
(``就业困难人员认定#7``). When a caseworker corrects such a record, the placement's footing
may be gone: a registration date moved later than the placement, a status granted after
it, or revoked before it.

Readings (**[choice]**):

* Rechecked: the person's *running* placements whose stamped R8 decision cites the corrected
  record (by its number). Ended placements are history.
* Decided again by the engine as of the placement's first day, on the corrected facts, with
  the policy set that placed the person: a registration through ``hte_decision`` (its
  registration and its not-hired referrals made before that day); a registered
  hard-to-employ status holds when it was granted on or before that day and not revoked by it.
* Refused now: the placement is marked for review with the engine's reason, the correction's
  record and the day (``Placement.review``), audited. It is **not** ended: a person's post
  ends by a caseworker's decision with its reason (``placements.end_placement``), not as a
  side effect of a date typed in a correction. The district's caseworkers see the mark on the
  person's page and on their desk; they keep the placement (``keep``: with the reason,
  audited) or end it; either clears the mark.
* Allowed again (a later correction restored the facts): a mark made from the same record is
  cleared, audited.
* The person's confirmed categories changing (``hooks.categories_changed``: a caseworker's
  correction removes one, the person's edit drops its confirmation, a caseworker confirms one)
  re-checks the placements decided on an R8 reference category the same way
  (``recheck_categories``; record ``categories``).
"""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.core import audit
from marketplace.core.models import Profile, User
from marketplace.errors import Conflict, ValidationFailed
from marketplace.welfare.common import named_set, served_row
from marketplace.welfare.hard_to_employ import Known, hte_decision, reference_category
from marketplace.welfare.models import HardToEmployStatus, Placement, Referral, Registration

#: how an R8 decision names each kind of record in its conditions
CITED = {"registration": "失业登记#{}", "hard_to_employ": "就业困难人员认定#{}"}
RECORD_NAMES = {"registration": ("失业登记", "unemployment registration"),
                "hard_to_employ": ("就业困难人员认定", "hard-to-employ status")}


def _r8(pl: Placement) -> dict | None:
    return next((d for d in pl.decisions or [] if d.get("rule") == "R8"), None)


def _cites(decision: dict, entity: str, row_id: int) -> bool:
    pattern = re.escape(CITED[entity].format(row_id)) + r"(?!\d)"
    return any(re.search(pattern, c.get("record") or "") for c in decision.get("conditions", []))


def _decide_again(session: Session, pl: Placement, profile: Profile, entity: str, row, decision: dict
                  ) -> tuple[bool, str, str]:
    """(allowed, reason zh, reason en) of R8 on the placement's first day, on the corrected record."""
    start = pl.start_on
    if entity == "hard_to_employ":
        held = row.granted_on <= start and (row.revoked_on is None or row.revoked_on > start)
        if held:
            return True, "", ""
        until_zh = f"，终止于{row.revoked_on.isoformat()}" if row.revoked_on else ""
        until_en = f", ended {row.revoked_on.isoformat()}" if row.revoked_on else ""
        return (False, f"上岗日（{start.isoformat()}）不在就业困难人员认定有效期内（认定于{row.granted_on.isoformat()}{until_zh}）",
                f"on the first day ({start.isoformat()}) the hard-to-employ status was not in force (granted "
                f"{row.granted_on.isoformat()}{until_en})")
    if row.registered_on > start:
        return (False, f"更正后的登记日期（{row.registered_on.isoformat()}）晚于上岗日（{start.isoformat()}）",
                f"the corrected registration date ({row.registered_on.isoformat()}) is after the first day "
                f"({start.isoformat()})")
    failed = tuple(session.scalars(select(Referral).where(
        Referral.profile_id == profile.id, Referral.outcome == "not_hired", Referral.referred_on < start)
        .order_by(Referral.id)))
    d = hte_decision(session, profile, start, pset=named_set(decision), known=Known(row, None, failed))
    return d.allowed, d.reason_zh, d.reason_en


def _recheck(session: Session, actor: User | None, profile: Profile, record: str, judge, cleared: str,
             today: dt.date) -> list[Placement]:
    """The one pass both rechecks make over the person's running placements. ``judge(pl, r8)``
    answers None for a placement the change does not concern, else (allowed, reason zh, reason
    en): refused, the placement is marked for review from ``record`` (audited); allowed, a mark
    made before from the same ``record`` is cleared (audited, ``cleared`` its reason). Returns
    the placements marked now."""
    marked = []
    for pl in session.scalars(select(Placement).where(Placement.profile_id == profile.id, Placement.ended_on.is_(None))
                              .order_by(Placement.id).with_for_update()):
        decision = _r8(pl)
        verdict = judge(pl, decision) if decision is not None else None
        if verdict is None:
            continue
        allowed, zh, en = verdict
        if not allowed:
            pl.review = {"zh": zh, "en": en, "record": record, "since": today.isoformat()}
            audit.record(session, actor, "placement", pl.id, "needs_review", after=pl.review)
            marked.append(pl)
        elif (pl.review or {}).get("record") == record:
            audit.record(session, actor, "placement", pl.id, "review_cleared", before=pl.review, reason=cleared)
            pl.review = {}
    session.flush()
    return marked


def recheck(session: Session, actor: User, profile: Profile, entity: str, row: Registration | HardToEmployStatus,
            today: dt.date | None = None) -> list[Placement]:
    """After a correction of ``row``: mark for review the running placements whose R8 decision
    it refuses now, clear the marks it made before that the facts no longer support. Returns
    the placements marked now."""
    name_zh, name_en = RECORD_NAMES[entity]

    def judge(pl, decision):
        if not _cites(decision, entity, row.id):
            return None
        allowed, zh, en = _decide_again(session, pl, profile, entity, row, decision)
        return (allowed, f"{name_zh}#{row.id}更正后，按更正后的记录不符合R8：{zh}",
                f"after the correction of {name_en} #{row.id}, R8 no longer holds: {en}")

    return _recheck(session, actor, profile, f"{entity}#{row.id}", judge, f"{name_zh}#{row.id}再次更正后符合R8",
                    today or clock.today())


def recheck_categories(session: Session, actor: User | None = None, profile: Profile | None = None,
                       **_) -> list[Placement]:
    """``hooks.categories_changed``: the person's running placements decided on an R8
    reference category (a veteran, a model worker, a landless farmer) are marked for review
    when no confirmed category gives one now; a mark made this way is cleared when one does
    again. The rest of R8 (registration, months, referrals) did not change."""
    if profile is None:
        return []

    def judge(pl, decision):
        cat = next((c for c in decision.get("conditions", []) if c.get("code") == "category"), None)
        if cat is None or not cat.get("held"):
            return None  # decided on a registered status, not on a reference category
        code, _record = reference_category(named_set(decision), profile)
        return (code is not None, "档案类别更正后，按现有记录不符合R8：不属于退役军人、县级以上劳动模范或失地农民",
                "after the profile's categories changed, R8 no longer holds: not a veteran, county-level model "
                "worker or landless farmer on record")

    return _recheck(session, actor, profile, "categories", judge, "档案类别再次确认后符合R8", clock.today())


def keep(session: Session, actor: User, placement_id: int, reason: str) -> Placement:
    """A caseworker keeps a placement marked for review, saying why (e.g. the person met R8 by
    another ground the records did not show); audited, the mark cleared."""
    pl = served_row(session, actor, Placement, placement_id, lambda p: p.district, ("安置记录", "placement"), lock=True)
    if not pl.review:
        raise Conflict("该安置没有待复核的事项", "this placement awaits no review", field="placement")
    if pl.ended_on is not None:
        raise Conflict("该安置已结束", "this placement has already ended", field="placement")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请写明保留该安置的理由", "give the reason to keep the placement", field="reason")
    audit.record(session, actor, "placement", pl.id, "review_kept", before=pl.review, reason=reason)
    pl.review = {}
    session.flush()
    return pl


def awaiting_review(session: Session, actor: User) -> list[Placement]:
    """The running placements awaiting review that ``actor`` serves (their desk's list). Read
    over the district's running placements (a few hundred at most: R10's quota), as JSON
    columns compare differently in SQLite and PostgreSQL."""
    stmt = select(Placement).where(Placement.ended_on.is_(None)).order_by(Placement.id)
    stmt = stmt if actor.role == "admin" else stmt.where(Placement.district == actor.district)
    return [pl for pl in session.scalars(stmt) if pl.review]
