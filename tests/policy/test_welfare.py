"""R8 hard-to-employ reference, R9 priority, R10 limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from marketplace.policy import (
    CaseError,
    HardToEmployFacts,
    PlacementCandidate,
    RetirementPerson,
    check_continued_placement_funding,
    check_district_quota,
    check_extension,
    check_placement_count,
    check_temporary_term,
    hard_to_employ_reference,
    order_for_placement,
    placement_tier,
    temporary_share,
)

ON = date(2020, 6, 1)
FARMER = HardToEmployFacts(category="landless_farmer", registered_unemployed=True, unemployed_since=date(2019, 6, 1),
                           failed_referrals=2, records={"failed_referrals": "介绍记录 2020-03-02, 2020-04-15"})


def test_r8_all_conditions_hold_and_are_shown_with_records(fushun):
    d = hard_to_employ_reference(fushun, FARMER, ON)
    assert d.allowed and d.rule == "R8"
    assert [c.code for c in d.conditions] == ["category", "registered_unemployed", "unemployed_long",
                                              "no_flexible_or_self_employment", "failed_referrals"]
    assert all(c.held for c in d.conditions)
    assert d.conditions[-1].record == "介绍记录 2020-03-02, 2020-04-15"


@pytest.mark.parametrize("change, failed", [
    (dict(unemployed_since=date(2019, 6, 2)), ["unemployed_long"]),
    (dict(failed_referrals=1), ["failed_referrals"]),
    (dict(flexible_or_self_employed=True), ["no_flexible_or_self_employment"]),
    (dict(registered_unemployed=False, category=None), ["category", "registered_unemployed"]),
])
def test_r8_shows_which_conditions_failed(fushun, change, failed):
    d = hard_to_employ_reference(fushun, replace(FARMER, **change), ON)
    assert not d.allowed and [c.code for c in d.failed()] == failed


def test_r8_registered_hard_to_employ_qualifies_directly(fushun):
    d = hard_to_employ_reference(fushun, HardToEmployFacts(registered_hard_to_employ=True), ON)
    assert d.allowed and d.conditions[0].code == "registered_hard_to_employ"


def test_r8_unknown_category(fushun):
    with pytest.raises(CaseError):
        hard_to_employ_reference(fushun, HardToEmployFacts(category="astronaut"), ON)


def test_r9_tiers(fushun):
    near = RetirementPerson(date(1961, 1, 1), "male")       # 60 in 2021: less than 5 years on ON
    far = RetirementPerson(date(1980, 1, 1), "male")
    assert placement_tier(fushun, zero_employment_family=False, person=near, on=ON).tier == 1
    assert placement_tier(fushun, zero_employment_family=True, person=far, on=ON).tier == 1
    d = placement_tier(fushun, zero_employment_family=False, person=far, on=ON)
    assert d.tier == 2 and d.reason_en == "R9 priority tier 2"


def test_r9_order():
    people = [PlacementCandidate("a", 2, 0.9, date(2019, 1, 1)), PlacementCandidate("b", 1, 0.5, date(2019, 5, 1)),
              PlacementCandidate("c", 1, 0.5, date(2019, 2, 1)), PlacementCandidate("d", 1, 0.7, date(2020, 1, 1))]
    assert [p.id for p in order_for_placement(people)] == ["d", "c", "b", "a"]


def test_r10_quota(fushun):
    assert check_district_quota(fushun, "望花区", 319, ON).allowed
    d = check_district_quota(fushun, "望花区", 320, ON)
    assert not d.allowed and "320 placed of a quota of 320" in d.reason_en
    assert not check_district_quota(fushun, "海淀区", 0, ON).allowed


@pytest.mark.parametrize("months, ok", [(2, False), (3, True), (6, True), (7, False)])
def test_r10_temporary_term(fushun, months, ok):
    assert check_temporary_term(fushun, months, ON).allowed is ok


def test_r10_temporary_share():
    assert temporary_share(3, 12) == 0.25 and temporary_share(0, 0) == 0


def test_r10_extension(fushun):
    ok = check_extension(fushun, hard_to_employ=True, period_ends_on=date(2020, 12, 31), stably_employed=False,
                         prior_extensions=0)
    assert ok.allowed and ok.details["new_end"] == date(2021, 12, 31)
    again = check_extension(fushun, hard_to_employ=True, period_ends_on=date(2020, 12, 31), stably_employed=False,
                            prior_extensions=1)
    assert [c.code for c in again.failed()] == ["max_extensions"]
    outside = check_extension(fushun, hard_to_employ=True, period_ends_on=date(2021, 1, 1), stably_employed=False,
                              prior_extensions=0)
    assert [c.code for c in outside.failed()] == ["window"]
    employed = check_extension(fushun, hard_to_employ=False, period_ends_on=date(2020, 5, 1), stably_employed=True,
                               prior_extensions=0)
    assert [c.code for c in employed.failed()] == ["hard_to_employ", "not_stably_employed"]


def test_r10_placement_limit(fushun):
    assert check_placement_count(fushun, 0, ON).allowed
    assert check_placement_count(fushun, 1, ON).allowed
    third = check_placement_count(fushun, 2, ON)
    assert not third.allowed and "supervisor" in third.reason_en
    justified = check_placement_count(fushun, 2, ON, supervisor_justification="本人残疾，无其他渠道")
    assert justified.allowed and justified.details["exceptional"] and "本人残疾" in justified.reason_zh
    assert not check_placement_count(fushun, 3, ON, supervisor_justification="再次安置").allowed
    assert not check_placement_count(fushun, 2, ON, supervisor_justification="   ").allowed


def test_r10_funding_source(fushun):
    far = RetirementPerson(date(1980, 1, 1), "female", 50)
    near = RetirementPerson(date(1971, 1, 1), "female", 50)   # 50 in 2021
    fund = "employment_subsidy_fund"
    args = dict(zero_employment_family=False, severely_disabled=False, on=ON)
    assert not check_continued_placement_funding(fushun, fund=fund, person=far, **args).allowed
    assert check_continued_placement_funding(fushun, fund="other_channels", person=far, **args).allowed
    assert check_continued_placement_funding(fushun, fund=fund, person=near, **args).allowed
    assert check_continued_placement_funding(fushun, fund=fund, person=far, on=ON, zero_employment_family=False,
                                             severely_disabled=True).allowed
    with pytest.raises(CaseError):
        check_continued_placement_funding(fushun, fund="piggy_bank", person=far, **args)
