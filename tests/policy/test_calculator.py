"""The section 6 calculator contract: `calculate_internship_json` and the command line."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from marketplace.policy import calculate_internship_json

REPO = Path(__file__).resolve().parents[2]

EXAMPLE = {"policy_set": "fushun-2020",
           "start": "2020-03-01", "period_months": 6,
           "monthly_rate": "1500.00",
           "interruptions": [{"from": "2020-03-10", "to": "2020-04-10", "reason": "epidemic"}],
           "outcome": {"kind": "contract", "date": "2020-08-20"}}

EXAMPLE_OUTPUT = {"entitlement": "9000.00", "rule": "R4", "full_period": True,
                  "agreed_end": "2020-09-01", "extended_end": "2020-10-02",
                  "agreed_days": 184, "served_days": 141, "remaining_days": 43,
                  "reason": "contract signed with 43 of 184 days left (< 1/3): full period"}


def with_(**changes):
    case = copy.deepcopy(EXAMPLE)
    for key, value in changes.items():
        if value is ...:
            case.pop(key)
        else:
            case[key] = value
    return case


def test_example_gives_exactly_the_example_output():
    result, ok = calculate_internship_json(EXAMPLE)
    assert ok
    assert {k: v for k, v in result.items() if k != "reason_zh"} == EXAMPLE_OUTPUT
    assert set(result) == set(EXAMPLE_OUTPUT) | {"reason_zh"}


def test_rate_defaults_to_the_set_and_interruptions_to_none():
    result, ok = calculate_internship_json(with_(monthly_rate=..., interruptions=...,
                                                 outcome={"kind": "finished"}))
    assert ok and result["entitlement"] == "9000.00" and result["extended_end"] == "2020-09-01"


@pytest.mark.parametrize("rate, expected", [(1500, "9000.00"), (1500.5, "9003.00"), ("1500.005", "9000.03"),
                                            ("0", "0.00")])
def test_rate_forms(rate, expected):
    result, ok = calculate_internship_json(with_(monthly_rate=rate))
    assert ok and result["entitlement"] == expected


def test_second_policy_set_changes_the_answer():
    early = {"kind": "contract", "date": "2020-05-01"}
    base, _ = calculate_internship_json(with_(outcome=early))
    other, _ = calculate_internship_json(with_(outcome=early, policy_set="fushun-2020-any-early"))
    assert (base["rule"], base["full_period"]) == ("R2", False)
    assert (other["rule"], other["entitlement"], other["full_period"]) == ("R4", "9000.00", True)


def test_finished_and_left_outcomes():
    finished, _ = calculate_internship_json(with_(outcome={"kind": "finished"}))
    assert (finished["entitlement"], finished["remaining_days"], finished["extended_end"]) == ("9000.00", 0, "2020-10-02")
    late, _ = calculate_internship_json(with_(outcome={"kind": "left", "date": "2020-10-05"}))
    assert late["remaining_days"] == 0 and "had already finished" in late["reason"]
    early, _ = calculate_internship_json(with_(outcome={"kind": "finished", "date": "2020-06-01"}))
    assert "answered as left" in early["reason"] and early["full_period"] is False


# Every error the contract names, and junk: (case, field the message must start with)
ERRORS = [
    (with_(period_months=2), "period_months"),
    (with_(period_months=13), "period_months"),
    (with_(period_months="6"), "period_months"),
    (with_(period_months=6.0), "period_months"),
    (with_(period_months=True), "period_months"),
    (with_(period_months=...), "period_months: missing"),
    (with_(interruptions=[{"from": "2020-03-10", "to": "2020-04-10", "reason": "epidemic"},
                          {"from": "2020-04-01", "to": "2020-04-20", "reason": "epidemic"}]), "interruptions[1]"),
    (with_(interruptions=[{"from": "2020-02-20", "to": "2020-03-05", "reason": "epidemic"}]), "interruptions[0].from"),
    (with_(interruptions=[{"from": "2020-08-20", "to": "2020-08-25", "reason": "epidemic"}]), "interruptions[0].from"),
    (with_(interruptions=[{"from": "2020-08-25", "to": "2020-08-30", "reason": "epidemic"}]), "interruptions[0].from"),
    (with_(interruptions=[{"from": "2020-04-10", "to": "2020-03-10", "reason": "epidemic"}]), "interruptions[0].to"),
    (with_(interruptions=[{"from": "2020-03-10", "to": "2020-04-10", "reason": "flu"}]), "interruptions[0].reason"),
    (with_(interruptions=[{"from": "2020-03-10", "to": "2020-04-10"}]), "interruptions[0].reason: missing"),
    (with_(interruptions=[{"from": "2020-03-10", "to": "2020-04-31", "reason": "epidemic"}]), "interruptions[0].to"),
    (with_(interruptions=[{"from": "2020-03-10", "until": "2020-04-10", "reason": "epidemic"}]), "interruptions[0].until"),
    (with_(interruptions=["2020-03-10"]), "interruptions[0]"),
    (with_(interruptions={"from": "2020-03-10"}), "interruptions"),
    (with_(outcome={"kind": "contract", "date": "2020-02-01"}), "outcome.date"),
    (with_(outcome={"kind": "contract"}), "outcome.date: missing"),
    (with_(outcome={"kind": "hired", "date": "2020-08-20"}), "outcome.kind"),
    (with_(outcome={"kind": "contract", "date": 20200820}), "outcome.date"),
    (with_(outcome={"kind": "contract", "date": "2020-08-20", "graduate": "yes"}), "outcome.graduate"),
    (with_(outcome="contract"), "outcome"),
    (with_(outcome=...), "outcome: missing"),
    (with_(start="2020/03/01"), "start"),
    (with_(start="20200301"), "start"),
    (with_(start="2020-02-30"), "start"),
    (with_(start=None), "start"),
    (with_(start=...), "start: missing"),
    (with_(monthly_rate="abc"), "monthly_rate"),
    (with_(monthly_rate="-1500.00"), "monthly_rate"),
    (with_(monthly_rate=-1), "monthly_rate"),
    (with_(monthly_rate="NaN"), "monthly_rate"),
    (with_(monthly_rate="Infinity"), "monthly_rate"),
    (with_(monthly_rate=True), "monthly_rate"),
    (with_(monthly_rate=["1500"]), "monthly_rate"),
    (with_(policy_set="beijing-2020"), "policy_set"),
    (with_(policy_set="../fushun-2020"), "policy_set"),
    (with_(policy_set=7), "policy_set"),
    (with_(policy_set=...), "policy_set: missing"),
    (with_(montly_rate="1500.00"), "montly_rate"),
    (with_(start="9999-09-01", interruptions=..., outcome={"kind": "finished"}), "start"),
    (None, ""),
    ("a string", ""),
    (42, ""),
]


@pytest.mark.parametrize("case, field", ERRORS)
def test_errors_name_the_field(case, field):
    result, ok = calculate_internship_json(case)
    assert not ok and set(result) == {"error"}
    assert result["error"].startswith(field), result["error"]


def test_empty_list_is_answered_with_an_empty_list():
    assert calculate_internship_json([]) == ([], True)


def test_list_keeps_order_and_answers_good_cases_next_to_bad_ones():
    cases = [EXAMPLE, with_(period_months=20), 17, with_(outcome={"kind": "finished"})]
    results, ok = calculate_internship_json(cases)
    assert not ok
    assert results[0]["entitlement"] == "9000.00"
    assert results[1]["error"].startswith("period_months")
    assert "error" in results[2]
    assert results[3]["rule"] == "R2"


def test_extra_sets_directory(write_set, fushun_doc):
    doc = dict(fushun_doc, name="city-x")
    directory = write_set("city-x", doc)
    result, ok = calculate_internship_json(with_(policy_set="city-x"), str(directory))
    assert ok and result["entitlement"] == "9000.00"


# ---------------------------------------------------------------- the command line

def run_cli(stdin: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "marketplace.policy", *args], input=stdin.encode("utf-8"),
                          capture_output=True, cwd=REPO, timeout=60)


def test_cli_one_case():
    proc = run_cli(json.dumps(EXAMPLE), "internship")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.decode("utf-8"))
    assert {k: v for k, v in out.items() if k != "reason_zh"} == EXAMPLE_OUTPUT


def test_cli_list_all_good():
    proc = run_cli(json.dumps([EXAMPLE, with_(outcome={"kind": "finished"})]), "internship")
    assert proc.returncode == 0
    out = json.loads(proc.stdout)
    assert [o["rule"] for o in out] == ["R4", "R2"]


def test_cli_mixed_good_and_bad_exits_non_zero_and_answers_the_rest():
    proc = run_cli(json.dumps([with_(policy_set="nowhere"), EXAMPLE, with_(period_months=1)]), "internship")
    assert proc.returncode == 1
    out = json.loads(proc.stdout)
    assert "unknown policy set" in out[0]["error"]
    assert out[1]["entitlement"] == "9000.00"
    assert out[2]["error"].startswith("period_months")


def test_cli_single_bad_case():
    proc = run_cli(json.dumps(with_(start="yesterday")), "internship")
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["error"].startswith("start")


def test_cli_invalid_json():
    proc = run_cli("{not json", "internship")
    assert proc.returncode == 2
    assert "not valid JSON" in json.loads(proc.stdout)["error"]


def test_cli_file_argument_and_chinese_output(tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(EXAMPLE), encoding="utf-8")
    proc = run_cli("", "internship", str(path))
    assert proc.returncode == 0
    assert "全部期限" in proc.stdout.decode("utf-8")


def test_cli_lists_sets():
    proc = run_cli("", "sets")
    assert proc.returncode == 0
    assert [s["name"] for s in json.loads(proc.stdout)] == ["fushun-2020", "fushun-2020-any-early"]


@pytest.mark.parametrize("rate", ["1e999999", "1e-999999", 1e300, "10000000", "0.0000001"])
def test_absurd_rates_are_refused_quickly(rate):
    result, ok = calculate_internship_json(with_(monthly_rate=rate))
    assert not ok and result["error"].startswith("monthly_rate")
