"""A recorded decision keeps the version that made it (issue 14): a claim priced under
version 1 keeps its amount after version 2 takes effect, a new decision dated after uses
version 2; a correction from a past date (with its justification) re-prices the unpaid
claims it judges and records a top-up due on a paid one."""
from __future__ import annotations

from sqlalchemy import select

from marketplace.core.models import AuditEntry
from marketplace.internships.models import SubsidyClaim
from tests.internships.conftest import hire

R4_ANY_EARLY = {"window": {"from": "2020-01-01", "to": "2020-12-31"}, "threshold": {"numerator": 1, "denominator": 3},
                "below_threshold": "full_period", "otherwise": "full_period", "retention_uplift": None}


def _claim(cw, hr, application_id, contract_on):
    """The unit records the agreement and its early contract and claims; the caseworker confirms
    the unit's record (issue 13: approval waits for it)."""
    ag = hr.post("/internships/agreements", {"application_id": application_id, "start_on": "2020-03-01",
                                             "period_months": 6}).json
    r = hr.post(f"/internships/agreements/{ag['id']}/outcome", {"kind": "contract", "on": contract_on})
    assert r.status_code == 200, r.json
    c = hr.post("/internships/claims", {"agreement_id": ag["id"]})
    assert c.status_code == 201, c.json
    r = cw.post(f"/internships/agreements/{ag['id']}/confirmation", {"note": "核对了见习协议和劳动合同原件"})
    assert r.status_code == 200, r.json
    return c.json


def _version(admin, r4, effective_from, justification=""):
    n = admin.post("/policy/sets/fushun-2020/versions", {"from_version": 1}).json["version"]
    r = admin.client_put(f"/policy/sets/fushun-2020/versions/{n}", {"rules": {"R4": r4}})
    assert r.status_code == 200, r.json
    r = admin.post(f"/policy/sets/fushun-2020/versions/{n}/activate",
                   {"effective_from": effective_from, "justification": justification})
    assert r.status_code == 200, r.json
    return n


def test_a_decision_keeps_its_version_and_a_new_one_uses_the_version_in_force(api, client, world, db, make, on_day):
    hr, cw = api(world.hr), api(world.cw)
    admin = api(world.admin)
    admin.client_put = lambda url, body: client.put("/api/v1" + url, json=body, headers=admin.h)
    on_day("2020-06-01")
    first = _claim(cw, hr, world.app.id, "2020-05-01")  # 123 of 184 days left: served time under v1
    assert (first["amount"], first["rule"], first["policy_version"]) == ("2983.70", "R2", "1")
    assert cw.post(f"/internships/claims/{first['id']}/approve", {"note": "ok"}).status_code == 200

    _version(admin, R4_ANY_EARLY, "2020-06-01")  # any early contract pays the full period from today
    kept = cw.get(f"/internships/claims/{first['id']}").json
    assert (kept["amount"], kept["policy_version"]) == ("2983.70", "1")

    on_day("2020-06-15")
    second = _claim(cw, hr, hire(db, make, world.org, world.hr).id, "2020-06-15")
    assert (second["amount"], second["rule"], second["policy_version"]) == ("9000.00", "R4", "2")


def test_a_correction_from_a_past_date_reprices_unpaid_claims_and_records_what_is_due(api, client, world, db, make,
                                                                                       on_day):
    hr, cw, admin = api(world.hr), api(world.cw), api(world.admin)
    admin.client_put = lambda url, body: client.put("/api/v1" + url, json=body, headers=admin.h)
    on_day("2020-06-01")
    paid = _claim(cw, hr, world.app.id, "2020-05-01")
    assert cw.post(f"/internships/claims/{paid['id']}/approve", {"note": "ok"}).status_code == 200
    assert cw.post(f"/internships/claims/{paid['id']}/pay").status_code == 200
    pending = _claim(cw, hr, hire(db, make, world.org, world.hr).id, "2020-05-10")
    assert pending["state"] == "submitted" and pending["rule"] == "R2"

    n = admin.post("/policy/sets/fushun-2020/versions", {"from_version": 1}).json["version"]
    assert admin.client_put(f"/policy/sets/fushun-2020/versions/{n}", {"rules": {"R4": R4_ANY_EARLY}}).status_code == 200
    preview = admin.post(f"/policy/sets/fushun-2020/versions/{n}/preview", {"effective_from": "2020-04-01"}).json
    changed = {(r["what"], r["id"]) for r in preview["recorded"] if r["affected"] and r["changed"]}
    assert ("agreement", paid["agreement_id"]) in changed and ("agreement", pending["agreement_id"]) in changed
    r = admin.post(f"/policy/sets/fushun-2020/versions/{n}/activate", {"effective_from": "2020-04-01"})
    assert r.status_code == 422 and r.json["error"]["field"] == "justification"
    r = admin.post(f"/policy/sets/fushun-2020/versions/{n}/activate",
                   {"effective_from": "2020-04-01", "justification": "R4 误录为按实际见习时间，更正"})
    assert r.status_code == 200, r.json

    repriced = db.get(SubsidyClaim, pending["id"])
    db.refresh(repriced)
    assert (str(repriced.amount), repriced.rule, repriced.policy_version) == ("9000.00", "R4", str(n))
    assert cw.get(f"/internships/claims/{paid['id']}").json["amount"] == "2983.70"  # paid: not changed
    due = db.scalar(select(AuditEntry).where(AuditEntry.entity == "subsidy_claim", AuditEntry.entity_id == paid["id"],
                                             AuditEntry.action == "policy_correction_due"))
    assert due.after["kind"] == "top_up" and due.after["due"] == "6016.30"
