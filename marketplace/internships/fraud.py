"""Fraud checks on subsidy claims: reasons a reviewer should look twice (another unit
claiming the same person, exclusive programmes, overlapping internships, a contract dated
before the internship). They are shown beside the claim and never block by themselves."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import policies
from marketplace import policy as pol
from marketplace.internships.agreements import occupied_until
from marketplace.internships.models import COUNTED, HIRE_KINDS, KIND_NAMES, InternshipAgreement, SubsidyClaim


def parse_date(facts: dict, key: str) -> dt.date | None:
    """A date a claim's facts hold (ISO text), or None."""
    v = facts.get(key)
    return dt.date.fromisoformat(v) if v else None


def flag(code: str, zh: str, en: str) -> dict:
    return {"code": code, "zh": zh, "en": en}


def fraud_flags(session: Session, c: SubsidyClaim) -> list[dict]:
    """Reasons a reviewer should look twice; they never block by themselves."""
    flags: list[dict] = []
    others = list(session.scalars(select(SubsidyClaim).where(
        SubsidyClaim.profile_id == c.profile_id, SubsidyClaim.id != (c.id or 0),
        SubsidyClaim.state.in_(COUNTED))))
    for o in others:
        if o.kind == c.kind and o.organisation_id != c.organisation_id:
            flags.append(flag("same_person_twice", f"同一人员已由另一单位（{o.organisation.name}）申领同项补贴（申领#{o.id}）",
                               f"the same person is claimed for this subsidy by another unit ({o.organisation.name}, "
                               f"claim #{o.id})"))
        if {o.kind, c.kind} == set(HIRE_KINDS):
            flags.append(flag("exclusive_programmes", f"同一人员已申领互斥的补贴项目（{KIND_NAMES[o.kind][0]}，申领#{o.id}）",
                               f"the same person is claimed under an exclusive programme ({KIND_NAMES[o.kind][1]}, "
                               f"claim #{o.id})"))
    agreements = list(session.scalars(select(InternshipAgreement).where(
        InternshipAgreement.profile_id == c.profile_id)))
    if c.kind == "internship" and c.agreement is not None:
        ag = c.agreement
        if ag.organisation_id != c.organisation_id:
            flags.append(flag("not_employed", "申领单位不是该见习协议的见习单位",
                               "the claimant is not the unit of this internship agreement"))
        ps = policies.named(ag.policy_set, ag.policy_version, session)
        mine = pol.DateRange(ag.start_on, occupied_until(ps, ag))
        for o in agreements:
            if o.id != ag.id and mine.overlaps(pol.DateRange(o.start_on, occupied_until(ps, o))):
                flags.append(flag("overlapping_internships", f"与另一见习协议（#{o.id}，{o.organisation.name}，"
                                   f"自{o.start_on.isoformat()}）时间重叠",
                                   f"overlaps another internship agreement (#{o.id}, {o.organisation.name}, from "
                                   f"{o.start_on.isoformat()})"))
        if ag.status == "contract" and ag.outcome_on and ag.outcome_on < ag.start_on:
            flags.append(flag("contract_before_start", "劳动合同日期早于见习开始日期",
                               "the labour contract date is before the internship start"))
    if c.application is not None:
        app = c.application
        if app.stage != "hired":
            flags.append(flag("not_employed", "该人员未被录用", "the person was not hired"))
        elif c.kind in HIRE_KINDS and app.posting.organisation_id != c.organisation_id:
            flags.append(flag("not_employed", "该人员不是申领单位录用的", "the person was not hired by the claimant"))
        contract_on = parse_date(c.facts, "contract_on") or parse_date(c.facts, "hire_on")
        employer_id = app.posting.organisation_id
        for o in agreements:
            if contract_on and o.organisation_id == employer_id and contract_on < o.start_on:
                flags.append(flag("contract_before_start", f"劳动合同日期{contract_on.isoformat()}早于该单位见习协议"
                                   f"（#{o.id}）开始日期{o.start_on.isoformat()}",
                                   f"the contract date {contract_on.isoformat()} is before the start "
                                   f"{o.start_on.isoformat()} of this unit's internship agreement #{o.id}"))
    return flags
