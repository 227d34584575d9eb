# ruff: noqa: F811  (the internships area's fixtures are imported by name and requested as arguments)
"""Abuse cases, issue 13 finding 3: every fact a subsidy depends on comes from a record or is
confirmed by someone who does not benefit from it. A claimant who types a fact that
contradicts a record is refused (422, the rule and the record, the field); a claim on facts
the claimant typed into a record waits for the person or a caseworker to confirm them, and
the refusal says who must."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from marketplace.core.models import User
from marketplace.internships.models import FactConfirmation, SubsidyClaim
from tests.internships.conftest import api, hire, hire_records, on_day, world  # noqa: F401  (the area's fixtures)


def _claims(db) -> int:
    return db.scalar(select(func.count()).select_from(SubsidyClaim))


def test_a_hire_made_today_cannot_be_claimed_as_an_epidemic_hire_by_typing_an_earlier_hire_date(api, db, make,
                                                                                                  world, on_day):
    """The issue's case: hired today, R7 claimed with hire_on 2020-03-01 (approved and paid before)."""
    on_day("2020-07-15")
    world.org.is_epidemic_supply = True
    job = hire(db, make, world.org, world.hr, kind="job", on=dt.date(2020, 7, 15))
    hire_records(api, world.hr, job.id, contract_on="2020-07-15", makeup="2020-07-15")
    before = _claims(db)
    r = api(world.hr).post("/internships/hire-claims", {"kind": "epidemic_r7", "application_id": job.id,
                                                        "hire_on": "2020-03-01", "contract_months": 12})
    assert r.status_code == 422, r.json
    err = r.json["error"]
    assert err["code"] == "contradicts_record" and err["field"] == "hire_on"
    assert "R7" in err["message"]["en"] and f"hire event of application #{job.id}" in err["message"]["en"]
    assert "2020-07-15" in err["message"]["en"] and "R7" in err["message"]["zh"] and "录用记录" in err["message"]["zh"]
    assert _claims(db) == before
    # Without the typed date the claim is judged on the recorded one: outside the epidemic window.
    r = api(world.hr).post("/internships/hire-claims", {"kind": "epidemic_r7", "application_id": job.id})
    assert r.status_code == 422 and r.json["error"]["code"] == "not_eligible" and _claims(db) == before


@pytest.mark.parametrize("typed,field", [
    ({"contract_months": 36}, "contract_months"),
    ({"contract_on": "2020-06-01"}, "contract_on"),
    ({"monthly_social_insurance": "5000.00"}, "monthly_social_insurance"),
    ({"makeup_insurance_on": "2020-07-01"}, "makeup_insurance_on"),
    ({"hire_on": "2020-06-30"}, "hire_on"),
])
def test_every_typed_fact_that_contradicts_a_record_is_refused(api, db, make, world, on_day, typed, field):
    on_day("2020-08-01")
    job = hire(db, make, world.org, world.hr, profile=world.profile, kind="job", on=dt.date(2020, 7, 1))
    hire_records(api, world.hr, job.id, contract_on="2020-07-01", months=12, monthly="1200.00")
    r = api(world.hr).post("/internships/hire-claims", {"kind": "hiring_r6", "application_id": job.id, **typed})
    assert r.status_code == 422 and r.json["error"]["field"] == field, r.json
    assert r.json["error"]["code"] == "contradicts_record" and "R6" in r.json["error"]["message"]["en"]
    assert r.json["error"]["details"][0]["rule"] == "R6"
    assert _claims(db) == 0
    # The same value as the record is accepted (and the amount is the record's).
    same = {"contract_months": 12, "contract_on": "2020-07-01", "monthly_social_insurance": "1200.00",
            "hire_on": "2020-07-01"}
    r = api(world.hr).post("/internships/hire-claims", {"kind": "hiring_r6", "application_id": job.id, **same})
    assert r.status_code == 201 and r.json["amount"] == "3600.00"


def test_a_fact_without_a_record_is_not_taken_from_the_claim(api, db, make, world, on_day):
    on_day("2020-08-01")
    job = hire(db, make, world.org, world.hr, profile=world.profile, kind="job", on=dt.date(2020, 7, 1))
    r = api(world.hr).post("/internships/hire-claims", {"kind": "hiring_r6", "application_id": job.id,
                                                        "contract_on": "2020-07-01", "contract_months": 12,
                                                        "monthly_social_insurance": "9999.00"})
    assert r.status_code == 409 and r.json["error"]["field"] == "contract_on" and _claims(db) == 0
    api(world.hr).post(f"/internships/hires/{job.id}/contract", {"signed_on": "2020-07-01", "months": 12})
    r = api(world.hr).post("/internships/hire-claims", {"kind": "hiring_r6", "application_id": job.id})
    assert r.status_code == 409 and r.json["error"]["field"] == "monthly_social_insurance" and _claims(db) == 0


