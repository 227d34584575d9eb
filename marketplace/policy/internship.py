"""Internship subsidy (就业见习补贴): rules R1–R4 of POLICY.md sections 1–2.

(Over 400 lines on purpose: R2, R3 and R4 share one timeline of the agreement: served
days, interruptions and the extended end; read together they are the section 6 contract.)

Readings a caseworker defends (**[choice]** where the plan is silent):

* Interruptions are half-open ``[from, to)``: ``to`` is the first day back at
  the internship. Someone who types the last day off uses
  `Interruption.from_last_day_off`, which adds one day.
* All one-third arithmetic is in calendar days; "less than one third" is
  compared in integers (``3 * remaining < D`` for the 1/3 threshold), so exactly
  one third remaining is *not* less than one third.
* The agreed period is 3–12 whole months (bounds are set parameters, R2).
* Interruption reasons and whether they extend the subsidy period (R3) come from
  the set; ``personal_leave`` pauses the internship without extending it.
* Interruptions are clipped at the outcome date ``T``; one that starts on or
  after ``T`` (or on or after the extended end, for a finished internship) is an
  input error, never silently dropped.
* A contract or leaving date on or after the extended end ``E'`` means the
  internship had already finished: it is answered as finished at ``E'`` and the
  reason says so. A contract on exactly ``E'`` is "finished". A ``finished``
  date before ``E'`` is answered as ``left``; one after ``E'`` is answered as
  finished on ``E'`` (the subsidy period cannot run past ``E'``).
* R4 is judged on the contract date; outside its window R2 (served time) pays
  and the reason says "R4 not in force on <date>".
* R4 needs a contract with a college-graduate intern; otherwise R2 pays.
* The R4 side that is not "less than the threshold" pays what the set says
  (``otherwise``: ``served`` in fushun-2020, ``full_period`` in
  fushun-2020-any-early).
* R2 is pro rata by days: ``r × P × served / D``. A finished internship whose
  only interruptions extend earns exactly ``r × P``; nothing ever exceeds it.
* Money is exact (Fraction) until one half-up rounding to 0.01 at the end.
* An optional rate uplift (set parameter ``R4.retention_uplift``) multiplies the
  rate when the unit keeps at least the given share of its interns; it applies
  when R4 is in force on the outcome date and the retention figures are given.
* R1: the unit must be a registered internship base on the start date, and a
  person holds at most one subsidised internship at a time (periods overlap when
  they share a day; an earlier internship's end is exclusive).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, Iterable, Sequence

from marketplace.policy.dates import add_months, days_between
from marketplace.policy.decision import Condition, Decision, decide
from marketplace.policy.errors import CaseError
from marketplace.policy.money import exact, format_money, round_money
from marketplace.policy.policy_set import FULL_PERIOD, Cohort, PolicySet, R2Params, R3Params, R4Params

FINISHED = "finished"
CONTRACT = "contract"
LEFT = "left"
OUTCOME_KINDS = (FINISHED, CONTRACT, LEFT)

# Sanity bounds on a typed-in rate (not policy amounts): they keep junk such as
# "1e999999" from turning exact arithmetic into a denial of service.
RATE_LIMIT = 10 ** 7
RATE_PLACES = 6


# ---------------------------------------------------------------- inputs

@dataclass(frozen=True)
class Interruption:
    """A pause ``[start, end)``: `end` is the first day back (exclusive)."""

    start: date
    end: date
    reason: str

    @classmethod
    def from_last_day_off(cls, start: date, last_day_off: date, reason: str) -> "Interruption":
        """Convert what a person types (the last day away, inclusive) to ``[start, end)``."""
        return cls(start, last_day_off + timedelta(days=1), reason)

    def clipped_days(self, until: date) -> int:
        """Days of this pause that fall before `until` (the outcome date T)."""
        return max(0, days_between(self.start, min(self.end, until)))


@dataclass(frozen=True)
class InternshipAgreement:
    """A 见习协议: start S, agreed period P months, optional own rate, pauses."""

    start: date
    period_months: int
    monthly_rate: Decimal | None = None
    interruptions: tuple[Interruption, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """How the internship ended: `finished` (date optional), `contract` or `left` on `on`."""

    kind: str
    on: date | None = None
    graduate: bool = True


@dataclass(frozen=True)
class UnitRetention:
    """How many of a unit's interns it kept (for a set's optional rate uplift)."""

    retained: int
    interns: int


@dataclass(frozen=True)
class DateRange:
    """A period ``[start, end)``; `end` None means still running."""

    start: date
    end: date | None = None

    def overlaps(self, other: "DateRange") -> bool:
        a_end = self.end or date.max
        b_end = other.end or date.max
        return self.start < b_end and other.start < a_end


# ---------------------------------------------------------------- output

@dataclass(frozen=True)
class InternshipEntitlement:
    """What an internship earns, and why (the calculator contract's fields and more)."""

    entitlement: Decimal
    rule: str
    full_period: bool
    agreed_end: date
    extended_end: date
    agreed_days: int
    served_days: int
    remaining_days: int
    outcome: str
    outcome_date: date
    monthly_rate: Decimal
    full_amount: Decimal
    reason_en: str
    reason_zh: str
    policy_set: str

    def to_json(self) -> dict[str, Any]:
        """The contract's output object (POLICY.md section 6) plus `reason_zh`."""
        return {
            "entitlement": format_money(self.entitlement),
            "rule": self.rule,
            "full_period": self.full_period,
            "agreed_end": self.agreed_end.isoformat(),
            "extended_end": self.extended_end.isoformat(),
            "agreed_days": self.agreed_days,
            "served_days": self.served_days,
            "remaining_days": self.remaining_days,
            "reason": self.reason_en,
            "reason_zh": self.reason_zh,
        }


# ---------------------------------------------------------------- definitions (section 1)

def agreed_end(start: date, period_months: int) -> date:
    """E = add_months(S, P)."""
    return add_months(start, period_months)


def agreed_days(start: date, period_months: int) -> int:
    """D = (E − S).days."""
    return days_between(start, agreed_end(start, period_months))


def _extending(reasons: R3Params, interruptions: Iterable[Interruption]) -> list[Interruption]:
    return [i for i in interruptions if reasons.reason(i.reason).extends]  # type: ignore[union-attr]


def _e_prime(agreement: InternshipAgreement, reasons: R3Params, at: date) -> date:
    """E'(T) = E + Σ clipped days (at T) of the extending interruptions."""
    ext = sum(i.clipped_days(at) for i in _extending(reasons, agreement.interruptions))
    return agreed_end(agreement.start, agreement.period_months) + timedelta(days=ext)


def _full_e_prime(agreement: InternshipAgreement, reasons: R3Params) -> date:
    """E' with every interruption counted (the end of a finished internship)."""
    ext = sum(days_between(i.start, i.end) for i in _extending(reasons, agreement.interruptions))
    return agreed_end(agreement.start, agreement.period_months) + timedelta(days=ext)


def _reasons(policy: PolicySet, agreement: InternshipAgreement) -> R3Params:
    reasons: R3Params = _rule_at(policy, "R3", agreement.start, "start")
    check_interruptions(agreement, reasons)
    return reasons


def extended_end_at(policy: PolicySet, agreement: InternshipAgreement, at: date) -> date:
    """E'(T): the agreed end moved by the extending interruptions clipped at `at` (R3)."""
    return _e_prime(agreement, _reasons(policy, agreement), at)


def served_days_at(agreement: InternshipAgreement, at: date) -> int:
    """served(T) = (T − S).days − Σ clipped days of all interruptions."""
    paused = sum(i.clipped_days(at) for i in agreement.interruptions)
    return days_between(agreement.start, at) - paused


def remaining_days_at(policy: PolicySet, agreement: InternshipAgreement, at: date) -> int:
    """remaining(T) = (E'(T) − T).days, in calendar days."""
    return days_between(at, extended_end_at(policy, agreement, at))


# ---------------------------------------------------------------- validation

def _rule_at(policy: PolicySet, rule: str, on: date, field_name: str) -> Any:
    params = policy.rule(rule, on)
    if params is None:
        raise CaseError(field_name, f"{rule} of policy set {policy.name!r} is not in force on {on.isoformat()}",
                        f"{on.isoformat()} 不在政策 {policy.name} 的 {rule} 有效期内")
    return params


def _check_period(r2: R2Params, period: int) -> None:
    if isinstance(period, bool) or not isinstance(period, int):
        raise CaseError("period_months", "must be a whole number of months", "应为整月数")
    if not r2.min_period_months <= period <= r2.max_period_months:
        raise CaseError("period_months", f"must be from {r2.min_period_months} to "
                        f"{r2.max_period_months} months, got {period}",
                        f"见习期应为 {r2.min_period_months}–{r2.max_period_months} 个月（填写的是 {period} 个月）")


def check_interruptions(agreement: InternshipAgreement, reasons: R3Params) -> None:
    """Structural checks: known reason, from < to, not before S, no overlaps.

    Errors name the interruption by its position in the input.
    """
    indexed = list(enumerate(agreement.interruptions))
    for i, it in indexed:
        if reasons.reason(it.reason) is None:
            known = ", ".join(r.code for r in reasons.reasons)
            raise CaseError(f"interruptions[{i}].reason", f"unknown reason {it.reason!r} (known: {known})",
                            "中断原因不在政策列出的原因之中")
        if it.end <= it.start:
            raise CaseError(f"interruptions[{i}].to", "must be after 'from' (it is the first day back)",
                            "恢复日期（回岗第一天）应晚于中断开始日期")
        if it.start < agreement.start:
            raise CaseError(f"interruptions[{i}].from", f"starts before the internship start "
                            f"{agreement.start.isoformat()}", f"中断开始日期早于见习开始日期 {agreement.start.isoformat()}")
    ordered = sorted(indexed, key=lambda pair: pair[1].start)
    for (_, a), (j, b) in zip(ordered, ordered[1:]):
        if b.start < a.end:
            raise CaseError(f"interruptions[{j}]", f"overlaps the interruption "
                            f"{a.start.isoformat()}..{a.end.isoformat()} (interruptions must not overlap)",
                            f"与 {a.start.isoformat()} 至 {a.end.isoformat()} 的中断重叠（中断不能重叠）")


def _check_started_before(agreement: InternshipAgreement, reasons: R3Params, until: date | None) -> None:
    """Every pause must start while the internship still ran (before T, or before E')."""
    running_end = agreed_end(agreement.start, agreement.period_months)
    indexed = sorted(enumerate(agreement.interruptions), key=lambda pair: pair[1].start)
    for i, it in indexed:
        if until is not None and it.start >= until:
            raise CaseError(f"interruptions[{i}].from", f"starts on or after the outcome date {until.isoformat()}",
                            f"中断开始日期不早于结果日期 {until.isoformat()}")
        if it.start >= running_end:
            raise CaseError(f"interruptions[{i}].from", f"starts on or after the extended end "
                            f"{running_end.isoformat()}: the internship had already finished",
                            f"中断开始于延长后的结束日期 {running_end.isoformat()} 当天或之后：见习已经结束")
        if reasons.reason(it.reason).extends:  # type: ignore[union-attr]
            running_end += timedelta(days=days_between(it.start, it.end))


# ---------------------------------------------------------------- entitlement

@dataclass
class _Case:
    policy: PolicySet
    agreement: InternshipAgreement
    reasons: R3Params
    rate: Fraction
    D: int
    E: date
    notes_en: list[str] = field(default_factory=list)
    notes_zh: list[str] = field(default_factory=list)

    @property
    def P(self) -> int:
        return self.agreement.period_months

    def full_amount(self) -> Fraction:
        return self.rate * self.P

    def served_amount(self, served: int) -> Fraction:
        return self.rate * self.P * served / self.D


def internship_entitlement(policy: PolicySet, agreement: InternshipAgreement, outcome: Outcome,
                           retention: UnitRetention | None = None) -> InternshipEntitlement:
    """What the internship earns under `policy` for `outcome` (R2, R3, R4).

    Raises CaseError for input that breaks a rule of section 6.
    """
    case = _prepare(policy, agreement)
    kind, T = _resolve_outcome(case, outcome)
    _apply_uplift(case, T, retention)
    served = served_days_at(agreement, T)
    e_prime = _e_prime(agreement, case.reasons, T)
    remaining = 0 if kind == FINISHED else days_between(T, e_prime)
    if kind == CONTRACT:
        rule, full, amount, en, zh = _contract(case, T, served, remaining, outcome.graduate)
    else:
        rule, full, amount, en, zh = _served_time(case, kind, T, served)
    return InternshipEntitlement(
        entitlement=round_money(amount), rule=rule, full_period=full,
        agreed_end=case.E, extended_end=e_prime, agreed_days=case.D, served_days=served,
        remaining_days=remaining, outcome=kind, outcome_date=T,
        monthly_rate=round_money(case.rate), full_amount=round_money(case.full_amount()),
        reason_en="; ".join(case.notes_en + [en]), reason_zh="；".join(case.notes_zh + [zh]),
        policy_set=policy.name)


def _prepare(policy: PolicySet, agreement: InternshipAgreement) -> _Case:
    S = agreement.start
    r2: R2Params = _rule_at(policy, "R2", S, "start")
    reasons: R3Params = _rule_at(policy, "R3", S, "start")
    _check_period(r2, agreement.period_months)
    rate = r2.monthly_rate if agreement.monthly_rate is None else agreement.monthly_rate
    if not rate.is_finite() or rate < 0:
        raise CaseError("monthly_rate", "must be an amount >= 0", "金额不能为负数")
    if rate >= RATE_LIMIT or rate.as_tuple().exponent < -RATE_PLACES:  # type: ignore[operator]
        raise CaseError("monthly_rate", f"must be below {RATE_LIMIT} yuan with at most {RATE_PLACES} decimal places",
                        f"应小于 {RATE_LIMIT} 元，最多 {RATE_PLACES} 位小数")
    check_interruptions(agreement, reasons)
    E = agreed_end(S, agreement.period_months)
    return _Case(policy, agreement, reasons, exact(rate), days_between(S, E), E)


def _resolve_outcome(case: _Case, outcome: Outcome) -> tuple[str, date]:
    """The outcome kind and date T actually used, with notes when they change."""
    agreement, reasons = case.agreement, case.reasons
    if outcome.kind not in OUTCOME_KINDS:
        raise CaseError("outcome.kind", f"must be one of {', '.join(OUTCOME_KINDS)}, got {outcome.kind!r}")
    if outcome.on is None:
        if outcome.kind != FINISHED:
            raise CaseError("outcome.date", f"is required for a {outcome.kind!r} outcome", "此结果须填写日期")
        _check_started_before(agreement, reasons, None)
        return FINISHED, _full_e_prime(agreement, reasons)
    T = outcome.on
    if T < agreement.start:
        raise CaseError("outcome.date", f"{T.isoformat()} is before the start {agreement.start.isoformat()}",
                        f"{T.isoformat()} 早于见习开始日期 {agreement.start.isoformat()}")
    _check_started_before(agreement, reasons, T)
    e_prime = _e_prime(agreement, reasons, T)
    if outcome.kind == FINISHED and T < e_prime:
        case.notes_en.append(f"finished date {T.isoformat()} is before the extended end "
                             f"{e_prime.isoformat()}: answered as left")
        case.notes_zh.append(f"结束日期{T.isoformat()}早于延长后的期满日{e_prime.isoformat()}，按中途离开处理")
        return LEFT, T
    if T >= e_prime:
        end = _full_e_prime(agreement, reasons)
        if outcome.kind != FINISHED or T != end:
            what_en = {CONTRACT: "contract date", LEFT: "leaving date", FINISHED: "finished date"}[outcome.kind]
            what_zh = {CONTRACT: "签订劳动合同日期", LEFT: "离开日期", FINISHED: "结束日期"}[outcome.kind]
            case.notes_en.append(f"{what_en} {T.isoformat()} is on or after the extended end "
                                 f"{end.isoformat()}: the internship had already finished")
            case.notes_zh.append(f"{what_zh}{T.isoformat()}不早于延长后的期满日{end.isoformat()}，见习已期满")
        return FINISHED, end
    return outcome.kind, T


def _apply_uplift(case: _Case, T: date, retention: UnitRetention | None) -> None:
    r4: R4Params | None = case.policy.rule("R4", T)
    if r4 is None or r4.retention_uplift is None or retention is None:
        return
    if retention.interns <= 0 or not 0 <= retention.retained <= retention.interns:
        raise CaseError("unit_retention", "needs 0 <= retained <= interns and interns > 0")
    uplift = r4.retention_uplift
    if uplift.min_retained.at_least(retention.retained, retention.interns):
        case.rate = case.rate * exact(uplift.rate_factor)
        case.notes_en.append(f"unit kept {retention.retained} of {retention.interns} interns "
                             f"(>= {uplift.min_retained.text()}): rate × {uplift.rate_factor}")
        case.notes_zh.append(f"单位留用见习人员{retention.retained}/{retention.interns}"
                             f"（不低于{uplift.min_retained.text()}），补贴标准×{uplift.rate_factor}")


def _served_time(case: _Case, kind: str, T: date, served: int) -> tuple[str, bool, Fraction, str, str]:
    amount = case.served_amount(served)
    full = served == case.D
    d = T.isoformat()
    if kind == FINISHED:
        if full:
            return ("R2", True, amount, f"finished on {d}: served {served} of {case.D} days, full period",
                    f"{d}见习期满：实际见习{served}天（共{case.D}天），给予全部期限见习补贴")
        return ("R2", False, amount, f"finished on {d}: served time paid, {served} of {case.D} days",
                f"{d}见习期满：按实际见习{served}天（共{case.D}天）折算补贴")
    return ("R2", full, amount, f"left on {d} without a contract: served time paid, {served} of {case.D} days",
            f"{d}离开见习岗位（未签订劳动合同）：按实际见习{served}天（共{case.D}天）折算补贴")


def _contract(case: _Case, T: date, served: int, remaining: int,
              graduate: bool) -> tuple[str, bool, Fraction, str, str]:
    d, D = T.isoformat(), case.D
    paid_en = f"served time paid, {served} of {D} days"
    paid_zh = f"按实际见习{served}天（共{D}天）折算补贴"
    r4: R4Params | None = case.policy.rule("R4", T)
    if r4 is None:
        return ("R2", served == D, case.served_amount(served), f"R4 not in force on {d}: {paid_en}",
                f"R4（提前签订劳动合同给予全部期限补贴）于{d}不在实施期限内：{paid_zh}")
    if not graduate:
        return ("R2", served == D, case.served_amount(served),
                f"contract signed on {d} with an intern who is not a college graduate (R4 does not apply): {paid_en}",
                f"{d}签订劳动合同的见习人员不是高校毕业生，不适用R4：{paid_zh}")
    third = r4.threshold.text()
    below = r4.threshold.below(remaining, D)
    left_en = f"contract signed with {remaining} of {D} days left"
    left_zh = f"{d}签订劳动合同时距见习期满剩余{remaining}天（共{D}天）"
    side = r4.below_threshold if below else r4.otherwise
    cmp_en, cmp_zh = (f"< {third}", f"不足{third}") if below else (f"not < {third}", f"不少于{third}")
    if side == FULL_PERIOD:
        extra_en = "" if below else " (this policy set pays the full period for any early contract)"
        extra_zh = "" if below else "（本政策集对任何提前签约均给予全部期限补贴）"
        return ("R4", True, case.full_amount(), f"{left_en} ({cmp_en}): full period{extra_en}",
                f"{left_zh}，{cmp_zh}：给予全部期限见习补贴{extra_zh}")
    return ("R2", served == D, case.served_amount(served), f"{left_en} ({cmp_en}): {paid_en}",
            f"{left_zh}，{cmp_zh}：{paid_zh}")


def earned_to_date(policy: PolicySet, agreement: InternshipAgreement, on: date) -> InternshipEntitlement:
    """Served-time entitlement earned by `on` for a running internship (monthly claims, R5).

    Interruptions recorded as starting on or after `on` are not yet relevant and
    are left out; from the extended end onward this is the finished amount.
    """
    current = tuple(i for i in agreement.interruptions if i.start < on)
    trimmed = InternshipAgreement(agreement.start, agreement.period_months, agreement.monthly_rate, current)
    return internship_entitlement(policy, trimmed, Outcome(LEFT, max(on, agreement.start)))


# ---------------------------------------------------------------- R1 eligibility

@dataclass(frozen=True)
class CohortFacts:
    """What R1's cohorts read from a person's records (see `Cohort` in policy_set)."""

    birth_on: date | None = None
    #: highest education level on the profiles' scale (4 = 大专)
    education_level: int = 0
    graduation_year: int | None = None
    #: categories the record holds, and those of them a caseworker confirmed
    categories: frozenset[str] = frozenset()
    confirmed: frozenset[str] = frozenset()


def _age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _in_cohort(c: Cohort, f: CohortFacts, on: date) -> bool:
    if not c.has_membership_facts():
        return False
    if c.category is not None and c.category not in (f.confirmed if c.confirmed else f.categories):
        return False
    if c.graduation_year is not None and f.graduation_year != c.graduation_year:
        return False
    if c.min_education_level is not None and f.education_level < c.min_education_level:
        return False
    if c.months_since_leaving is not None:
        if not f.graduation_year:
            return False
        left = date(f.graduation_year, *c.leaves_school_on)
        if not left <= on <= add_months(left, c.months_since_leaving):
            return False
    if c.age_min is not None or c.age_max is not None:
        if f.birth_on is None:
            return False
        age = _age_on(f.birth_on, on)
        if (c.age_min is not None and age < c.age_min) or (c.age_max is not None and age > c.age_max):
            return False
    return True


def person_cohorts(policy: PolicySet, facts: CohortFacts, on: date) -> list[str]:
    """R1: codes of the set's cohorts (in force on `on`) that the person's records place them in
    on `on`; every fact a cohort names must hold. Empty when R1 is not in force."""
    r1 = policy.rule("R1", on)
    if r1 is None:
        return []
    return [c.code for c in r1.cohorts if _in_cohort(c, facts, on)]


def check_intern_eligibility(policy: PolicySet, *, start: date, person_cohorts: Sequence[str],
                             base_registrations: Sequence[DateRange],
                             other_internships: Sequence[DateRange],
                             period_months: int | None = None) -> Decision:
    """R1: may this person start a subsidised internship at this unit on `start`?

    `person_cohorts` are the cohort codes the person's records establish (the
    service decides membership from records; codes must be the set's).
    `base_registrations` are the unit's registrations as an internship base;
    `other_internships` the person's other subsidised internships ``[start, end)``.
    """
    r1 = policy.rule("R1", start)
    if r1 is None:
        return Decision("R1", False, f"R1 于{start.isoformat()}不在实施期限内",
                        f"R1 not in force on {start.isoformat()}: no subsidised internship can start")
    unknown = [c for c in person_cohorts if r1.cohort(c) is None]
    if unknown:
        raise CaseError("person_cohorts", f"unknown cohort code(s) {', '.join(unknown)}")
    matched = [r1.cohort(c) for c in person_cohorts]
    end = agreed_end(start, period_months) if period_months else None
    this = DateRange(start, end)
    clash = [o for o in other_internships if o.overlaps(this)]
    base = any(reg.start <= start and (reg.end is None or start < reg.end) for reg in base_registrations)
    names_zh = "、".join(c.zh for c in matched)  # type: ignore[union-attr]
    names_en = "; ".join(c.en for c in matched)  # type: ignore[union-attr]
    conditions = [
        Condition("cohort", bool(matched), f"属于见习补贴范围人员（{names_zh}）" if matched else "不属于见习补贴范围人员",
                  f"in an eligible cohort ({names_en})" if matched else "not in an eligible cohort"),
        Condition("registered_base", base, "见习单位在见习开始日为已认定的见习基地" if base
                  else f"见习单位在{start.isoformat()}不是已认定的见习基地",
                  "the unit is a registered internship base on the start date" if base
                  else f"the unit is not a registered internship base on {start.isoformat()}"),
        Condition("one_at_a_time", not clash, "同一时间仅有一个享受补贴的见习" if not clash
                  else f"与已有的享受补贴见习（自{clash[0].start.isoformat()}起）时间重叠",
                  "no other subsidised internship at the same time" if not clash
                  else f"overlaps another subsidised internship (from {clash[0].start.isoformat()})"),
    ]
    return decide("R1", conditions, ok_zh="R1 符合就业见习补贴条件", ok_en="R1 eligible for a subsidised internship",
                  details={"cohorts": [c.code for c in matched]})  # type: ignore[union-attr]


def check_intern_cohort(policy: PolicySet, facts: CohortFacts, on: date) -> Decision:
    """R1 as far as the person alone decides it: is the person in one of the set's cohorts
    on `on`? (Matching offers internships by this; the unit's base registration and another
    subsidised internship are checked by `check_intern_eligibility` when an agreement is made.)"""
    full = check_intern_eligibility(policy, start=on, person_cohorts=person_cohorts(policy, facts, on),
                                    base_registrations=(), other_internships=())
    cohort = next((c for c in full.conditions if c.code == "cohort"), None)
    if cohort is None:  # R1 not in force on `on`
        return full
    return Decision("R1", cohort.held, f"R1 {cohort.zh}", f"R1 {cohort.en}", None, (cohort,),
                    {"cohorts": list(full.details.get("cohorts", []))})

