"""Hiring subsidies (吸纳就业补贴, plan item (九)): R6 and R7.

Readings (**[choice]**):

* R6 status is judged on the contract date. "登记失业半年以上" means registered
  on or before ``contract_date − 6 months`` and still registered on the contract
  date (a registration ended on that very day, because of this hire, counts).
  "毕业年度高校毕业生" means graduating in the calendar year of the contract
  date, from one of the set's school kinds (college, technician-college senior
  and preparatory classes, special-education vocational programmes).
* "签订1年以上劳动合同" includes exactly one year (``contract_months >= 12``).
* R6 is paid at most once per person, whichever enterprise hired before; the
  hire date must fall in R6's window.
* R7 is judged on the hire date (the epidemic-control window). The application
  window opens on the declared end of the epidemic and lasts the set's number of
  months (last day: the day before the same date that many months later). An
  application before the window opens is refused; one after it closes is refused
  "in principle" unless a caseworker records a justification, and the decision
  then says it was accepted late and why.
* The make-up social-insurance payment must be recorded on or before the
  application date. The same conditions apply to an HR agency's referral claim
  for that hire (the referral is paid for a hire that itself qualifies).
* The agency cap is applied to the running total the caller passes: a claim that
  would cross it is paid up to the cap, and one at the cap is refused.
* The funding source is recorded on every R7 decision and must be one of the
  set's sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from marketplace.policy.dates import Window, add_months
from marketplace.policy.decision import Condition, Decision, decide
from marketplace.policy.errors import CaseError
from marketplace.policy.money import exact, format_money, round_money
from marketplace.policy.policy_set import PolicySet, R6Params, R7Params


@dataclass(frozen=True)
class HireFacts:
    """A hire, as R6 needs it (plain facts the service reads from records)."""

    hire_date: date
    contract_date: date
    contract_months: int
    monthly_social_insurance: Decimal
    social_insurance_paid: bool
    unemployment_registered_on: date | None = None
    unemployment_ended_on: date | None = None
    graduation_on: date | None = None
    graduate_kind: str | None = None


def _not_in_force(rule: str, on: date, what_zh: str, what_en: str) -> Decision:
    d = on.isoformat()
    return Decision(rule, False, f"{rule} 于{d}（{what_zh}）不在实施期限内，不予补贴",
                    f"{rule} not in force on {d} ({what_en}): no subsidy", None, (), {"judged_on": on})


def _unemployed_half_year(p: R6Params, f: HireFacts) -> bool:
    reg = f.unemployment_registered_on
    if reg is None or add_months(reg, p.min_unemployed_months) > f.contract_date:
        return False
    return f.unemployment_ended_on is None or f.unemployment_ended_on >= f.contract_date


def _graduating_year(p: R6Params, f: HireFacts) -> bool:
    kinds = {k.code for k in p.graduate_kinds}
    if f.graduate_kind is not None and f.graduate_kind not in kinds:
        raise CaseError("graduate_kind", f"unknown kind {f.graduate_kind!r} (known: {', '.join(sorted(kinds))})")
    return f.graduate_kind is not None and f.graduation_on is not None \
        and f.graduation_on.year == f.contract_date.year


def hiring_subsidy(policy: PolicySet, facts: HireFacts, prior_grants: tuple[date, ...] = ()) -> Decision:
    """R6: one-time hiring subsidy = contribution months × monthly social insurance.

    `prior_grants` are the dates of earlier R6 grants for the same person.
    """
    p: R6Params | None = policy.rule("R6", facts.hire_date)
    if p is None:
        return _not_in_force("R6", facts.hire_date, "招用日期", "hire date")
    if facts.monthly_social_insurance < 0:
        raise CaseError("monthly_social_insurance", "must not be negative", "不能为负数")
    unemployed, graduate = _unemployed_half_year(p, facts), _graduating_year(p, facts)
    status_zh = "登记失业半年以上人员" if unemployed else "毕业年度高校毕业生" if graduate else ""
    status_en = "registered unemployed for at least half a year" if unemployed else \
        "a graduating-year graduate" if graduate else ""
    d = facts.contract_date.isoformat()
    conditions = [
        Condition("status", unemployed or graduate,
                  f"签订合同日（{d}）为{status_zh}" if status_zh else
                  f"签订合同日（{d}）既非登记失业{p.min_unemployed_months}个月以上人员，也非毕业年度高校毕业生",
                  f"on the contract date ({d}) the person was {status_en}" if status_en else
                  f"on the contract date ({d}) the person was neither registered unemployed for "
                  f"{p.min_unemployed_months} months nor a graduating-year graduate"),
        Condition("contract_term", facts.contract_months >= p.min_contract_months,
                  f"劳动合同期限{facts.contract_months}个月（需{p.min_contract_months}个月以上）",
                  f"labour contract of {facts.contract_months} months (needs {p.min_contract_months} or more)"),
        Condition("social_insurance", facts.social_insurance_paid, "已按规定缴纳社会保险" if facts.social_insurance_paid
                  else "未按规定缴纳社会保险", "social insurance paid as required" if facts.social_insurance_paid
                  else "social insurance not paid as required"),
        Condition("once_per_person", not prior_grants, "此前未享受过一次性吸纳就业补贴" if not prior_grants
                  else f"已于{min(prior_grants).isoformat()}享受过一次性吸纳就业补贴",
                  "no earlier one-time hiring subsidy for this person" if not prior_grants
                  else f"a one-time hiring subsidy was already granted for this person on "
                       f"{min(prior_grants).isoformat()}"),
    ]
    amount = round_money(exact(facts.monthly_social_insurance) * p.contribution_months)
    return decide("R6", conditions, amount=amount,
                  ok_zh=f"R6 按{p.contribution_months}个月社会保险费标准给予一次性吸纳就业补贴{format_money(amount)}元",
                  ok_en=f"R6 one-time hiring subsidy of {p.contribution_months} months' social insurance: "
                        f"{format_money(amount)} yuan",
                  details={"contribution_months": p.contribution_months, "judged_on": facts.contract_date})


# ---------------------------------------------------------------- R7

@dataclass(frozen=True)
class EpidemicHire:
    """A hire by an epidemic-supply enterprise, and its application (R7)."""

    hire_date: date
    contract_months: int
    application_date: date
    makeup_insurance_recorded_on: date | None
    funding_source: str
    supplies_epidemic_goods: bool = True
    new_hire: bool = True
    late_justification: str | None = None


def application_window(p: R7Params) -> Window | None:
    """[declared end, declared end + N months − 1 day], or None while no end is declared."""
    if p.epidemic_declared_end is None:
        return None
    return Window(p.epidemic_declared_end,
                  add_months(p.epidemic_declared_end, p.application_months) - timedelta(days=1))


def _r7_conditions(p: R7Params, h: EpidemicHire) -> tuple[list[Condition], list[str], list[str]]:
    window = application_window(p)
    a = h.application_date.isoformat()
    late = window is not None and window.end is not None and h.application_date > window.end
    justified = late and bool((h.late_justification or "").strip())
    opened = window is not None and h.application_date >= window.start  # type: ignore[operator]
    recorded = h.makeup_insurance_recorded_on is not None and h.makeup_insurance_recorded_on <= h.application_date
    win_en = window.describe() if window else "none yet (the end of the epidemic is not declared)"
    win_zh = window.describe() if window else "尚未确定（疫情解除时间未公布）"
    conditions = [
        Condition("epidemic_supplier", h.supplies_epidemic_goods,
                  ("" if h.supplies_epidemic_goods else "不属于") + "生产、配送疫情防控急需物资的企业",
                  "the enterprise " + ("produces or delivers" if h.supplies_epidemic_goods
                                       else "does not produce or deliver") + " urgently needed epidemic-control supplies"),
        Condition("new_hire", h.new_hire, "疫情防控期间新招用员工" if h.new_hire else "不是新招用员工",
                  "a new hire during the epidemic-control period" if h.new_hire else "not a new hire"),
        Condition("contract_term", h.contract_months >= p.min_contract_months,
                  f"劳动合同期限{h.contract_months}个月（需{p.min_contract_months}个月以上）",
                  f"labour contract of {h.contract_months} months (needs {p.min_contract_months} or more)"),
        Condition("application_window", opened and (not late or justified),
                  f"{a}申请，申请期{win_zh}" + ("（逾期，经办人员已记录理由受理）" if justified else
                                                 "（逾期，原则上不予受理）" if late else
                                                 "" if opened or window is None else "（尚未开始受理）"),
                  f"applied on {a}, application window {win_en}" + (
                      " (late, accepted with the caseworker's recorded justification)" if justified else
                      " (late: refused in principle)" if late else "" if opened or window is None else " (not yet open)")),
        Condition("makeup_insurance", recorded, "企业社会保险费补办补缴已在申请前记录" if recorded
                  else "企业社会保险费补办补缴尚未记录，须先补缴后申请",
                  "the enterprise's make-up social-insurance payment is recorded before the application"
                  if recorded else "the make-up social-insurance payment is not recorded yet: it comes first"),
    ]
    notes_zh = [f"逾期申请受理理由：{h.late_justification}"] if justified else []
    notes_en = [f"late application accepted: {h.late_justification}"] if justified else []
    return conditions, notes_zh, notes_en


def _funding(p: R7Params, source: str) -> tuple[str, str]:
    fund = next((f for f in p.funding_sources if f.code == source), None)
    if fund is None:
        known = ", ".join(f.code for f in p.funding_sources)
        raise CaseError("funding_source", f"unknown funding source {source!r} (known: {known})")
    return fund.zh, fund.en


def epidemic_hire_subsidy(policy: PolicySet, hire: EpidemicHire) -> Decision:
    """R7 (enterprise): a fixed amount per new hire during the epidemic-control period."""
    p: R7Params | None = policy.rule("R7", hire.hire_date)
    if p is None:
        return _not_in_force("R7", hire.hire_date, "招用日期不在疫情防控期间", "hire date outside the epidemic-control period")
    fund_zh, fund_en = _funding(p, hire.funding_source)
    conditions, notes_zh, notes_en = _r7_conditions(p, hire)
    amount = round_money(exact(p.hire_amount))
    return decide("R7", conditions, amount=amount,
                  ok_zh="；".join([f"R7 疫情防控期间新招用1人补贴{format_money(amount)}元，从{fund_zh}列支"] + notes_zh),
                  ok_en="; ".join([f"R7 epidemic-period new hire: {format_money(amount)} yuan, paid from the {fund_en}"]
                                  + notes_en),
                  details={"funding_source": hire.funding_source, "late": bool(notes_en)})


def epidemic_referral_subsidy(policy: PolicySet, hire: EpidemicHire, agency_prior_total: Decimal) -> Decision:
    """R7 (HR agency): a fixed amount per successful referral, capped per agency.

    `agency_prior_total` is what the agency has already been granted under R7.
    """
    p: R7Params | None = policy.rule("R7", hire.hire_date)
    if p is None:
        return _not_in_force("R7", hire.hire_date, "招用日期不在疫情防控期间", "hire date outside the epidemic-control period")
    if agency_prior_total < 0:
        raise CaseError("agency_prior_total", "must not be negative", "不能为负数")
    fund_zh, fund_en = _funding(p, hire.funding_source)
    conditions, notes_zh, notes_en = _r7_conditions(p, hire)
    room = exact(p.referral_cap_per_agency) - exact(agency_prior_total)
    amount = round_money(max(0, min(exact(p.referral_amount), room)))
    cap = format_money(p.referral_cap_per_agency)
    conditions.append(Condition(
        "agency_cap", amount > 0,
        f"机构已获补贴{format_money(agency_prior_total)}元" + ("" if amount > 0 else f"，已达每户最高{cap}元"),
        f"agency already granted {format_money(agency_prior_total)} yuan"
        + ("" if amount > 0 else f", the {cap} yuan per-agency cap is reached")))
    capped = amount < p.referral_amount
    cap_zh = [f"受每户最高{cap}元限制，本次给予{format_money(amount)}元"] if capped else []
    cap_en = [f"limited by the {cap} yuan per-agency cap to {format_money(amount)} yuan"] if capped else []
    return decide("R7", conditions, amount=amount,
                  ok_zh="；".join([f"R7 职业介绍推荐成功就业补贴{format_money(amount)}元，从{fund_zh}列支"]
                                  + cap_zh + notes_zh),
                  ok_en="; ".join([f"R7 referral subsidy {format_money(amount)} yuan, paid from the {fund_en}"]
                                  + cap_en + notes_en),
                  details={"funding_source": hire.funding_source, "capped": capped,
                           "agency_total_after": round_money(exact(agency_prior_total) + exact(amount))})
