"""The lifecycle a caseworker checks: agreement → interruption → outcome → claims, with the
amounts the policy engine gives (POLICY.md section 6 example: 9000.00 under R4)."""
from __future__ import annotations

import pytest

EXAMPLE = [
    # (interruption (from, last day off, reason) or None, outcome kind, date, entitlement, rule, full)
    (("2020-03-10", "2020-04-09", "epidemic"), "contract", "2020-08-20", "9000.00", "R4", True),
    (None, "contract", "2020-07-01", "5967.39", "R2", False),        # 62 of 184 days left: 186 >= 184, not < 1/3
    (None, "contract", "2020-07-02", "9000.00", "R4", True),         # 61 of 184 left: 183 < 184
    (("2020-03-10", "2020-04-09", "personal_leave"), "left", "2020-05-01", "1467.39", "R2", False),  # 30 served
    (("2020-03-10", "2020-04-09", "epidemic"), "finished", None, "9000.00", "R2", True),
    (None, "contract", "2021-01-04", "9000.00", "R2", True),         # on/after E': finished
]


@pytest.mark.parametrize("interruption,kind,on,amount,rule,full", EXAMPLE)
def test_lifecycle_amounts(api, world, on_day, interruption, kind, on, amount, rule, full):
    on_day("2021-01-10")
    hr = api(world.hr)
    r = hr.post("/internships/agreements", {"application_id": world.app.id, "start_on": "2020-03-01",
                                            "period_months": 6})
    assert r.status_code == 201, r.json
    ag = r.json
    assert ag["monthly_rate"] == "1500.00" and ag["agreed_end"] == "2020-09-01"
    if interruption:
        f, last, reason = interruption
        r = hr.post(f"/internships/agreements/{ag['id']}/interruptions",
                    {"from_on": f, "last_day_off": last, "reason": reason})
        assert r.status_code == 201, r.json
        assert r.json["interruptions"][0]["to"] == "2020-04-10"
    r = hr.post(f"/internships/agreements/{ag['id']}/outcome", {"kind": kind, "on": on})
    assert r.status_code == 200, r.json
    assert r.json["entitlement"] == amount and r.json["decision"]["rule"] == rule
    assert r.json["decision"]["full_period"] is full


def _run(api, world, start, months, kind, on):
    hr = api(world.hr)
    ag = hr.post("/internships/agreements", {"application_id": world.app.id, "start_on": start,
                                             "period_months": months}).json
    r = hr.post(f"/internships/agreements/{ag['id']}/outcome", {"kind": kind, "on": on})
    assert r.status_code == 200, r.json
    return r.json


def test_outside_the_r4_window_served_time_is_paid_and_the_reason_says_so(api, world, on_day):
    on_day("2021-06-01")
    out = _run(api, world, "2021-01-04", 6, "contract", "2021-05-20")  # 45 of 181 days left, but 2021
    assert out["entitlement"] == "6762.43" and out["rule"] == "R2"
    assert "R4 not in force on 2021-05-20" in out["decision"]["reason"]


def test_a_policy_set_that_pays_any_early_contract_in_full(app, api, world, on_day, city_set):
    city_set("fushun-2020-any-early")  # the policy administrator's choice of the city's set
    on_day("2020-08-01")
    out = _run(api, world, "2020-03-01", 6, "contract", "2020-05-01")
    assert out["policy_set"] == "fushun-2020-any-early"
    assert out["entitlement"] == "9000.00" and out["rule"] == "R4"


def test_a_finished_date_before_the_extended_end_is_answered_as_left(api, world, on_day):
    on_day("2020-12-01")
    out = _run(api, world, "2020-03-01", 6, "finished", "2020-08-01")
    assert out["status"] == "left" and out["entitlement"] == "7483.70"
    assert "answered as left" in out["decision"]["reason"]


def test_dashboard_api_shows_what_a_contract_today_would_earn(api, world, on_day):
    on_day("2020-07-15")
    hr = api(world.hr)
    ag = hr.post("/internships/agreements", {"application_id": world.app.id, "start_on": "2020-03-01",
                                             "period_months": 6}).json
    assert ag["contract_today"]["entitlement"] == "9000.00" and ag["full_period_from"] == "2020-07-02"
    assert ag["entitlement"] == "6652.17" and ag["served_days"] == 136  # earned to date, served time
    on_day("2020-06-01")
    ag = hr.get(f"/internships/agreements/{ag['id']}").json
    assert ag["contract_today"]["entitlement"] == "4500.00" and ag["contract_today"]["rule"] == "R2"
