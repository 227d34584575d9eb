"""R15: one-time job-seeking and business-start subsidy for Hubei-origin 2020 graduates.

Readings (**[choice]**): "湖北籍" is the household registration (户籍) province;
"湖北" and "湖北省" are the same province. The college must be located in the
city (驻抚院校). The subsidy is paid once per person, on an application inside
R15's window (a set parameter; the plan gives none).
"""

from __future__ import annotations

from datetime import date

from marketplace.policy.decision import Condition, Decision, decide
from marketplace.policy.money import exact, format_money, round_money
from marketplace.policy.policy_set import PolicySet, R15Params


def _province(name: str) -> str:
    name = name.strip()
    return name[:-1] if name.endswith("省") else name


def hubei_graduate_subsidy(policy: PolicySet, *, graduation_year: int, college_in_city: bool,
                           household_registration_province: str, applied_on: date,
                           prior_grants: tuple[date, ...] = ()) -> Decision:
    """R15: the one-time subsidy (amount from the set) or a refusal naming each failed condition."""
    p: R15Params | None = policy.rule("R15", applied_on)
    if p is None:
        d = applied_on.isoformat()
        return Decision("R15", False, f"R15 于{d}不在实施期限内，不予补贴", f"R15 not in force on {d}: no subsidy")
    origin = _province(household_registration_province) == _province(p.origin_province)
    first = min(prior_grants).isoformat() if prior_grants else ""
    conditions = [
        Condition("graduation_year", graduation_year == p.graduation_year, f"{graduation_year}届毕业生（须为{p.graduation_year}届）",
                  f"graduating class of {graduation_year} (must be {p.graduation_year})"),
        Condition("college_in_city", college_in_city, "驻抚院校毕业生" if college_in_city else "不是驻抚院校毕业生",
                  "graduate of a college located in the city" if college_in_city
                  else "not a graduate of a college located in the city"),
        Condition("origin", origin, f"户籍为{household_registration_province}（须为{p.origin_province}籍）",
                  f"household registration in {household_registration_province} (must be {p.origin_province})"),
        Condition("once", not prior_grants, "此前未领取" if not prior_grants else f"已于{first}领取过",
                  "not granted before" if not prior_grants else f"already granted on {first}"),
    ]
    amount = round_money(exact(p.amount))
    return decide("R15", conditions, amount=amount,
                  ok_zh=f"R15 给予驻抚院校湖北籍{p.graduation_year}届高校毕业生一次性求职创业补贴{format_money(amount)}元",
                  ok_en=f"R15 one-time job-seeking subsidy for a Hubei-origin {p.graduation_year} graduate: "
                        f"{format_money(amount)} yuan")
