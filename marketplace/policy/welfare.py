"""Public-welfare posts and hard-to-employ people (plan items (十五), (十六)): R8, R9, R10.

Readings (**[choice]**):

* R8: registered hard-to-employ people qualify directly. The reference
  categories qualify only when *all four* conditions hold on the evaluation
  date: registered unemployed; continuously unemployed for at least the set's
  months (``add_months(since, 12) <= on``); no flexible employment or
  self-employment achieved; referred to suitable work at least the set's number
  of times without being employed. Every condition is shown, with the record
  reference the caller supplied for it.
* R9: tier 1 = zero-employment-family members and people less than the set's
  years from statutory retirement (R11, on the evaluation date); tier 2 = the
  others. Within a tier: higher match score first, then the earliest
  unemployment registration, then the candidate id (so the order is total).
* R10 quota: a district may place while its current count is below its quota
  (the end-2019 count); a district without a quota in the set is refused.
* R10 temporary posts run 3–6 months inclusive (set parameters).
* R10 extension: one extension of the set's months (12) for a hard-to-employ
  person not in stable employment, when the original enjoyment period ends inside
  the extension window (2020); the new end is ``add_months(end, 12)``.
* R10 placements: the set's limit (2) is enforced; one more (the third) is
  allowed only with a supervisor's recorded justification; beyond that, refused.
* R10 funding: only zero-employment-family members, severely disabled people and
  people near retirement may be charged to the protected fund (就业补助资金); the
  others' continued placements are refused on that fund.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any, Mapping, Sequence

from marketplace.policy.dates import add_months
from marketplace.policy.decision import Condition, Decision, decide
from marketplace.policy.errors import CaseError
from marketplace.policy.policy_set import PolicySet, R8Params, R10Params
from marketplace.policy.retirement import RetirementPerson, near_retirement


def _required(policy: PolicySet, rule: str, on: date) -> Any:
    params = policy.rule(rule, on)
    if params is None:
        raise CaseError("on", f"{rule} of policy set {policy.name!r} is not in force on {on.isoformat()}")
    return params


# ---------------------------------------------------------------- R8

@dataclass(frozen=True)
class HardToEmployFacts:
    """A person's facts for R8; `records` maps a condition code to its record reference."""

    registered_hard_to_employ: bool = False
    category: str | None = None
    registered_unemployed: bool = False
    unemployed_since: date | None = None
    flexible_or_self_employed: bool = False
    failed_referrals: int = 0
    records: Mapping[str, str] = field(default_factory=dict)


def hard_to_employ_reference(policy: PolicySet, facts: HardToEmployFacts, on: date) -> Decision:
    """R8: does the person enjoy the hard-to-employ policies (directly or by reference)?"""
    p: R8Params = _required(policy, "R8", on)
    rec = facts.records.get
    if facts.registered_hard_to_employ:
        cond = Condition("registered_hard_to_employ", True, "已登记为就业困难人员",
                         "registered as a hard-to-employ person", rec("registered_hard_to_employ"))
        return Decision("R8", True, "R8 已登记为就业困难人员，享受相关政策",
                        "R8 registered hard-to-employ person: the policies apply", None, (cond,))
    category = next((c for c in p.categories if c.code == facts.category), None)
    if facts.category is not None and category is None:
        known = ", ".join(c.code for c in p.categories)
        raise CaseError("category", f"unknown category {facts.category!r} (known: {known})")
    since = facts.unemployed_since
    long_term = since is not None and add_months(since, p.min_unemployed_months) <= on
    n, need = facts.failed_referrals, p.min_failed_referrals
    conditions = [
        Condition("category", category is not None, f"属于参照人员：{category.zh}" if category else
                  "不属于退役军人、县级以上劳动模范或失地农民", f"reference category: {category.en}" if category else
                  "not a veteran, county-level model worker or landless farmer", rec("category")),
        Condition("registered_unemployed", facts.registered_unemployed, "已登记失业" if facts.registered_unemployed
                  else "未登记失业", "registered unemployed" if facts.registered_unemployed else "not registered unemployed",
                  rec("registered_unemployed")),
        Condition("unemployed_long", long_term,
                  (f"自{since.isoformat()}起连续失业" + ("满" if long_term else "不满") + f"{p.min_unemployed_months}个月")
                  if since else "无连续失业起始日期记录",
                  (f"continuously unemployed since {since.isoformat()}: " +
                   (f"{p.min_unemployed_months} months or more" if long_term else
                    f"less than {p.min_unemployed_months} months"))
                  if since else "no start of continuous unemployment on record", rec("unemployed_long")),
        Condition("no_flexible_or_self_employment", not facts.flexible_or_self_employed,
                  "登记失业期间未实现灵活就业和自主创业" if not facts.flexible_or_self_employed
                  else "登记失业期间已实现灵活就业或自主创业",
                  "no flexible employment or self-employment while registered" if not facts.flexible_or_self_employed
                  else "achieved flexible employment or self-employment while registered",
                  rec("no_flexible_or_self_employment")),
        Condition("failed_referrals", n >= need, f"经介绍适当工作{n}次仍未就业（需{need}次以上）",
                  f"referred to suitable work {n} times without being employed (needs {need} or more)",
                  rec("failed_referrals")),
    ]
    return decide("R8", conditions, ok_zh="R8 符合条件，参照就业困难人员享受相关政策",
                  ok_en="R8 all conditions hold: treated like a hard-to-employ person")


