"""Abuse cases of R7 referral subsidies (issue 13, item 6: "referral squatting"): an agency
recorded 30 unsolicited introductions in a loop and was later credited with a hire the
person found alone. An introduction counts only once the person accepted it, before their
first approach to the posting; agencies have a daily limit; nothing the claimant types
names the introduction."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, update

from marketplace.core.models import Application, ApplicationEvent, User
from marketplace.internships import introductions
from marketplace.internships.models import Introduction, SubsidyClaim
from marketplace.notifications.models import Notification
from tests.internships.conftest import graduate


@pytest.fixture
def r7(app, db, make):
    """An epidemic-supply enterprise in 望花区 with its HR and an open posting, an HR agency,
    the district's caseworker; the business date inside R7's application window."""
    extra = app.config["MARKETPLACE"].extra
    saved = dict(extra)
    extra["TODAY"] = "2020-07-15"
    org = make.org(name="抚顺防护用品有限公司", district="望花区", is_epidemic_supply=True)
    hr = make.user("employer", organisation=org)
    posting = make.posting(organisation=org, created_by=hr, title="口罩生产线操作工")
    yield SimpleNamespace(org=org, hr=hr, posting=posting, agency=make.user("agency"),
                          cw=make.user("caseworker", district="望花区"))
    extra.clear()
    extra.update(saved)


@pytest.fixture
def call(client, make):
    """``call(user, "post", url, json)``: the JSON API with the user's token."""
    def go(user, method, url, json=None):
        return getattr(client, method)("/api/v1" + url, headers=make.token(user),
                                       **({"json": json or {}} if method == "post" else {}))
    return go


def _introduce(call, agency, profile, posting):
    return call(agency, "post", "/introductions", {"profile_id": profile.id, "posting_id": posting.id})


def _apply_and_hire(call, db, w, profile):
    """The person applies on their own; the employer hires them (the hire recorded on a 2020
    date, inside R7's window, as a real hire in the epidemic period would be)."""
    r = call(db.get(User, profile.user_id), "post", f"/postings/{w.posting.id}/applications", {"note": ""})
    assert r.status_code == 201, r.json
    app_id = r.json["id"]
    assert call(w.hr, "post", f"/applications/{app_id}/stage", {"stage": "hired"}).status_code == 200
    db.execute(update(ApplicationEvent).where(ApplicationEvent.application_id == app_id,
                                              ApplicationEvent.to_stage == "hired")
               .values(at=dt.datetime(2020, 3, 1, 9, 0)))
    # the employer records the contract and the make-up social insurance the claim is built on
    assert call(w.hr, "post", f"/internships/hires/{app_id}/contract",
                {"signed_on": "2020-03-01", "months": 12}).status_code == 201
    assert call(w.hr, "post", f"/internships/hires/{app_id}/insurance",
                {"monthly_amount": "1200.00", "makeup_paid_on": "2020-07-10"}).status_code == 201
    return app_id


def _claim(call, agency, app_id, **extra):
    body = {"kind": "referral_r7", "application_id": app_id}
    return call(agency, "post", "/internships/hire-claims", dict(body, **extra))


def test_thirty_unsolicited_introductions_in_a_loop_are_refused_past_the_daily_limit(call, db, make, r7):
    people = [graduate(make, name=f"求职者{n}") for n in range(30)]
    answers = [_introduce(call, r7.agency, p, r7.posting) for p in people]
    assert [r.status_code for r in answers] == [201] * 20 + [429] * 10
    refused = answers[20].json["error"]
    assert refused["code"] == "introduction_daily_limit" and refused["field"] == "profile_id"
    assert refused["message"]["en"].startswith("R7 refused") and "the limit is 20 a day" in refused["message"]["en"]
    assert "每日最多20条" in refused["message"]["zh"]
    # nothing of the refused ones was recorded, and their people were not pestered
    assert db.scalar(select(func.count(Introduction.id)).where(
        Introduction.organisation_id == r7.agency.organisation_id)) == 20
    assert db.scalar(select(func.count(Notification.id)).where(
        Notification.user_id.in_([p.user_id for p in people[20:]]))) == 0
    # another agency has its own limit; the next day this one may record again
    assert _introduce(call, make.user("agency"), people[25], r7.posting).status_code == 201
    for intro in db.scalars(select(Introduction).where(Introduction.organisation_id == r7.agency.organisation_id)):
        intro.created_at -= dt.timedelta(days=1)
    db.flush()
    assert _introduce(call, r7.agency, people[20], r7.posting).status_code == 201
    # the caseworker sees the burst and that nobody accepted
    figures = call(r7.cw, "get", "/introductions/agencies").json["items"]
    mine = next(f for f in figures if f["organisation_id"] == r7.agency.organisation_id)
    assert (mine["recorded"], mine["today"], mine["accepted"], mine["unanswered"]) == (21, 1, 0, 21)
    assert mine["acceptance_rate"] == 0.0


def test_an_introduction_never_accepted_does_not_credit_a_hire_the_person_found_alone(call, db, make, r7):
    person = graduate(make, name="李自找")
    assert _introduce(call, r7.agency, person, r7.posting).status_code == 201  # unsolicited, never answered
    app_id = _apply_and_hire(call, db, r7, person)
    r = _claim(call, r7.agency, app_id)
    assert r.status_code == 422, r.json
    msg = r.json["error"]["message"]
    assert msg["en"].startswith("R7 refused") and "never accepted" in msg["en"] and "本人未接受" in msg["zh"]
    assert r.json["error"]["field"] == "application_id"
    assert db.scalar(select(SubsidyClaim.id).where(SubsidyClaim.application_id == app_id)) is None
    # nor is it offered for a claim, nor shown to the employer as the agency's doing
    assert introductions.claimable_hires(db, r7.agency) == []
    assert introductions.credited(db, db.get(Application, app_id)) is None
    assert call(r7.agency, "get", "/introductions").json["items"][0]["counts"] is False


