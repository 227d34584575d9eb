"""R11 statutory retirement age: the table at both ends, the law's start date, near-retirement."""

from __future__ import annotations

from datetime import date

import pytest

from marketplace.policy import CaseError, RetirementPerson, near_retirement, statutory_retirement, years_to_retirement
from marketplace.policy.retirement import retirement_table

AFTER = date(2025, 6, 1)     # the 2024 decision is in force
BEFORE = date(2024, 12, 31)  # the original ages


def man(y, m, d=15):
    return RetirementPerson(date(y, m, d), "male")


def woman(y, m, original, d=15):
    return RetirementPerson(date(y, m, d), "female", original)


@pytest.mark.parametrize("person, years, months, month", [
    (man(1964, 12), 60, 0, "2024-12"),       # before the first cohort
    (man(1965, 1), 60, 1, "2025-02"),        # first cohort
    (man(1965, 4), 60, 1, "2025-05"),
    (man(1965, 5), 60, 2, "2025-07"),
    (man(1976, 8), 62, 11, "2039-07"),
    (man(1976, 9), 63, 0, "2039-09"),        # final age reached
    (man(1990, 1), 63, 0, "2053-01"),
    (woman(1969, 12, 55), 55, 0, "2024-12"),
    (woman(1970, 1, 55), 55, 1, "2025-02"),
    (woman(1970, 4, 55), 55, 1, "2025-05"),
    (woman(1981, 8, 55), 57, 11, "2039-07"),
    (woman(1981, 9, 55), 58, 0, "2039-09"),
    (woman(1974, 12, 50), 50, 0, "2024-12"),
    (woman(1975, 1, 50), 50, 1, "2025-02"),
    (woman(1975, 2, 50), 50, 1, "2025-03"),
    (woman(1975, 3, 50), 50, 2, "2025-05"),
    (woman(1984, 10, 50), 54, 11, "2039-09"),
    (woman(1984, 11, 50), 55, 0, "2039-11"),
    (woman(1995, 6, 50), 55, 0, "2050-06"),
])
def test_table(person, years, months, month):
    r = statutory_retirement(person, AFTER)
    assert (r.age_years, r.age_extra_months, r.retirement_month, r.law) == (years, months, month, "npc-2024")
    assert r.retirement_date.strftime("%Y-%m") == month


def test_whole_table_matches_the_decisions_pace():
    _, schedules = retirement_table()
    pace = {(60, "male"): (1965, 4, 36), (55, "female"): (1970, 4, 36), (50, "female"): (1975, 2, 60)}
    for s in schedules:
        first_year, every, steps = pace[(s.original_age, s.gender)]
        assert len(s.steps) == steps
        for i, step in enumerate(s.steps):
            assert step.born_from == first_year * 12 + i * every
            assert step.age_months == s.original_age * 12 + i + 1


@pytest.mark.parametrize("person, months", [(man(1970, 1), 720), (woman(1975, 1, 50), 600), (woman(1980, 5, 55), 660)])
def test_before_2025_the_original_ages_apply(person, months):
    r = statutory_retirement(person, BEFORE)
    assert (r.age_months, r.law) == (months, "original")
    assert "原法定退休年龄" in r.reason_zh and "original ages" in r.reason_en


def test_retirement_date_clamps_leap_day_births():
    r = statutory_retirement(RetirementPerson(date(1964, 2, 29), "male"), AFTER)
    assert r.retirement_date == date(2024, 2, 29)
    r = statutory_retirement(RetirementPerson(date(1968, 2, 29), "male"), AFTER)
    assert r.age_months == 720 + 10 and r.retirement_date == date(2028, 12, 29)


def test_women_must_have_an_original_age():
    with pytest.raises(CaseError, match="50 or 55"):
        statutory_retirement(RetirementPerson(date(1975, 1, 1), "female"), AFTER)
    with pytest.raises(CaseError, match="60"):
        statutory_retirement(RetirementPerson(date(1975, 1, 1), "male", 55), AFTER)
    with pytest.raises(CaseError, match="gender"):
        statutory_retirement(RetirementPerson(date(1975, 1, 1), "x"), AFTER)


def test_years_to_retirement_and_near_retirement():
    person = man(1965, 1, 1)           # retires 2025-02-01 at 60y1m under the decision
    distance = years_to_retirement(person, date(2025, 1, 1))
    assert (distance.years, distance.months, distance.days, distance.reached) == (0, 1, 0, False)
    assert years_to_retirement(person, date(2025, 2, 1)).reached
    assert near_retirement(person, date(2025, 1, 1))
    assert not near_retirement(person, date(2025, 2, 1))            # reached: no longer "near"
    later = man(1976, 9, 1)            # 63: 2039-09-01
    assert not near_retirement(later, date(2034, 9, 1))             # exactly 5 years: not less than 5
    assert near_retirement(later, date(2034, 9, 2))
    assert near_retirement(later, date(2035, 1, 1), years=5) and not near_retirement(later, date(2035, 1, 1), years=4)
