"""R1-R4 internship entitlement: POLICY.md sections 1, 2 and 6, table-driven."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from marketplace.policy import (
    CONTRACT,
    FINISHED,
    LEFT,
    CaseError,
    DateRange,
    InternshipAgreement,
    Interruption,
    Outcome,
    UnitRetention,
    add_months,
    agreed_days,
    check_intern_eligibility,
    earned_to_date,
    extended_end_at,
    internship_entitlement,
    remaining_days_at,
    served_days_at,
)

D = date
EPIDEMIC = Interruption(D(2020, 3, 10), D(2020, 4, 10), "epidemic")  # 31 days, the section 6 example


def agreement(start: date, months: int, *interruptions: Interruption, rate: str | None = None) -> InternshipAgreement:
    return InternshipAgreement(start, months, Decimal(rate) if rate else None, tuple(interruptions))


# ---------------------------------------------------------------- section 1 definitions

@pytest.mark.parametrize("start, months, end", [
    (D(2020, 1, 31), 1, D(2020, 2, 29)),   # leap-year clamp
    (D(2019, 1, 31), 1, D(2019, 2, 28)),   # common-year clamp
    (D(2020, 1, 31), 3, D(2020, 4, 30)),
    (D(2020, 8, 31), 6, D(2021, 2, 28)),
    (D(2020, 2, 29), 12, D(2021, 2, 28)),
    (D(2020, 3, 1), 6, D(2020, 9, 1)),
])
def test_add_months_clamps_to_month_end(start, months, end):
    assert add_months(start, months) == end


@pytest.mark.parametrize("start, months, days", [
    (D(2020, 3, 1), 6, 184),
    (D(2020, 2, 1), 3, 90),     # 29 + 31 + 30: a leap February
    (D(2021, 2, 1), 3, 89),     # 28 + 31 + 30
    (D(2020, 2, 29), 12, 365),  # ends 2021-02-28
    (D(2019, 3, 1), 12, 366),   # contains 2020-02-29
    (D(2020, 8, 31), 6, 181),   # ends 2021-02-28
])
def test_agreed_days(start, months, days):
    assert agreed_days(start, months) == days


def test_interruption_from_last_day_off_adds_one_day():
    typed = Interruption.from_last_day_off(D(2020, 3, 10), D(2020, 4, 9), "epidemic")
    assert typed == EPIDEMIC
    assert typed.clipped_days(D(2020, 12, 31)) == 31
    assert typed.clipped_days(D(2020, 3, 20)) == 10
    assert typed.clipped_days(D(2020, 3, 10)) == 0


# ---------------------------------------------------------------- the section 6 example and its neighbours

def test_section_6_example(fushun):
    result = internship_entitlement(fushun, agreement(D(2020, 3, 1), 6, EPIDEMIC, rate="1500.00"),
                                    Outcome(CONTRACT, D(2020, 8, 20)))
    assert result.to_json() | {"reason_zh": None} == {
        "entitlement": "9000.00", "rule": "R4", "full_period": True,
        "agreed_end": "2020-09-01", "extended_end": "2020-10-02",
        "agreed_days": 184, "served_days": 141, "remaining_days": 43,
        "reason": "contract signed with 43 of 184 days left (< 1/3): full period", "reason_zh": None}
    assert "不足1/3" in result.reason_zh and "全部期限" in result.reason_zh


# (case id, start, months, interruptions, outcome, entitlement, rule, full, served, remaining, extended_end, reason part)
CASES = [
    # one-third boundary with D = 90 (Feb 2020): exactly 30 left is NOT less than a third
    ("third-exact", D(2020, 2, 1), 3, (), Outcome(CONTRACT, D(2020, 4, 1)), "3000.00", "R2", False, 60, 30,
     D(2020, 5, 1), "30 of 90 days left (not < 1/3): served time paid"),
    ("third-minus-one", D(2020, 2, 1), 3, (), Outcome(CONTRACT, D(2020, 4, 2)), "4500.00", "R4", True, 61, 29,
     D(2020, 5, 1), "29 of 90 days left (< 1/3): full period"),
    ("third-plus-one", D(2020, 2, 1), 3, (), Outcome(CONTRACT, D(2020, 3, 31)), "2950.00", "R2", False, 59, 31,
     D(2020, 5, 1), "31 of 90 days left (not < 1/3)"),
    # the boundary with an extending interruption: D = 184, so 61 left is < 1/3 and 62 is not
    ("extended-61-left", D(2020, 3, 1), 6, (EPIDEMIC,), Outcome(CONTRACT, D(2020, 8, 2)), "9000.00", "R4", True,
     122 + 1, 61, D(2020, 10, 2), "61 of 184 days left (< 1/3)"),
    ("extended-62-left", D(2020, 3, 1), 6, (EPIDEMIC,), Outcome(CONTRACT, D(2020, 8, 1)), "5967.39", "R2", False,
     122, 62, D(2020, 10, 2), "62 of 184 days left (not < 1/3): served time paid, 122 of 184 days"),
    # finished: extending pauses earn exactly r x P; non-extending ones are not paid
    ("finished-extending", D(2020, 3, 1), 6, (EPIDEMIC,), Outcome(FINISHED), "9000.00", "R2", True, 184, 0,
     D(2020, 10, 2), "finished on 2020-10-02: served 184 of 184 days, full period"),
    ("finished-personal-leave", D(2020, 3, 1), 6, (Interruption(D(2020, 4, 1), D(2020, 4, 11), "personal_leave"),),
     Outcome(FINISHED), "8510.87", "R2", False, 174, 0, D(2020, 9, 1), "served time paid, 174 of 184 days"),
    ("contract-after-personal-leave", D(2020, 3, 1), 6,
     (Interruption(D(2020, 4, 1), D(2020, 4, 11), "personal_leave"),), Outcome(CONTRACT, D(2020, 8, 20)),
     "9000.00", "R4", True, 162, 12, D(2020, 9, 1), "12 of 184 days left (< 1/3)"),
    # clipping at T: only 10 of the 31 epidemic days lie before the leaving date
    ("left-inside-interruption", D(2020, 3, 1), 6, (EPIDEMIC,), Outcome(LEFT, D(2020, 3, 20)), "440.22", "R2", False,
     9, (D(2020, 9, 11) - D(2020, 3, 20)).days, D(2020, 9, 11), "left on 2020-03-20 without a contract"),
    # a contract on exactly E' is 'finished'; after E' too
    ("contract-on-extended-end", D(2020, 3, 1), 6, (EPIDEMIC,), Outcome(CONTRACT, D(2020, 10, 2)), "9000.00", "R2",
     True, 184, 0, D(2020, 10, 2), "contract date 2020-10-02 is on or after the extended end 2020-10-02"),
    ("left-after-end", D(2020, 3, 1), 6, (), Outcome(LEFT, D(2020, 12, 1)), "9000.00", "R2", True, 184, 0,
     D(2020, 9, 1), "leaving date 2020-12-01 is on or after the extended end 2020-09-01"),
    # a 'finished' date before E' is answered as left; after E' as finished on E'
    ("finished-early", D(2020, 3, 1), 6, (), Outcome(FINISHED, D(2020, 6, 1)), "4500.00", "R2", False, 92,
     92, D(2020, 9, 1), "finished date 2020-06-01 is before the extended end 2020-09-01: answered as left"),
    ("finished-late-date", D(2020, 3, 1), 6, (), Outcome(FINISHED, D(2020, 9, 5)), "9000.00", "R2", True, 184, 0,
     D(2020, 9, 1), "finished date 2020-09-05 is on or after the extended end 2020-09-01"),
    # the window's last day: 2020-12-31 is in, 2021-01-01 is out (P = 7, D = 215)
    ("window-last-day", D(2020, 7, 1), 7, (), Outcome(CONTRACT, D(2020, 12, 31)), "10500.00", "R4", True, 183, 32,
     D(2021, 2, 1), "32 of 215 days left (< 1/3): full period"),
    ("window-day-after", D(2020, 7, 1), 7, (), Outcome(CONTRACT, D(2021, 1, 1)), "8986.05", "R2", False, 184, 31,
     D(2021, 2, 1), "R4 not in force on 2021-01-01: served time paid, 184 of 215 days"),
    # a contract on the first day: nothing served, not < 1/3
    ("contract-on-start", D(2020, 3, 1), 6, (), Outcome(CONTRACT, D(2020, 3, 1)), "0.00", "R2", False, 0, 184,
     D(2020, 9, 1), "184 of 184 days left (not < 1/3)"),
    # month-end and leap-year starts
    ("month-end-start", D(2020, 1, 31), 3, (), Outcome(FINISHED), "4500.00", "R2", True, 90, 0, D(2020, 4, 30),
     "finished on 2020-04-30"),
    ("leap-day-start", D(2020, 2, 29), 12, (), Outcome(CONTRACT, D(2020, 12, 1)), "18000.00", "R4", True, 276, 89,
     D(2021, 2, 28), "89 of 365 days left (< 1/3)"),
    # half-up rounding: 1000.03 x 3 x 45 / 90 = 1500.045 -> 1500.05 (banker's rounding would give .04)
    ("half-up", D(2020, 2, 1), 3, (), Outcome(LEFT, D(2020, 3, 17)), "1500.05", "R2", False, 45, 45,
     D(2020, 5, 1), "served time paid, 45 of 90 days"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_entitlement_table(fushun, case):
    _, start, months, interruptions, outcome, amount, rule, full, served, remaining, e_prime, reason = case
    rate = "1000.03" if case[0] == "half-up" else None
    result = internship_entitlement(fushun, agreement(start, months, *interruptions, rate=rate), outcome)
    assert (str(result.entitlement), result.rule, result.full_period) == (amount, rule, full)
    assert (result.served_days, result.remaining_days, result.extended_end) == (served, remaining, e_prime)
    assert reason in result.reason_en
    assert result.reason_zh


def test_uses_the_sets_rate_when_none_given(fushun):
    result = internship_entitlement(fushun, agreement(D(2020, 3, 1), 6), Outcome(FINISHED))
    assert result.monthly_rate == Decimal("1500.00")
    assert result.entitlement == Decimal("9000.00") == result.full_amount


def test_adjacent_interruptions_are_allowed(fushun):
    first = Interruption(D(2020, 3, 10), D(2020, 3, 20), "epidemic")
    second = Interruption(D(2020, 3, 20), D(2020, 3, 25), "personal_leave")
    result = internship_entitlement(fushun, agreement(D(2020, 3, 1), 6, second, first), Outcome(FINISHED))
    assert result.extended_end == D(2020, 9, 11)
    assert result.served_days == 184 - 5


def test_interruption_after_agreed_end_but_before_extended_end(fushun):
    late = Interruption(D(2020, 9, 10), D(2020, 9, 20), "epidemic")   # E = 09-01, E' = 10-02 before it
    result = internship_entitlement(fushun, agreement(D(2020, 3, 1), 6, EPIDEMIC, late), Outcome(FINISHED))
    assert result.extended_end == D(2020, 10, 12)
    assert result.entitlement == Decimal("9000.00")


def test_non_graduate_contract_gets_served_time(fushun):
    result = internship_entitlement(fushun, agreement(D(2020, 3, 1), 6, EPIDEMIC),
                                    Outcome(CONTRACT, D(2020, 8, 20), graduate=False))
    assert result.rule == "R2" and not result.full_period
    assert "not a college graduate" in result.reason_en


# ---------------------------------------------------------------- the second set changes the answer

def test_any_early_set_pays_full_period_for_any_early_contract(fushun, any_early):
    case = agreement(D(2020, 3, 1), 6, EPIDEMIC)
    early = Outcome(CONTRACT, D(2020, 5, 1))
    assert internship_entitlement(fushun, case, early).entitlement < Decimal("9000.00")
    other = internship_entitlement(any_early, case, early)
    assert (other.entitlement, other.rule, other.full_period) == (Decimal("9000.00"), "R4", True)
    assert "any early contract" in other.reason_en


def test_any_early_set_still_respects_the_window(any_early):
    result = internship_entitlement(any_early, agreement(D(2020, 7, 1), 7), Outcome(CONTRACT, D(2021, 1, 1)))
    assert result.rule == "R2" and "R4 not in force on 2021-01-01" in result.reason_en


def test_threshold_is_a_parameter(variant):
    half = variant(lambda doc: doc["rules"]["R4"].update(threshold={"numerator": 1, "denominator": 2}))
    result = internship_entitlement(half, agreement(D(2020, 2, 1), 3), Outcome(CONTRACT, D(2020, 3, 20)))
    assert result.remaining_days == 42 and result.rule == "R4"   # 42 of 90 < 1/2


def test_retention_uplift_is_a_parameter(variant, fushun):
    uplift = {"min_retained": {"numerator": 1, "denominator": 2}, "rate_factor": "1.5"}
    raised = variant(lambda doc: doc["rules"]["R4"].update(retention_uplift=uplift))
    case, outcome = agreement(D(2020, 3, 1), 6, EPIDEMIC), Outcome(CONTRACT, D(2020, 8, 20))
    assert internship_entitlement(raised, case, outcome, UnitRetention(5, 10)).entitlement == Decimal("13500.00")
    assert internship_entitlement(raised, case, outcome, UnitRetention(4, 10)).entitlement == Decimal("9000.00")
    assert internship_entitlement(raised, case, outcome).entitlement == Decimal("9000.00")
    assert internship_entitlement(fushun, case, outcome, UnitRetention(10, 10)).entitlement == Decimal("9000.00")
    with pytest.raises(CaseError):
        internship_entitlement(raised, case, outcome, UnitRetention(11, 10))


def test_versioned_rule_judged_on_contract_date(variant):
    def two_versions(doc):
        r4 = doc["rules"]["R4"]
        doc["rules"]["R4"] = [r4, dict(r4, window={"from": "2021-01-01", "to": None}, otherwise="full_period")]
    policy = variant(two_versions)
    case = agreement(D(2020, 11, 1), 6)
    assert internship_entitlement(policy, case, Outcome(CONTRACT, D(2020, 12, 1))).rule == "R2"
    assert internship_entitlement(policy, case, Outcome(CONTRACT, D(2021, 1, 1))).rule == "R4"


# ---------------------------------------------------------------- input errors raise CaseError naming the field

@pytest.mark.parametrize("case, outcome, field", [
    (agreement(D(2020, 3, 1), 2), Outcome(FINISHED), "period_months"),
    (agreement(D(2020, 3, 1), 13), Outcome(FINISHED), "period_months"),
    (agreement(D(2020, 3, 1), 6, Interruption(D(2020, 2, 28), D(2020, 3, 5), "epidemic")), Outcome(FINISHED),
     "interruptions[0].from"),
    (agreement(D(2020, 3, 1), 6, EPIDEMIC, Interruption(D(2020, 4, 1), D(2020, 4, 20), "personal_leave")),
     Outcome(FINISHED), "interruptions[1]"),
    (agreement(D(2020, 3, 1), 6, Interruption(D(2020, 4, 1), D(2020, 4, 1), "epidemic")), Outcome(FINISHED),
     "interruptions[0].to"),
    (agreement(D(2020, 3, 1), 6, Interruption(D(2020, 4, 1), D(2020, 4, 5), "holiday")), Outcome(FINISHED),
     "interruptions[0].reason"),
    (agreement(D(2020, 3, 1), 6, EPIDEMIC), Outcome(CONTRACT, D(2020, 3, 10)), "interruptions[0].from"),
    (agreement(D(2020, 3, 1), 6, Interruption(D(2020, 9, 1), D(2020, 9, 5), "personal_leave")), Outcome(FINISHED),
     "interruptions[0].from"),
    (agreement(D(2020, 3, 1), 6), Outcome(LEFT, D(2020, 2, 29)), "outcome.date"),
    (agreement(D(2020, 3, 1), 6), Outcome(CONTRACT), "outcome.date"),
    (agreement(D(2020, 3, 1), 6), Outcome("resigned", D(2020, 5, 1)), "outcome.kind"),
    (agreement(D(2020, 3, 1), 6, rate="-1"), Outcome(FINISHED), "monthly_rate"),
])
def test_case_errors(fushun, case, outcome, field):
    with pytest.raises(CaseError) as info:
        internship_entitlement(fushun, case, outcome)
    assert info.value.field == field


# ---------------------------------------------------------------- earned to date (monthly claims)

def test_earned_to_date_grows_and_stops_at_the_full_amount(fushun):
    case = agreement(D(2020, 3, 1), 6, EPIDEMIC)
    assert earned_to_date(fushun, case, D(2020, 3, 1)).entitlement == Decimal("0.00")
    assert earned_to_date(fushun, case, D(2020, 3, 15)).served_days == 9
    assert earned_to_date(fushun, case, D(2020, 6, 1)).entitlement == round(Decimal(9000 * 61) / 184, 2)
    assert earned_to_date(fushun, case, D(2021, 1, 1)).entitlement == Decimal("9000.00")


# ---------------------------------------------------------------- R1 eligibility

BASE = (DateRange(D(2019, 6, 1)),)


def test_r1_eligible(fushun):
    decision = check_intern_eligibility(fushun, start=D(2020, 3, 1), person_cohorts=["graduating_2020"],
                                        base_registrations=BASE, other_internships=[], period_months=6)
    assert decision.allowed and decision.rule == "R1"
    assert decision.details["cohorts"] == ["graduating_2020"]


def test_r1_refusal_names_every_failed_condition(fushun):
    decision = check_intern_eligibility(
        fushun, start=D(2020, 3, 1), person_cohorts=[], base_registrations=(DateRange(D(2019, 1, 1), D(2020, 3, 1)),),
        other_internships=[DateRange(D(2020, 1, 1), D(2020, 7, 1))], period_months=6)
    assert not decision.allowed
    assert [c.code for c in decision.failed()] == ["cohort", "registered_base", "one_at_a_time"]
    assert "not a registered internship base on 2020-03-01" in decision.reason_en


def test_r1_back_to_back_internships_do_not_overlap(fushun):
    decision = check_intern_eligibility(fushun, start=D(2020, 3, 1), person_cohorts=["unemployed_youth_16_24"],
                                        base_registrations=BASE,
                                        other_internships=[DateRange(D(2019, 12, 1), D(2020, 3, 1))])
    assert decision.allowed


def test_r1_unknown_cohort_is_an_input_error(fushun):
    with pytest.raises(CaseError):
        check_intern_eligibility(fushun, start=D(2020, 3, 1), person_cohorts=["martians"],
                                 base_registrations=BASE, other_internships=[])


def test_remaining_days_reported_are_calendar_days(fushun):
    result = internship_entitlement(fushun, agreement(D(2020, 3, 1), 6, EPIDEMIC), Outcome(LEFT, D(2020, 5, 1)))
    assert result.remaining_days == (D(2020, 10, 2) - D(2020, 5, 1)).days
    assert result.extended_end - timedelta(days=31) == result.agreed_end


def test_public_helpers(fushun):
    case = agreement(D(2020, 3, 1), 6, EPIDEMIC)
    assert extended_end_at(fushun, case, D(2020, 8, 20)) == D(2020, 10, 2)
    assert extended_end_at(fushun, case, D(2020, 3, 20)) == D(2020, 9, 11)
    assert remaining_days_at(fushun, case, D(2020, 8, 20)) == 43
    assert served_days_at(case, D(2020, 8, 20)) == 141
    with pytest.raises(CaseError):
        extended_end_at(fushun, agreement(D(2020, 3, 1), 6, Interruption(D(2020, 4, 1), D(2020, 4, 2), "x")),
                        D(2020, 5, 1))
