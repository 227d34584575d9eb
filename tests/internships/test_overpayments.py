"""Overpayments (issue 13, finding 5): a change after a grant that lowers the entitlement is
the caseworker's, records the overpayment (amount, rule, the change, the claim), shows it to
the caseworker and the employer, and is offset against the employer's next approved claim or
recovered, all in the audit log."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from marketplace.core.models import AuditEntry
from tests.internships.conftest import confirm_agreement, confirm_hire_records, graduate, hire, hire_records
from tests.internships.test_pages_flow import login


def _paid_internship_claim(api, db, world, on_day):
    """The issue's example: an agreement from 2020-04-01 for 6 months (183 days); a claim on
    2020-06-29 for 89 days served, 4377.05 yuan, approved and paid."""
    on_day("2020-06-29")
    r = api(world.hr).post("/internships/agreements", {"application_id": world.app.id, "start_on": "2020-04-01",
                                                       "period_months": 6})
    assert r.status_code == 201, r.json
    ag = r.json["id"]
    confirm_agreement(api, db, world.profile, ag)
    claim = api(world.hr).post("/internships/claims", {"agreement_id": ag}).json
    assert claim["amount"] == "4377.05"
    assert api(world.cw).post(f"/internships/claims/{claim['id']}/approve", {}).json["state"] == "approved"
    assert api(world.cw).post(f"/internships/claims/{claim['id']}/pay").json["state"] == "paid"
    return ag, claim


def test_an_outcome_that_lowers_a_paid_entitlement_is_an_overpayment_offset_against_the_next_claim(
        api, client, db, make, world, on_day):
    ag, paid = _paid_internship_claim(api, db, world, on_day)

    # The employer's change would lower 4,377.05 to 2,262.30: refused with the reason, nothing changed.
    r = api(world.hr).post(f"/internships/agreements/{ag}/outcome", {"kind": "left", "on": "2020-05-17"})
    assert r.status_code == 409 and r.json["error"]["code"] == "lowers_granted"
    assert "4377.05" in r.json["error"]["message"]["en"] and "2262.30" in r.json["error"]["message"]["en"]
    assert "经办人员" in r.json["error"]["message"]["zh"]
    r = api(world.hr).post(f"/internships/agreements/{ag}/interruptions",
                           {"from_on": "2020-05-01", "last_day_off": "2020-05-31", "reason": "personal_leave"})
    assert r.status_code == 409  # a late-recorded pause inside the paid period lowers it too
    agreement = api(world.hr).get(f"/internships/agreements/{ag}").json
    assert agreement["status"] == "active" and agreement["interruptions"] == []

    # The caseworker makes the change, with the reason; the overpayment is the difference.
    r = api(world.cw).post(f"/internships/agreements/{ag}/outcome", {"kind": "left", "on": "2020-05-17"})
    assert r.status_code == 422 and r.json["error"]["field"] == "note"
    r = api(world.cw).post(f"/internships/agreements/{ag}/outcome",
                           {"kind": "left", "on": "2020-05-17", "note": "考勤表显示5月16日后未到岗"})
    assert r.status_code == 200 and r.json["entitlement"] == "2262.30"
    for who in (world.hr, world.cw):
        items = api(who).get("/internships/overpayments").json["items"]
        assert len(items) == 1
        op = items[0]
        assert (op["amount"], op["outstanding"], op["state"]) == ("2114.75", "2114.75", "open")
        assert op["rule"] == "R2" and op["claim_id"] == paid["id"] and op["cause"] == "outcome"
        assert "4377.05" in op["cause_en"] and "2262.30" in op["cause_en"]
    assert api(world.other_hr).get("/internships/overpayments").json["items"] == []
    assert api(world.cw_far).get("/internships/overpayments").json["items"] == []

    # Both see it on their pages.
    login(client, world.hr)
    assert "多付款" in (page := client.get("/employer/claims").text) and "2114.75" in page
    assert "2114.75" in client.get(f"/employer/internships/{ag}").text
    login(client, world.cw)
    assert "2114.75" in client.get("/caseworker/claims").text
    page = client.get(f"/employer/internships/{ag}")
    assert page.status_code == 200 and "2114.75" in page.text and "已确认" in page.text  # the caseworker's change

    # The employer's next approved claim withholds it.
    other = hire(db, make, world.org, world.hr, profile=graduate(make))
    r = api(world.hr).post("/internships/agreements", {"application_id": other.id, "start_on": "2020-03-01",
                                                       "period_months": 6})
    ag2 = r.json["id"]
    confirm_agreement(api, db, other.profile, ag2)
    nxt = api(world.hr).post("/internships/claims", {"agreement_id": ag2}).json
    assert nxt["amount"] == "5869.57"  # 120 of 184 days
    r = api(world.cw).post(f"/internships/claims/{nxt['id']}/approve", {})
    assert r.status_code == 200 and r.json["withheld"] == "2114.75" and r.json["payable"] == "3754.82"
    op = api(world.hr).get("/internships/overpayments").json["items"][0]
    assert op["state"] == "settled" and op["outstanding"] == "0.00"
    assert op["offsets"] == [{"claim_id": nxt["id"], "amount": "2114.75"}]
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.entity == "overpayment").order_by(AuditEntry.id)).all()
    assert actions == ["create", "offset"]
    changed = db.scalars(select(AuditEntry).where(AuditEntry.entity == "internship_agreement",
                                                  AuditEntry.entity_id == ag, AuditEntry.action == "left")).one()
    assert changed.actor_id == world.cw.id and "考勤表" in changed.reason


def test_an_overpayment_marked_for_recovery_is_not_offset_and_its_recovery_is_recorded(api, db, make, world, on_day):
    ag, _ = _paid_internship_claim(api, db, world, on_day)
    api(world.cw).post(f"/internships/agreements/{ag}/outcome", {"kind": "left", "on": "2020-05-17", "note": "核实离岗"})
    op = api(world.cw).get("/internships/overpayments").json["items"][0]
    assert api(world.hr).post(f"/internships/overpayments/{op['id']}/recovery",
                              {"action": "mark", "note": "x"}).status_code == 403
    r = api(world.cw).post(f"/internships/overpayments/{op['id']}/recovery", {"action": "mark", "note": "书面通知单位退回"})
    assert r.status_code == 200 and r.json["state"] == "recovery"
    other = hire(db, make, world.org, world.hr, profile=graduate(make))
    ag2 = api(world.hr).post("/internships/agreements", {"application_id": other.id, "start_on": "2020-03-01",
                                                         "period_months": 6}).json["id"]
    confirm_agreement(api, db, other.profile, ag2)
    nxt = api(world.hr).post("/internships/claims", {"agreement_id": ag2}).json
    assert api(world.cw).post(f"/internships/claims/{nxt['id']}/approve", {}).json["withheld"] == "0.00"
    r = api(world.cw).post(f"/internships/overpayments/{op['id']}/recovery",
                           {"action": "recovered", "note": "单位已退回，收据号2020-118"})
    assert r.status_code == 200 and r.json["state"] == "recovered" and r.json["outstanding"] == "0.00"
    assert "2020-118" in r.json["recovery_note"]
    assert db.scalars(select(AuditEntry.action).where(AuditEntry.entity == "overpayment")
                      .order_by(AuditEntry.id)).all() == ["create", "recovery", "recovered"]


def test_a_lowered_social_insurance_after_payment_is_the_caseworkers_and_an_overpayment(api, db, make, world, on_day):
    on_day("2020-08-01")
    job = hire(db, make, world.org, world.hr, profile=world.profile, kind="job", on=dt.date(2020, 7, 1))
    hire_records(api, world.hr, job.id)
    claim = api(world.hr).post("/internships/hire-claims", {"kind": "hiring_r6", "application_id": job.id}).json
    assert claim["amount"] == "3600.00"
    confirm_hire_records(api, world.cw, job.id)
    assert api(world.cw).post(f"/internships/claims/{claim['id']}/approve", {}).status_code == 200
    r = api(world.hr).post(f"/internships/hires/{job.id}/insurance", {"monthly_amount": "800.00"})
    assert r.status_code == 409 and "3600.00" in r.json["error"]["message"]["en"]
    assert api(world.hr).get(f"/internships/hires/{job.id}/records").json["insurance"]["monthly_amount"] == "1200.00"
    r = api(world.cw).post(f"/internships/hires/{job.id}/insurance", {"monthly_amount": "800.00",
                                                                       "note": "社保系统显示实缴800元"})
    assert r.status_code == 201 and r.json["insurance"]["confirmation"]["state"] == "confirmed"
    op = api(world.hr).get("/internships/overpayments").json["items"][0]
    assert (op["amount"], op["rule"], op["cause"], op["claim_id"]) == ("1200.00", "R6", "insurance", claim["id"])


def test_a_running_agreement_is_paid_its_entitlement_once_whatever_was_overpaid_on_the_way(api, db, world, on_day):
    """A pause recorded late in a paid period of a running agreement: the overpayment is
    recorded, and its later claims, net of what was withheld, add up to the entitlement."""
    on_day("2020-06-01")
    ag = api(world.hr).post("/internships/agreements", {"application_id": world.app.id, "start_on": "2020-03-01",
                                                        "period_months": 6}).json["id"]
    confirm_agreement(api, db, world.profile, ag)
    first = api(world.hr).post("/internships/claims", {"agreement_id": ag}).json
    assert first["amount"] == "4500.00"
    api(world.cw).post(f"/internships/claims/{first['id']}/approve", {})
    r = api(world.cw).post(f"/internships/agreements/{ag}/interruptions",
                           {"from_on": "2020-04-01", "last_day_off": "2020-04-30", "reason": "personal_leave",
                            "note": "考勤表显示4月请事假"})
    assert r.status_code == 201
    op = api(world.hr).get("/internships/overpayments").json["items"][0]
    assert op["amount"] == "1467.39" and op["cause"] == "interruption"  # 4500.00 - 3032.61
    on_day("2020-09-02")
    assert api(world.hr).post(f"/internships/agreements/{ag}/outcome", {"kind": "finished"}).json["entitlement"] == \
        "7532.61"  # 154 of 184 days: the employer's change raises it, no caseworker needed
    confirm_agreement(api, db, world.profile, ag)
    last = api(world.hr).post("/internships/claims", {"agreement_id": ag}).json
    assert last["amount"] == "4500.00"  # 7532.61 less the 3032.61 kept of the first claim
    r = api(world.cw).post(f"/internships/claims/{last['id']}/approve", {}).json
    assert (r["withheld"], r["payable"]) == ("1467.39", "3032.61")
    # paid in all: 4500.00 + 3032.61 = 7532.61, the entitlement
    assert api(world.hr).post("/internships/claims", {"agreement_id": ag}).status_code == 409
