"""Internship agreements (见习协议): created from a hire, interrupted, ended; what they earn.

Every amount, date and refusal comes from ``marketplace.policy`` (R1–R4); this module
only turns records into the engine's plain facts and back. Readings of POLICY.md made
here (**[choice]**):

* Cohorts (R1) from the person's records: read once, from the set's cohort parameters, in
  ``marketplace.core.intern_eligibility``. The person's part of R1 (and R14 for a targeted
  post) is judged again on the agreement's start by ``core.eligibility`` — the same function
  that judged the application on its date, the hire and what matching offers — and a
  change since the application is said in the refusal; the unit's base registration and
  one subsidised internship at a time are then checked by ``check_intern_eligibility``.
* The intern is a college graduate for R4 when the highest education is 大专 or higher.
* The unit's registration as an internship base runs from ``internship_base_since_on``
  while the organisation is marked a base.
* Another subsidised internship of the same person occupies ``[start, end)`` where end is
  the outcome date once ended, else the extended end E'.
* The rate is the set's R2 rate on the start date, kept on the agreement.
* Versions (POLICY.md section 0): the agreement keeps the set and the version in force on
  its start date (R1, the rate); the entitlement is decided by the version in force on the
  outcome date (the contract date for R4) and keeps that version; while it runs, what it
  has earned is judged by the version in force on the day asked (:func:`policy_of`).
* Outcome dates may not lie in the future (an employer records what happened).
* "Current entitlement" of a running internship is ``earned_to_date`` (served time so far);
  the first full-period day is found by asking the engine for each day from S on whether a
  contract that day would pay the full period.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, object_session

from marketplace import policies
from marketplace import policy as pol
from marketplace.core import audit, eligibility, intern_eligibility
from marketplace.core.models import Application, AuditEntry, Organisation, Posting, Profile, User
from marketplace.errors import Conflict, Forbidden, NotEligible, NotFound, ValidationFailed
from marketplace.internships.models import InternshipAgreement, InternshipInterruption

EMPLOYER_ROLES = ("employer", "agency")
REVIEW_ROLES = ("caseworker", "admin")

FIELD_NAMES = {"start": "start_on", "period_months": "period_months", "outcome.date": "outcome_on",
               "monthly_rate": "monthly_rate"}


# --- policy plumbing -------------------------------------------------------------------

def case_error(exc: pol.CaseError) -> ValidationFailed:
    """A policy CaseError as a form error naming the field a person typed."""
    field = exc.field
    if field.startswith("interruptions"):
        field = "interruption"
    field = FIELD_NAMES.get(field, field)
    # the policy's own Chinese where it has one; never its English on a Chinese page
    zh = exc.zh or "此项不符合政策规则，请核对"
    return ValidationFailed(zh, exc.message, field=field)


def not_eligible(decision: pol.Decision, field: str | None = None) -> NotEligible:
    return NotEligible(decision.reason_zh, decision.reason_en, field=field, code="not_eligible",
                       details=[{"field": c.code, "code": c.code, "message": {"zh": c.zh, "en": c.en}}
                                for c in decision.failed()])


def to_policy(ag: InternshipAgreement, before: dt.date | None = None,
              extra: tuple[pol.Interruption, ...] = ()) -> pol.InternshipAgreement:
    """The engine's view of an agreement; `before` keeps only pauses that began before it."""
    its = tuple(pol.Interruption(i.from_on, i.to_on, i.reason) for i in ag.interruptions
                if before is None or i.from_on < before) + extra
    return pol.InternshipAgreement(ag.start_on, ag.period_months, Decimal(ag.monthly_rate), its)


def policy_of(ag: InternshipAgreement, on: dt.date | None = None) -> pol.PolicySet:
    """The version that judges ``ag`` on ``on``: once ended, the one that decided its entitlement."""
    session = object_session(ag)
    if ag.status != "active" and ag.entitlement_policy_version:
        return policies.named(ag.policy_set, ag.entitlement_policy_version, session)
    return policies.version_on(ag.policy_set, on, session)


def full_end(ps: pol.PolicySet, ag: InternshipAgreement) -> dt.date:
    """E' with every recorded extending pause counted."""
    return pol.extended_end_at(ps, to_policy(ag), dt.date.max)


