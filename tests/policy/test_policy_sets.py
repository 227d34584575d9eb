"""Policy sets are data: loading, listing, validation with clear errors, versions."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pytest

from marketplace.policy import PolicySetError, list_policy_sets, load_policy_set, parse_policy_set
from marketplace.policy.policy_set import FULL_PERIOD, SERVED


def test_bundled_sets_are_listed_and_load():
    assert {"fushun-2020", "fushun-2020-any-early"} <= set(list_policy_sets())
    for name in list_policy_sets():
        assert load_policy_set(name).name == name


def test_fushun_2020_holds_the_plan(fushun):
    d = date(2020, 6, 1)
    assert fushun.rule("R2", d).monthly_rate == Decimal("1500.00")
    r4 = fushun.rule("R4", d)
    assert (r4.window.start, r4.window.end) == (date(2020, 1, 1), date(2020, 12, 31))
    assert (r4.threshold.numerator, r4.threshold.denominator, r4.below_threshold, r4.otherwise) == (1, 3, FULL_PERIOD, SERVED)
    assert fushun.rule("R6", d).window.end == date(2020, 12, 31)
    assert fushun.rule("R13", date(2021, 12, 31)) is not None and fushun.rule("R13", date(2022, 1, 1)) is None
    r7 = fushun.rule("R7", date(2020, 3, 1))
    assert (r7.hire_amount, r7.referral_amount, r7.referral_cap_per_agency) == (
        Decimal("1000.00"), Decimal("200.00"), Decimal("100000.00"))
    r10 = fushun.rule("R10", d)
    assert r10.extension_window.end == date(2020, 12, 31) and r10.max_placements == 2
    assert r10.district_quotas["望花区"] > 0
    assert [r.code for r in fushun.rule("R3", d).reasons if r.extends] == ["epidemic"]
    added = [c.code for c in fushun.rule("R1", d).cohorts if c.added_by_plan]
    assert added == ["graduating_2020", "graduating_2021"]
    assert fushun.rule("R14", d).group("veteran_college_2020").cap == 150


def test_any_early_differs_only_in_r4_otherwise(fushun, any_early):
    d = date(2020, 6, 1)
    assert any_early.rule("R4", d).otherwise == FULL_PERIOD
    for rule in fushun.rules:
        if rule != "R4":
            assert fushun.rules[rule] == any_early.rules[rule]


def test_unknown_set_names_the_known_ones():
    with pytest.raises(PolicySetError, match="unknown policy set 'nowhere'.*fushun-2020"):
        load_policy_set("nowhere")


@pytest.mark.parametrize("name", ["", "../etc/passwd", ".hidden", "a\\b"])
def test_bad_set_names(name):
    with pytest.raises(PolicySetError):
        load_policy_set(name)


def edit(doc, path, value):
    keys = path.split(".")
    target = doc
    for key in keys[:-1]:
        target = target[key]
    if value is ...:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value


@pytest.mark.parametrize("path, value, message", [
    ("rules.R4", ..., r"\$\.rules\.R4: missing"),
    ("rules.R2.monthly_rate", "lots", r"\$\.rules\.R2\.monthly_rate: not a decimal"),
    ("rules.R2.monthly_rate", 1500, r"monthly_rate: expected a decimal string"),
    ("rules.R2.monthly_rate", "-1", r"monthly_rate: must be a finite amount >= 0"),
    ("rules.R2.min_period_months", 13, r"min_period_months: is greater than"),
    ("rules.R4.window", {"from": "2020-12-31", "to": "2020-01-01"}, r"window 'from' is after 'to'"),
    ("rules.R4.window", {"from": "2020-13-01", "to": None}, r"R4\.window\.from: "),
    ("rules.R4.otherwise", "half", r"R4\.otherwise: must be one of full_period, served"),
    ("rules.R4.threshold", {"numerator": 1, "denominator": 0}, r"denominator: must be between 1"),
    ("rules.R4.surprise", 1, r"R4: unknown key\(s\) surprise"),
    ("rules.R3.interruption_reasons", [], r"interruption_reasons: expected a non-empty list"),
    ("rules.R3.interruption_reasons", [{"code": "a", "zh": "甲", "en": "a"}] * 2, r"codes must be non-empty and unique"),
    ("rules.R10.district_quotas", {"新抚区": -3}, r"district_quotas\.新抚区: expected an integer >= 0"),
    ("rules.R12", {}, r"rules: unknown key\(s\) R12"),
    ("name", "", r"must be non-empty"),
    ("rules.R7.epidemic_declared_end", "soon", r"epidemic_declared_end: expected a date"),
    ("rules.R14.groups", [{"code": "g", "zh": "甲", "en": "g", "cap": 1}], r"R14\.groups\[0\]\.category: missing"),
    ("rules.R14.groups", [{"code": "g", "zh": "甲", "en": "g", "cap": 1, "category": "veteran", "min_education": 9}],
     r"groups\[0\]\.min_education: must be between 0 and 7"),
    ("rules.R14.groups", [{"code": "g", "zh": "甲", "en": "g", "cap": "many", "category": "veteran"}],
     r"groups\[0\]\.cap: expected an integer"),
])
def test_validation_errors_name_the_path(fushun_doc, path, value, message):
    doc = copy.deepcopy(fushun_doc)
    edit(doc, path, value)
    with pytest.raises(PolicySetError, match=message):
        parse_policy_set(doc, "broken.json")


def test_overlapping_versions_are_refused(fushun_doc):
    doc = copy.deepcopy(fushun_doc)
    r4 = doc["rules"]["R4"]
    doc["rules"]["R4"] = [r4, dict(r4, window={"from": "2020-12-31", "to": None})]
    with pytest.raises(PolicySetError, match="overlapping windows"):
        parse_policy_set(doc, "x.json")


def test_versions_are_chosen_by_date(fushun_doc):
    doc = copy.deepcopy(fushun_doc)
    r2 = doc["rules"]["R2"]
    doc["rules"]["R2"] = [dict(r2, window={"from": None, "to": "2020-12-31"}),
                          dict(r2, window={"from": "2021-01-01", "to": None}, monthly_rate="1700.00")]
    policy = parse_policy_set(doc, "x.json")
    assert policy.rule("R2", date(2020, 12, 31)).monthly_rate == Decimal("1500.00")
    assert policy.rule("R2", date(2021, 1, 1)).monthly_rate == Decimal("1700.00")
    with pytest.raises(PolicySetError, match="a date is needed"):
        policy.rule("R2")


def test_file_errors(write_set, fushun_doc):
    directory = write_set("bad-json", text="{")
    with pytest.raises(PolicySetError, match="bad-json.json: not valid JSON"):
        load_policy_set("bad-json", directory)
    write_set("renamed", fushun_doc)
    with pytest.raises(PolicySetError, match="does not match the file name"):
        load_policy_set("renamed", directory)
    assert "renamed" in list_policy_sets(directory)


def test_a_city_adds_a_set_without_code(write_set, fushun_doc):
    doc = copy.deepcopy(fushun_doc)
    doc["name"] = "fushun-2021"
    doc["rules"]["R2"]["monthly_rate"] = "1810.00"
    directory = write_set("fushun-2021", doc)
    assert load_policy_set("fushun-2021", directory).rule("R2").monthly_rate == Decimal("1810.00")


def test_r14_groups_carry_their_membership_facts(fushun):
    g = fushun.rule("R14", date(2020, 6, 1)).group("veteran_college_2020")
    assert (g.cap, g.category, g.confirmed, g.min_education, g.since_year) == (150, "veteran", True, 4, 2020)
    grad = fushun.rule("R14", date(2020, 6, 1)).group("graduating_year_graduate")
    assert (grad.cap, grad.confirmed, grad.min_education) == (None, False, None)
