"""R7 referral subsidies rest on the agency's own introduction (职业介绍), recorded before the
person applied: the agency that brought the hire about is paid once, and no other agency
can claim for a hire it merely saw."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import object_session

from marketplace import clock
from marketplace.core.models import Application, User
from marketplace.core.models import User as U
from marketplace.fairs.models import Booth, Fair, Interview
from marketplace.internships import introductions
from marketplace.internships.models import Introduction
from marketplace.notifications.models import Notification
from tests.internships.conftest import graduate, hire_records, hired_on


def _hire_through_the_api(api, world, person_user, posting_id):
    """The person applies on the site; the employer takes them on."""
    r = api(person_user).post(f"/postings/{posting_id}/applications", {"note": "想试试"})
    assert r.status_code == 201, r.json
    app_id = r.json["id"]
    r = api(world.hr).post(f"/applications/{app_id}/stage", {"stage": "hired", "note": "录用"})
    assert r.status_code == 200 and r.json["stage"] == "hired", r.json
    # The referral claim reads the employer's records: the hire (dated in the epidemic window),
    # the contract and the make-up social insurance.
    hired_on(object_session(world.org), app_id, dt.date(2020, 3, 1))
    hire_records(api, world.hr, app_id, contract_on="2020-03-01", makeup="2020-07-10")
    return app_id


def _claim(api, agency, app_id, **kw):
    body = {"kind": "referral_r7", "application_id": app_id}
    body.update(kw)
    return api(agency).post("/internships/hire-claims", body)


def _setup(db, make, world):
    world.org.is_epidemic_supply = True
    person = graduate(make)  # published
    posting = make.posting(organisation=world.org, created_by=world.hr, title="口罩生产线操作工")
    db.flush()
    return person, posting


def test_the_introducing_agency_is_paid_for_the_hire_and_the_person_is_told(api, db, make, world, on_day):
    on_day("2020-07-15")
    person, posting = _setup(db, make, world)
    agency = make.user("agency")
    r = api(agency).post("/introductions", {"profile_id": person.id, "posting_id": posting.id,
                                            "note": "有流水线经验，住得近"})
    assert r.status_code == 201, r.json
    assert r.json["counts"] is False and r.json["stage"] is None  # nothing has come of it yet
    note = db.scalar(select(Notification).where(Notification.user_id == person.user_id,
                                                Notification.kind == "introduction"))
    assert note is not None and "口罩生产线操作工" in note.text_zh and agency.organisation.name in note.text_zh
    mine = api(db.get(User, person.user_id)).get("/introductions").json["items"]
    assert [i["posting"] for i in mine] == ["口罩生产线操作工"] and "person" not in mine[0]

    app_id = _hire_through_the_api(api, world, db.get(User, person.user_id), posting.id)
    listed = api(agency).get("/introductions").json["items"]
    assert listed[0]["counts"] is True and listed[0]["stage"] == "hired" and listed[0]["application_id"] == app_id

    r = _claim(api, agency, app_id)
    assert r.status_code == 201, r.json
    assert r.json["amount"] == "200.00" and r.json["rule"] == "R7"
    assert r.json["facts"]["introduction_id"] == listed[0]["id"]
    assert _claim(api, agency, app_id).status_code == 409  # one hire, one referral subsidy


def test_an_agency_that_introduced_nobody_cannot_claim_or_learn_of_the_hire(api, db, make, world, on_day):
    on_day("2020-07-15")
    person, posting = _setup(db, make, world)
    app_id = _hire_through_the_api(api, world, db.get(User, person.user_id), posting.id)
    stranger = make.user("agency")
    r = _claim(api, stranger, app_id)
    assert r.status_code == 404  # the profile is published, but this hire is nothing of the agency's
    # introducing the person now, after the hire, is recorded (the agency is not told that
    # they applied) but counts for nothing
    r = api(stranger).post("/introductions", {"profile_id": person.id, "posting_id": posting.id})
    assert r.status_code == 201 and r.json["counts"] is False and r.json["stage"] is None
    assert _claim(api, stranger, app_id).status_code == 404


def test_only_the_first_agency_counts(api, db, make, world, on_day):
    on_day("2020-07-15")
    person, posting = _setup(db, make, world)
    first, second = make.user("agency"), make.user("agency")
    for agency in (first, second):
        assert api(agency).post("/introductions", {"profile_id": person.id,
                                                   "posting_id": posting.id}).status_code == 201
    app_id = _hire_through_the_api(api, world, db.get(User, person.user_id), posting.id)
    assert _claim(api, second, app_id).status_code == 404  # nor told that another agency came first
    assert api(second).get("/introductions").json["items"][0]["counts"] is False
    assert api(second).get("/introductions").json["items"][0]["stage"] is None  # nor how it went
    assert _claim(api, first, app_id).status_code == 201


def test_an_introduction_made_after_the_application_does_not_count(api, db, make, world, on_day):
    """Recorded directly in the database (the API refuses it), as an import or a clock skew would."""
    on_day("2020-07-15")
    person, posting = _setup(db, make, world)
    agency = make.user("agency")
    app_id = _hire_through_the_api(api, world, db.get(User, person.user_id), posting.id)
    app = db.get(Application, app_id)
    db.add(Introduction(organisation_id=agency.organisation_id, profile_id=person.id, posting_id=posting.id,
                        created_by_id=agency.id, created_at=app.created_at + dt.timedelta(minutes=5)))
    db.flush()
    assert _claim(api, agency, app_id).status_code == 404


def test_who_may_be_introduced_and_where(api, db, make, world, on_day):
    agency = make.user("agency")
    hidden = graduate(make, published=False)
    open_post = make.posting(organisation=world.org, created_by=world.hr)
    person = graduate(make)
    r = api(agency).post("/introductions", {"profile_id": hidden.id, "posting_id": open_post.id})
    assert r.status_code == 404  # an unpublished profile is not the agency's to see
    # applied to the agency's own post: the agency sees the person, but may not pass them on
    own_post = make.posting(organisation=agency.organisation, created_by=agency)
    db.add(Application(posting_id=own_post.id, profile_id=hidden.id, stage="applied"))
    db.flush()
    r = api(agency).post("/introductions", {"profile_id": hidden.id, "posting_id": open_post.id})
    assert r.status_code == 409 and "published" in r.json["error"]["message"]["en"]
    r = api(agency).post("/introductions", {"profile_id": person.id, "posting_id": own_post.id})
    assert r.status_code == 409 and "own organisation" in r.json["error"]["message"]["en"]
    closed = make.posting(organisation=world.org, created_by=world.hr, status="closed")
    assert api(agency).post("/introductions", {"profile_id": person.id, "posting_id": closed.id}).status_code == 404
    assert api(agency).post("/introductions", {"profile_id": person.id, "posting_id": open_post.id}).status_code == 201
    r = api(agency).post("/introductions", {"profile_id": person.id, "posting_id": open_post.id})
    assert r.status_code == 409 and "already introduced" in r.json["error"]["message"]["en"]
    r = api(world.hr).post("/introductions", {"profile_id": person.id, "posting_id": open_post.id})
    assert r.status_code == 403  # an employer's HR is not an agency
    assert api(agency).post("/introductions", {"profile_id": person.id}).status_code == 422


def test_an_interview_asked_for_at_a_fair_is_the_first_approach(api, db, make, world, on_day):
    """At a job fair the person asks for an interview on a posting; the application is made
    only when the employer records the outcome. An introduction between the two brought
    nothing about."""

    on_day("2020-07-15")
    person, posting = _setup(db, make, world)
    organiser = make.user("organiser")
    fair = Fair(organiser_id=organiser.id, name="抚顺市夏季招聘会", mode="onsite", held_on=clock.today(),
                venue="抚顺市人才市场", slots=["09:00-09:30"], status="open")
    db.add(fair)
    db.flush()
    booth = Booth(fair_id=fair.id, organisation_id=world.org.id, status="approved", posting_ids=[posting.id],
                  created_by_id=world.hr.id)
    db.add(booth)
    db.flush()
    db.add(Interview(fair_id=fair.id, booth_id=booth.id, profile_id=person.id, posting_id=posting.id,
                     requested_by="person", status="requested"))
    db.flush()
    agency = make.user("agency")
    assert api(agency).post("/introductions", {"profile_id": person.id, "posting_id": posting.id}).status_code == 201
    app_id = _hire_through_the_api(api, world, db.get(U, person.user_id), posting.id)
    assert api(agency).get("/introductions").json["items"][0]["counts"] is False
    assert introductions.claimable_hires(db, agency) == []
    assert _claim(api, agency, app_id).status_code == 404
