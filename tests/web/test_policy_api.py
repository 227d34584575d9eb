"""The calculator as a web API takes and returns exactly what the command does."""
from __future__ import annotations

import json
import subprocess
import sys

CASE = {"policy_set": "fushun-2020", "start": "2020-03-01", "period_months": 6, "monthly_rate": "1500.00",
        "interruptions": [{"from": "2020-03-10", "to": "2020-04-10", "reason": "epidemic"}],
        "outcome": {"kind": "contract", "date": "2020-08-20"}}


def test_the_example_of_policy_md_is_answered_exactly(client):
    r = client.post("/api/v1/policy/internship-subsidy", json=CASE)
    assert r.status_code == 200
    d = r.json
    assert (d["entitlement"], d["rule"], d["full_period"], d["agreed_end"], d["extended_end"], d["agreed_days"],
            d["served_days"], d["remaining_days"]) == ("9000.00", "R4", True, "2020-09-01", "2020-10-02", 184, 141, 43)


def test_api_and_command_agree_and_bad_cases_are_refused_one_by_one(client):
    bad = dict(CASE, period_months=13)
    r = client.post("/api/v1/policy/internship-subsidy", json=[CASE, bad])
    assert r.status_code == 422
    good, refused = r.json
    assert good["entitlement"] == "9000.00" and "period" in refused["error"]
    cli = subprocess.run([sys.executable, "-m", "marketplace.policy", "internship"], input=json.dumps([CASE, bad]),
                         capture_output=True, text=True)
    # the API also says which stored version judged the case; the command reads the bundled file
    assert good.pop("policy_set") == {"name": "fushun-2020", "version": "1"}
    assert cli.returncode != 0 and json.loads(cli.stdout) == [good, refused]


def test_not_json_is_a_clear_422(client):
    r = client.post("/api/v1/policy/internship-subsidy", data="nope", content_type="application/json")
    assert r.status_code == 422 and r.json["error"]["field"] == "body"