def occupied_until(ps: pol.PolicySet, ag: InternshipAgreement) -> dt.date:
    return ag.outcome_on if ag.outcome_on is not None else full_end(ps, ag)


def entitlement_now(ps: pol.PolicySet, ag: InternshipAgreement, today: dt.date) -> pol.InternshipEntitlement:
    """What the agreement has earned: the final entitlement once ended, served time to date while running."""
    if ag.status == "active":
        ent = pol.earned_to_date(ps, to_policy(ag), today)
        if ent.outcome != pol.LEFT:
            return ent
        # The engine answers "to date" as if the intern left that day; say it as it is.
        d, money = ent.outcome_date.isoformat(), pol.format_money(ent.entitlement)
        return replace(ent, reason_zh=f"见习进行中：截至{d}实际见习{ent.served_days}天（共{ent.agreed_days}天），"
                                      f"按实际见习时间已得{money}元",
                       reason_en=f"internship running: {ent.served_days} of {ent.agreed_days} days served by {d}, "
                                 f"{money} yuan earned so far")
    return pol.internship_entitlement(ps, to_policy(ag), pol.Outcome(ag.status, ag.outcome_on, ag.graduate))


# --- R1 facts from records -------------------------------------------------------------

def cohorts_of(profile: Profile, start: dt.date, policy: pol.PolicySet | None = None) -> list[str]:
    """R1 cohorts of the person on ``start``: the one reading in ``core.intern_eligibility``,
    from the set's parameters (``policy``, else the active set)."""
    return intern_eligibility.cohorts_of(policy or policies.active(), profile, start)


def _base_registrations(org: Organisation) -> list[pol.DateRange]:
    if org.is_internship_base and org.internship_base_since_on:
        return [pol.DateRange(org.internship_base_since_on, None)]
    return []


# --- visibility ------------------------------------------------------------------------

def visible_to(actor: User, record) -> bool:
    """An organisation's record (agreement, claim): its own staff, caseworkers of the
    organisation's district, admins. A person's own R15 claim names no organisation: the
    person and the caseworkers of the person's district see it."""
    if actor.role == "admin":
        return True
    if record.organisation_id is None:  # a person's own claim (R15): theirs and their district's
        if actor.role == "person":
            return record.profile.user_id == actor.id
        return actor.role == "caseworker" and record.profile.district == actor.district
    if actor.role in EMPLOYER_ROLES:
        return record.organisation_id == actor.organisation_id
    if actor.role == "caseworker":
        return record.organisation.district == actor.district
    return False


def visible_rows(stmt, model, actor: User):
    """``stmt`` over ``model`` (agreements, claims) narrowed by :func:`visible_to`'s rule."""
    if actor.role in EMPLOYER_ROLES:
        return stmt.where(model.organisation_id == actor.organisation_id)
    if actor.role == "caseworker":
        return (stmt.outerjoin(Organisation, Organisation.id == model.organisation_id)
                .join(Profile, Profile.id == model.profile_id)
                .where(or_(Organisation.district == actor.district,
                           and_(model.organisation_id.is_(None), Profile.district == actor.district))))
    if actor.role == "person":
        return stmt.join(Profile, Profile.id == model.profile_id).where(
            Profile.user_id == actor.id, model.organisation_id.is_(None))
    if actor.role != "admin":
        raise Forbidden()
    return stmt


def get_agreement(session: Session, actor: User, agreement_id: int, lock: bool = False) -> InternshipAgreement:
    ag = session.get(InternshipAgreement, agreement_id, with_for_update=lock or None, populate_existing=lock)
    if ag is None or not visible_to(actor, ag):
        raise NotFound("见习协议", "internship agreement")
    return ag


def _own(session: Session, actor: User, agreement_id: int) -> InternshipAgreement:
    """The unit changes its agreements; a caseworker of the district (or an admin) corrects
    them, e.g. a change after a grant that lowers the entitlement (``changes``)."""
    if actor.role not in EMPLOYER_ROLES + REVIEW_ROLES:
        raise Forbidden("只有见习单位可以修改见习协议", "only the internship unit can change an agreement")
    ag = get_agreement(session, actor, agreement_id, lock=True)
    return ag


