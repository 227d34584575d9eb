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
