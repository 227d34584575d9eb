"""R6 one-time hiring subsidy and R7 epidemic-supply hires."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from marketplace.policy import (
    CaseError,
    EpidemicHire,
    HireFacts,
    application_window,
    epidemic_hire_subsidy,
    epidemic_referral_subsidy,
    hiring_subsidy,
)

UNEMPLOYED = HireFacts(hire_date=date(2020, 5, 1), contract_date=date(2020, 5, 1), contract_months=12,
                       monthly_social_insurance=Decimal("812.35"), social_insurance_paid=True,
                       unemployment_registered_on=date(2019, 11, 1))
GRADUATE = HireFacts(hire_date=date(2020, 7, 15), contract_date=date(2020, 7, 10), contract_months=36,
                     monthly_social_insurance=Decimal("1000.004"), social_insurance_paid=True,
                     graduation_on=date(2020, 6, 30), graduate_kind="technician_senior")


def test_r6_amount_is_three_months_contribution_rounded_once(fushun):
    d = hiring_subsidy(fushun, UNEMPLOYED)
    assert d.allowed and d.rule == "R6" and d.amount == Decimal("2437.05")
    assert hiring_subsidy(fushun, GRADUATE).amount == Decimal("3000.01")   # 3000.012, not 3 x 1000.00


@pytest.mark.parametrize("change, failed", [
    (dict(unemployment_registered_on=date(2019, 11, 2)), "status"),          # 6 months minus a day
    (dict(unemployment_ended_on=date(2020, 4, 30)), "status"),               # no longer registered on the contract date
    (dict(contract_months=11), "contract_term"),
    (dict(social_insurance_paid=False), "social_insurance"),
])
def test_r6_conditions(fushun, change, failed):
    d = hiring_subsidy(fushun, replace(UNEMPLOYED, **change))
    assert not d.allowed and d.amount is None
    assert [c.code for c in d.failed()] == [failed]


def test_r6_status_judged_on_the_contract_date(fushun):
    ended_that_day = replace(UNEMPLOYED, unemployment_ended_on=date(2020, 5, 1))
    assert hiring_subsidy(fushun, ended_that_day).allowed
    last_year_grad = replace(GRADUATE, graduation_on=date(2019, 6, 30))
    assert not hiring_subsidy(fushun, last_year_grad).allowed


def test_r6_once_per_person(fushun):
    d = hiring_subsidy(fushun, UNEMPLOYED, prior_grants=(date(2020, 3, 2),))
    assert not d.allowed and "already granted for this person on 2020-03-02" in d.reason_en


def test_r6_window_is_on_the_hire_date(fushun):
    assert hiring_subsidy(fushun, replace(UNEMPLOYED, hire_date=date(2020, 12, 31))).allowed
    d = hiring_subsidy(fushun, replace(UNEMPLOYED, hire_date=date(2021, 1, 1), contract_date=date(2021, 1, 1)))
    assert not d.allowed and d.reason_en.startswith("R6 not in force on 2021-01-01")


def test_r6_unknown_graduate_kind(fushun):
    with pytest.raises(CaseError):
        hiring_subsidy(fushun, replace(GRADUATE, graduate_kind="phd"))


HIRE = EpidemicHire(hire_date=date(2020, 3, 1), contract_months=12, application_date=date(2020, 8, 1),
                    makeup_insurance_recorded_on=date(2020, 7, 20), funding_source="industrial_restructuring_fund")


def test_r7_enterprise_subsidy_and_funding_source_recorded(fushun):
    d = epidemic_hire_subsidy(fushun, HIRE)
    assert d.allowed and d.amount == Decimal("1000.00")
    assert d.details["funding_source"] == "industrial_restructuring_fund"
    assert "工业企业结构调整专项奖补资金" in d.reason_zh


def test_r7_application_window(fushun):
    window = application_window(fushun.rule("R7", date(2020, 3, 1)))
    assert (window.start, window.end) == (date(2020, 7, 1), date(2020, 9, 30))
    assert epidemic_hire_subsidy(fushun, replace(HIRE, application_date=date(2020, 9, 30))).allowed
    early = epidemic_hire_subsidy(fushun, replace(HIRE, application_date=date(2020, 6, 30),
                                                  makeup_insurance_recorded_on=date(2020, 6, 1)))
    assert not early.allowed and "not yet open" in early.reason_en


def test_r7_late_application_needs_a_justification(fushun):
    late = replace(HIRE, application_date=date(2020, 10, 1))
    refused = epidemic_hire_subsidy(fushun, late)
    assert not refused.allowed and "late: refused in principle" in refused.reason_en
    accepted = epidemic_hire_subsidy(fushun, replace(late, late_justification="企业因停产延误补缴"))
    assert accepted.allowed and accepted.details["late"]
    assert "企业因停产延误补缴" in accepted.reason_en and "企业因停产延误补缴" in accepted.reason_zh


def test_r7_make_up_social_insurance_first(fushun):
    d = epidemic_hire_subsidy(fushun, replace(HIRE, makeup_insurance_recorded_on=date(2020, 8, 2)))
    assert [c.code for c in d.failed()] == ["makeup_insurance"]
    d = epidemic_hire_subsidy(fushun, replace(HIRE, makeup_insurance_recorded_on=None))
    assert not d.allowed


def test_r7_hire_in_the_epidemic_window(fushun):
    assert epidemic_hire_subsidy(fushun, replace(HIRE, hire_date=date(2020, 1, 25))).allowed
    d = epidemic_hire_subsidy(fushun, replace(HIRE, hire_date=date(2020, 1, 24)))
    assert not d.allowed and "R7 not in force on 2020-01-24" in d.reason_en


@pytest.mark.parametrize("change, code", [(dict(contract_months=6), "contract_term"), (dict(new_hire=False), "new_hire"),
                                          (dict(supplies_epidemic_goods=False), "epidemic_supplier")])
def test_r7_other_conditions(fushun, change, code):
    assert [c.code for c in epidemic_hire_subsidy(fushun, replace(HIRE, **change)).failed()] == [code]


def test_r7_unknown_funding_source(fushun):
    with pytest.raises(CaseError, match="funding_source"):
        epidemic_hire_subsidy(fushun, replace(HIRE, funding_source="lottery"))


@pytest.mark.parametrize("prior, amount", [("0", "200.00"), ("99800.00", "200.00"), ("99900.00", "100.00"),
                                           ("99999.99", "0.01")])
def test_r7_agency_cap(fushun, prior, amount):
    d = epidemic_referral_subsidy(fushun, HIRE, Decimal(prior))
    assert d.allowed and d.amount == Decimal(amount)
    assert d.details["agency_total_after"] <= Decimal("100000.00")
    assert d.details["capped"] == (Decimal(amount) < Decimal("200.00"))


def test_r7_agency_cap_reached(fushun):
    d = epidemic_referral_subsidy(fushun, HIRE, Decimal("100000.00"))
    assert not d.allowed and d.amount is None and "cap is reached" in d.reason_en


def test_r7_agency_running_total_never_passes_the_cap(fushun):
    total = Decimal("0")
    for _ in range(505):
        d = epidemic_referral_subsidy(fushun, HIRE, total)
        if d.allowed:
            total += d.amount
    assert total == Decimal("100000.00")


def test_r7_no_application_before_the_end_is_declared(variant):
    policy = variant(lambda doc: doc["rules"]["R7"].update(epidemic_declared_end=None))
    d = epidemic_hire_subsidy(policy, HIRE)
    assert [c.code for c in d.failed()] == ["application_window"]
    assert "not declared" in d.reason_en and "疫情解除时间未公布" in d.reason_zh
