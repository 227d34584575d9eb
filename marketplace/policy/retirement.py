"""R11 statutory retirement age (法定退休年龄), kept as a table.

The schedule of the NPC Standing Committee decision of 2024-09-13 lives in
``data/retirement-npc-2024.json``: one row per birth-month cohort with its
retirement age, as the decision's own comparison tables print it. This module
only looks rows up; it computes no schedule.

Readings (**[choice]**):

* The law in force on the *evaluation date* applies: before the decision's
  ``in_force_from`` (2025-01-01) the original ages (60; 55 or 50), from then on
  the table.
* Men's original age is 60; a woman's original age (55 for the cadre-type posts,
  50 for the worker-type ones) must be given: it is a fact of her record, not
  something to guess.
* The retirement month is the birth month plus the age; the retirement date is
  the day the person reaches that age (``add_months(birth_date, age_months)``,
  clamped to the month's end, so someone born on 29 February retires on the
  28th in a common year).
* "Less than N years from retirement" means the retirement date falls before
  ``add_months(on, 12 × N)`` and has not yet been reached; someone who has
  reached the age is not "near" it.
* Special-occupation exceptions and elective early/late retirement are not modelled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta

from marketplace.policy.dates import add_months, parse_iso_date, parse_iso_month
from marketplace.policy.errors import CaseError, PolicySetError

TABLE_FILE = Path(__file__).resolve().parent / "data" / "retirement-npc-2024.json"
MALE, FEMALE = "male", "female"


@dataclass(frozen=True)
class RetirementPerson:
    """What R11 needs to know of a person."""

    birth_date: date
    gender: str
    original_age: int | None = None


@dataclass(frozen=True)
class Retirement:
    """A person's statutory retirement, under the law in force on `evaluated_on`."""

    original_age: int
    age_months: int
    retirement_month: str
    retirement_date: date
    law: str
    evaluated_on: date
    reason_zh: str
    reason_en: str

    @property
    def age_years(self) -> int:
        return self.age_months // 12

    @property
    def age_extra_months(self) -> int:
        return self.age_months % 12


@dataclass(frozen=True)
class TimeToRetirement:
    """Calendar time from a date to the retirement date (all zero once reached)."""

    years: int
    months: int
    days: int
    reached: bool
    retirement: Retirement


@dataclass(frozen=True)
class _Step:
    born_from: int
    born_to: int
    age_months: int


@dataclass(frozen=True)
class _Schedule:
    gender: str
    original_age: int
    original_months: int
    final_months: int
    steps: tuple[_Step, ...]


def _month_index(text: str) -> int:
    year, month = parse_iso_month(text)
    return year * 12 + month - 1


def _age(text: str) -> int:
    years, _, months = text.partition("-")
    if not (years.isdigit() and months.isdigit() and int(months) < 12):
        raise ValueError(f"not an age as YY-MM: {text!r}")
    return int(years) * 12 + int(months)


@lru_cache(maxsize=1)
def retirement_table() -> tuple[date, tuple[_Schedule, ...]]:
    """The table (in-force date and schedules), validated once."""
    try:
        doc: Any = json.loads(TABLE_FILE.read_text(encoding="utf-8"))
        schedules = []
        for s in doc["schedules"]:
            steps = tuple(_Step(_month_index(r["born_from"]), _month_index(r["born_to"]), _age(r["age"]))
                          for r in s["steps"])
            schedules.append(_Schedule(s["gender"], int(s["original_age"]), _age(s["original"]),
                                       _age(s["final"]), steps))
            _check_steps(schedules[-1])
        return parse_iso_date(doc["in_force_from"]), tuple(schedules)
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise PolicySetError(f"{TABLE_FILE.name}: bad retirement table: {exc}") from None


def _check_steps(s: _Schedule) -> None:
    previous_to, previous_age = None, s.original_months
    for step in s.steps:
        if step.born_from > step.born_to or (previous_to is not None and step.born_from != previous_to + 1):
            raise ValueError(f"{s.gender}-{s.original_age}: cohorts must be contiguous and ordered")
        if step.age_months < previous_age:
            raise ValueError(f"{s.gender}-{s.original_age}: ages must not fall")
        previous_to, previous_age = step.born_to, step.age_months
    if s.steps and s.steps[-1].age_months != s.final_months:
        raise ValueError(f"{s.gender}-{s.original_age}: last step must reach the final age")


def _original_age(person: RetirementPerson) -> int:
    if person.gender == MALE:
        if person.original_age not in (None, 60):
            raise CaseError("original_age", "a man's original statutory retirement age is 60", "男性原法定退休年龄为60周岁")
        return 60
    if person.gender == FEMALE:
        if person.original_age not in (50, 55):
            raise CaseError("original_age", "a woman's original statutory retirement age must be given: 50 or 55",
                            "须填写女性原法定退休年龄：50或55周岁")
        return person.original_age  # type: ignore[return-value]
    raise CaseError("gender", f"must be {MALE!r} or {FEMALE!r}, got {person.gender!r}")


def _table_age(schedule: _Schedule, born: int) -> int:
    if not schedule.steps or born < schedule.steps[0].born_from:
        return schedule.original_months
    for step in schedule.steps:
        if step.born_from <= born <= step.born_to:
            return step.age_months
    return schedule.final_months


def statutory_retirement(person: RetirementPerson, on: date) -> Retirement:
    """R11: the person's retirement age, month and date under the law in force on `on`."""
    original = _original_age(person)
    in_force, schedules = retirement_table()
    born = person.birth_date.year * 12 + person.birth_date.month - 1
    if on < in_force:
        months, law = original * 12, "original"
    else:
        schedule = next(s for s in schedules if s.gender == person.gender and s.original_age == original)
        months, law = _table_age(schedule, born), "npc-2024"
    when = add_months(person.birth_date, months)
    age_text_zh = f"{months // 12}岁" + (f"{months % 12}个月" if months % 12 else "")
    age_text_en = f"{months // 12}y{months % 12}m"
    law_zh = "原法定退休年龄" if law == "original" else "2024年全国人大常委会渐进式延迟法定退休年龄决定"
    law_en = "the original ages" if law == "original" else "the 2024 NPC Standing Committee decision"
    return Retirement(original, months, f"{when.year:04d}-{when.month:02d}", when, law, on,
                      f"R11 依{law_zh}，法定退休年龄{age_text_zh}，{when.isoformat()}达到",
                      f"R11 under {law_en}: statutory retirement age {age_text_en}, reached on {when.isoformat()}")


def years_to_retirement(person: RetirementPerson, on: date) -> TimeToRetirement:
    """Calendar years, months and days from `on` to the retirement date."""
    retirement = statutory_retirement(person, on)
    if on >= retirement.retirement_date:
        return TimeToRetirement(0, 0, 0, True, retirement)
    delta = relativedelta(retirement.retirement_date, on)
    return TimeToRetirement(delta.years, delta.months, delta.days, False, retirement)


def near_retirement(person: RetirementPerson, on: date, years: int = 5) -> bool:
    """Less than `years` years from the statutory retirement date on `on` (R9, R10)."""
    retirement = statutory_retirement(person, on).retirement_date
    return on < retirement < add_months(on, 12 * years)
