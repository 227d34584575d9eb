"""R13 SOE postings, R14 targeted posts, R15 Hubei graduates, R5 claims."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from marketplace.policy import (
    CaseError,
    NotEligible,
    can_transition,
    check_claim_deadline,
    check_soe_offer_withdrawal,
    check_soe_posting,
    check_targeted_application,
    check_targeted_post,
    claimable_amount,
    hubei_graduate_subsidy,
)


@pytest.mark.parametrize("on, soe, graduates, ok", [
    (date(2020, 1, 1), True, True, False), (date(2021, 12, 31), True, True, False),
    (date(2022, 1, 1), True, True, True), (date(2021, 6, 1), False, True, True), (date(2021, 6, 1), True, False, True),
])
def test_r13_prior_internship_condition(fushun, on, soe, graduates, ok):
    d = check_soe_posting(fushun, employer_is_soe=soe, aimed_at_graduates=graduates,
                          requires_prior_internship_at_unit=True, on=on)
    assert d.allowed is ok and d.rule == "R13"
    if not ok:
        assert "不得将本单位实习期限作为招聘入职的前提条件" in d.reason_zh


def test_r13_posting_without_the_condition_passes(fushun):
    assert check_soe_posting(fushun, employer_is_soe=True, aimed_at_graduates=True,
                             requires_prior_internship_at_unit=False, on=date(2020, 5, 1)).allowed


def test_r13_withdrawal_needs_a_reason_and_is_reported(fushun):
    refused = check_soe_offer_withdrawal(fushun, employer_is_soe=True, to_graduate=True, reason=None, on=date(2020, 5, 1))
    assert not refused.allowed
    ok = check_soe_offer_withdrawal(fushun, employer_is_soe=True, to_graduate=True, reason="岗位撤销", on=date(2020, 5, 1))
    assert ok.allowed and ok.details["reportable"]


def test_r14_cap_and_group(fushun):
    on = date(2020, 9, 1)
    assert check_targeted_post(fushun, group="veteran_college_2020", already_published=149, on=on).allowed
    full = check_targeted_post(fushun, group="veteran_college_2020", already_published=150, on=on)
    assert not full.allowed and "cap 150" in full.reason_en
    assert check_targeted_application(fushun, group="veteran_college_2020", person_groups=["veteran_college_2020"],
                                      on=on).allowed
    no = check_targeted_application(fushun, group="veteran_college_2020", person_groups=[], on=on)
    assert not no.allowed and "2020年退役大学生" in no.reason_zh
    with pytest.raises(CaseError):
        check_targeted_post(fushun, group="nobody", already_published=0, on=on)


def test_r15(fushun):
    args = dict(graduation_year=2020, college_in_city=True, household_registration_province="湖北省",
                applied_on=date(2020, 7, 1))
    d = hubei_graduate_subsidy(fushun, **args)
    assert d.allowed and d.amount == Decimal("1000.00")
    again = hubei_graduate_subsidy(fushun, **args, prior_grants=(date(2020, 6, 1),))
    assert [c.code for c in again.failed()] == ["once"]
    other = hubei_graduate_subsidy(fushun, **{**args, "household_registration_province": "辽宁",
                                              "college_in_city": False, "graduation_year": 2021})
    assert [c.code for c in other.failed()] == ["graduation_year", "college_in_city", "origin"]
    late = hubei_graduate_subsidy(fushun, **{**args, "applied_on": date(2021, 1, 1)})
    assert not late.allowed and "not in force on 2021-01-01" in late.reason_en


def test_r5_claims(fushun):
    assert check_claim_deadline(fushun, date(2021, 6, 30)).allowed
    late = check_claim_deadline(fushun, date(2021, 7, 1))
    assert not late.allowed and "claim deadline 2021-06-30" in late.reason_en
    assert claimable_amount(Decimal("2396.74"), Decimal("1500.00")) == Decimal("896.74")
    assert claimable_amount(Decimal("100.00"), Decimal("150.00")) == Decimal("0.00")
    assert can_transition("draft", "submitted") and can_transition("approved", "paid")
    assert not can_transition("rejected", "paid") and not can_transition("draft", "paid")


def test_require_raises_not_eligible_with_the_decision(fushun):
    refused = check_claim_deadline(fushun, date(2021, 7, 1))
    with pytest.raises(NotEligible) as info:
        refused.require()
    assert info.value.decision is refused and "claim deadline" in str(info.value)
    ok = check_claim_deadline(fushun, date(2021, 1, 1))
    assert ok.require() is ok


def test_r14_cap_counts_the_places_a_posting_adds(fushun):
    on = date(2020, 6, 1)
    assert check_targeted_post(fushun, group="veteran_college_2020", already_published=145, places=5, on=on).allowed
    over = check_targeted_post(fushun, group="veteran_college_2020", already_published=145, places=6, on=on)
    assert not over.allowed and over.reason_en.startswith("R14 refused")


def test_r14_group_without_a_cap_is_never_full(fushun):
    d = check_targeted_post(fushun, group="disabled", already_published=10_000, on=date(2020, 6, 1))
    assert d.allowed and d.details["cap"] is None
