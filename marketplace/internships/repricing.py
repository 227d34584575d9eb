"""What a new policy version changes in the internships area (``hooks.policy_version_effective``
and ``hooks.policy_preview``, connected in ``marketplace.app``).

* Preview: recorded decisions of the set (ended agreements' entitlements, hiring/referral/R15
  claims' amounts), newest first, answered under the version in force on each event's date
  and under the candidate; ``affected`` when the event is on or after the candidate's
  ``effective_from`` (the candidate would judge it), ``changed`` when the answers differ.
* When a version takes effect (from a past date: a correction), every decision it judges is
  re-decided: an ended agreement's entitlement, and the amount of each unpaid claim (draft,
  submitted) re-priced under it, keeping the new version. Granted claims (approved, paid) are
  not changed: what is now due (a top-up, or an overpayment to recover) is recorded in the
  audit log (``policy_correction_due``) and answered; an overpayment also becomes an
  overpayment record (``overpayments.record``), offset against the unit's next claim or
  recovered like any other.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from marketplace import policies
from marketplace import policy as pol
from marketplace.core import audit
from marketplace.core.models import User
from marketplace.errors import DomainError
from marketplace.internships import overpayments
from marketplace.internships.agreements import to_policy
from marketplace.internships.claims import (
    COUNTED,
    GRANTED,
    _apply_decision,
    _fill_internship,
    decide,
    event_on,
    priced_by,
)
from marketplace.internships.exports import money
from marketplace.internships.models import InternshipAgreement, SubsidyClaim

UNPAID = ("draft", "submitted")


def _entitlement(ps: pol.PolicySet, ag: InternshipAgreement) -> Decimal | None:
    try:
        return pol.internship_entitlement(ps, to_policy(ag), pol.Outcome(ag.status, ag.outcome_on,
                                                                         ag.graduate)).entitlement
    except pol.PolicyError:
        return None


def _claim_amount(session: Session, ps: pol.PolicySet, c: SubsidyClaim) -> Decimal | None:
    try:
        d = decide(session, ps, c, c.submitted_on or dt.date.today(), granted_only=True)
    except DomainError:
        return None
    return money(d.amount) if d.allowed and d.amount is not None else money(0)


def _fmt(v: Decimal | None) -> str | None:
    return None if v is None else pol.format_money(v)


def _of_set(set_name: str):
    return or_(SubsidyClaim.policy_set == set_name, SubsidyClaim.policy_set.is_(None))


def preview_policy(session: Session, set_name: str, candidate: pol.PolicySet, current, effective_from: dt.date,
                   limit: int = 50, **_) -> list[dict]:
    rows = []
    for ag in session.scalars(select(InternshipAgreement).where(
            InternshipAgreement.policy_set == set_name, InternshipAgreement.outcome_on.is_not(None))
            .order_by(InternshipAgreement.outcome_on.desc()).limit(limit)):
        a, b = _entitlement(current(ag.outcome_on), ag), _entitlement(candidate, ag)
        rows.append({"what": "agreement", "id": ag.id, "event_on": ag.outcome_on.isoformat(), "rule": ag.entitlement_rule,
                     "recorded": _fmt(ag.entitlement), "current": _fmt(a), "candidate": _fmt(b),
                     "affected": ag.outcome_on >= effective_from, "changed": a != b})
    for c in session.scalars(select(SubsidyClaim).where(SubsidyClaim.kind != "internship", _of_set(set_name),
                                                        SubsidyClaim.state != "rejected")
                             .order_by(SubsidyClaim.id.desc()).limit(limit)):
        on = event_on(c, c.submitted_on or effective_from)
        a, b = _claim_amount(session, current(on), c), _claim_amount(session, candidate, c)
        rows.append({"what": "claim", "id": c.id, "kind": c.kind, "state": c.state, "event_on": on.isoformat(),
                     "rule": c.rule, "recorded": _fmt(c.amount), "current": _fmt(a), "candidate": _fmt(b),
                     "affected": on >= effective_from, "changed": a != b})
    return rows


def _due(session: Session, actor: User | None, c: SubsidyClaim, new: Decimal, why: str) -> dict:
    diff = money(new) - money(c.amount)
    kind = "top_up" if diff > 0 else "overpayment"
    audit.record(session, actor, "subsidy_claim", c.id, "policy_correction_due",
                 before={"amount": str(c.amount), "policy_version": c.policy_version},
                 after={"amount": str(money(new)), "due": str(diff), "kind": kind}, reason=why)
    if diff < 0 and actor is not None:  # paid too much under the corrected rules: an overpayment record (issue 13)
        overpayments.record(session, actor, c, -diff, c.rule or "", "policy_version", why,
                            "a corrected version of the policy set lowered the amount below what was granted")
    return {"claim_id": c.id, "state": c.state, "recorded": _fmt(c.amount), "repriced": _fmt(new), "due": _fmt(diff),
            "kind": kind}


def on_policy_version_effective(session: Session, set_name: str, version: int, effective_from: dt.date,
                                actor: User | None = None, today: dt.date | None = None, **_) -> dict | None:
    """Re-decide what the new version judges (events on or after ``effective_from``)."""
    today = today or dt.date.today()
    why = f"政策集{set_name}第{version}版自{effective_from.isoformat()}起生效"
    repriced, due = [], []
    for ag in session.scalars(select(InternshipAgreement).where(
            InternshipAgreement.policy_set == set_name, InternshipAgreement.outcome_on >= effective_from)
            .with_for_update()):
        ps = policies.version_on(set_name, ag.outcome_on, session)
        new = _entitlement(ps, ag)
        if new is not None and money(new) != money(ag.entitlement or 0):
            before = {"entitlement": str(ag.entitlement), "version": ag.entitlement_policy_version}
            ag.entitlement, ag.entitlement_policy_version = new, ps.version
            audit.record(session, actor, "internship_agreement", ag.id, "repriced", before=before,
                         after={"entitlement": str(new), "version": ps.version}, reason=why)
            granted = sum((money(c.amount) for c in session.scalars(select(SubsidyClaim).where(
                SubsidyClaim.agreement_id == ag.id, SubsidyClaim.state.in_(GRANTED)))), Decimal("0.00"))
            if granted and granted != money(new):
                last = session.scalar(select(SubsidyClaim).where(SubsidyClaim.agreement_id == ag.id,
                                                                 SubsidyClaim.state.in_(GRANTED))
                                      .order_by(SubsidyClaim.id.desc()))
                due.append(_due(session, actor, last, money(last.amount) + money(new) - granted, why))
    claims = session.scalars(select(SubsidyClaim).where(_of_set(set_name), SubsidyClaim.state.in_(COUNTED + ("draft",)))
                             .order_by(SubsidyClaim.id).with_for_update())
    for c in list(claims):
        on = event_on(c, today)
        if on < effective_from or (c.policy_set is None and c.kind != "internship"):
            continue
        ps = policies.version_on(set_name, on, session)
        before = {"amount": str(c.amount), "policy_version": c.policy_version}
        if c.kind == "internship":
            if c.state not in UNPAID or c.agreement is None or c.agreement.policy_set != set_name:
                continue
            try:
                _fill_internship(session, ps, c.agreement, c, today)
            except DomainError:
                continue
        else:
            new = _claim_amount(session, ps, c)
            if new is None or new == money(c.amount):
                continue
            if c.state not in UNPAID:
                due.append(_due(session, actor, c, new, why))
                continue
            _apply_decision(c, decide(session, ps, c, c.submitted_on or today))
        priced_by(c, ps)
        audit.record(session, actor, "subsidy_claim", c.id, "repriced", before=before,
                     after={"amount": str(c.amount), "policy_version": c.policy_version}, reason=why)
        repriced.append({"claim_id": c.id, "before": before["amount"], "after": _fmt(c.amount)})
    session.flush()
    return {"area": "internships", "repriced": repriced, "due": due} if repriced or due else None
