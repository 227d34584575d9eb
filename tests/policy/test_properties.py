"""Property tests of the internship entitlement and the calculator (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.policy import (
    CONTRACT,
    FINISHED,
    LEFT,
    InternshipAgreement,
    Interruption,
    Outcome,
    add_months,
    agreed_days,
    calculate_internship_json,
    claimable_amount,
    earned_to_date,
    internship_entitlement,
    load_policy_set,
    round_money,
)

POLICIES = [load_policy_set("fushun-2020"), load_policy_set("fushun-2020-any-early")]
SETTINGS = settings(max_examples=200, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

rates = st.decimals(min_value=0, max_value=20000, places=3, allow_nan=False, allow_infinity=False)
starts = st.dates(min_value=date(2019, 1, 1), max_value=date(2021, 12, 31))
reasons = st.sampled_from(["epidemic", "personal_leave", "sick_leave", "unit_suspension"])


@st.composite
def agreements(draw) -> InternshipAgreement:
    start, months = draw(starts), draw(st.integers(3, 12))
    end = start + timedelta(days=agreed_days(start, months))
    pauses, cursor = [], start
    for _ in range(draw(st.integers(0, 4))):
        gap, length = draw(st.integers(0, 60)), draw(st.integers(1, 60))
        begin = cursor + timedelta(days=gap)
        if begin >= end:
            break
        pauses.append(Interruption(begin, begin + timedelta(days=length), draw(reasons)))
        cursor = begin + timedelta(days=length)
    return InternshipAgreement(start, months, draw(rates), tuple(pauses))


def before(agreement: InternshipAgreement, t: date) -> InternshipAgreement:
    """Keep only the pauses that start before t (later ones would be input errors)."""
    kept = tuple(i for i in agreement.interruptions if i.start < t)
    return InternshipAgreement(agreement.start, agreement.period_months, agreement.monthly_rate, kept)


def full(agreement: InternshipAgreement) -> Decimal:
    return round_money(Fraction(agreement.monthly_rate) * agreement.period_months)


@SETTINGS
@given(agreements(), st.integers(0, 500), st.sampled_from([CONTRACT, LEFT, FINISHED]), st.sampled_from(POLICIES))
def test_bounded_non_negative_and_rounded_once(agreement, offset, kind, policy):
    t = agreement.start + timedelta(days=offset)
    case = before(agreement, t)
    result = internship_entitlement(policy, case, Outcome(kind, t))
    assert Decimal("0.00") <= result.entitlement <= full(case)
    assert 0 <= result.served_days <= result.agreed_days
    assert result.remaining_days >= 0
    assert result.entitlement.as_tuple().exponent == -2
    # one rounding of the exact amount, never a rounded intermediate
    exact = Fraction(case.monthly_rate) * case.period_months
    if result.rule == "R4":
        assert result.full_period and result.entitlement == round_money(exact)
    else:
        assert result.full_period == (result.served_days == result.agreed_days)
        assert result.entitlement == round_money(exact * result.served_days / result.agreed_days)


@SETTINGS
@given(agreements(), st.integers(0, 400), st.integers(0, 400))
def test_served_time_is_monotone_in_the_leaving_date(agreement, a, b):
    early, late = sorted((agreement.start + timedelta(days=a), agreement.start + timedelta(days=b)))
    case = before(agreement, early)
    policy = POLICIES[0]
    first = internship_entitlement(policy, case, Outcome(LEFT, early))
    second = internship_entitlement(policy, case, Outcome(LEFT, late))
    assert first.served_days <= second.served_days
    assert first.entitlement <= second.entitlement


@SETTINGS
@given(agreements())
def test_finished_with_only_extending_pauses_earns_exactly_r_times_p(agreement):
    extending = tuple(Interruption(i.start, i.end, "epidemic") for i in agreement.interruptions)
    case = InternshipAgreement(agreement.start, agreement.period_months, agreement.monthly_rate, extending)
    result = internship_entitlement(POLICIES[0], case, Outcome(FINISHED))
    assert result.entitlement == full(case)
    assert result.served_days == result.agreed_days and result.remaining_days == 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=12)
    | st.sampled_from(["2020-03-01", "2020-02-30", "fushun-2020", "epidemic", "contract", "finished", "1500.00"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    | st.fixed_dictionaries({}, optional={
        "policy_set": children, "start": children, "period_months": children, "monthly_rate": children,
        "interruptions": children, "outcome": children}),
    max_leaves=20)


@SETTINGS
@given(json_values)
def test_calculator_never_crashes_on_junk(value):
    result, ok = calculate_internship_json(value)
    answers = result if isinstance(value, list) else [result]
    assert len(answers) == (len(value) if isinstance(value, list) else 1)
    for answer in answers:
        assert isinstance(answer, dict)
        assert ("error" in answer and isinstance(answer["error"], str)) or "entitlement" in answer
    assert ok == all("error" not in a for a in answers)


EXAMPLE = {"policy_set": "fushun-2020", "start": "2020-03-01", "period_months": 6, "monthly_rate": "1500.00",
           "interruptions": [{"from": "2020-03-10", "to": "2020-04-10", "reason": "epidemic"}],
           "outcome": {"kind": "contract", "date": "2020-08-20"}}


@SETTINGS
@given(st.sampled_from(["policy_set", "start", "period_months", "monthly_rate", "interruptions", "outcome",
                        "interruptions.0", "interruptions.0.from", "interruptions.0.to", "interruptions.0.reason",
                        "outcome.kind", "outcome.date"]), json_values)
def test_calculator_never_crashes_when_one_field_is_junk(path, junk):
    case = {**EXAMPLE, "interruptions": [dict(EXAMPLE["interruptions"][0])], "outcome": dict(EXAMPLE["outcome"])}
    *parents, last = path.split(".")
    target = case
    for key in parents:
        target = target[int(key)] if key.isdigit() else target[key]
    target[int(last) if last.isdigit() else last] = junk
    result, ok = calculate_internship_json(case)
    assert ok == ("error" not in result)
    if not ok:
        assert result["error"] and isinstance(result["error"], str)


@SETTINGS
@given(agreements())
def test_monthly_claims_add_up_to_the_entitlement(agreement):
    """R5: claiming 'earned to date minus approved' each month never passes the entitlement."""
    policy = POLICIES[0]
    final = internship_entitlement(policy, agreement, Outcome(FINISHED))
    approved, month = Decimal("0.00"), 1
    while True:
        on = add_months(agreement.start, month)
        claim = claimable_amount(earned_to_date(policy, agreement, on).entitlement, approved)
        approved += claim
        assert approved <= final.entitlement
        if on >= final.extended_end:
            break
        month += 1
    assert approved == final.entitlement
