"""Caseworkers' review of subsidy claims: what the policy engine says now beside each
claim, approval (re-checked under a lock), rejection with a reason, payment.

Approval also waits for every typed record the amount rests on to be confirmed by someone
who does not benefit (``facts.unconfirmed``: the refusal says who must confirm what), and
withholds the organisation's open overpayments from the approved amount
(``overpayments.offset_against``)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from marketplace import clock, policies
from marketplace import policy as pol
from marketplace.core.models import Organisation, User
from marketplace.errors import Conflict, Forbidden, NotEligible, ValidationFailed
from marketplace.internships import facts, overpayments
from marketplace.internships.agreements import REVIEW_ROLES, entitlement_now
from marketplace.internships.claims import decide, get_claim, move, total
from marketplace.internships.exports import money
from marketplace.internships.models import GRANTED, STATE_NAMES, InternshipAgreement, Overpayment, SubsidyClaim


def review_decision(session: Session, c: SubsidyClaim, policy_name: str, today: dt.date) -> dict:
    """What the policy engine says now, for the reviewer: the rule, amount and why."""
    if c.kind == "internship":
        ag = c.agreement
        ps = (policies.named(c.policy_set, c.policy_version, session) if c.policy_version
              else policies.named(ag.policy_set, None, session))
        upto = c.period_to_on or today
        ent = entitlement_now(ps, ag, upto if ag.status == "active" else today)
        granted = total(session, SubsidyClaim.agreement_id == ag.id, SubsidyClaim.state.in_(GRANTED),
                       SubsidyClaim.id != c.id) - overpayments.recorded_for(session, Overpayment.agreement_id == ag.id)
        room = pol.claimable_amount(ent.entitlement, granted)
        ok = money(c.amount) <= room
        zh = (f"{ent.reason_zh}；应得{pol.format_money(ent.entitlement)}元，已批准{pol.format_money(granted)}元，"
              f"可批准至多{pol.format_money(room)}元")
        en = (f"{ent.reason_en}; earned {pol.format_money(ent.entitlement)} yuan, approved {pol.format_money(granted)} "
              f"yuan, at most {pol.format_money(room)} yuan can be approved")
        return {"rule": ent.rule, "allowed": ok, "amount": room, "reason_zh": zh, "reason_en": en,
                "entitlement": ent.entitlement}
    # the version that priced the claim (a correction re-prices it: hooks.policy_version_effective)
    ps = (policies.named(c.policy_set, c.policy_version, session) if c.policy_version
          else policies.named(policy_name, None, session))
    d = decide(session, ps, c, c.submitted_on or today, granted_only=True)
    return {"rule": d.rule, "allowed": d.allowed, "amount": money(d.amount) if d.amount is not None else None,
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
    waiting = facts.unconfirmed(session, c)
    if waiting:
        raise NotEligible("不予批准：" + "；".join(w["zh"] for w in waiting),
                          "cannot approve: " + "; ".join(w["en"] for w in waiting), field="facts",
                          code="unconfirmed_facts",
                          details=[{"field": w["record"], "code": w["state"], "message": {"zh": w["zh"], "en": w["en"]}}
                                   for w in waiting])
    if c.application_id is not None:  # keep what it was approved on beside it
        c.facts = {**(c.facts or {}), **facts.as_claim_facts(facts.hire_facts(session, c.application, c.kind))}
    if c.kind != "internship" and d["amount"] is not None and d["amount"] < c.amount:
        # What the confirmed records give now (an agency cap reached meanwhile, an older claim's
        # typed facts): never more than was claimed, never more than the records give.
        c.amount = d["amount"]
    if c.kind != "internship":
        c.reason_zh, c.reason_en = d["reason_zh"], d["reason_en"]
    c.decided_by_id, c.decided_at = actor.id, clock.now_utc()
    move(session, actor, c, "approved", reason=note or d["reason_zh"])
    overpayments.offset_against(session, actor, c)
    return c


def reject_claim(session: Session, actor: User, claim_id: int, reason: str) -> SubsidyClaim:
    if actor.role not in REVIEW_ROLES:
        raise Forbidden("只有经办人员可以驳回申领", "only caseworkers reject claims")
    if not reason.strip():
        raise ValidationFailed("请填写驳回理由", "give the reason for rejecting", field="reason")
    c = get_claim(session, actor, claim_id, lock=True)
    c.decided_by_id, c.decided_at, c.decision_note = actor.id, clock.now_utc(), reason
    move(session, actor, c, "rejected", reason=reason)
    c.once_key = None  # a rejected hire claim no longer blocks a corrected one
    session.flush()
    return c


def mark_paid(session: Session, actor: User, claim_id: int) -> SubsidyClaim:
    if actor.role not in REVIEW_ROLES:
        raise Forbidden()
    c = get_claim(session, actor, claim_id, lock=True)
    c.paid_at = clock.now_utc()
    move(session, actor, c, "paid")
    return c