def agreements_for(actor: User, status: str | None = None):
    stmt = visible_rows(select(InternshipAgreement).order_by(InternshipAgreement.id.desc()), InternshipAgreement,
                        actor)
    if status:
        stmt = stmt.where(InternshipAgreement.status == status)
    return stmt


def agreement_history(session: Session, ag: InternshipAgreement) -> list[AuditEntry]:
    """What was done to the agreement, oldest first (its page shows the audit trail)."""
    return list(session.scalars(select(AuditEntry).where(AuditEntry.entity == "internship_agreement",
                                                         AuditEntry.entity_id == ag.id).order_by(AuditEntry.id)))


def _snapshot(ag: InternshipAgreement) -> dict:
    return {"status": ag.status, "start_on": ag.start_on.isoformat(), "period_months": ag.period_months,
            "outcome_on": ag.outcome_on.isoformat() if ag.outcome_on else None,
            "entitlement": str(ag.entitlement) if ag.entitlement is not None else None,
            "rule": ag.entitlement_rule,
            "interruptions": [[i.from_on.isoformat(), i.to_on.isoformat(), i.reason] for i in ag.interruptions]}


# --- use cases -------------------------------------------------------------------------

def create_agreement(session: Session, actor: User, policy_name: str, application_id: int, start_on: dt.date,
                     period_months: int | None = None, today: dt.date | None = None) -> InternshipAgreement:
    """From a hire on an internship posting (R1 checked by the engine)."""
    if actor.role not in EMPLOYER_ROLES:
        raise Forbidden("只有见习单位可以签订见习协议", "only the internship unit can sign an agreement")
    app = session.get(Application, application_id)
    if app is None or app.posting.organisation_id != actor.organisation_id:
        raise NotFound("录用记录", "hire")
    if app.posting.kind != "internship":
        raise Conflict("只能为就业见习岗位签订见习协议", "an agreement needs a hire on an internship posting",
                       field="application_id")
    if app.stage != "hired":
        raise Conflict("请先将申请推进到“已入职”，再签订见习协议", "move the application to hired before signing an agreement",
                       field="application_id")
    if today is not None and start_on > today + dt.timedelta(days=366):
        raise ValidationFailed("开始日期太远", "the start date is too far ahead", field="start_on")
    ps = policies.version_on(policy_name, start_on, session)  # the version in force on the start date
    period = period_months or app.posting.period_months or 6
    # Lock the person: one subsidised internship at a time is counted under this lock.
    profile = session.get(Profile, app.profile_id, with_for_update=True)
    if session.scalar(select(InternshipAgreement.id).where(InternshipAgreement.application_id == app.id)):
        raise Conflict("该录用已签订见习协议", "this hire already has an agreement", field="application_id")
    others = [pol.DateRange(o.start_on, occupied_until(ps, o)) for o in session.scalars(
        select(InternshipAgreement).where(InternshipAgreement.profile_id == profile.id))]
    org = app.posting.organisation
    person = eligibility.for_application(session, app, start_on, ps)
    if not person.allowed:
        raise eligibility.refusal(person, field="application_id", before=eligibility.recorded(app))
    try:
        r2 = ps.rule("R2", start_on)
        if r2 is None:
            raise pol.CaseError("start", f"R2 of policy set {ps.name!r} is not in force on {start_on.isoformat()}",
                                f"{start_on.isoformat()} 不在政策 {ps.name} 的见习规则（R2）有效期内")
        probe = pol.InternshipAgreement(start_on, period, r2.monthly_rate)
        pol.internship_entitlement(ps, probe, pol.Outcome(pol.FINISHED))  # period bounds
        decision = pol.check_intern_eligibility(ps, start=start_on, person_cohorts=cohorts_of(profile, start_on, ps),
                                                base_registrations=_base_registrations(org),
                                                other_internships=others, period_months=period)
    except pol.CaseError as exc:
        raise case_error(exc) from None
    if not decision.allowed:
        raise not_eligible(decision, field="application_id")
    ag = InternshipAgreement(application_id=app.id, profile_id=profile.id, organisation_id=org.id,
                             posting_id=app.posting_id, start_on=start_on, period_months=period,
                             monthly_rate=r2.monthly_rate, status="active", graduate=profile.education >= 4,
                             policy_set=ps.name, policy_version=ps.version, created_by_id=actor.id)
    session.add(ag)
    session.flush()
    audit.record(session, actor, "internship_agreement", ag.id, "create", after=_snapshot(ag),
                 reason=decision.reason_zh)
    return ag


