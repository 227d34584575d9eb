"""Subsidy claims (R5): internship subsidies, hiring subsidies (R6, R7) and agency referral
subsidies (R7), their review by caseworkers, fraud checks, exports and notifications.

Amounts come from ``marketplace.policy`` only. Readings (**[choice]**):

* An internship claim asks for "earned to date minus what is already claimed", where
  claimed counts submitted, approved and paid claims (a pending claim must not be claimed
  twice); ``policy.claimable_amount`` does the subtraction. When R4 makes the entitlement
  grow, the next claim is the top-up.
* The claim deadline (R5) is judged on the submission date; a late claim is refused with
  the engine's reason.
* Approval re-checks that approved totals stay within what the agreement has earned up to
  the claim's period end (or its final entitlement).
* Hiring claims state the hire date (defaulting to the day the application was moved to
  hired), the contract date and term, and the social insurance; status is read from the
  person's records (confirmed registered-unemployed category, graduation year).
* R6 and R7 hire subsidies for one person are treated as programmes that exclude each
  other: claiming both is flagged for the reviewer (not refused).
* Caseworkers review the claims of units registered in their own district.
* Rows are locked (``SELECT … FOR UPDATE``) while amounts are counted, and each hiring or
  referral claim holds a unique key while not rejected, so concurrent approvals or a
  double submission pay once.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace import policy as pol
from marketplace.core import audit
from marketplace.core.models import Application, ApplicationEvent, Organisation, User, utcnow
from marketplace.crypto import Cipher, mask_id_number
from marketplace.errors import Conflict, Forbidden, NotEligible, NotFound, ValidationFailed
from marketplace.internships import introductions
from marketplace.internships.agreements import (
    EMPLOYER_ROLES,
    REVIEW_ROLES,
    entitlement_now,
    first_full_period_day,
    full_end,
    get_agreement,
    not_eligible,
    occupied_until,
    policy_set,
    visible_rows,
    visible_to,
)
from marketplace.internships.models import InternshipAgreement, Notification, SubsidyClaim

COUNTED = ("submitted", "approved", "paid")
GRANTED = ("approved", "paid")
HIRE_KINDS = ("hiring_r6", "epidemic_r7")
KIND_NAMES = {"internship": ("就业见习补贴", "internship subsidy"), "hiring_r6": ("一次性吸纳就业补贴（R6）", "one-time hiring subsidy (R6)"),
              "epidemic_r7": ("疫情期间新招用补贴（R7）", "epidemic-period hire subsidy (R7)"),
              "referral_r7": ("职业介绍补贴（R7）", "referral subsidy (R7)")}
STATE_NAMES = {"draft": ("草稿", "draft"), "submitted": ("已提交", "submitted"), "approved": ("已批准", "approved"),
               "rejected": ("已驳回", "rejected"), "paid": ("已拨付", "paid")}


def _money(v) -> Decimal:
    return Decimal(v or 0).quantize(Decimal("0.01"))


def _snapshot(c: SubsidyClaim) -> dict:
    return {"state": c.state, "amount": str(c.amount), "rule": c.rule}


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


def _sum(session: Session, *where) -> Decimal:
    return _money(session.scalar(select(func.coalesce(func.sum(SubsidyClaim.amount), 0)).where(*where)))


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
    claimed = _sum(session, *where)
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
    ps = policy_set(ag.policy_set)
    if submit:
        _deadline(ps, today)
    c = SubsidyClaim(kind="internship", organisation_id=ag.organisation_id, profile_id=ag.profile_id,
                     agreement_id=ag.id, state="draft", created_by_id=actor.id)
    _fill_internship(session, ps, ag, c, today)
    session.add(c)
    session.flush()
    audit.record(session, actor, "subsidy_claim", c.id, "create", after=_snapshot(c), reason=c.reason_zh)
    if submit:
        _submit(session, actor, c, ps, today, refill=False)
    return c


# --- hiring and referral claims --------------------------------------------------------

def _hire_on(session: Session, app: Application) -> dt.date | None:
    at = session.scalar(select(func.max(ApplicationEvent.at)).where(
        ApplicationEvent.application_id == app.id, ApplicationEvent.to_stage == "hired"))
    return at.date() if at else None


def _parse_date(facts: dict, key: str) -> dt.date | None:
    v = facts.get(key)
    return dt.date.fromisoformat(v) if v else None


def _decide_hire(session: Session, ps: pol.PolicySet, c: SubsidyClaim, application_date: dt.date,
                 late_justification: str | None = None, granted_only: bool = False) -> pol.Decision:
    f, app = c.facts, c.application
    profile = app.profile
    hire_on = _parse_date(f, "hire_on")
    try:
        if c.kind == "hiring_r6":
            unemployed = next((x for x in profile.categories if x.category == "registered_unemployed"
                               and x.confirmed_at is not None), None)
            grad = profile.graduation_year if profile.has_category("graduating_year_graduate") else None
            facts = pol.HireFacts(
                hire_date=hire_on, contract_date=_parse_date(f, "contract_on"), contract_months=int(f["contract_months"]),
                monthly_social_insurance=Decimal(f["monthly_social_insurance"]),
                social_insurance_paid=bool(f.get("social_insurance_paid")),
                unemployment_registered_on=unemployed.since_on if unemployed else None,
                graduation_on=dt.date(grad, 7, 1) if grad else None,
                graduate_kind="college" if grad and profile.education >= 4 else None)
            prior = [cl.facts.get("contract_on") for cl in session.scalars(select(SubsidyClaim).where(
                SubsidyClaim.kind == "hiring_r6", SubsidyClaim.profile_id == c.profile_id,
                SubsidyClaim.state.in_(GRANTED), SubsidyClaim.id != (c.id or 0)))]
            return pol.hiring_subsidy(ps, facts, tuple(dt.date.fromisoformat(d) for d in prior if d))
        hire = pol.EpidemicHire(
            hire_date=hire_on, contract_months=int(f["contract_months"]), application_date=application_date,
            makeup_insurance_recorded_on=_parse_date(f, "makeup_insurance_on"),
            funding_source=f.get("funding_source") or "employment_subsidy_fund",
            supplies_epidemic_goods=app.posting.organisation.is_epidemic_supply, new_hire=True,
            late_justification=late_justification or c.decision_note or None)
        if c.kind == "epidemic_r7":
            return pol.epidemic_hire_subsidy(ps, hire)
        states = GRANTED if granted_only else COUNTED
        prior = _sum(session, SubsidyClaim.kind == "referral_r7", SubsidyClaim.organisation_id == c.organisation_id,
                     SubsidyClaim.state.in_(states), SubsidyClaim.id != (c.id or 0))
        return pol.epidemic_referral_subsidy(ps, hire, prior)
    except pol.CaseError as exc:
        raise ValidationFailed(f"输入不符合规则：{exc.message}", exc.message, field=exc.field) from None


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
        # Paid on the agency's own introduction of the person to this posting, recorded before
        # they applied, and only to the first agency (services.introductions). A hire the agency
        # never introduced is not its to claim, nor to learn of through the claim (404).
        introduction = introductions.for_referral_claim(session, actor, app)
    if app.stage != "hired":
        raise Conflict("该申请尚未录用", "this application is not a hire", field="application_id")
    if kind == "hiring_r6" and (not facts.get("contract_on") or facts.get("monthly_social_insurance") is None):
        raise ValidationFailed("一次性吸纳就业补贴需填写劳动合同签订日期和每月社会保险缴费额",
                               "the hiring subsidy needs the contract date and the monthly social insurance",
                               field="contract_on" if not facts.get("contract_on") else "monthly_social_insurance")
    ps = policy_set(policy_name)
    facts = dict(facts)
    facts["hire_on"] = facts.get("hire_on") or (_hire_on(session, app) or today).isoformat()
    if introduction is not None:  # the caseworker sees which introduction the claim rests on
        facts["introduction_id"] = introduction.id
        facts["introduced_on"] = introductions.local_date(introduction.created_at)
    if dt.date.fromisoformat(facts["hire_on"]) > today:
        raise ValidationFailed("招用日期不能晚于今天", "the hire date cannot be later than today", field="hire_on")
    once_key = f"{kind}:{app.id}"
    if session.scalar(select(SubsidyClaim.id).where(SubsidyClaim.once_key == once_key)):
        raise Conflict("该录用已申领过此项补贴", "this hire already has a claim for this subsidy", field="application_id")
    c = SubsidyClaim(kind=kind, organisation_id=actor.organisation_id, profile_id=app.profile_id,
                     application_id=app.id, state="draft", facts=facts, once_key=once_key, created_by_id=actor.id)
    c.application = app
    decision = _decide_hire(session, ps, c, today)
    _apply_decision(c, decision)
    session.add(c)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        # A double submission: the unique key decided, so it is paid once.
        raise Conflict("该录用已申领过此项补贴", "this hire already has a claim for this subsidy",
                       field="application_id") from None
    audit.record(session, actor, "subsidy_claim", c.id, "create", after=_snapshot(c), reason=c.reason_zh)
    if submit:
        _submit(session, actor, c, ps, today, refill=False)
    return c


def _apply_decision(c: SubsidyClaim, d: pol.Decision) -> None:
    c.rule, c.reason_zh, c.reason_en = d.rule, d.reason_zh, d.reason_en
    c.amount = _money(d.amount) if d.allowed and d.amount is not None else _money(0)


# --- state machine ---------------------------------------------------------------------

def _move(session: Session, actor: User, c: SubsidyClaim, to: str, reason: str = "") -> None:
    if not pol.can_transition(c.state, to):
        raise Conflict(f"申领当前为“{STATE_NAMES[c.state][0]}”，不能改为“{STATE_NAMES[to][0]}”",
                       f"the claim is {c.state} and cannot become {to}", field="state")
    before = _snapshot(c)
    c.state = to
    session.flush()
    audit.record(session, actor, "subsidy_claim", c.id, to, before=before, after=_snapshot(c), reason=reason)


def _submit(session: Session, actor: User, c: SubsidyClaim, ps: pol.PolicySet, today: dt.date,
            refill: bool = True) -> None:
    late = False
    if c.kind in ("internship", "hiring_r6"):
        _deadline(ps, today)  # R7 has its own application window instead
    if c.kind == "internship":
        if refill:
            _fill_internship(session, ps, c.agreement, c, today)
    else:
        d = _decide_hire(session, ps, c, today)
        late = _late_only(ps, c, d, today)
        if not d.allowed and not late:
            raise not_eligible(d)
        if refill or late:
            _apply_decision(c, d)
        if late:
            # Refused "in principle": it goes to a caseworker, who may accept it with a
            # recorded justification; the amount is what it would pay if accepted.
            probe = _decide_hire(session, ps, c, today, late_justification="-")
            c.amount = _money(probe.amount) if probe.allowed and probe.amount is not None else _money(0)
    c.submitted_on = today
    c.flags = fraud_flags(session, c)
    if late:
        c.flags = c.flags + [_flag("late_application", "逾期申请：原则上不予受理，经办人员可记录理由后受理（R7）",
                                   "late application: refused in principle; a caseworker may accept it with a "
                                   "recorded justification (R7)")]
    _move(session, actor, c, "submitted")


def _late_only(ps: pol.PolicySet, c: SubsidyClaim, d: pol.Decision, today: dt.date) -> bool:
    """An R7 application refused only because it is late (not because it is early)."""
    if c.kind not in ("epidemic_r7", "referral_r7") or d.allowed:
        return False
    if [x.code for x in d.failed()] != ["application_window"]:
        return False
    p = ps.rule("R7", _parse_date(c.facts, "hire_on"))
    window = pol.application_window(p) if p is not None else None
    return window is not None and window.end is not None and today > window.end


def submit_claim(session: Session, actor: User, claim_id: int, policy_name: str, today: dt.date) -> SubsidyClaim:
    if actor.role not in EMPLOYER_ROLES:
        raise Forbidden()
    c = get_claim(session, actor, claim_id, lock=True)
    if c.agreement_id:
        get_agreement(session, actor, c.agreement_id, lock=True)
        ps = policy_set(c.agreement.policy_set)
    else:
        ps = policy_set(policy_name)
    if c.state != "draft":
        raise Conflict("该申领已提交", "this claim was already submitted", field="state")
    _submit(session, actor, c, ps, today)
    return c


def review_decision(session: Session, c: SubsidyClaim, policy_name: str, today: dt.date) -> dict:
    """What the policy engine says now, for the reviewer: the rule, amount and why."""
    if c.kind == "internship":
        ag = c.agreement
        ps = policy_set(ag.policy_set)
        upto = c.period_to_on or today
        ent = entitlement_now(ps, ag, upto if ag.status == "active" else today)
        granted = _sum(session, SubsidyClaim.agreement_id == ag.id, SubsidyClaim.state.in_(GRANTED),
                       SubsidyClaim.id != c.id)
        room = pol.claimable_amount(ent.entitlement, granted)
        ok = _money(c.amount) <= room
        zh = (f"{ent.reason_zh}；应得{pol.format_money(ent.entitlement)}元，已批准{pol.format_money(granted)}元，"
              f"可批准至多{pol.format_money(room)}元")
        en = (f"{ent.reason_en}; earned {pol.format_money(ent.entitlement)} yuan, approved {pol.format_money(granted)} "
              f"yuan, at most {pol.format_money(room)} yuan can be approved")
        return {"rule": ent.rule, "allowed": ok, "amount": room, "reason_zh": zh, "reason_en": en,
                "entitlement": ent.entitlement}
    ps = policy_set(policy_name)
    d = _decide_hire(session, ps, c, c.submitted_on or today, granted_only=True)
    return {"rule": d.rule, "allowed": d.allowed, "amount": _money(d.amount) if d.amount is not None else None,
            "reason_zh": d.reason_zh, "reason_en": d.reason_en, "entitlement": None}


def approve_claim(session: Session, actor: User, claim_id: int, policy_name: str, today: dt.date,
                  note: str = "") -> SubsidyClaim:
    if actor.role not in REVIEW_ROLES:
        raise Forbidden("只有经办人员可以审批申领", "only caseworkers approve claims")
    c = get_claim(session, actor, claim_id, lock=True)  # a second approver waits here, then sees it approved
    if c.state != "submitted":
        raise Conflict(f"申领当前为“{STATE_NAMES[c.state][0]}”，不能批准", f"the claim is {c.state} and cannot be approved",
                       field="state")
    if c.agreement_id:
        session.get(InternshipAgreement, c.agreement_id, with_for_update=True)
    elif c.kind == "referral_r7":
        session.get(Organisation, c.organisation_id, with_for_update=True)
    if note:
        c.decision_note = note
    d = review_decision(session, c, policy_name, today)
    if not d["allowed"]:
        raise NotEligible(f"不予批准：{d['reason_zh']}", f"cannot approve: {d['reason_en']}", field="state")
    if c.kind == "referral_r7" and d["amount"] is not None and d["amount"] < c.amount:
        c.amount = d["amount"]  # the agency cap was reached meanwhile: approve what is left under it
    if c.kind != "internship":
        c.reason_zh, c.reason_en = d["reason_zh"], d["reason_en"]
    c.decided_by_id, c.decided_at = actor.id, utcnow()
    _move(session, actor, c, "approved", reason=note or d["reason_zh"])
    return c


def reject_claim(session: Session, actor: User, claim_id: int, reason: str) -> SubsidyClaim:
    if actor.role not in REVIEW_ROLES:
        raise Forbidden("只有经办人员可以驳回申领", "only caseworkers reject claims")
    if not reason.strip():
        raise ValidationFailed("请填写驳回理由", "give the reason for rejecting", field="reason")
    c = get_claim(session, actor, claim_id, lock=True)
    c.decided_by_id, c.decided_at, c.decision_note = actor.id, utcnow(), reason
    _move(session, actor, c, "rejected", reason=reason)
    c.once_key = None  # a rejected hire claim no longer blocks a corrected one
    session.flush()
    return c


def mark_paid(session: Session, actor: User, claim_id: int) -> SubsidyClaim:
    if actor.role not in REVIEW_ROLES:
        raise Forbidden()
    c = get_claim(session, actor, claim_id, lock=True)
    c.paid_at = utcnow()
    _move(session, actor, c, "paid")
    return c


# --- fraud checks ----------------------------------------------------------------------

def _flag(code: str, zh: str, en: str) -> dict:
    return {"code": code, "zh": zh, "en": en}


def fraud_flags(session: Session, c: SubsidyClaim) -> list[dict]:
    """Reasons a reviewer should look twice; they never block by themselves."""
    flags: list[dict] = []
    others = list(session.scalars(select(SubsidyClaim).where(
        SubsidyClaim.profile_id == c.profile_id, SubsidyClaim.id != (c.id or 0),
        SubsidyClaim.state.in_(COUNTED))))
    for o in others:
        if o.kind == c.kind and o.organisation_id != c.organisation_id:
            flags.append(_flag("same_person_twice", f"同一人员已由另一单位（{o.organisation.name}）申领同项补贴（申领#{o.id}）",
                               f"the same person is claimed for this subsidy by another unit ({o.organisation.name}, "
                               f"claim #{o.id})"))
        if {o.kind, c.kind} == set(HIRE_KINDS):
            flags.append(_flag("exclusive_programmes", f"同一人员已申领互斥的补贴项目（{KIND_NAMES[o.kind][0]}，申领#{o.id}）",
                               f"the same person is claimed under an exclusive programme ({KIND_NAMES[o.kind][1]}, "
                               f"claim #{o.id})"))
    agreements = list(session.scalars(select(InternshipAgreement).where(
        InternshipAgreement.profile_id == c.profile_id)))
    if c.kind == "internship" and c.agreement is not None:
        ag = c.agreement
        if ag.organisation_id != c.organisation_id:
            flags.append(_flag("not_employed", "申领单位不是该见习协议的见习单位",
                               "the claimant is not the unit of this internship agreement"))
        ps = policy_set(ag.policy_set)
        mine = pol.DateRange(ag.start_on, occupied_until(ps, ag))
        for o in agreements:
            if o.id != ag.id and mine.overlaps(pol.DateRange(o.start_on, occupied_until(ps, o))):
                flags.append(_flag("overlapping_internships", f"与另一见习协议（#{o.id}，{o.organisation.name}，"
                                   f"自{o.start_on.isoformat()}）时间重叠",
                                   f"overlaps another internship agreement (#{o.id}, {o.organisation.name}, from "
                                   f"{o.start_on.isoformat()})"))
        if ag.status == "contract" and ag.outcome_on and ag.outcome_on < ag.start_on:
            flags.append(_flag("contract_before_start", "劳动合同日期早于见习开始日期",
                               "the labour contract date is before the internship start"))
    if c.application is not None:
        app = c.application
        if app.stage != "hired":
            flags.append(_flag("not_employed", "该人员未被录用", "the person was not hired"))
        elif c.kind in HIRE_KINDS and app.posting.organisation_id != c.organisation_id:
            flags.append(_flag("not_employed", "该人员不是申领单位录用的", "the person was not hired by the claimant"))
        contract_on = _parse_date(c.facts, "contract_on") or _parse_date(c.facts, "hire_on")
        employer_id = app.posting.organisation_id
        for o in agreements:
            if contract_on and o.organisation_id == employer_id and contract_on < o.start_on:
                flags.append(_flag("contract_before_start", f"劳动合同日期{contract_on.isoformat()}早于该单位见习协议"
                                   f"（#{o.id}）开始日期{o.start_on.isoformat()}",
                                   f"the contract date {contract_on.isoformat()} is before the start "
                                   f"{o.start_on.isoformat()} of this unit's internship agreement #{o.id}"))
    return flags


# --- exports ---------------------------------------------------------------------------

EXPORT_HEADER = ["申领编号 claim", "补贴类别 kind", "状态 state", "申领单位 claimant", "统一社会信用代码 credit code",
                 "姓名 name", "身份证号（脱敏）ID (masked)", "金额（元）amount (yuan)", "规则 rule", "提交日期 submitted",
                 "审批时间 decided", "疑点 flags"]


def export_rows(session: Session, cipher: Cipher, stmt, actor: User | None = None) -> list[list]:
    """Rows for the finance office; ID numbers masked. The export itself is audited (PIPL)."""
    rows = []
    for c in session.scalars(stmt):
        rows.append([c.id, KIND_NAMES[c.kind][0], STATE_NAMES[c.state][0], c.organisation.name,
                     c.organisation.credit_code, c.profile.name,
                     mask_id_number(cipher.decrypt(c.profile.id_number_enc)), _money(c.amount), c.rule,
                     c.submitted_on.isoformat() if c.submitted_on else "",
                     c.decided_at.strftime("%Y-%m-%d %H:%M") if c.decided_at else "",
                     "；".join(f["zh"] for f in c.flags or [])])
    if actor is not None:
        audit.record(session, actor, "subsidy_claim", None, "export", after={"rows": len(rows)},
                     reason="导出申领清单（身份证号已脱敏）")
    return rows


def export_csv(rows: list[list]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(EXPORT_HEADER)
    for r in rows:
        w.writerow([pol.format_money(v) if isinstance(v, Decimal) else v for v in r])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 Chinese correctly


def export_xlsx(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "claims"
    ws.append(EXPORT_HEADER)
    for r in rows:
        ws.append(r)
        ws.cell(row=ws.max_row, column=8).number_format = "#,##0.00"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def claim_to_dict(c: SubsidyClaim) -> dict:
    return {"id": c.id, "kind": c.kind, "state": c.state, "amount": pol.format_money(c.amount),
            "organisation": {"id": c.organisation_id, "name": c.organisation.name},
            "person": {"profile_id": c.profile_id, "name": c.profile.name},
            "agreement_id": c.agreement_id, "application_id": c.application_id,
            "period_from_on": c.period_from_on.isoformat() if c.period_from_on else None,
            "period_to_on": c.period_to_on.isoformat() if c.period_to_on else None,
            "top_up": c.top_up, "rule": c.rule, "reason_zh": c.reason_zh, "reason_en": c.reason_en,
            "facts": c.facts, "flags": c.flags or [],
            "submitted_on": c.submitted_on.isoformat() if c.submitted_on else None,
            "decided_at": c.decided_at.isoformat() if c.decided_at else None, "decision_note": c.decision_note}


# --- notifications ---------------------------------------------------------------------

def notify(session: Session, user_id: int, kind: str, key: str, zh: str, en: str, link: str = "") -> bool:
    """Create a notification once per (user, key); False when it already exists."""
    if session.scalar(select(Notification.id).where(Notification.user_id == user_id, Notification.key == key)):
        return False
    try:
        with session.begin_nested():
            session.add(Notification(user_id=user_id, kind=kind, key=key, text_zh=zh, text_en=en, link=link))
            session.flush()
    except IntegrityError:
        return False  # another run made it at the same moment
    return True


def notifications_for(session: Session, actor: User, limit: int = 20) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.user_id == actor.id)
                                .order_by(Notification.read_at.is_not(None), Notification.id.desc()).limit(limit)))


def mark_read(session: Session, actor: User, notification_id: int) -> Notification:
    n = session.get(Notification, notification_id)
    if n is None or n.user_id != actor.id:
        raise NotFound("通知", "notification")
    if n.read_at is None:
        n.read_at = utcnow()
        session.flush()
    return n


def run_reminders(session: Session, today: dt.date, days_before_end: int = 14, no_claim_after_days: int = 30) -> dict:
    """Reminders before an internship ends, when the one-third point is reached, and notices
    to the district's caseworkers of agreements without claims. Safe to run twice."""
    made = {"ending": 0, "one_third": 0, "no_claim": 0}
    for ag in session.scalars(select(InternshipAgreement).order_by(InternshipAgreement.id)):
        ps = policy_set(ag.policy_set)
        staff = list(session.scalars(select(User.id).where(User.organisation_id == ag.organisation_id,
                                                           User.is_active.is_(True))))
        link = f"/employer/internships/{ag.id}"
        name = ag.profile.name
        if ag.status == "active":
            end = full_end(ps, ag)
            if today < end <= today + dt.timedelta(days=days_before_end):
                for uid in staff:
                    made["ending"] += notify(
                        session, uid, "internship_ending", f"ending:{ag.id}:{end.isoformat()}",
                        f"{name}的见习将于{end.isoformat()}期满（延长后），请及时办理结束或签订劳动合同",
                        f"{name}'s internship ends on {end.isoformat()} (extended end); finish it or sign a contract",
                        link)
            first = first_full_period_day(ps, ag, ag.start_on)
            if first is not None and first <= today < end:
                for uid in staff:
                    made["one_third"] += notify(
                        session, uid, "one_third_reached", f"one_third:{ag.id}",
                        f"{name}的见习剩余不足三分之一：自{first.isoformat()}起签订劳动合同可获全部期限见习补贴（R4）",
                        f"less than one third of {name}'s internship remains: a labour contract from "
                        f"{first.isoformat()} earns the full period (R4)", link)
        has_claim = session.scalar(select(SubsidyClaim.id).where(SubsidyClaim.agreement_id == ag.id,
                                                                 SubsidyClaim.state != "draft").limit(1))
        if not has_claim and (ag.status != "active" or (today - ag.start_on).days >= no_claim_after_days):
            for uid in session.scalars(select(User.id).where(User.role == "caseworker",
                                                             User.district == ag.organisation.district)):
                made["no_claim"] += notify(
                    session, uid, "no_claim", f"no_claim:{ag.id}",
                    f"{ag.organisation.name}与{name}的见习协议（#{ag.id}，自{ag.start_on.isoformat()}）尚无补贴申领",
                    f"The internship agreement #{ag.id} of {ag.organisation.name} with {name} (from "
                    f"{ag.start_on.isoformat()}) has no subsidy claim yet", link)
    session.flush()
    return made
