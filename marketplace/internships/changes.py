"""Changes to what was granted on (issue 13, finding 5): an agreement's outcome or a new
interruption, a hire's labour contract or social-insurance declaration.

A change that would lower an entitlement below what approved or paid claims granted is
refused to the employer with the reason (**[choice]**: refused, not held: the employer asks
the caseworker, who sees the same facts); a caseworker of the district makes it with a note,
and the overpayment is recorded (``overpayments``). A caseworker's change is also the
caseworker's confirmation of the changed record (``facts``): they do not benefit from it.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from marketplace import clock, policies
from marketplace import policy as pol
from marketplace.core import audit
from marketplace.core.models import Application, User
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.internships import agreements, facts, overpayments
from marketplace.internships.claims import decide
from marketplace.internships.models import (
    HIRE_KINDS,
    InsuranceDeclaration,
    InternshipAgreement,
    LabourContract,
    Overpayment,
    SubsidyClaim,
)

money = overpayments.money


def _note(actor: User, note: str) -> str:
    note = (note or "").strip()
    if actor.role in agreements.REVIEW_ROLES and not note:
        raise ValidationFailed("经办人员更正须说明理由", "a caseworker's correction needs a note", field="note")
    return note


def _earned(ps: pol.PolicySet, ag: InternshipAgreement, upto: dt.date,
            extra: tuple[pol.Interruption, ...] = ()) -> Decimal:
    """Earned by ``upto`` with the pauses that began before it (and ``extra``)."""
    its = tuple(i for i in extra if i.start < upto)
    return pol.earned_to_date(ps, agreements.to_policy(ag, before=upto, extra=its), upto).entitlement


def _guard(session: Session, actor: User, ag: InternshipAgreement, after_of) -> tuple | None:
    """(granted claims, before, after) when the change lowers the entitlement below what was
    granted; refused here for an employer. ``after_of(ps, upto)`` is the entitlement after it."""
    granted = overpayments.granted_claims(session, SubsidyClaim.agreement_id == ag.id)
    if not granted:
        return None
    ps = policies.named(ag.policy_set)
    upto = max(c.period_to_on or ag.start_on for c in granted)
    # granted, less the overpayments already recorded on the agreement (taken back)
    total = money(sum(money(c.amount) for c in granted)) - overpayments.recorded_for(
        session, Overpayment.agreement_id == ag.id)
    try:
        before = money(ag.entitlement) if ag.status != "active" else money(_earned(ps, ag, upto))
        after = money(after_of(ps, upto))
    except pol.CaseError:
        return None  # the change itself is refused with its reason by the operation
    if after >= total:
        return None
    if actor.role not in agreements.REVIEW_ROLES:
        raise overpayments.lowering_refused(before, after, total, granted[-1])
    return granted, before, after, total


def _record_overpayment(session: Session, actor: User, ag: InternshipAgreement, lowered: tuple, rule: str,
                        cause: str, what_zh: str, what_en: str) -> None:
    granted, before, after, total = lowered
    b, a, g = pol.format_money(before), pol.format_money(after), pol.format_money(total)
    overpayments.record(session, actor, granted[-1], total - after, rule, cause,
                        f"{what_zh}：应得金额由{b}元降至{a}元，已批准{g}元",
                        f"{what_en}: the entitlement fell from {b} to {a} yuan; {g} yuan was granted")


def record_interruption(session: Session, actor: User, agreement_id: int, from_on: dt.date, last_day_off: dt.date,
                        reason: str, note: str = ""):
    ag = agreements.get_agreement(session, actor, agreement_id, lock=True)
    note = _note(actor, note)
    if from_on > clock.today():  # issue 15: a future-dated pause would block the agreement's outcome
        raise ValidationFailed("中断不能晚于今天开始", "an interruption cannot start after today", field="from_on")
    new = pol.Interruption.from_last_day_off(from_on, last_day_off, reason) if last_day_off >= from_on else None
    lowered = None
    if new is not None and ag.status == "active":
        lowered = _guard(session, actor, ag, lambda ps, upto: _earned(ps, ag, upto, (new,)))
    it = agreements.record_interruption(session, actor, agreement_id, from_on, last_day_off, reason, note)
    if lowered:
        _record_overpayment(session, actor, ag, lowered, "R2", "interruption",
                            f"记录中断{from_on.isoformat()}至{last_day_off.isoformat()}",
                            f"interruption {from_on.isoformat()} to {last_day_off.isoformat()} recorded")
    _confirm_by_caseworker(session, actor, ag, note)
    return it


def end_agreement(session: Session, actor: User, agreement_id: int, kind: str, on: dt.date | None, today: dt.date,
                  note: str = "") -> pol.InternshipEntitlement:
    ag = agreements.get_agreement(session, actor, agreement_id, lock=True)
    note = _note(actor, note)
    lowered = None
    if ag.status == "active" and kind in (pol.FINISHED, pol.CONTRACT, pol.LEFT) and (on is None or on <= today):
        outcome = pol.Outcome(kind, on, ag.graduate)
        lowered = _guard(session, actor, ag, lambda ps, upto: pol.internship_entitlement(
            ps, agreements.to_policy(ag), outcome).entitlement)
    ent = agreements.end_agreement(session, actor, agreement_id, kind, on, today, note)
    if lowered:
        _record_overpayment(session, actor, ag, lowered, ent.rule, "outcome",
                            f"见习结果记为{kind}（{ent.outcome_date.isoformat()}）",
                            f"outcome recorded as {kind} on {ent.outcome_date.isoformat()}")
    _confirm_by_caseworker(session, actor, ag, note)
    return ent


def _confirm_by_caseworker(session: Session, actor: User, ag: InternshipAgreement, note: str) -> None:
    if actor.role in agreements.REVIEW_ROLES:
        facts.add_confirmation(session, actor, "agreement", ag, "confirmed", f"经办人员更正：{note}")


# --- a hire's contract and social insurance ---------------------------------------------

def _hire_of(session: Session, actor: User, application_id: int) -> Application:
    if actor.role not in ("employer", "agency") + agreements.REVIEW_ROLES:
        raise Forbidden("只有用人单位登记劳动合同和社会保险", "only the employer records the contract and social insurance")
    app = session.get(Application, application_id, with_for_update=True)
    if app is None or app.stage != "hired" or actor.role == "person":
        raise NotFound("录用记录", "hire")
    org = app.posting.organisation
    if actor.role in ("employer", "agency") and org.id != actor.organisation_id:
        raise NotFound("录用记录", "hire")
    if actor.role == "caseworker" and org.district != actor.district:
        raise NotFound("录用记录", "hire")
    return app


def _change_hire_record(session: Session, actor: User, app: Application, record: str, apply, note: str,
                        today: dt.date):
    """Apply a change to a hire's record; granted claims resting on it are decided again and
    a lowered amount is refused to the employer (the change undone) or recorded as an
    overpayment."""
    granted = overpayments.granted_claims(session, SubsidyClaim.application_id == app.id,
                                          SubsidyClaim.kind.in_(HIRE_KINDS + ("referral_r7",)))
    ps = policies.named(policies.active_name())
    nested = session.begin_nested()
    obj, snapshot = apply()
    session.flush()
    lowered = []
    for c in granted:
        try:
            d = decide(session, ps, c, c.submitted_on or today, granted_only=True)
            now, rule = (money(d.amount), d.rule) if d.allowed and d.amount is not None else (money(0), d.rule)
        except (Conflict, ValidationFailed):
            now, rule = money(0), c.rule
        if now < money(c.amount) - overpayments.recorded_for(session, Overpayment.claim_id == c.id):
            lowered.append((c, now, rule))
    if lowered and actor.role not in agreements.REVIEW_ROLES:
        nested.rollback()
        c, now, _ = lowered[0]
        raise overpayments.lowering_refused(money(c.amount), now, money(c.amount), c)
    nested.commit()
    name = facts.RECORD_NAMES[record]
    for c, now, rule in lowered:
        already = overpayments.recorded_for(session, Overpayment.claim_id == c.id)
        overpayments.record(session, actor, c, money(c.amount) - already - now, rule or c.rule, record,
                            f"更正{name[0]}：申领#{c.id}应得由{pol.format_money(c.amount)}元降至{pol.format_money(now)}元",
                            f"{name[1]} corrected: claim #{c.id} is now entitled to {pol.format_money(now)} instead "
                            f"of {pol.format_money(c.amount)} yuan")
    audit.record(session, actor, f"{record}_facts", app.id, "record", before=snapshot,
                 after=facts.snapshot(record, obj), reason=note)
    if actor.role in agreements.REVIEW_ROLES:
        facts.add_confirmation(session, actor, record, obj, "confirmed", f"经办人员更正：{note}")
    return obj


def record_contract(session: Session, actor: User, application_id: int, signed_on: dt.date, months: int,
                    today: dt.date, note: str = "") -> LabourContract:
    """The employer records (or corrects) the labour contract of its hire."""
    app = _hire_of(session, actor, application_id)
    note = _note(actor, note)
    if signed_on > today:
        raise ValidationFailed("签订日期不能晚于今天", "the contract date cannot be later than today", field="signed_on")
    if not 1 <= months <= 600:
        raise ValidationFailed("合同期限应为1至600个月", "the contract length is 1 to 600 months", field="months")

    def apply():
        con = facts.contract_of(session, app.id)
        before = facts.snapshot("contract", con) if con else None
        if con is None:
            con = LabourContract(application_id=app.id, organisation_id=app.posting.organisation_id,
                                 profile_id=app.profile_id, signed_on=signed_on, months=months)
            session.add(con)
        con.signed_on, con.months, con.recorded_by_id = signed_on, months, actor.id
        return con, before

    return _change_hire_record(session, actor, app, "contract", apply, note, today)


def declare_insurance(session: Session, actor: User, application_id: int, monthly_amount: Decimal,
                      makeup_paid_on: dt.date | None, today: dt.date, note: str = "") -> InsuranceDeclaration:
    """The employer declares (or corrects) its monthly social-insurance contribution for the
    person and the make-up payment; shown as declared until a caseworker confirms it."""
    app = _hire_of(session, actor, application_id)
    note = _note(actor, note)
    if makeup_paid_on is not None and makeup_paid_on > today:
        raise ValidationFailed("补缴日期不能晚于今天", "the make-up payment date cannot be later than today",
                               field="makeup_paid_on")
    if not Decimal(0) < monthly_amount <= Decimal(100000):
        raise ValidationFailed("每月缴费额应大于0", "the monthly contribution must be above 0", field="monthly_amount")

    def apply():
        ins = facts.insurance_of(session, app.id)
        before = facts.snapshot("insurance", ins) if ins else None
        if ins is None:
            ins = InsuranceDeclaration(application_id=app.id, organisation_id=app.posting.organisation_id,
                                       profile_id=app.profile_id, monthly_amount=monthly_amount)
            session.add(ins)
        ins.monthly_amount, ins.makeup_paid_on, ins.declared_by_id = money(monthly_amount), makeup_paid_on, actor.id
        return ins, before

    return _change_hire_record(session, actor, app, "insurance", apply, note, today)