def test_a_declined_introduction_never_counts(call, db, make, r7):
    person = graduate(make)
    intro_id = _introduce(call, r7.agency, person, r7.posting).json["id"]
    r = call(db.get(User, person.user_id), "post", f"/me/introductions/{intro_id}/decline")
    assert r.status_code == 200 and r.json["answer"] == "declined"
    app_id = _apply_and_hire(call, db, r7, person)
    r = _claim(call, r7.agency, app_id)
    assert r.status_code == 422 and "declined" in r.json["error"]["message"]["en"]


def test_an_introduction_accepted_after_the_persons_own_application_does_not_count(call, db, make, r7):
    person = graduate(make)
    intro_id = _introduce(call, r7.agency, person, r7.posting).json["id"]
    app_id = _apply_and_hire(call, db, r7, person)
    # the person is not asked to "accept" after the fact: the answer would decide nothing
    r = call(db.get(User, person.user_id), "post", f"/me/introductions/{intro_id}/accept")
    assert r.status_code == 409 and r.json["error"]["field"] == "answer"
    assert db.get(Introduction, intro_id).answer == "unanswered"
    # and an acceptance stamped after the application (an import, a clock skew) counts for nothing
    app = db.get(Application, app_id)
    intro = db.get(Introduction, intro_id)
    intro.answer, intro.answered_at = "accepted", app.created_at + dt.timedelta(minutes=1)
    db.flush()
    r = _claim(call, r7.agency, app_id)
    assert r.status_code == 422
    assert "accepted only after the person's own first approach" in r.json["error"]["message"]["en"]
    assert "晚于本人首次应聘该岗位" in r.json["error"]["message"]["zh"]


def test_an_introduction_accepted_before_the_application_is_paid_and_then_stands(call, db, make, r7):
    person = graduate(make)
    user = db.get(User, person.user_id)
    intro_id = _introduce(call, r7.agency, person, r7.posting).json["id"]
    assert call(user, "post", f"/me/introductions/{intro_id}/accept").json["answer"] == "accepted"
    app_id = _apply_and_hire(call, db, r7, person)
    # once the person has applied, the acceptance stands: it cannot be withdrawn to undo the credit
    assert call(user, "post", f"/me/introductions/{intro_id}/decline").status_code == 409
    r = _claim(call, r7.agency, app_id)
    assert r.status_code == 201, r.json
    assert r.json["rule"] == "R7" and r.json["amount"] == "200.00" and r.json["facts"]["introduction_id"] == intro_id


def test_the_claim_cannot_name_its_own_introduction(call, db, make, r7):
    """The introduction comes from the record: a typed introduction id is refused as input."""
    person = graduate(make)
    other = graduate(make)
    mine = _introduce(call, r7.agency, other, r7.posting).json["id"]
    call(db.get(User, other.user_id), "post", f"/me/introductions/{mine}/accept")
    app_id = _apply_and_hire(call, db, r7, person)
    r = _claim(call, r7.agency, app_id, introduction_id=mine)
    assert r.status_code == 422 and r.json["error"]["field"] == "introduction_id"
    assert _claim(call, r7.agency, app_id).status_code == 404  # never introduced this person: none of its business


def test_only_the_person_answers_their_introduction(call, db, make, r7):
    person, someone_else = graduate(make), graduate(make)
    intro_id = _introduce(call, r7.agency, person, r7.posting).json["id"]
    assert call(db.get(User, someone_else.user_id), "post", f"/me/introductions/{intro_id}/accept").status_code == 404
    assert call(r7.agency, "post", f"/me/introductions/{intro_id}/accept").status_code == 403
    assert call(r7.hr, "post", f"/me/introductions/{intro_id}/accept").status_code == 403
    assert db.get(Introduction, intro_id).answer == "unanswered"


def test_a_referral_claim_made_before_the_fix_on_an_unaccepted_introduction_is_not_approved(call, db, make, r7):
    """A claim submitted on the old rules (its introduction recorded before the application,
    never accepted): the caseworker's review reads the introduction record and refuses."""
    person = graduate(make)
    intro_id = _introduce(call, r7.agency, person, r7.posting).json["id"]
    app_id = _apply_and_hire(call, db, r7, person)
    claim = SubsidyClaim(kind="referral_r7", organisation_id=r7.agency.organisation_id, profile_id=person.id,
                         application_id=app_id, state="submitted", amount=Decimal("200.00"), rule="R7",
                         facts={"hire_on": "2020-03-01", "contract_months": 12, "makeup_insurance_on": "2020-07-10",
                                "introduction_id": intro_id}, once_key=f"referral_r7:{app_id}",
                         submitted_on=dt.date(2020, 7, 15), created_by_id=r7.agency.id)
    db.add(claim)
    db.flush()
    review = call(r7.cw, "get", f"/internships/claims/{claim.id}").json["review"]
    assert review["allowed"] is False and "never accepted" in review["reason_en"]
    r = call(r7.cw, "post", f"/internships/claims/{claim.id}/approve", {"note": ""})
    assert r.status_code == 422 and "never accepted" in r.json["error"]["message"]["en"]
    assert db.get(SubsidyClaim, claim.id).state == "submitted"
