"""Claims a caseworker reviews: refusals say why (R1, R5 deadline, nothing left, over the
entitlement), hiring subsidies R6/R7 and the agency cap, fraud flags with their reasons,
exports with masked ID numbers, and reminders that a rerun does not repeat."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import func, select

from jobs.celery_app import BEAT_SCHEDULE
from marketplace.internships import fraud
from marketplace.internships import reminders as internship_reminders
from marketplace.internships.models import InternshipAgreement, SubsidyClaim
from marketplace.internships.tasks import reminders
from marketplace.notifications.models import Notification
from tests.internships.conftest import (
    confirm_agreement,
    confirm_hire_records,
    hire,
    hire_records,
    introduced,
)
from tests.internships.test_pages_flow import login


def sign(api, world, start="2020-03-01", months=6, app=None, hr=None):
    r = api(hr or world.hr).post("/internships/agreements", {"application_id": (app or world.app).id,
                                                             "start_on": start, "period_months": months})
    assert r.status_code == 201, r.json
    return r.json["id"]


def test_a_claim_after_the_deadline_is_refused_with_the_reason(api, world, on_day):
    on_day("2021-01-10")
    ag = sign(api, world)
    assert api(world.hr).post(f"/internships/agreements/{ag}/outcome", {"kind": "finished"}).status_code == 200
    on_day("2021-07-01")
    r = api(world.hr).post("/internships/claims", {"agreement_id": ag})
    assert r.status_code == 422
    assert "2021-06-30" in r.json["error"]["message"]["zh"] and "R5" in r.json["error"]["message"]["en"]
    on_day("2021-06-30")  # the deadline's own day is still in time
    r = api(world.hr).post("/internships/claims", {"agreement_id": ag})
    assert r.status_code == 201 and r.json["amount"] == "9000.00" and r.json["state"] == "submitted"
    r = api(world.hr).post("/internships/claims", {"agreement_id": ag})
    assert r.status_code == 409 and "9000.00" in r.json["error"]["message"]["en"]  # nothing left to claim


def test_approval_never_passes_what_was_earned(api, db, world, on_day):
    on_day("2020-06-01")
    ag = sign(api, world)
    first = api(world.hr).post("/internships/claims", {"agreement_id": ag}).json
    assert first["amount"] == "4500.00"  # 92 of 184 days served
    # A late-recorded personal leave inside the claimed period lowers what was earned.
    r = api(world.hr).post(f"/internships/agreements/{ag}/interruptions",
                           {"from_on": "2020-04-01", "last_day_off": "2020-04-30", "reason": "personal_leave"})
    assert r.status_code == 201
    r = api(world.cw).post(f"/internships/claims/{first['id']}/approve", {})
    assert r.status_code == 422 and "3032.61" in r.json["error"]["message"]["zh"]
    r = api(world.cw).post(f"/internships/claims/{first['id']}/reject", {"reason": "请按实际见习天数重新申领"})
    assert r.status_code == 200 and r.json["state"] == "rejected"
    second = api(world.hr).post("/internships/claims", {"agreement_id": ag}).json
    assert second["amount"] == "3032.61"
    r = api(world.cw).post(f"/internships/claims/{second['id']}/approve", {})
    assert r.status_code == 422 and r.json["error"]["field"] == "facts"  # the intern has not confirmed yet
    confirm_agreement(api, db, world.profile, ag)
    assert api(world.cw).post(f"/internships/claims/{second['id']}/approve", {}).json["state"] == "approved"
    assert api(world.cw).post(f"/internships/claims/{second['id']}/approve", {}).status_code == 409
    assert api(world.cw).post(f"/internships/claims/{second['id']}/pay").json["state"] == "paid"


def test_r1_refusals_name_the_condition(api, db, make, world, on_day):
    on_day("2020-03-01")
    not_base = make.org(internship_base=False)
    hr2 = make.user("employer", organisation=not_base)
    r = api(hr2).post("/internships/agreements", {"application_id": hire(db, make, not_base, hr2).id,
                                                  "start_on": "2020-03-01"})
    assert r.status_code == 422 and "见习基地" in r.json["error"]["message"]["zh"]
    sign(api, world)
    again = hire(db, make, world.other_org, world.other_hr, profile=world.profile)
    r = api(world.other_hr).post("/internships/agreements", {"application_id": again.id, "start_on": "2020-05-01"})
    assert r.status_code == 422 and "overlaps another subsidised internship" in r.json["error"]["message"]["en"]
    nobody = make.profile(education=2)
    r = api(world.hr).post("/internships/agreements", {"application_id": hire(db, make, world.org, world.hr,
                                                                               profile=nobody).id,
                                                       "start_on": "2020-03-01"})
    assert r.status_code == 422 and "not in an eligible cohort" in r.json["error"]["message"]["en"]
    r = api(world.hr).post("/internships/agreements", {"application_id": hire(db, make, world.org, world.hr).id,
                                                       "start_on": "2020-03-01", "period_months": 13})
    assert r.status_code == 422 and r.json["error"]["field"] == "period_months"


def test_bad_interruptions_are_refused_and_change_nothing(api, world, on_day):
    on_day("2020-06-01")
    ag = sign(api, world)
    hr = api(world.hr)
    assert hr.post(f"/internships/agreements/{ag}/interruptions",
                   {"from_on": "2020-03-10", "last_day_off": "2020-03-20", "reason": "epidemic"}).status_code == 201
    for body in ({"from_on": "2020-03-15", "last_day_off": "2020-03-25", "reason": "epidemic"},   # overlaps
                 {"from_on": "2020-02-01", "last_day_off": "2020-02-03", "reason": "epidemic"},   # before S
                 {"from_on": "2020-04-01", "last_day_off": "2020-04-03", "reason": "holiday"},    # unknown reason
                 {"from_on": "2020-04-05", "last_day_off": "2020-04-01", "reason": "epidemic"}):  # backwards
        r = hr.post(f"/internships/agreements/{ag}/interruptions", body)
        assert r.status_code == 422, (body, r.json)
    assert len(hr.get(f"/internships/agreements/{ag}").json["interruptions"]) == 1
    assert hr.post(f"/internships/agreements/{ag}/outcome", {"kind": "contract", "on": "2020-07-01"}).status_code == 422


def test_other_employers_and_districts_cannot_see_or_act(api, client, world, on_day, make):
    on_day("2020-06-01")
    ag = sign(api, world)
    claim = api(world.hr).post("/internships/claims", {"agreement_id": ag}).json["id"]
    other = api(world.other_hr)
    assert other.get(f"/internships/agreements/{ag}").status_code == 404
    assert other.post(f"/internships/agreements/{ag}/interruptions",
                      {"from_on": "2020-04-01", "last_day_off": "2020-04-02", "reason": "epidemic"}).status_code == 404
    assert other.post(f"/internships/agreements/{ag}/outcome", {"kind": "left", "on": "2020-05-01"}).status_code == 404
    assert other.get(f"/internships/claims/{claim}").status_code == 404
    assert other.get("/internships/claims").json["items"] == []
    far = api(world.cw_far)
    assert far.get(f"/internships/claims/{claim}").status_code == 404
    assert far.post(f"/internships/claims/{claim}/approve", {}).status_code == 404
    assert far.get("/internships/claims").json["items"] == []
    assert api(world.hr).post(f"/internships/claims/{claim}/approve", {}).status_code == 403
    assert api(world.cw).post("/internships/claims", {"agreement_id": ag}).status_code == 403
    assert api(make.user("person")).get("/internships/agreements").status_code == 403
    assert api(world.cw).get(f"/internships/claims/{claim}").json["review"]["allowed"] is True
    # pages too

    login(client, world.other_hr)
    assert client.get(f"/employer/internships/{ag}").status_code == 404
    assert client.post(f"/employer/internships/{ag}/claim").status_code == 404
    login(client, world.cw_far)
    assert client.post(f"/caseworker/claims/{claim}/approve").status_code == 404
    assert "#%d" % claim not in client.get("/caseworker/claims").text
    login(client, make.user("person"))
    assert client.get("/employer/internships").status_code == 403
    assert client.get("/caseworker/claims").status_code == 403


def test_hiring_subsidy_r6_once_and_exclusive_with_r7(api, db, make, world, on_day):
    on_day("2020-08-01")
    job = hire(db, make, world.org, world.hr, profile=world.profile, kind="job", on=dt.date(2020, 3, 1))
    hire_records(api, world.hr, job.id, makeup="2020-07-10")
    r = api(world.hr).post("/internships/hire-claims", {"kind": "hiring_r6", "application_id": job.id})
    assert r.status_code == 201, r.json
    assert r.json["amount"] == "3600.00" and r.json["rule"] == "R6" and r.json["flags"] == []
    assert r.json["facts"]["hire_on"] == "2020-03-01" and r.json["facts"]["contract_months"] == 12
    r = api(world.hr).post("/internships/hire-claims", {"kind": "hiring_r6", "application_id": job.id})
    assert r.status_code == 409  # the same hire twice: paid once
    short = hire(db, make, world.org, world.hr, kind="job")
    hire_records(api, world.hr, short.id, months=6)
    r = api(world.hr).post("/internships/hire-claims", {"kind": "hiring_r6", "application_id": short.id})
    assert r.status_code == 422 and "12" in r.json["error"]["message"]["en"]
    world.org.is_epidemic_supply = True
    db.flush()
    on_day("2020-07-15")
    r = api(world.hr).post("/internships/hire-claims", {"kind": "epidemic_r7", "application_id": job.id})
    assert r.status_code == 201, r.json
    assert r.json["amount"] == "1000.00"
    assert [f["code"] for f in r.json["flags"]] == ["exclusive_programmes"]


def test_referral_cap_of_the_agency(api, db, make, world, on_day):
    on_day("2020-07-15")
    world.org.is_epidemic_supply = True
    agency = make.user("agency")
    job = hire(db, make, world.org, world.hr, kind="job", on=dt.date(2020, 3, 1))
    hire_records(api, world.hr, job.id, contract_on="2020-03-01", makeup="2020-07-10")
    db.add(SubsidyClaim(kind="referral_r7", organisation_id=agency.organisation_id, profile_id=job.profile_id,
                        state="paid", amount=Decimal("99900.00"), created_by_id=agency.id))
    db.flush()
    body = {"kind": "referral_r7", "application_id": job.id}
    introduced(db, agency, job)
    r = api(agency).post("/internships/hire-claims", body)
    assert r.status_code == 201 and r.json["amount"] == "100.00"
    assert "100000.00" in r.json["reason_en"]
    other = hire(db, make, world.org, world.hr, kind="job", on=dt.date(2020, 3, 1))
    hire_records(api, world.hr, other.id, contract_on="2020-03-01", makeup="2020-07-10")
    introduced(db, agency, other)
    r = api(agency).post("/internships/hire-claims", dict(body, application_id=other.id))
    assert r.status_code == 422 and "cap" in r.json["error"]["message"]["en"]
    assert api(world.hr).post("/internships/hire-claims", dict(body, application_id=other.id)).status_code == 403


def test_fraud_flags_say_why(api, db, make, world, on_day):
    on_day("2020-06-01")
    ag = sign(api, world)
    # An overlapping agreement at another unit, as an import from an older system would bring it.
    other_app = hire(db, make, world.other_org, world.other_hr, profile=world.profile)
    db.add(InternshipAgreement(application_id=other_app.id, profile_id=world.profile.id,
                               organisation_id=world.other_org.id, posting_id=other_app.posting_id,
                               start_on=dt.date(2020, 4, 1), period_months=6, monthly_rate=Decimal("1500.00"),
                               policy_set="fushun-2020", created_by_id=world.other_hr.id))
    db.flush()
    r = api(world.hr).post("/internships/claims", {"agreement_id": ag})
    assert [f["code"] for f in r.json["flags"]] == ["overlapping_internships"]
    assert "另一家公司" in r.json["flags"][0]["zh"]
    # A hiring claim whose contract predates the internship at the same unit.
    job = hire(db, make, world.org, world.hr, profile=world.profile, kind="job", on=dt.date(2020, 2, 1))
    hire_records(api, world.hr, job.id, contract_on="2020-02-01")
    r = api(world.hr).post("/internships/hire-claims", {"kind": "hiring_r6", "application_id": job.id})
    codes = [f["code"] for f in r.json["flags"]]
    assert "contract_before_start" in codes
    # The same person claimed for the internship subsidy by two units.
    other_ag = db.scalar(select(InternshipAgreement).where(InternshipAgreement.organisation_id == world.other_org.id))
    r = api(world.other_hr).post("/internships/claims", {"agreement_id": other_ag.id})
    assert {"same_person_twice", "overlapping_internships"} <= {f["code"] for f in r.json["flags"]}
    # A claim for a person the claimant did not employ (checked however the claim came about).
    c = SubsidyClaim(kind="hiring_r6", organisation_id=world.other_org.id, profile_id=world.profile.id,
                     application_id=job.id, facts={}, created_by_id=world.other_hr.id)
    c.application = job
    assert "not_employed" in [f["code"] for f in fraud.fraud_flags(db, c)]


def test_reviewer_page_shows_flags_and_decision(client, api, db, make, world, on_day):
    on_day("2020-06-01")
    ag = sign(api, world)
    job = hire(db, make, world.org, world.hr, profile=world.profile, kind="job", on=dt.date(2020, 2, 1))
    hire_records(api, world.hr, job.id, contract_on="2020-02-01")
    api(world.hr).post("/internships/hire-claims", {"kind": "hiring_r6", "application_id": job.id})
    api(world.hr).post("/internships/claims", {"agreement_id": ag})
    login(client, world.cw)
    page = client.get("/caseworker/claims")
    assert "劳动合同日期2020-02-01早于该单位见习协议" in page.text and "可以批准" in page.text
    assert "contract date 2020-02-01 is before" in client.get("/caseworker/claims?lang=en").text
    # the records beside the claim, shown as declared, and the caseworker confirms them there
    assert "已申报 1200.00 元/月" in page.text and 'data-test="confirm-insurance"' in page.text
    hire_claim = db.scalar(select(SubsidyClaim).where(SubsidyClaim.application_id == job.id))
    r = client.post(f"/caseworker/claims/{hire_claim.id}/confirm/insurance", data={"note": ""})
    assert r.status_code == 303  # what was checked is required
    r = client.post(f"/caseworker/claims/{hire_claim.id}/confirm/insurance", data={"note": "核对了社保缴费明细"})
    assert r.status_code == 302 and 'data-test="confirm-insurance"' not in client.get("/caseworker/claims").text


def test_exports_mask_id_numbers(api, db, make, world, on_day, cipher, client):
    world.profile.id_number_enc = cipher.encrypt("210402199805010013")
    db.flush()
    on_day("2020-06-01")
    ag = sign(api, world)
    api(world.hr).post("/internships/claims", {"agreement_id": ag})
    r = api(world.cw).get("/internships/claims/export?format=csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[1][6] == "**************0013" and "210402199805010013" not in r.data.decode("utf-8-sig")
    assert rows[1][7] == "4500.00"
    r = api(world.cw).get("/internships/claims/export?format=xlsx")
    ws = load_workbook(io.BytesIO(r.data)).active
    assert ws.cell(row=2, column=7).value == "**************0013" and ws.cell(row=2, column=8).value == 4500
    assert api(world.hr).get("/internships/claims/export").status_code == 403


def test_reminders_run_twice_create_nothing_twice(api, db, make, world, on_day, client):
    on_day("2020-03-01")
    ag = sign(api, world)
    first = internship_reminders.run_reminders(db, dt.date(2020, 8, 25))
    assert first == {"ending": 1, "one_third": 1, "no_claim": 1}
    assert internship_reminders.run_reminders(db, dt.date(2020, 8, 25)) == {"ending": 0, "one_third": 0, "no_claim": 0}
    assert db.scalar(select(func.count()).select_from(Notification)
                     .where(Notification.user_id == world.cw.id)) == 1
    notes = api(world.hr).get("/notifications").json["items"]
    assert {n["kind"] for n in notes} == {"internship_ending", "one_third_reached"}
    assert "2020-07-02" in next(n["zh"] for n in notes if n["kind"] == "one_third_reached")

    login(client, world.hr)
    assert "2020-07-02" in client.get("/employer/internships").text
    nid = notes[0]["id"]
    assert api(world.other_hr).post(f"/notifications/{nid}/read").status_code == 404
    assert api(world.hr).post(f"/notifications/{nid}/read").status_code == 200
    assert ag


def test_the_task_runs_through_celery(app, db, world, api, on_day):
    on_day("2020-03-01")
    sign(api, world)
    with app.app_context():
        assert reminders.apply(args=("2020-08-25",)).get() == {"ending": 1, "one_third": 1, "no_claim": 1}
        assert reminders.apply(args=("2020-08-25",)).get() == {"ending": 0, "one_third": 0, "no_claim": 0}

    assert BEAT_SCHEDULE["internship-reminders"]["task"] == reminders.name


def test_a_late_r7_application_needs_the_caseworkers_justification(api, db, make, world, on_day):
    world.org.is_epidemic_supply = True
    job = hire(db, make, world.org, world.hr, kind="job", on=dt.date(2020, 3, 1))
    on_day("2020-07-15")
    hire_records(api, world.hr, job.id, contract_on="2020-03-01", makeup="2020-07-10")
    body = {"kind": "epidemic_r7", "application_id": job.id}
    on_day("2020-06-20")  # the window opens when the epidemic is declared over (2020-07-01)
    r = api(world.hr).post("/internships/hire-claims", body)
    assert r.status_code == 422 and "not yet open" in r.json["error"]["message"]["en"]
    on_day("2020-10-15")  # the window closed on 2020-09-30
    r = api(world.hr).post("/internships/hire-claims", body)
    assert r.status_code == 201 and r.json["amount"] == "1000.00"
    assert "late_application" in [f["code"] for f in r.json["flags"]]
    claim = r.json["id"]
    r = api(world.cw).post(f"/internships/claims/{claim}/approve", {})
    assert r.status_code == 422 and "refused in principle" in r.json["error"]["message"]["en"]
    confirm_hire_records(api, world.cw, job.id)
    r = api(world.cw).post(f"/internships/claims/{claim}/approve", {"note": "企业补缴社保手续延误，经核实属实"})
    assert r.status_code == 200 and r.json["state"] == "approved"
    assert "企业补缴社保手续延误" in r.json["reason_zh"]


def test_hiring_claim_from_the_claims_page(client, db, make, world, on_day):
    on_day("2020-08-01")
    job = hire(db, make, world.org, world.hr, profile=world.profile, kind="job", on=dt.date(2020, 7, 1))
    login(client, world.hr)
    page = client.get("/employer/claims")
    assert page.status_code == 200 and "申领吸纳就业补贴" in page.text
    assert 'data-test="hire-on">2020-07-01<' in page.text  # the hire date is the recorded one
    assert client.post(f"/employer/hires/{job.id}/contract", data={"signed_on": "2020-07-01",
                                                                   "months": "12"}).status_code == 302
    assert client.post(f"/employer/hires/{job.id}/insurance", data={"monthly_amount": "1200.00"}).status_code == 302
    page = client.get("/employer/claims")
    assert "已申报" in page.text and "待确认" in page.text  # shown as declared, awaiting confirmation
    r = client.post("/employer/claims", data={"kind": "hiring_r6", "application_id": str(job.id)})
    assert r.status_code == 302
    page = client.get("/employer/claims")
    assert "3600.00" in page.text and "已提交" in page.text
    why = re.search(r'<td class="reason">([^<]*)', page.text).group(1)
    assert why.startswith("R6 按") and why.count("R6") == 1, why  # the rule is named once (it read "R6 R6 按…")
    unrecorded = hire(db, make, world.org, world.hr, kind="job")
    r = client.post("/employer/claims", data={"kind": "hiring_r6", "application_id": str(unrecorded.id)})
    assert r.status_code == 409 and "劳动合同尚未登记" in r.text


def test_an_older_claim_on_typed_facts_waits_for_the_records(api, db, make, world, on_day):
    """A claim submitted before claims were built on records (its facts typed) is still shown
    and reviewed; it is approved on the records once they exist and are confirmed."""
    on_day("2020-08-01")
    job = hire(db, make, world.org, world.hr, profile=world.profile, kind="job", on=dt.date(2020, 7, 1))
    old = SubsidyClaim(kind="hiring_r6", organisation_id=world.org.id, profile_id=world.profile.id,
                       application_id=job.id, state="submitted", amount=Decimal("6000.00"), rule="R6",
                       facts={"hire_on": "2020-03-01", "contract_on": "2020-07-01", "contract_months": 12,
                              "monthly_social_insurance": "2000.00"}, submitted_on=dt.date(2020, 7, 20),
                       created_by_id=world.hr.id)
    db.add(old)
    db.flush()
    r = api(world.cw).get(f"/internships/claims/{old.id}")
    assert r.status_code == 200 and r.json["review"]["allowed"] is False
    assert "labour contract of this hire is not recorded" in r.json["review"]["reason_en"]
    assert api(world.cw).post(f"/internships/claims/{old.id}/approve", {}).status_code == 409
    hire_records(api, world.hr, job.id)
    confirm_hire_records(api, world.cw, job.id)
    r = api(world.cw).post(f"/internships/claims/{old.id}/approve", {})
    assert r.status_code == 200 and r.json["state"] == "approved" and r.json["amount"] == "3600.00"  # not 6000.00
    assert r.json["facts"]["hire_on"] == "2020-07-01" and r.json["facts"]["monthly_social_insurance"] == "1200.00"
