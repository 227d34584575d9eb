"""Overpayments (issue 13, finding 5): money granted above an entitlement that a later change
lowered.

Readings (**[choice]**):

* "Paid" counts approved and paid claims (granted money: an approved claim is committed).
* An overpayment recorded on an agreement is money taken back: the agreement's later claims
  count what was granted less it, so a running agreement whose earned-to-date grows again is
  paid up to its entitlement and never twice (``claims._internship_amount``, ``review``).
* A change after a grant that would lower the entitlement below what was granted (an
  agreement's outcome or a new interruption, a hire's contract or social insurance) is
  refused to the employer with the reason; a caseworker of the district makes it, with a
  note, and the overpayment is recorded then (amount, rule, the change, the claim).
* An open overpayment is offset against the organisation's next approved claim (the claim's
  ``withheld``; what is left stays open for the claim after), unless a caseworker marks it
  for recovery; a caseworker records the recovery. Every step is in the audit log.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace import policy as pol
from marketplace.core import audit
from marketplace.core.models import User
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.internships.agreements import REVIEW_ROLES, visible_rows, visible_to
from marketplace.internships.models import GRANTED, Overpayment, SubsidyClaim

STATE_NAMES = {"open": ("待抵扣", "to be offset"), "recovery": ("待追回", "marked for recovery"),
               "settled": ("已抵扣", "offset"), "recovered": ("已追回", "recovered")}


def money(v) -> Decimal:
    return Decimal(v or 0).quantize(Decimal("0.01"))


def granted_claims(session: Session, *where) -> list[SubsidyClaim]:
    return list(session.scalars(select(SubsidyClaim).where(SubsidyClaim.state.in_(GRANTED), *where)
                                .order_by(SubsidyClaim.id)))


def recorded_for(session: Session, *where) -> Decimal:
    """What earlier overpayments already took back for the same grants."""
    return money(session.scalar(select(func.coalesce(func.sum(Overpayment.amount), 0)).where(*where)))


def lowering_refused(before: Decimal, after: Decimal, granted: Decimal, claim: SubsidyClaim) -> Conflict:
    b, a, g = pol.format_money(before), pol.format_money(after), pol.format_money(granted)
    return Conflict(f"此项变更将使应得金额由{b}元降至{a}元，低于已批准的{g}元（申领#{claim.id}）：须由经办人员办理，"
                    f"多付的金额将记为多付款",
                    f"this change would lower the entitlement from {b} to {a} yuan, below the {g} yuan already "
                    f"granted (claim #{claim.id}): a caseworker must make it, and the overpayment is recorded",
                    field="state", code="lowers_granted")


def record(session: Session, actor: User, claim: SubsidyClaim, amount: Decimal, rule: str, cause: str,
           cause_zh: str, cause_en: str) -> Overpayment | None:
    amount = money(amount)
    if amount <= 0:
        return None
    op = Overpayment(organisation_id=claim.organisation_id, profile_id=claim.profile_id, claim_id=claim.id,
                     agreement_id=claim.agreement_id, rule=rule, amount=amount, outstanding=amount, cause=cause,
                     cause_zh=cause_zh, cause_en=cause_en, state="open", offsets=[], recorded_by_id=actor.id)
    session.add(op)
    session.flush()
    audit.record(session, actor, "overpayment", op.id, "create", after=_snapshot(op), reason=cause_zh)
    return op


def _snapshot(op: Overpayment) -> dict:
    return {"state": op.state, "amount": str(op.amount), "outstanding": str(op.outstanding), "claim_id": op.claim_id,
            "rule": op.rule, "cause": op.cause, "offsets": list(op.offsets or [])}


def offset_against(session: Session, actor: User, c: SubsidyClaim) -> Decimal:
    """Withhold the organisation's open overpayments (oldest first) from an approved claim."""
    if c.organisation_id is None:
        return money(0)
    ops = session.scalars(select(Overpayment).where(Overpayment.organisation_id == c.organisation_id,
                                                    Overpayment.state == "open").order_by(Overpayment.id)
                          .with_for_update().execution_options(populate_existing=True))  # offset once under races
    room = money(c.amount) - money(c.withheld)
    for op in ops:
        if room <= 0:
            break
        take = min(room, money(op.outstanding))
        before = _snapshot(op)
        op.outstanding = money(op.outstanding) - take
        op.offsets = list(op.offsets or []) + [{"claim_id": c.id, "amount": pol.format_money(take)}]
        if op.outstanding <= 0:
            op.state = "settled"
        c.withheld = money(c.withheld) + take
        room -= take
        session.flush()
        audit.record(session, actor, "overpayment", op.id, "offset", before=before, after=_snapshot(op),
                     reason=f"从申领#{c.id}中抵扣{pol.format_money(take)}元")
    return money(c.withheld)