def record_interruption(session: Session, actor: User, agreement_id: int, from_on: dt.date, last_day_off: dt.date,
                        reason: str, note: str = "") -> InternshipInterruption:
    """Record a pause; the person types the last day away, stored as the first day back."""
    ag = _own(session, actor, agreement_id)
    if ag.status != "active":
        raise Conflict("见习已结束，不能再记录中断", "the internship has ended; no more interruptions", field="from_on")
    if last_day_off < from_on:
        raise ValidationFailed("最后一天不能早于开始日期", "the last day off cannot be before the first", field="to_on")
    ps = policies.named(ag.policy_set, ag.policy_version, session)  # R3's reasons of the start date
    new = pol.Interruption.from_last_day_off(from_on, last_day_off, reason)
    try:
        pol.internship_entitlement(ps, to_policy(ag, extra=(new,)), pol.Outcome(pol.FINISHED))
    except pol.CaseError as exc:
        raise case_error(exc) from None
    before = _snapshot(ag)
    it = InternshipInterruption(agreement_id=ag.id, from_on=new.start, to_on=new.end, reason=reason, note=note,
                                created_by_id=actor.id)
    ag.interruptions.append(it)
    session.flush()
    audit.record(session, actor, "internship_agreement", ag.id, "interruption", before=before, after=_snapshot(ag),
                 reason=note)
    return it


def end_agreement(session: Session, actor: User, agreement_id: int, kind: str, on: dt.date | None,
                  today: dt.date, note: str = "") -> pol.InternshipEntitlement:
    """Early labour contract, early leaving, or completion; the engine decides what it earns."""
    if kind not in (pol.FINISHED, pol.CONTRACT, pol.LEFT):
        raise ValidationFailed("结果应为 finished、contract 或 left", "outcome must be finished, contract or left",
                               field="kind")
    ag = _own(session, actor, agreement_id)
    if ag.status != "active":
        raise Conflict("见习已结束", "the internship has already ended", field="kind")
    if on is not None and on > today:
        raise ValidationFailed("日期不能晚于今天", "the date cannot be later than today", field="outcome_on")
    ps = policies.version_on(ag.policy_set, on or today, session)  # the version in force on the outcome (contract) date
    try:
        ent = pol.internship_entitlement(ps, to_policy(ag), pol.Outcome(kind, on, ag.graduate))
    except pol.CaseError as exc:
        raise case_error(exc) from None
    if ent.outcome_date > today:
        raise ValidationFailed(f"见习要到{ent.outcome_date.isoformat()}才期满", f"the internship only finishes on "
                               f"{ent.outcome_date.isoformat()}", field="outcome_on")
    before = _snapshot(ag)
    ag.status, ag.outcome_on = ent.outcome, ent.outcome_date
    ag.entitlement, ag.entitlement_rule = ent.entitlement, ent.rule
    ag.entitlement_policy_version = ps.version
    ag.entitlement_reason_zh, ag.entitlement_reason_en = ent.reason_zh, ent.reason_en
    session.flush()
    audit.record(session, actor, "internship_agreement", ag.id, ent.outcome, before=before, after=_snapshot(ag),
                 reason=note or ent.reason_zh)
    return ent


# --- dashboard -------------------------------------------------------------------------

def first_full_period_day(ps: pol.PolicySet, ag: InternshipAgreement, today: dt.date) -> dt.date | None:
    """The first day from which a labour contract earns the full period (R4), as the engine says.

    Searches day by day from max(S, today) to the day before E' (known pauses counted).
    """
    agreement = to_policy(ag)
    end = full_end(ps, ag)
    day = max(ag.start_on, today)
    # Pauses that start on or after a day are not yet known then: judge each day with those before it.
    while day < end:
        trimmed = pol.InternshipAgreement(agreement.start, agreement.period_months, agreement.monthly_rate,
                                          tuple(i for i in agreement.interruptions if i.start < day))
        try:
            ent = pol.internship_entitlement(ps, trimmed, pol.Outcome(pol.CONTRACT, day, ag.graduate))
        except pol.CaseError:
            return None
        if ent.full_period and ent.outcome == pol.CONTRACT:
            return day
        day += dt.timedelta(days=1)
    return None


