"""政策找人: the periodic run tells each person what they may qualify for (R1, R8, R9) and
each employer of an intern near the one-third date (R4), once per rule and decision, at most
monthly, never after opting out; the caseworker's desk lists who may qualify and what they were told."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from marketplace.core import outreach
from marketplace.core.models import Application, ApplicationEvent, PolicyOutreach
from marketplace.core.tasks import policy_outreach
from marketplace.internships import agreements as internships
from marketplace.notifications.models import Notification
from marketplace.welfare import hard_to_employ


@pytest.fixture
def day(app):
    extra = app.config["MARKETPLACE"].extra
    saved = dict(extra)
    extra["TODAY"] = "2024-03-01"
    yield lambda d: extra.__setitem__("TODAY", d)
    extra.clear()
    extra.update(saved)


def _told(db, user):
    return [n.text_zh for n in db.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.kind == "policy_outreach").order_by(Notification.id))]


def test_a_graduate_in_the_cohort_is_told_of_the_internships_once(app, client, db, make, day):
    org = make.org(internship_base=True)
    make.posting(organisation=org, kind="internship", title="会计见习生", education_min=4)
    grad, old = make.user("person"), make.user("person")
    make.profile(user=grad, name="新毕业生", education=5, graduation_year=2023)
    make.profile(user=old, name="老毕业生", education=5, graduation_year=2021)
    with app.app_context():
        first = policy_outreach.run("2024-03-01")
        again = policy_outreach.run("2024-03-02")
    assert first["R1"] == 1 and again["R1"] == 0
    (text,) = _told(db, grad)
    assert "R1" in text and "1 个见习岗位" in text
    assert _told(db, old) == []  # outside the cohort: nothing to tell


def test_nobody_who_opted_out_is_told_but_the_caseworker_still_sees_them(client, db, make, day):
    make.org(internship_base=True)
    grad = make.user("person")
    p = make.profile(user=grad, name="不想打扰", education=5, graduation_year=2023)
    r = client.post("/api/v1/me/outreach", json={"opt_out": True}, headers=make.token(grad))
    assert r.status_code == 200 and r.json == {"opt_out": True}
    outreach.run(db, dt.date(2024, 3, 1))
    assert _told(db, grad) == []
    cw = make.user("caseworker", district="望花区")
    desk = client.get("/api/v1/caseworker/outreach?rule=R1", headers=make.token(cw)).json
    row = next(i for i in desk["items"] if i["profile_id"] == p.id)
    assert row["told"] is False and row["not_told_because"] == "opted_out" and "R1" in row["text_zh"]
    # another district's caseworker does not list them
    other = client.get("/api/v1/caseworker/outreach", headers=make.token(make.user("caseworker", district="新抚区")))
    assert p.id not in [i["profile_id"] for i in other.json["items"]]


def test_r8_and_r9_ask_the_caseworker_and_name_the_public_welfare_posts(db, make, day):
    org = make.org()
    make.posting(organisation=org, kind="public_welfare", title="社区保洁", skills=["保洁"])
    person = make.user("person")
    p = make.profile(user=person, name="周敏", categories=("zero_employment_family",))
    cw = make.user("caseworker", district="望花区")
    hard_to_employ.grant_hte(db, cw, p.id, "registered", note="认定证明 2024-001", today=dt.date(2024, 3, 1))
    told = outreach.run(db, dt.date(2024, 3, 1))
    assert told["R8"] == 1 and told["R9"] == 1
    texts = _told(db, person)
    assert any("R8" in t and "经办人确认" in t for t in texts)
    assert any("R9" in t and "1 个公益性岗位" in t for t in texts)


def test_a_changed_decision_waits_for_next_month(db, make, day):
    org = make.org(internship_base=True)
    make.posting(organisation=org, kind="internship")
    grad = make.user("person")
    make.profile(user=grad, education=5, graduation_year=2023)
    outreach.run(db, dt.date(2024, 3, 1))
    # a new decision fingerprint in the same month (e.g. a changed reason) is held back, then told next month
    db.execute(PolicyOutreach.__table__.update().values(decision="older-decision"))
    outreach.run(db, dt.date(2024, 3, 20))
    assert len(_told(db, grad)) == 1
    outreach.run(db, dt.date(2024, 4, 2))
    assert len(_told(db, grad)) == 2


def test_the_employer_is_told_when_an_interns_one_third_date_is_near(db, make, day):
    day("2020-03-01")  # R4 is in force until 2020-12-31
    org = make.org(internship_base=True)
    hr = make.user("employer", organisation=org)
    post = make.posting(organisation=org, created_by=hr, kind="internship", education_min=4)
    grad = make.user("person")
    p = make.profile(user=grad, name="李见习", education=5, graduation_year=2020, birth_on=dt.date(1998, 5, 1),
                     categories=("graduating_year_graduate",))
    app_ = Application(posting_id=post.id, profile_id=p.id, stage="hired")
    app_.events.append(ApplicationEvent(from_stage="offer", to_stage="hired", actor_id=hr.id))
    db.add(app_)
    db.flush()
    ag = internships.create_agreement(db, hr, "fushun-2020", app_.id, dt.date(2020, 3, 1), 6, dt.date(2020, 3, 1))
    assert ag is not None
    outreach.run(db, dt.date(2020, 3, 1))  # the one-third date is months away
    assert _told(db, hr) == []
    outreach.run(db, dt.date(2020, 6, 20))
    texts = _told(db, hr)
    assert len(texts) == 1 and "R4" in texts[0] and "李见习" in texts[0]


def test_an_employer_that_hired_someone_r6_grants_is_told_until_it_claims(client, db, make, day):
    day("2020-06-01")  # R6 is in force until 2020-12-31
    org = make.org()
    hr = make.user("employer", organisation=org)
    post = make.posting(organisation=org, created_by=hr)
    p = make.profile(name="王应届", education=5, graduation_year=2020, categories=("graduating_year_graduate",))
    hire = Application(posting_id=post.id, profile_id=p.id, stage="hired")
    hire.events.append(ApplicationEvent(from_stage="offer", to_stage="hired", actor_id=hr.id,
                                        at=dt.datetime(2020, 3, 1, 2, 0)))
    db.add(hire)
    db.flush()
    outreach.run(db, dt.date(2020, 6, 1))
    assert _told(db, hr) == []  # no contract or insurance on record yet: nothing R6 can grant
    h = make.token(hr)
    assert client.post(f"/api/v1/internships/hires/{hire.id}/contract", headers=h,
                       json={"signed_on": "2020-03-01", "months": 12, "note": "合同原件"}).status_code < 300
    assert client.post(f"/api/v1/internships/hires/{hire.id}/insurance", headers=h,
                       json={"monthly_amount": "800.00", "note": "缴费记录"}).status_code < 300
    outreach.run(db, dt.date(2020, 6, 1))
    (text,) = _told(db, hr)
    assert "R6" in text and "王应届" in text and "2400.00" in text
    r = client.post("/api/v1/internships/hire-claims", headers=h, json={
        "kind": "hiring_r6", "application_id": hire.id, "contract_on": "2020-03-01", "contract_months": 12,
        "monthly_social_insurance": "800.00", "submit": False})
    assert r.status_code == 201, r.json
    outreach.run(db, dt.date(2020, 7, 2))
    assert len(_told(db, hr)) == 1  # claimed: not told again


def test_the_caseworker_page_lists_per_rule_and_the_person_opts_out_on_a_page(client, db, make, day):
    make.org(internship_base=True)
    grad = make.user("person")
    make.profile(user=grad, name="新毕业生", education=5, graduation_year=2023)
    outreach.run(db, dt.date(2024, 3, 1))
    cw = make.user("caseworker", district="望花区")
    client.post("/login", data={"username": cw.username, "password": "secret-pass-1"})
    page = client.get("/caseworker/outreach?rule=R1").text
    assert "新毕业生" in page and "R1" in page and "政策找人" in page
    client.get("/logout")
    client.post("/login", data={"username": grad.username, "password": "secret-pass-1"})
    assert client.post("/me/outreach", data={"opt_out": "1"}).status_code == 303
    assert 'value="1" checked' in client.get("/me/outreach").text
    assert outreach.opted_out(db, grad)
