"""Correcting an internship's interruptions (issue 15): the unit (or a caseworker of the
district) edits or deletes a recorded interruption, always with a reason, while the
internship runs.

As for every change to what was granted on (``changes``): a correction that would lower the
entitlement below what approved or paid claims granted is refused to the unit with the amounts
and goes to a caseworker, who makes it with a note; the overpayment is then recorded
(``overpayments``), and the caseworker's correction is their confirmation of the agreement
(``facts``). No interruption starts after today (a future-dated pause would block the
agreement's outcome, e.g. an early contract). The audit keeps the interruption before and
after, who and why.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from marketplace import clock, policies
from marketplace import policy as pol
from marketplace.core import audit
from marketplace.core.models import User
from marketplace.errors import Conflict, NotFound, ValidationFailed
from marketplace.internships import agreements, changes
from marketplace.internships.models import InternshipAgreement, InternshipInterruption


def check_not_future(from_on: dt.date, today: dt.date | None = None) -> None:
    """An interruption cannot start after today."""
    if from_on > (today or clock.today()):
        raise ValidationFailed("中断不能晚于今天开始", "an interruption cannot start after today", field="from_on")


def _reason(note: str) -> str:
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("更正或删除中断须说明理由", "a correction or deletion needs a reason", field="note")
    return note


def _policy(ag: InternshipAgreement, drop_id: int, add: pol.Interruption | None,
            before: dt.date | None = None) -> pol.InternshipAgreement:
    """The engine's agreement with interruption ``drop_id`` replaced by ``add`` (or gone)."""
    its = [pol.Interruption(i.from_on, i.to_on, i.reason) for i in ag.interruptions
           if i.id != drop_id and (before is None or i.from_on < before)]
    if add is not None and (before is None or add.start < before):
        its.append(add)
    return pol.InternshipAgreement(ag.start_on, ag.period_months, Decimal(ag.monthly_rate),
                                   tuple(sorted(its, key=lambda i: i.start)))


def _get(session: Session, actor: User, agreement_id: int, interruption_id: int):
    ag = agreements._own(session, actor, agreement_id)
    it = next((i for i in ag.interruptions if i.id == interruption_id), None)
    if it is None:
        raise NotFound("中断记录", "interruption")
    if ag.status != "active":
        raise Conflict("见习已结束，中断记录不能再改；请经办人员更正结果", "the internship has ended; its "
                       "interruptions no longer change (a caseworker corrects the outcome)", field="from_on")
    return ag, it


def _summary(it: InternshipInterruption | None) -> dict | None:
    if it is None:
        return None
    return {"id": it.id, "from_on": it.from_on.isoformat(), "last_day_off": (it.to_on - dt.timedelta(days=1)).isoformat(),
            "reason": it.reason}


def _change(session: Session, actor: User, ag: InternshipAgreement, it: InternshipInterruption,
            new: pol.Interruption | None, note: str, action: str):
    ps = policies.named(ag.policy_set)
    try:
        pol.internship_entitlement(ps, _policy(ag, it.id, new), pol.Outcome(pol.FINISHED))
    except pol.CaseError as exc:
        raise agreements.case_error(exc) from None
    lowered = changes._guard(session, actor, ag, lambda ps, upto: pol.earned_to_date(
        ps, _policy(ag, it.id, new, before=upto), upto).entitlement)
    before, snapshot = _summary(it), agreements._snapshot(ag)
    if new is None:
        ag.interruptions.remove(it)
        session.delete(it)
    else:
        it.from_on, it.to_on, it.reason = new.start, new.end, new.reason
    session.flush()
    session.refresh(ag, ["interruptions"])
    audit.record(session, actor, "internship_agreement", ag.id, action,
                 before={"interruption": before, "agreement": snapshot},
                 after={"interruption": _summary(it) if new is not None else None,
                        "agreement": agreements._snapshot(ag)}, reason=note)
    if lowered:
        what = "删除" if new is None else "更正"
        changes._record_overpayment(session, actor, ag, lowered, "R2", "interruption",
                                    f"{what}中断{before['from_on']}至{before['last_day_off']}",
                                    f"interruption {before['from_on']} to {before['last_day_off']} "
                                    f"{'deleted' if new is None else 'corrected'}")
    changes._confirm_by_caseworker(session, actor, ag, note)
    return it


def edit_interruption(session: Session, actor: User, agreement_id: int, interruption_id: int, from_on: dt.date,
                      last_day_off: dt.date, reason: str, note: str) -> InternshipInterruption:
    """Correct an interruption's dates or reason code; ``note`` says why."""
    note = _reason(note)
    ag, it = _get(session, actor, agreement_id, interruption_id)
    check_not_future(from_on)
    if last_day_off < from_on:
        raise ValidationFailed("最后一天不能早于开始日期", "the last day off cannot be before the first",
                               field="last_day_off")
    new = pol.Interruption.from_last_day_off(from_on, last_day_off, reason)
    return _change(session, actor, ag, it, new, note, "interruption_edit")


def delete_interruption(session: Session, actor: User, agreement_id: int, interruption_id: int,
                        note: str) -> None:
    """Delete an interruption recorded by mistake (e.g. one dated in the future); ``note`` says why."""
    note = _reason(note)
    ag, it = _get(session, actor, agreement_id, interruption_id)
    _change(session, actor, ag, it, None, note, "interruption_delete")