def test_a_claim_waits_for_confirmation_and_says_who_must_confirm(api, db, make, world, on_day):
    on_day("2020-08-01")
    job = hire(db, make, world.org, world.hr, profile=world.profile, kind="job", on=dt.date(2020, 7, 1))
    hire_records(api, world.hr, job.id)
    claim = api(world.hr).post("/internships/hire-claims", {"kind": "hiring_r6", "application_id": job.id}).json
    shown = api(world.hr).get(f"/internships/claims/{claim['id']}").json
    assert {w["record"] for w in shown["awaiting_confirmation"]} == {"contract", "insurance"}
    r = api(world.cw).post(f"/internships/claims/{claim['id']}/approve", {})
    assert r.status_code == 422 and r.json["error"]["code"] == "unconfirmed_facts"
    assert "the employee or a caseworker" in r.json["error"]["message"]["en"]
    assert "a caseworker (against the contribution records)" in r.json["error"]["message"]["en"]
    # The claimant cannot confirm what it recorded; the person cannot confirm the employer's contributions.
    assert api(world.hr).post(f"/internships/hires/{job.id}/confirmation", {"record": "contract"}).status_code == 403
    person = api(db.get(User, world.profile.user_id))
    assert person.post(f"/internships/hires/{job.id}/confirmation", {"record": "insurance"}).status_code == 403
    # The employee disputes the contract: still blocked, and the refusal says it is disputed.
    r = person.post(f"/internships/hires/{job.id}/confirmation",
                    {"record": "contract", "verdict": "disputed", "note": "合同只签了6个月"})
    assert r.status_code == 200 and r.json["confirmation"]["state"] == "disputed"
    r = api(world.cw).post(f"/internships/claims/{claim['id']}/approve", {})
    assert r.status_code == 422 and "disputed" in r.json["error"]["message"]["en"]
    # A caseworker confirms only saying what was checked.
    r = api(world.cw).post(f"/internships/hires/{job.id}/confirmation", {"record": "insurance"})
    assert r.status_code == 422 and r.json["error"]["field"] == "note"
    for record in ("contract", "insurance"):
        r = api(world.cw).post(f"/internships/hires/{job.id}/confirmation",
                               {"record": record, "note": "核对了合同原件（12个月）和社保缴费明细"})
        assert r.status_code == 200 and r.json["confirmation"]["role"] == "caseworker"
    assert api(world.cw).post(f"/internships/claims/{claim['id']}/approve", {}).json["state"] == "approved"


def test_a_record_changed_after_confirmation_needs_confirming_again(api, db, make, world, on_day):
    on_day("2020-08-01")
    job = hire(db, make, world.org, world.hr, profile=world.profile, kind="job", on=dt.date(2020, 7, 1))
    hire_records(api, world.hr, job.id, months=6)
    person = api(db.get(User, world.profile.user_id))
    assert person.post(f"/internships/hires/{job.id}/confirmation", {"record": "contract"}).status_code == 200
    hire_records(api, world.hr, job.id, months=12)  # the employer "corrects" it after the person confirmed
    records = api(world.cw).get(f"/internships/hires/{job.id}/records").json
    assert records["contract"]["months"] == 12 and records["contract"]["confirmation"]["state"] == "unconfirmed"
    assert person.get("/me/internship-records").json["contracts"][0]["confirmation"]["state"] == "unconfirmed"


def test_the_agreement_the_unit_typed_is_confirmed_by_the_intern_before_its_claim_is_paid(api, db, world, on_day):
    on_day("2020-06-01")
    ag = api(world.hr).post("/internships/agreements", {"application_id": world.app.id, "start_on": "2020-03-01",
                                                        "period_months": 6}).json["id"]
    intern = api(db.get(User, world.profile.user_id))
    mine = intern.get("/me/internship-records").json["agreements"]
    assert mine[0]["start_on"] == "2020-03-01" and mine[0]["confirmation"]["state"] == "unconfirmed"
    assert intern.post(f"/internships/agreements/{ag}/confirmation", {}).json["confirmation"]["state"] == "confirmed"
    # A pause recorded afterwards is not confirmed by the earlier answer.
    api(world.hr).post(f"/internships/agreements/{ag}/interruptions",
                       {"from_on": "2020-04-01", "last_day_off": "2020-04-10", "reason": "epidemic"})
    claim = api(world.hr).post("/internships/claims", {"agreement_id": ag}).json
    r = api(world.cw).post(f"/internships/claims/{claim['id']}/approve", {})
    assert r.status_code == 422 and "the intern or a caseworker must confirm it" in r.json["error"]["message"]["en"]
    told = [n for n in intern.get("/notifications").json["items"] if n["kind"] == "confirm_record"]
    assert told and told[0]["link"] == "/me/internship-records" and world.org.name in told[0]["zh"]
    assert api(world.hr).post(f"/internships/agreements/{ag}/confirmation", {}).status_code == 403
    assert api(world.cw_far).post(f"/internships/agreements/{ag}/confirmation", {"note": "x"}).status_code == 404
    r = intern.post(f"/internships/agreements/{ag}/confirmation", {"verdict": "disputed"})
    assert r.status_code == 422 and r.json["error"]["field"] == "note"  # a dispute says what is wrong
    assert intern.post(f"/internships/agreements/{ag}/confirmation", {}).status_code == 200
    assert api(world.cw).post(f"/internships/claims/{claim['id']}/approve", {}).json["state"] == "approved"


def test_r15_takes_no_typed_facts(api, db, world):
    r = api(world.cw).post("/internships/hubei-claims", {"profile_id": world.profile.id, "graduation_year": 2020})
    assert r.status_code == 422 and _claims(db) == 0


def test_the_persons_words_on_a_record_are_in_their_data_and_go_with_their_account(api, db, make, world, on_day):
    on_day("2020-08-01")
    job = hire(db, make, world.org, world.hr, profile=world.profile, kind="job", on=dt.date(2020, 7, 1))
    hire_records(api, world.hr, job.id, months=12)
    person = api(db.get(User, world.profile.user_id))
    person.post(f"/internships/hires/{job.id}/confirmation",
                {"record": "contract", "verdict": "disputed", "note": "合同只签了6个月，电话13900001111"})
    data = person.get("/me/data").json
    assert "合同只签了6个月" in str(data) and "labour_contracts" in str(data)
    assert person.post("/me/delete", {"password": "secret-pass-1"}).status_code == 200
    db.expire_all()
    assert db.scalar(select(FactConfirmation.note)) == "" and db.scalar(select(FactConfirmation.verdict)) == "disputed"
