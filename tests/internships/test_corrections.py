"""Issue 15 in internships: an interruption is corrected or deleted with a reason, none starts
after today, and a correction that lowers what was already paid goes to a caseworker (who
records the overpayment); a hire with an agreement on it is not reversed until that is corrected."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from marketplace.core.models import AuditEntry
from marketplace.internships.models import InternshipInterruption, Overpayment
from tests.internships.conftest import confirm_agreement
from tests.internships.test_pages_flow import login


def _agreement(api, db, world, on_day, day="2020-06-29"):
    on_day(day)
    r = api(world.hr).post("/internships/agreements", {"application_id": world.app.id, "start_on": "2020-04-01",
                                                       "period_months": 6})
    assert r.status_code == 201, r.json
    return r.json["id"]


def _interruption(api, world, ag, first, last, who=None, note=""):
    r = api(who or world.hr).post(f"/internships/agreements/{ag}/interruptions",
                                  {"from_on": first, "last_day_off": last, "reason": "personal_leave", "note": note})
    assert r.status_code == 201, r.json
    return r.json["interruptions"][-1]


def test_an_interruption_cannot_start_after_today(api, db, world, on_day):
    ag = _agreement(api, db, world, on_day)
    r = api(world.hr).post(f"/internships/agreements/{ag}/interruptions",
                           {"from_on": "2020-07-01", "last_day_off": "2020-07-10", "reason": "personal_leave"})
    assert r.status_code == 422 and r.json["error"]["field"] == "from_on"
    assert api(world.hr).get(f"/internships/agreements/{ag}").json["interruptions"] == []


def test_a_future_dated_interruption_that_blocks_an_early_contract_is_deleted_with_a_reason(
        api, client, db, world, on_day):
    ag = _agreement(api, db, world, on_day)
    # recorded before the rule existed: a pause from next month
    db.add(InternshipInterruption(agreement_id=ag, from_on=dt.date(2020, 7, 10), to_on=dt.date(2020, 7, 20),
                                  reason="personal_leave", created_by_id=world.hr.id))
    db.commit()
    it_id = db.scalar(select(InternshipInterruption.id).where(InternshipInterruption.agreement_id == ag))
    login(client, world.hr)
    page = client.get(f"/employer/internships/{ag}")
    assert 'data-test="delete-interruption"' in page.text
    r = client.post(f"/employer/internships/{ag}/interruptions/{it_id}/delete", data={"note": ""},
                    follow_redirects=True)
    assert "须说明理由" in r.text
    assert db.get(InternshipInterruption, it_id) is not None
    r = client.post(f"/employer/internships/{ag}/interruptions/{it_id}/delete", data={"note": "日期录错，实际未请假"})
    assert r.status_code == 302
    db.expire_all()
    assert db.get(InternshipInterruption, it_id) is None
    [entry] = db.scalars(select(AuditEntry).where(AuditEntry.entity == "internship_agreement",
                                                  AuditEntry.entity_id == ag,
                                                  AuditEntry.action == "interruption_delete")).all()
    assert entry.actor_id == world.hr.id and entry.reason == "日期录错，实际未请假"
    assert entry.before["interruption"]["from_on"] == "2020-07-10" and entry.after["interruption"] is None
    r = api(world.hr).post(f"/internships/agreements/{ag}/outcome", {"kind": "contract", "on": "2020-06-29"})
    assert r.status_code == 200, r.json  # the early contract is recorded now


def test_a_correction_that_lowers_a_paid_entitlement_goes_to_the_caseworker_and_records_the_overpayment(
        api, client, db, world, on_day):
    ag = _agreement(api, db, world, on_day)
    it = _interruption(api, world, ag, "2020-04-10", "2020-04-11")
    confirm_agreement(api, db, world.profile, ag)
    claim = api(world.hr).post("/internships/claims", {"agreement_id": ag}).json
    api(world.cw).post(f"/internships/claims/{claim['id']}/approve", {})
    api(world.cw).post(f"/internships/claims/{claim['id']}/pay")
    it_id = db.scalar(select(InternshipInterruption.id).where(InternshipInterruption.agreement_id == ag))
    url = f"/internships/agreements/{ag}/interruptions/{it_id}"
    longer = {"from_on": "2020-04-10", "last_day_off": "2020-04-30", "reason": "personal_leave", "note": "考勤更正"}
    r = _put(client, api, world.hr, url, longer)
    assert r.status_code == 409 and r.json["error"]["code"] == "lowers_granted" and "经办人员" in \
        r.json["error"]["message"]["zh"]
    assert _put(client, api, world.other_hr, url, longer).status_code == 404
    assert _put(client, api, world.cw, url, dict(longer, note="")).status_code == 422
    r = _put(client, api, world.cw, url, dict(longer, note="考勤表显示4月请事假至月底"))
    assert r.status_code == 200, r.json
    assert r.json["interruptions"][0]["id"] == it["id"] and r.json["interruptions"][0]["to"] == "2020-05-01"
    op = db.scalar(select(Overpayment).where(Overpayment.agreement_id == ag))
    assert op is not None and op.cause == "interruption" and op.amount > 0
    [entry] = db.scalars(select(AuditEntry).where(AuditEntry.entity == "internship_agreement",
                                                  AuditEntry.entity_id == ag,
                                                  AuditEntry.action == "interruption_edit")).all()
    assert entry.before["interruption"]["last_day_off"] == "2020-04-11"
    assert entry.after["interruption"]["last_day_off"] == "2020-04-30" and entry.reason == "考勤表显示4月请事假至月底"
    # the employer may shorten it again: that raises the entitlement
    r = api(world.hr).post(f"{url}/delete", {"note": "经核实只请了两天"})
    assert r.status_code == 200 and r.json["interruptions"] == []


def _put(client, api, user, url, body):
    return client.put("/api/v1" + url, headers=api(user).h, json=body)


def test_a_hire_with_an_agreement_is_not_reversed_until_it_is_corrected(api, db, world, on_day):
    on_day("2020-06-29")
    r = api(world.hr).post(f"/applications/{world.app.id}/reverse", {"reason": "录错了"})
    assert r.status_code == 200 and r.json["stage"] == "offer"
    db.expire_all()
    r = api(world.hr).post(f"/applications/{world.app.id}/stage", {"stage": "hired"})
    assert r.status_code == 200
    ag = api(world.hr).post("/internships/agreements", {"application_id": world.app.id, "start_on": "2020-04-01",
                                                        "period_months": 6}).json["id"]
    r = api(world.hr).post(f"/applications/{world.app.id}/reverse", {"reason": "录错了"})
    assert r.status_code == 409 and f"见习协议#{ag}" in r.json["error"]["message"]["zh"]
    assert api(world.hr).get(f"/applications/{world.app.id}").json["stage"] == "hired"