def get(session: Session, actor: User, overpayment_id: int, lock: bool = False) -> Overpayment:
    op = session.get(Overpayment, overpayment_id, with_for_update=lock or None, populate_existing=lock)
    if op is None or not visible_to(actor, op):
        raise NotFound("多付款", "overpayment")
    return op


def overpayments_for(actor: User, state: str | None = None):
    stmt = visible_rows(select(Overpayment).order_by(Overpayment.id.desc()), Overpayment, actor)
    return stmt.where(Overpayment.state == state) if state else stmt


def listed(session: Session, actor: User, agreement_id: int | None = None, outstanding: bool = False,
           limit: int = 100) -> list[Overpayment]:
    """For pages: the actor's overpayments (of one agreement; only those still owed)."""
    stmt = overpayments_for(actor)
    if agreement_id is not None:
        stmt = stmt.where(Overpayment.agreement_id == agreement_id)
    if outstanding:
        stmt = stmt.where(Overpayment.state.in_(("open", "recovery")))
    return list(session.scalars(stmt.limit(limit)))


def recovery(session: Session, actor: User, overpayment_id: int, action: str, note: str) -> Overpayment:
    """A caseworker marks an overpayment for recovery (it is no longer offset) or records that
    it was recovered; the note says how."""
    if actor.role not in REVIEW_ROLES:
        raise Forbidden("只有经办人员可以追回多付款", "only caseworkers recover overpayments")
    if action not in ("mark", "recovered"):
        raise ValidationFailed("操作应为 mark 或 recovered", "action is mark or recovered", field="action")
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("请填写说明（追回方式、凭证）", "give a note (how it is recovered, the receipt)", field="note")
    op = get(session, actor, overpayment_id, lock=True)
    allowed = ("open",) if action == "mark" else ("open", "recovery")
    if op.state not in allowed:
        raise Conflict(f"多付款当前为“{STATE_NAMES[op.state][0]}”", f"the overpayment is {op.state}", field="action")
    before = _snapshot(op)
    op.state = "recovery" if action == "mark" else "recovered"
    if action == "recovered":
        op.outstanding = money(0)
    op.recovery_note = (op.recovery_note + "\n" if op.recovery_note else "") + \
        f"{clock.today().isoformat()} {note[:1000]}"
    session.flush()
    audit.record(session, actor, "overpayment", op.id, op.state, before=before, after=_snapshot(op), reason=note)
    return op


def to_dict(op: Overpayment) -> dict:
    return {"id": op.id, "state": op.state, "amount": pol.format_money(op.amount),
            "outstanding": pol.format_money(op.outstanding), "rule": op.rule, "claim_id": op.claim_id,
            "agreement_id": op.agreement_id,
            "organisation": {"id": op.organisation_id, "name": op.organisation.name},
            "person": {"profile_id": op.profile_id, "name": op.profile.name},
            "cause": op.cause, "cause_zh": op.cause_zh, "cause_en": op.cause_en, "offsets": list(op.offsets or []),
            "recovery_note": op.recovery_note, "created_at": op.created_at.isoformat()}