# ---------------------------------------------------------------- R9

@dataclass(frozen=True)
class PriorityDecision(Decision):
    tier: int = 2


def placement_tier(policy: PolicySet, *, zero_employment_family: bool, person: RetirementPerson | None,
                   on: date) -> PriorityDecision:
    """R9: priority tier (1 or 2) for a public-welfare placement on `on`."""
    years = _required(policy, "R9", on).retirement_years
    near = person is not None and near_retirement(person, on, years)
    conditions = (
        Condition("zero_employment_family", zero_employment_family, "零就业家庭成员" if zero_employment_family
                  else "非零就业家庭成员", "member of a zero-employment family" if zero_employment_family
                  else "not from a zero-employment family"),
        Condition("near_retirement", near, f"距法定退休年龄不足{years}年" if near else f"距法定退休年龄{years}年以上",
                  f"less than {years} years from statutory retirement" if near
                  else f"{years} years or more from statutory retirement"),
    )
    tier = 1 if zero_employment_family or near else 2
    held = [c for c in conditions if c.held]
    zh = f"R9 第{tier}优先层级" + (f"：{'、'.join(c.zh for c in held)}" if held else "")
    en = f"R9 priority tier {tier}" + (f": {'; '.join(c.en for c in held)}" if held else "")
    return PriorityDecision("R9", True, zh, en, None, conditions, {"tier": tier}, tier=tier)


@dataclass(frozen=True)
class PlacementCandidate:
    """An eligible person who meets the post's conditions, for ordering (R9)."""

    id: Any
    tier: int
    match_score: float
    registered_on: date


def order_for_placement(candidates: Sequence[PlacementCandidate]) -> list[PlacementCandidate]:
    """R9 order: tier, then match score (higher first), then earliest registration, then id."""
    return sorted(candidates, key=lambda c: (c.tier, -c.match_score, c.registered_on, str(c.id)))


# ---------------------------------------------------------------- R10

def check_district_quota(policy: PolicySet, district: str, placed: int, on: date) -> Decision:
    """R10 total control: may the district place one more person?"""
    p: R10Params = _required(policy, "R10", on)
    quota = p.district_quotas.get(district)
    if quota is None:
        return Decision("R10", False, f"R10 {district}未设定公益性岗位总量，不予安置",
                        f"R10 no public-welfare post quota is set for {district}: placement refused")
    ok = placed < quota
    cond = Condition("quota", ok, f"{district}已安置{placed}人，总量{quota}人", f"{district} has {placed} placed of a quota of {quota}")
    return decide("R10", [cond], ok_zh=f"R10 {district}总量内可安置（{placed}/{quota}）",
                  ok_en=f"R10 within {district}'s quota ({placed}/{quota})",
                  details={"district": district, "placed": placed, "quota": quota})


def check_temporary_term(policy: PolicySet, term_months: int, on: date) -> Decision:
    """R10: a temporary public-welfare post runs the set's 3–6 months."""
    p: R10Params = _required(policy, "R10", on)
    lo, hi = p.temporary_min_months, p.temporary_max_months
    cond = Condition("temporary_term", lo <= term_months <= hi, f"临时性岗位期限{term_months}个月（应为{lo}—{hi}个月）",
                     f"temporary post of {term_months} months (must be {lo}–{hi})")
    return decide("R10", [cond], ok_zh=f"R10 临时性岗位期限{term_months}个月", ok_en=f"R10 temporary term of {term_months} months")


def temporary_share(temporary_posts: int, all_posts: int) -> Fraction:
    """The share of temporary posts, exact (the report formats it)."""
    return Fraction(temporary_posts, all_posts) if all_posts else Fraction(0)