def dashboard_row(ps: pol.PolicySet, ag: InternshipAgreement, today: dt.date) -> dict:
    """One intern's line: period, days served, extended end, entitlement now, contract-today amount."""
    row = {"agreement": ag, "id": ag.id, "name": ag.profile.name, "posting": ag.posting.title,
           "status": ag.status, "start_on": ag.start_on, "period_months": ag.period_months,
           "agreed_end": pol.agreed_end(ag.start_on, ag.period_months), "full_amount": Decimal(ag.monthly_rate) *
           ag.period_months, "extended_end": full_end(ps, ag)}
    now = entitlement_now(ps, ag, today)
    row.update(entitlement=now.entitlement, served_days=now.served_days, agreed_days=now.agreed_days,
               rule=now.rule, reason_zh=now.reason_zh, reason_en=now.reason_en,
               contract_today=None, full_period_from=None, one_third_reached=False)
    if ag.status == "active" and ag.start_on <= today < row["extended_end"]:
        try:
            what_if = pol.internship_entitlement(ps, to_policy(ag, before=today),
                                                 pol.Outcome(pol.CONTRACT, today, ag.graduate))
            row["contract_today"] = what_if
        except pol.CaseError:
            pass
    if ag.status == "active":
        row["full_period_from"] = first_full_period_day(ps, ag, ag.start_on)
        row["one_third_reached"] = row["full_period_from"] is not None and row["full_period_from"] <= today
    return row


def agreement_to_dict(ps: pol.PolicySet, ag: InternshipAgreement, today: dt.date) -> dict:
    r = dashboard_row(ps, ag, today)
    ct = r["contract_today"]
    return {
        "id": ag.id, "status": ag.status, "application_id": ag.application_id, "posting_id": ag.posting_id,
        "organisation": {"id": ag.organisation_id, "name": ag.organisation.name},
        "intern": {"profile_id": ag.profile_id, "name": ag.profile.name},
        "policy_set": ag.policy_set, "policy_version": ag.policy_version,
        "entitlement_policy_version": ag.entitlement_policy_version, "start_on": ag.start_on.isoformat(), "period_months": ag.period_months,
        "monthly_rate": pol.format_money(ag.monthly_rate), "graduate": ag.graduate,
        "agreed_end": r["agreed_end"].isoformat(), "extended_end": r["extended_end"].isoformat(),
        "outcome_on": ag.outcome_on.isoformat() if ag.outcome_on else None,
        "served_days": r["served_days"], "agreed_days": r["agreed_days"],
        "entitlement": pol.format_money(r["entitlement"]), "rule": r["rule"],
        "reason_zh": r["reason_zh"], "reason_en": r["reason_en"],
        "full_amount": pol.format_money(r["full_amount"]),
        "contract_today": None if ct is None else {"entitlement": pol.format_money(ct.entitlement), "rule": ct.rule,
                                                   "full_period": ct.full_period, "reason_zh": ct.reason_zh,
                                                   "reason_en": ct.reason_en},
        "full_period_from": r["full_period_from"].isoformat() if r["full_period_from"] else None,
        "interruptions": [{"id": i.id, "from": i.from_on.isoformat(), "to": i.to_on.isoformat(),
                           "last_day_off": (i.to_on - dt.timedelta(days=1)).isoformat(), "reason": i.reason,
                           "note": i.note} for i in ag.interruptions],
    }


def hires_without_agreement(session: Session, actor: User) -> list[Application]:
    """Hires on the organisation's internship postings that have no agreement yet."""
    if actor.role not in EMPLOYER_ROLES:
        raise Forbidden()
    taken = select(InternshipAgreement.application_id)
    return list(session.scalars(select(Application).join(Posting).where(
        Posting.organisation_id == actor.organisation_id, Posting.kind == "internship",
        Application.stage == "hired", Application.id.not_in(taken)).order_by(Application.id)))
