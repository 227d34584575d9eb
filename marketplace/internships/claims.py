"""Subsidy claims (R5): internship subsidies, hiring subsidies (R6, R7), agency referral
subsidies (R7) and the Hubei-origin graduates' one-time subsidy (R15); their review by
caseworkers. Fraud checks are in ``fraud``, exports and the JSON form in ``exports``,
reminders in ``reminders``; R15's facts in ``hubei``. Over 400 lines because the five kinds
of claim share one life cycle (create, decide, submit, price under a policy version) that
reads best in one place; the facts they rest on are in ``facts`` and ``changes``.

Amounts come from ``marketplace.policy`` only. Readings (**[choice]**):

* An internship claim asks for "earned to date minus what is already claimed", where
  claimed counts submitted, approved and paid claims (a pending claim must not be claimed
  twice); ``policy.claimable_amount`` does the subtraction. When R4 makes the entitlement
  grow, the next claim is the top-up.
* The claim deadline (R5) is judged on the submission date; a late claim is refused with
  the engine's reason.
* Approval re-checks that approved totals stay within what the agreement has earned up to
  the claim's period end (or its final entitlement).
* Hiring and referral claims type no facts (issue 13, finding 3): the hire date is the day
  the application was moved to hired, the contract and the social insurance are the
  employer's records (``facts``); a claim that states other values is refused (422, the rule
  and the record). Status is read from the person's records (confirmed registered-unemployed
  category, graduation year). Approval waits until the typed records are confirmed
  (``review``).
* R6 and R7 hire subsidies for one person are treated as programmes that exclude each
  other: claiming both is flagged for the reviewer (not refused).
* Caseworkers review the claims of units registered in their own district (a person's own
  R15 claim: of the person's district).
* Each claim is priced by the version of the set in force on its event date (internship:
  the outcome date, or the day claimed while running; R6/R7: the hire date; R15: the day
  applied) and keeps that set and version (``policy_set``, ``policy_version``).
* Rows are locked (``SELECT … FOR UPDATE``) while amounts are counted, and each hiring,
  referral or R15 claim holds a unique key while not rejected, so concurrent approvals or a
  double submission pay once.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace import policies
from marketplace import policy as pol
from marketplace.core import audit
from marketplace.core.models import Application, Organisation, Posting, Profile, User
from marketplace.core.profiles import get_profile, my_profile
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.internships import evidence, hubei, introductions, notices, overpayments
from marketplace.internships.agreements import (
    EMPLOYER_ROLES,
    REVIEW_ROLES,
    entitlement_now,
    full_end,
    get_agreement,
    not_eligible,
    policy_of,
    visible_rows,
    visible_to,
)
from marketplace.internships.exports import money
from marketplace.internships.facts import as_claim_facts, ask_the_person, hire_facts, refuse_contradictions
from marketplace.internships.fraud import flag, fraud_flags, parse_date
from marketplace.internships.models import (
    COUNTED,
    GRANTED,
    HIRE_KINDS,
    KIND_NAMES,
    STATE_NAMES,
    InternshipAgreement,
    Overpayment,
    SubsidyClaim,
)

__all__ = ["COUNTED", "GRANTED", "HIRE_KINDS", "KIND_NAMES", "STATE_NAMES"]


def _snapshot(c: SubsidyClaim) -> dict:
    return {"state": c.state, "amount": str(c.amount), "rule": c.rule, "policy_set": c.policy_set,
            "policy_version": c.policy_version}


def priced_by(c: SubsidyClaim, ps: pol.PolicySet) -> None:
    """The claim keeps the set and version that priced it."""
    c.policy_set, c.policy_version = ps.name, ps.version


def event_on(c: SubsidyClaim, today: dt.date) -> dt.date:
    """The date that picks the version judging a claim (POLICY.md section 0)."""
    if c.kind == "internship":
        ag = c.agreement
        return ag.outcome_on if ag is not None and ag.outcome_on else (c.period_to_on or today)
    if c.kind == hubei.KIND:
        return c.submitted_on or today
    return parse_date(c.facts, "hire_on") or today


# --- visibility ------------------------------------------------------------------------

def get_claim(session: Session, actor: User, claim_id: int, lock: bool = False) -> SubsidyClaim:
    # populate_existing: a second approver that waited on the lock sees the first one's change
    c = session.get(SubsidyClaim, claim_id, with_for_update=lock or None, populate_existing=lock)
    if c is None or not visible_to(actor, c):
        raise NotFound("补贴申领", "subsidy claim")
    return c


def claims_for(actor: User, state: str | None = None, kind: str | None = None):
    stmt = visible_rows(select(SubsidyClaim).order_by(SubsidyClaim.id.desc()), SubsidyClaim, actor)
    if state:
        stmt = stmt.where(SubsidyClaim.state == state)
    if kind:
        stmt = stmt.where(SubsidyClaim.kind == kind)
    return stmt


def claims_of_agreement(session: Session, ag: InternshipAgreement) -> list[SubsidyClaim]:
    """The claims made on one agreement, oldest first (for the agreement's page)."""
    return list(session.scalars(select(SubsidyClaim).where(SubsidyClaim.agreement_id == ag.id)
                                .order_by(SubsidyClaim.id)))


def hires_to_claim(session: Session, actor: User, limit: int = 100) -> list[Application]:
    """What the hire-claim form offers: an agency's hires its introductions brought about
    (``introductions.claimable_hires``), an employer's own hires (newest first)."""
    if actor.role == "agency":
        return introductions.claimable_hires(session, actor)
    return list(session.scalars(select(Application).join(Posting).where(
        Posting.organisation_id == actor.organisation_id, Application.stage == "hired")
        .order_by(Application.id.desc()).limit(limit)))


def total(session: Session, *where) -> Decimal:
    return money(session.scalar(select(func.coalesce(func.sum(SubsidyClaim.amount), 0)).where(*where)))


def _deadline(ps: pol.PolicySet, today: dt.date) -> None:
    decision = pol.check_claim_deadline(ps, today)
    if not decision.allowed:
        raise not_eligible(decision)


# --- internship claims -----------------------------------------------------------------

def _internship_amount(session: Session, ps: pol.PolicySet, ag: InternshipAgreement, today: dt.date,
                       exclude_id: int | None = None):
    earned = entitlement_now(ps, ag, today)
    where = [SubsidyClaim.agreement_id == ag.id, SubsidyClaim.state.in_(COUNTED)]
    if exclude_id is not None:
        where.append(SubsidyClaim.id != exclude_id)
    # Overpayments recorded on the agreement are money taken back (offset or recovered): not claimed.
    claimed = total(session, *where) - overpayments.recorded_for(session, Overpayment.agreement_id == ag.id)
    return earned, claimed, pol.claimable_amount(earned.entitlement, claimed)


def _fill_internship(session: Session, ps: pol.PolicySet, ag: InternshipAgreement, c: SubsidyClaim,
                     today: dt.date) -> None:
    earned, claimed, amount = _internship_amount(session, ps, ag, today, exclude_id=c.id)
    if amount <= 0:
        raise Conflict(f"目前没有可申领的金额：已获{pol.format_money(earned.entitlement)}元，已申领{pol.format_money(claimed)}元",
                       f"nothing to claim now: earned {pol.format_money(earned.entitlement)} yuan, already claimed "
                       f"{pol.format_money(claimed)} yuan", field="agreement_id")
    last = session.scalar(select(func.max(SubsidyClaim.period_to_on)).where(
        SubsidyClaim.agreement_id == ag.id, SubsidyClaim.state.in_(COUNTED), SubsidyClaim.id != (c.id or 0)))
    end = ag.outcome_on if ag.status != "active" else min(today, full_end(ps, ag))
    c.amount = amount
    c.period_from_on = last or ag.start_on
    c.period_to_on = max(end, c.period_from_on)
    c.top_up = claimed > 0 and earned.rule == "R4"
    c.rule = earned.rule
    c.reason_zh = (f"{earned.reason_zh}；应得{pol.format_money(earned.entitlement)}元，已申领{pol.format_money(claimed)}元，"
                   f"本次{pol.format_money(amount)}元" + ("（R4补差）" if c.top_up else ""))
    c.reason_en = (f"{earned.reason_en}; earned {pol.format_money(earned.entitlement)} yuan, already claimed "
                   f"{pol.format_money(claimed)} yuan, this claim {pol.format_money(amount)} yuan"
                   + (" (R4 top-up)" if c.top_up else ""))


def create_internship_claim(session: Session, actor: User, agreement_id: int, today: dt.date,
                            submit: bool = True) -> SubsidyClaim:
    if actor.role not in EMPLOYER_ROLES:
        raise Forbidden("只有见习单位可以申领见习补贴", "only the internship unit can claim the internship subsidy")
    ag = get_agreement(session, actor, agreement_id, lock=True)  # counted under this lock: pays once
    ps = policy_of(ag, ag.outcome_on or today)
    if submit:
        _deadline(ps, today)
    c = SubsidyClaim(kind="internship", organisation_id=ag.organisation_id, profile_id=ag.profile_id,
                     agreement_id=ag.id, state="draft", created_by_id=actor.id)
    _fill_internship(session, ps, ag, c, today)
    priced_by(c, ps)
    session.add(c)
    session.flush()
    audit.record(session, actor, "subsidy_claim", c.id, "create", after=_snapshot(c), reason=c.reason_zh)
    if submit:
        _submit(session, actor, c, ps, today, refill=False)
    return c


# --- hiring and referral claims --------------------------------------------------------

def decide(session: Session, ps: pol.PolicySet, c: SubsidyClaim, application_date: dt.date,
                 late_justification: str | None = None, granted_only: bool = False) -> pol.Decision:
    if c.kind == hubei.KIND:
        return hubei.decide(session, ps, c, application_date, granted_only=granted_only)
    f, app = c.facts, c.application
    profile = app.profile
    rec = hire_facts(session, app, c.kind)  # from records only (finding 3), never from c.facts
    hire_on = rec["hire_on"]
    try:
        if c.kind == "hiring_r6":
            unemployed = next((x for x in profile.categories if x.category == "registered_unemployed"
                               and x.confirmed_at is not None), None)
            grad = profile.graduation_year if profile.has_category("graduating_year_graduate") else None
            facts = pol.HireFacts(
                hire_date=hire_on, contract_date=rec["contract_on"], contract_months=rec["contract_months"],
                monthly_social_insurance=Decimal(rec["monthly_social_insurance"]),
                social_insurance_paid=rec["social_insurance_paid"],
                unemployment_registered_on=unemployed.since_on if unemployed else None,
                graduation_on=dt.date(grad, 7, 1) if grad else None,
                graduate_kind="college" if grad and profile.education >= 4 else None)
            prior = [cl.facts.get("contract_on") for cl in session.scalars(select(SubsidyClaim).where(
                SubsidyClaim.kind == "hiring_r6", SubsidyClaim.profile_id == c.profile_id,
                SubsidyClaim.state.in_(GRANTED), SubsidyClaim.id != (c.id or 0)))]
            return pol.hiring_subsidy(ps, facts, tuple(dt.date.fromisoformat(d) for d in prior if d))
        hire = pol.EpidemicHire(
            hire_date=hire_on, contract_months=rec["contract_months"], application_date=application_date,
            makeup_insurance_recorded_on=rec["makeup_insurance_on"],
            funding_source=f.get("funding_source") or "employment_subsidy_fund",
            supplies_epidemic_goods=app.posting.organisation.is_epidemic_supply, new_hire=True,
            late_justification=late_justification or c.decision_note or None)
        if c.kind == "epidemic_r7":
            return pol.epidemic_hire_subsidy(ps, hire)
        # R7 referral: the introduction is read from its record (accepted by the person in
        # time, the one credited), at the claim and again at review (introductions)
        refusal = introductions.referral_refusal(session, c.organisation_id, app)
        if refusal is not None:
            return refusal
        states = GRANTED if granted_only else COUNTED
        prior = total(session, SubsidyClaim.kind == "referral_r7", SubsidyClaim.organisation_id == c.organisation_id,
                     SubsidyClaim.state.in_(states), SubsidyClaim.id != (c.id or 0))
        return pol.epidemic_referral_subsidy(ps, hire, prior)
    except pol.CaseError as exc:
        raise ValidationFailed(exc.zh or "此项不符合政策规则，请核对", exc.message, field=exc.field) from None


def create_hire_claim(session: Session, actor: User, policy_name: str, kind: str, application_id: int, facts: dict,
                      today: dt.date, submit: bool = True) -> SubsidyClaim:
    """R6 / R7 from a hire by the claimant; R7 referral by an HR agency for a hire it referred."""
    if kind not in HIRE_KINDS + ("referral_r7",):
        raise ValidationFailed("未知的补贴类别", "unknown subsidy kind", field="kind")
    if actor.role not in EMPLOYER_ROLES:
        raise Forbidden("只有用人单位或人力资源机构可以申领", "only employers and HR agencies can claim")
    if kind == "referral_r7":
        org = session.get(Organisation, actor.organisation_id, with_for_update=True)  # the cap is counted under this lock
        if org.org_type != "hr_agency":
            raise Forbidden("职业介绍补贴只能由人力资源服务机构申领", "only HR service agencies claim referral subsidies")
    app = session.get(Application, application_id, with_for_update=True)
    if app is None or (kind != "referral_r7" and app.posting.organisation_id != actor.organisation_id):
        raise NotFound("录用记录", "hire")
    introduction = None
    if kind == "referral_r7":
        # Paid on the agency's own introduction of the person to this posting, accepted by the
        # person before they approached it, and only one agency's (introductions). A hire the
        # agency never introduced is not its to claim, nor to learn of through the claim (404);
        # an introduction that does not count is refused with R7's reason.
        introduction = introductions.for_referral_claim(session, actor, app)
    if app.stage != "hired":
        raise Conflict("该申请尚未录用", "this application is not a hire", field="application_id")
    # Finding 3: the hire date, contract and social insurance come from the records; a claim
    # that states other values is refused, naming the rule and the record it contradicts.
    rec = hire_facts(session, app, kind)
    refuse_contradictions(kind, facts, rec, app)
    typed, facts = facts, as_claim_facts(rec)
    if rec["hire_on"] > today:
        raise ValidationFailed("录用日期晚于今天", "the recorded hire date is later than today", field="hire_on")
    if typed.get("funding_source"):
        facts["funding_source"] = typed["funding_source"]
    ps = policies.version_on(policy_name, rec["hire_on"], session)  # the version in force on the hire date
    if introduction is not None:  # the caseworker sees which introduction the claim rests on
        facts["introduction_id"] = introduction.id
        facts["introduced_on"] = introductions.local_date(introduction.created_at)
        facts["introduction_accepted_on"] = introductions.local_date(introduction.answered_at)
    once_key = f"{kind}:{app.id}"
    if session.scalar(select(SubsidyClaim.id).where(SubsidyClaim.once_key == once_key)):
        raise Conflict("该录用已申领过此项补贴", "this hire already has a claim for this subsidy", field="application_id")
    c = SubsidyClaim(kind=kind, organisation_id=actor.organisation_id, profile_id=app.profile_id,
                     application_id=app.id, state="draft", facts=facts, once_key=once_key, created_by_id=actor.id)
    c.application = app
    decision = decide(session, ps, c, today)
    _apply_decision(c, decision)
    priced_by(c, ps)
    _add_once(session, actor, c, Conflict("该录用已申领过此项补贴", "this hire already has a claim for this subsidy",
                                          field="application_id"))
    if submit:
        _submit(session, actor, c, ps, today, refill=False)
    return c


def _add_once(session: Session, actor: User, c: SubsidyClaim, double: Conflict) -> None:
    """Add a claim that holds its once-key: a double submission meets the unique key (and
    ``double`` is raised), so it is paid once."""
    session.add(c)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise double from None
    audit.record(session, actor, "subsidy_claim", c.id, "create", after=_snapshot(c), reason=c.reason_zh)


def create_hubei_claim(session: Session, actor: User, policy_name: str, today: dt.date,
                       profile_id: int | None = None) -> SubsidyClaim:
    """R15: a person claims for themselves, or a caseworker for a person of the district
    (``profile_id``). Every fact comes from the person's records (``hubei``); the claim is
    submitted at once, and refused with R15's reason when the engine says no."""
    if actor.role == "person":
        profile = my_profile(session, actor)
        if profile is None or (profile_id is not None and profile_id != profile.id):
            raise NotFound("求职者档案", "profile")
    elif actor.role in REVIEW_ROLES:
        if profile_id is None:
            raise ValidationFailed("请填写求职者档案编号", "give the person's profile number", field="profile_id")
        profile = get_profile(session, actor, profile_id)
    else:
        raise Forbidden("湖北籍高校毕业生补贴由本人或经办人员申领",
                        "the Hubei graduates' subsidy is claimed by the person or by a caseworker")
    session.get(Profile, profile.id, with_for_update=True)  # counted under this lock: paid once
    ps = policies.version_on(policy_name, today, session)  # in force on the day applied
    c = SubsidyClaim(kind=hubei.KIND, organisation_id=None, profile_id=profile.id, state="draft",
                     facts={"college": hubei.facts_of(profile)["college"]}, created_by_id=actor.id)
    c.profile = profile
    d = decide(session, ps, c, today)
    if not d.allowed:
        raise not_eligible(d, field="profile_id")
    _apply_decision(c, d)
    priced_by(c, ps)
    c.once_key = f"{hubei.KIND}:{profile.id}"
    _add_once(session, actor, c, Conflict("该求职者已申领过此项补贴", "this person already has a claim for this subsidy",
                                          field="profile_id"))
    _submit(session, actor, c, ps, today, refill=False)
    return c


def hubei_facts_for(session: Session, actor: User) -> dict | None:
    """What R15 reads from the person's own records (None without a profile)."""
    profile = my_profile(session, actor)
    return None if profile is None else hubei.facts_of(profile)


def hubei_claims_of(session: Session, actor: User) -> list[SubsidyClaim]:
    """The actor's R15 claims (a person's own; a caseworker's district)."""
    return list(session.scalars(claims_for(actor, kind=hubei.KIND)))


def _apply_decision(c: SubsidyClaim, d: pol.Decision) -> None:
    c.rule, c.reason_zh, c.reason_en = d.rule, d.reason_zh, d.reason_en
    c.amount = money(d.amount) if d.allowed and d.amount is not None else money(0)


# --- state machine ---------------------------------------------------------------------

def move(session: Session, actor: User, c: SubsidyClaim, to: str, reason: str = "") -> None:
    if not pol.can_transition(c.state, to):
        raise Conflict(f"申领当前为“{STATE_NAMES[c.state][0]}”，不能改为“{STATE_NAMES[to][0]}”",
                       f"the claim is {c.state} and cannot become {to}", field="state")
    before = _snapshot(c)
    c.state = to
    session.flush()
    audit.record(session, actor, "subsidy_claim", c.id, to, before=before, after=_snapshot(c), reason=reason)
    notices.claim_moved(session, actor, c, to, reason)


def _submit(session: Session, actor: User, c: SubsidyClaim, ps: pol.PolicySet, today: dt.date,
            refill: bool = True) -> None:
    evidence.require(session, c, ps)  # the papers the set lists for this kind, named when missing
    late = False
    if c.kind in ("internship", "hiring_r6"):
        _deadline(ps, today)  # R7 has its own application window instead
    if c.kind == "internship":
        if refill:
            _fill_internship(session, ps, c.agreement, c, today)
            priced_by(c, ps)
    else:
        d = decide(session, ps, c, today)
        late = late_only(ps, c, d, today)
        if not d.allowed and not late:
            raise not_eligible(d)
        if refill or late:
            _apply_decision(c, d)
            priced_by(c, ps)
        if late:
            # Refused "in principle": it goes to a caseworker, who may accept it with a
            # recorded justification; the amount is what it would pay if accepted.
            probe = decide(session, ps, c, today, late_justification="-")
            c.amount = money(probe.amount) if probe.allowed and probe.amount is not None else money(0)
    c.submitted_on = today
    c.flags = fraud_flags(session, c)
    if late:
        c.flags = c.flags + [flag("late_application", "逾期申请：原则上不予受理，经办人员可记录理由后受理（R7）",
                                   "late application: refused in principle; a caseworker may accept it with a "
                                   "recorded justification (R7)")]
    move(session, actor, c, "submitted")
    ask_the_person(session, c)  # the intern / employee confirms what the unit recorded (finding 3)


def late_only(ps: pol.PolicySet, c: SubsidyClaim, d: pol.Decision, today: dt.date) -> bool:
    """An R7 application refused only because it is late (not because it is early)."""
    if c.kind not in ("epidemic_r7", "referral_r7") or d.allowed:
        return False
    if [x.code for x in d.failed()] != ["application_window"]:
        return False
    p = ps.rule("R7", parse_date(c.facts, "hire_on"))
    window = pol.application_window(p) if p is not None else None
    return window is not None and window.end is not None and today > window.end


def submit_claim(session: Session, actor: User, claim_id: int, policy_name: str, today: dt.date) -> SubsidyClaim:
    if actor.role not in EMPLOYER_ROLES:
        raise Forbidden()
    c = get_claim(session, actor, claim_id, lock=True)
    if c.agreement_id:
        get_agreement(session, actor, c.agreement_id, lock=True)
        ps = policy_of(c.agreement, c.agreement.outcome_on or today)
    else:
        ps = policies.version_on(c.policy_set or policy_name, event_on(c, today), session)
    if c.state not in ("draft", "rejected"):  # a refused claim is answered by resubmitting it
        raise Conflict("该申领已提交", "this claim was already submitted", field="state")
    _submit(session, actor, c, ps, today)
    return c
