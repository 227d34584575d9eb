"""R7 referral subsidies rest on the agency's own introduction (职业介绍), accepted by the person
before they approached the posting: the agency that brought the hire about is paid once, and
no other agency can claim for a hire it merely saw. (Abuse cases: tests/security/test_referrals.py.)"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import object_session

from marketplace import clock
from marketplace.core.models import Application, AuditEntry, User
from marketplace.core.models import User as U
from marketplace.fairs.models import Booth, Fair, Interview
from marketplace.internships import introduction_answers, introductions
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


def _accept(api, db, person, intro_id, verb="accept"):
    return api(db.get(User, person.user_id)).post(f"/me/introductions/{intro_id}/{verb}")


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
    assert note.link == "/me/introductions" and "接受或拒绝" in note.text_zh
    mine = api(db.get(User, person.user_id)).get("/me/introductions").json["items"]
    assert [i["posting"] for i in mine] == ["口罩生产线操作工"] and "person" not in mine[0]
    assert mine[0]["answer"] == "unanswered" and mine[0]["can_answer"] is True
    r = _accept(api, db, person, r.json["id"])
    assert r.status_code == 200 and r.json["answer"] == "accepted" and r.json["answered_on"], r.json

    app_id = _hire_through_the_api(api, world, db.get(User, person.user_id), posting.id)
    listed = api(agency).get("/introductions").json["items"]
    assert listed[0]["counts"] is True and listed[0]["stage"] == "hired" and listed[0]["application_id"] == app_id

    r = _claim(api, agency, app_id)
    assert r.status_code == 201, r.json
    assert r.json["amount"] == "200.00" and r.json["rule"] == "R7"
    assert r.json["facts"]["introduction_id"] == listed[0]["id"] and r.json["facts"]["introduction_accepted_on"]
    assert _claim(api, agency, app_id).status_code == 409  # one hire, one referral subsidy


def test_an_agency_that_introduced_nobody_cannot_claim_or_learn_of_the_hire(api, db, make, world, on_day):
    on_day("2020-07-15")
    person, posting = _setup(db, make, world)
    app_id = _hire_through_the_api(api, world, db.get(User, person.user_id), posting.id)
    stranger = make.user("agency")
    r = _claim(api, stranger, app_id)
    assert r.status_code == 404  # the profile is published, but this hire is nothing of the agency's
    # introducing the person now, after the hire, is recorded (the agency is not told that
    # they applied) but counts for nothing: the person can no longer accept it
    r = api(stranger).post("/introductions", {"profile_id": person.id, "posting_id": posting.id})
    assert r.status_code == 201 and r.json["counts"] is False and r.json["stage"] is None
    assert _accept(api, db, person, r.json["id"]).status_code == 409
    r = _claim(api, stranger, app_id)
    assert r.status_code == 422 and r.json["error"]["message"]["en"].startswith("R7 refused")


def test_only_the_introduction_accepted_first_counts(api, db, make, world, on_day):
    on_day("2020-07-15")
    person, posting = _setup(db, make, world)
    first, second = make.user("agency"), make.user("agency")
    ids = {}
    for agency in (first, second):
        r = api(agency).post("/introductions", {"profile_id": person.id, "posting_id": posting.id})
        assert r.status_code == 201
        ids[agency.id] = r.json["id"]
    # the second agency's introduction is the one the person took up first
    assert _accept(api, db, person, ids[second.id]).status_code == 200
    assert _accept(api, db, person, ids[first.id]).status_code == 200
    app_id = _hire_through_the_api(api, world, db.get(User, person.user_id), posting.id)
    r = _claim(api, first, app_id)
    assert r.status_code == 422 and "accepted another introduction" in r.json["error"]["message"]["en"]
    assert api(first).get("/introductions").json["items"][0]["counts"] is False
    assert api(first).get("/introductions").json["items"][0]["stage"] is None  # nor how it went
    assert _claim(api, second, app_id).status_code == 201


def test_an_introduction_made_after_the_application_does_not_count(api, db, make, world, on_day):
    """Recorded directly in the database, as an import or a clock skew would, and even marked
    accepted: accepted after the application, it brought nothing about."""
    on_day("2020-07-15")
    person, posting = _setup(db, make, world)
    agency = make.user("agency")
    app_id = _hire_through_the_api(api, world, db.get(User, person.user_id), posting.id)
    app = db.get(Application, app_id)
    db.add(Introduction(organisation_id=agency.organisation_id, profile_id=person.id, posting_id=posting.id,
                        created_by_id=agency.id, created_at=app.created_at + dt.timedelta(minutes=5),
                        answer="accepted", answered_at=app.created_at + dt.timedelta(minutes=6)))
    db.flush()
    r = _claim(api, agency, app_id)
    assert r.status_code == 422 and "after the person's own first approach" in r.json["error"]["message"]["en"]


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
    r = api(agency).post("/introductions", {"profile_id": person.id, "posting_id": posting.id})
    assert r.status_code == 201
    # the person asked for the interview first: their answer would decide nothing now
    r = _accept(api, db, person, r.json["id"])
    assert r.status_code == 409 and "approached this posting yourself" in r.json["error"]["message"]["en"]
    assert api(db.get(U, person.user_id)).get("/me/introductions").json["items"][0]["can_answer"] is False
    app_id = _hire_through_the_api(api, world, db.get(U, person.user_id), posting.id)
    assert api(agency).get("/introductions").json["items"][0]["counts"] is False
    assert introductions.claimable_hires(db, agency) == []
    assert _claim(api, agency, app_id).status_code == 422


def test_the_person_may_change_their_answer_until_they_approach_the_posting(api, db, make, world, on_day):
    on_day("2020-07-15")
    person, posting = _setup(db, make, world)
    agency = make.user("agency")
    intro_id = api(agency).post("/introductions", {"profile_id": person.id, "posting_id": posting.id}).json["id"]
    assert _accept(api, db, person, intro_id, "decline").json["answer"] == "declined"
    assert api(agency).get("/introductions").json["items"][0]["answer"] == "declined"  # the agency sees the answer
    assert _accept(api, db, person, intro_id).json["answer"] == "accepted"
    assert _accept(api, db, person, intro_id).status_code == 200  # the same answer twice changes nothing
    changes = db.scalars(select(AuditEntry).where(AuditEntry.entity == "introduction", AuditEntry.entity_id == intro_id)
                         .order_by(AuditEntry.id)).all()
    assert [(a.action, (a.before or {}).get("answer")) for a in changes] == [
        ("create", None), ("declined", "unanswered"), ("accepted", "declined")]
    assert changes[-1].actor_id == person.user_id
    assert _accept(api, db, person, 999999).status_code == 404


def test_the_caseworker_sees_each_agencys_volumes_and_acceptance_rate(api, db, make, world, on_day):
    on_day("2020-07-15")
    busy, careful = make.user("agency"), make.user("agency")
    posting = make.posting(organisation=world.org, created_by=world.hr)
    people = [graduate(make) for _ in range(4)]
    for p in people:
        assert api(busy).post("/introductions", {"profile_id": p.id, "posting_id": posting.id}).status_code == 201
    intro_id = api(careful).post("/introductions", {"profile_id": people[0].id, "posting_id": posting.id}).json["id"]
    assert _accept(api, db, people[0], intro_id).status_code == 200
    busy_first = api(busy).get("/introductions").json["items"][-1]["id"]
    assert _accept(api, db, people[0], busy_first, "decline").status_code == 200
    r = api(world.cw).get("/introductions/agencies?days=7")
    assert r.status_code == 200 and r.json["days"] == 7
    rows = {i["organisation_id"]: i for i in r.json["items"]}
    b, c = rows[busy.organisation_id], rows[careful.organisation_id]
    assert (b["recorded"], b["today"], b["accepted"], b["declined"], b["unanswered"], b["acceptance_rate"]) == (
        4, 4, 0, 1, 3, 0.0)
    assert (c["recorded"], c["accepted"], c["acceptance_rate"]) == (1, 1, 1.0)
    assert r.json["items"][0]["organisation_id"] == busy.organisation_id  # the busiest first
    for bad in ("0", "367", "abc", "７"):
        r = api(world.cw).get(f"/introductions/agencies?days={bad}")
        assert r.status_code == 422 and r.json["error"]["field"] == "days", bad
    assert api(busy).get("/introductions/agencies").status_code == 403


def test_a_caseworker_records_the_answer_a_person_gave_by_phone_and_the_agency_is_paid(api, db, make, world, on_day):
    """A person without a smartphone tells the caseworker they take the introduction up: the
    caseworker records it (stamped now, how and what was said), the person is told, and the
    introduction counts for the agency as if the person had accepted it online."""
    on_day("2020-07-15")
    person, posting = _setup(db, make, world)
    agency = make.user("agency")
    intro_id = api(agency).post("/introductions", {"profile_id": person.id, "posting_id": posting.id}).json["id"]
    listed = api(world.cw).get(f"/profiles/{person.id}/introductions").json["items"]
    assert [(i["id"], i["answer"], i["can_answer"]) for i in listed] == [(intro_id, "unanswered", True)]

    r = api(world.cw).post(f"/introductions/{intro_id}/answer",
                           {"answer": "accepted", "channel": "phone", "note": "10:05 电话联系本人，本人表示愿意去"})
    assert r.status_code == 200, r.json
    assert (r.json["answer"], r.json["answered_via"]) == ("accepted", "phone") and r.json["answered_on"]
    told = db.scalars(select(Notification).where(Notification.user_id == person.user_id,
                                                 Notification.kind == "introduction").order_by(Notification.id)).all()
    assert len(told) == 2 and "经办人员根据您电话的答复，记录您接受了" in told[-1].text_zh
    assert "口罩生产线操作工" in told[-1].text_zh and told[-1].link == "/me/introductions"
    entry = db.scalars(select(AuditEntry).where(AuditEntry.entity == "introduction", AuditEntry.entity_id == intro_id)
                       .order_by(AuditEntry.id)).all()[-1]
    assert (entry.action, entry.actor_id, entry.reason) == ("accepted", world.cw.id, "10:05 电话联系本人，本人表示愿意去")
    assert entry.after["answered_via"] == "phone" and entry.before["answer"] == "unanswered"
    mine = api(db.get(User, person.user_id)).get("/me/introductions").json["items"][0]
    assert (mine["answer"], mine["answered_via"], mine["can_answer"]) == ("accepted", "phone", True)

    app_id = _hire_through_the_api(api, world, db.get(User, person.user_id), posting.id)
    r = _claim(api, agency, app_id)
    assert r.status_code == 201 and r.json["amount"] == "200.00", r.json
    assert r.json["facts"]["introduction_id"] == intro_id


def test_only_the_persons_caseworker_records_their_answer_and_only_before_they_approach(api, db, make, world, on_day):
    on_day("2020-07-15")
    person, posting = _setup(db, make, world)
    agency = make.user("agency")
    intro_id = api(agency).post("/introductions", {"profile_id": person.id, "posting_id": posting.id}).json["id"]
    body = {"answer": "accepted", "channel": "in_person", "note": "本人到窗口确认"}
    # the agency is the one the answer pays: it may not record it, nor the employer, nor the person this way
    for who in (agency, world.hr, db.get(User, person.user_id)):
        assert api(who).post(f"/introductions/{intro_id}/answer", body).status_code == 403
    assert api(world.cw_far).post(f"/introductions/{intro_id}/answer", body).status_code == 404  # not their district
    assert api(world.cw_far).get(f"/profiles/{person.id}/introductions").status_code == 404
    assert api(world.cw).post("/introductions/999999/answer", body).status_code == 404
    for bad, field in (({**body, "note": "  "}, "note"), ({**body, "channel": "wechat"}, "channel"),
                       ({**body, "answer": "maybe"}, "answer"), ({k: v for k, v in body.items() if k != "note"}, "note")):
        r = api(world.cw).post(f"/introductions/{intro_id}/answer", bad)
        assert r.status_code == 422 and r.json["error"]["field"] == field, (bad, r.json)
    db.expire_all()
    assert db.get(Introduction, intro_id).answer == "unanswered"  # nothing changed by the refusals
    # once the person applied, what they answer, or a caseworker records for them, decides nothing more
    assert api(db.get(User, person.user_id)).post(f"/postings/{posting.id}/applications", {}).status_code == 201
    r = api(world.cw).post(f"/introductions/{intro_id}/answer", body)
    assert r.status_code == 409 and r.json["error"]["field"] == "answer"
    assert api(world.cw).get(f"/profiles/{person.id}/introductions").json["items"][0]["can_answer"] is False
    db.expire_all()
    assert db.get(Introduction, intro_id).answer == "unanswered"


def test_the_service_refuses_what_the_form_cannot_send(db, make, world, on_day):
    """``answer_for`` checks its own input (the pages post forms, not the API's schema)."""
    on_day("2020-07-15")
    person, posting = _setup(db, make, world)
    agency = make.user("agency")
    intro = introductions.introduce(db, agency, person.id, posting.id, "", clock.today())
    for to, channel, note, field in (("accepted", "sms", "x", "channel"), ("yes", "phone", "x", "answer"),
                                     ("declined", "phone", "", "note")):
        try:
            introduction_answers.answer_for(db, world.cw, intro.id, to, channel, note)
        except Exception as exc:  # noqa: BLE001
            assert exc.field == field and exc.status == 422, exc
        else:
            raise AssertionError(f"{to}/{channel}/{note!r} was accepted")
    assert intro.answer == "unanswered" and intro.answered_via == ""