def check_extension(policy: PolicySet, *, hard_to_employ: bool, period_ends_on: date, stably_employed: bool,
                    prior_extensions: int) -> Decision:
    """R10: one extension of the policy-enjoyment period (new end in `details['new_end']`)."""
    p: R10Params = _required(policy, "R10", period_ends_on)
    new_end = add_months(period_ends_on, p.extension_months)
    e = period_ends_on.isoformat()
    in_window = p.extension_window.contains(period_ends_on)
    conditions = [
        Condition("window", in_window, f"政策享受期于{e}期满" + ("，在延长政策实施期限内" if in_window else "，不在延长政策实施期限内"),
                  f"the period ends on {e}, " + ("inside" if in_window else "outside") +
                  f" the extension window {p.extension_window.describe()}"),
        Condition("hard_to_employ", hard_to_employ, "就业困难人员" if hard_to_employ else "不是就业困难人员",
                  "a hard-to-employ person" if hard_to_employ else "not a hard-to-employ person"),
        Condition("not_stably_employed", not stably_employed, "期满仍未实现稳定就业" if not stably_employed
                  else "已实现稳定就业", "not in stable employment at the end" if not stably_employed
                  else "already in stable employment"),
        Condition("max_extensions", prior_extensions < p.max_extensions, f"已延长{prior_extensions}次（最多{p.max_extensions}次）",
                  f"extended {prior_extensions} time(s) before (at most {p.max_extensions})"),
    ]
    return decide("R10", conditions, ok_zh=f"R10 政策享受期限延长{p.extension_months}个月至{new_end.isoformat()}",
                  ok_en=f"R10 enjoyment period extended by {p.extension_months} months to {new_end.isoformat()}",
                  details={"new_end": new_end})


def check_placement_count(policy: PolicySet, prior_placements: int, on: date,
                          supervisor_justification: str | None = None) -> Decision:
    """R10: cumulative placements; the set's limit, one more only with a supervisor's justification."""
    p: R10Params = _required(policy, "R10", on)
    nth = prior_placements + 1
    justified = bool((supervisor_justification or "").strip())
    ok = nth <= p.max_placements or (nth == p.max_placements + 1 and justified)
    cond = Condition("placements", ok, f"第{nth}次安置（原则上不超过{p.max_placements}次，"
                     f"第{p.max_placements + 1}次须主管人员记录理由）",
                     f"placement number {nth} (in principle at most {p.max_placements}; "
                     f"number {p.max_placements + 1} only with a supervisor's recorded justification)")
    note_zh = f"，主管人员记录的理由：{supervisor_justification}" if nth > p.max_placements else ""
    note_en = f", supervisor's recorded justification: {supervisor_justification}" if nth > p.max_placements else ""
    return decide("R10", [cond], ok_zh=f"R10 可进行第{nth}次安置{note_zh}", ok_en=f"R10 placement number {nth} allowed{note_en}",
                  details={"placement_number": nth, "exceptional": nth > p.max_placements})


def check_continued_placement_funding(policy: PolicySet, *, fund: str, zero_employment_family: bool,
                                      severely_disabled: bool, person: RetirementPerson | None,
                                      on: date) -> Decision:
    """R10: may this continued placement be charged to `fund`?"""
    p: R10Params = _required(policy, "R10", on)
    funds = {p.protected_fund.code: p.protected_fund, **{f.code: f for f in p.other_funds}}
    if fund not in funds:
        raise CaseError("fund", f"unknown fund {fund!r} (known: {', '.join(funds)})")
    near = person is not None and near_retirement(person, on, p.retirement_years)
    groups = [(zero_employment_family, "零就业家庭成员", "zero-employment family member"),
              (severely_disabled, "重度残疾人", "severely disabled"),
              (near, f"距法定退休年龄不足{p.retirement_years}年", f"less than {p.retirement_years} years from retirement")]
    held = [(zh, en) for ok, zh, en in groups if ok]
    chosen = funds[fund]
    protected = fund == p.protected_fund.code
    cond = Condition("fund_group", bool(held) or not protected,
                     ("属于" + "、".join(z for z, _ in held)) if held else f"不属于可从{p.protected_fund.zh}列支的人员，须多渠道筹集",
                     ("in a group the fund pays for: " + "; ".join(e for _, e in held)) if held else
                     f"not in a group the {p.protected_fund.en} pays for: fund the placement through other channels")
    return decide("R10", [cond], ok_zh=f"R10 继续安置从{chosen.zh}列支", ok_en=f"R10 continued placement paid from {chosen.en}",
                  details={"fund": fund})
