"""Fixtures of the internships area: a registered internship base in 望花区 with its HR
account, a 2020 graduate hired on an internship posting, and the district's caseworker."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from marketplace.core.models import Application, ApplicationEvent, ProfileCategory, User
from marketplace.internships.models import Introduction


def hire(db, make, org, hr, profile=None, kind="internship", on=dt.date(2020, 2, 20), **posting_kw):
    """A hire recorded on ``on`` (the hire event is what hiring subsidies read as the hire date)."""
    if profile is None:
        profile = graduate(make)
    posting = make.posting(organisation=org, created_by=hr, kind=kind, **posting_kw)
    app = Application(posting_id=posting.id, profile_id=profile.id, stage="hired")
    app.events.append(ApplicationEvent(from_stage="offer", to_stage="hired", actor_id=hr.id,
                                       at=dt.datetime.combine(on, dt.time(1, 0))))
    db.add(app)
    db.flush()
    return app


def graduate(make, year=2020, **kw):
    p = make.profile(education=5, graduation_year=year, birth_on=dt.date(1998, 5, 1), **kw)
    p.categories.append(ProfileCategory(category="graduating_year_graduate"))
    make.s.flush()
    return p


@pytest.fixture
def world(db, make):
    org = make.org(name="抚顺见习基地有限公司", district="望花区")
    hr = make.user("employer", organisation=org)
    app = hire(db, make, org, hr)
    other_org = make.org(name="另一家公司", district="望花区")
    other_hr = make.user("employer", organisation=other_org)
    cw = make.user("caseworker", district="望花区")
    cw_far = make.user("caseworker", district="新抚区")
    return SimpleNamespace(org=org, hr=hr, app=app, profile=app.profile, other_org=other_org, other_hr=other_hr,
                           cw=cw, cw_far=cw_far, admin=make.user("admin"))


@pytest.fixture
def api(client, make):
    """``api(user).post(url, json)`` with a token, returning the response."""
    class Caller:
        def __init__(self, user):
            self.h = make.token(user)

        def get(self, url, **kw):
            return client.get("/api/v1" + url, headers=self.h, **kw)

        def post(self, url, json=None):
            return client.post("/api/v1" + url, headers=self.h, json=json if json is not None else {})

    return Caller


@pytest.fixture
def on_day(app):
    """Pin the business date: ``on_day("2020-08-20")``."""
    extra = app.config["MARKETPLACE"].extra
    saved = dict(extra)

    def set_day(day: str):
        extra["TODAY"] = day

    yield set_day
    extra.clear()
    extra.update(saved)


def introduced(db, agency, app):
    """Record that ``agency`` introduced the hire's person to its posting and the person
    accepted it before they applied (what a referral claim rests on); the API's own path is
    tested in test_introductions."""
    intro = Introduction(organisation_id=agency.organisation_id, profile_id=app.profile_id, posting_id=app.posting_id,
                         created_by_id=agency.id, created_at=app.created_at - dt.timedelta(days=1),
                         answer="accepted", answered_at=app.created_at - dt.timedelta(hours=12))
    db.add(intro)
    db.flush()
    return intro


def hired_on(db, app_id, on):
    """Date an application's hire event (a hire made through the site is recorded at the real
    time, while these tests run on a pinned 2020 business date)."""
    for ev in db.scalars(select(ApplicationEvent).where(ApplicationEvent.application_id == app_id,
                                                        ApplicationEvent.to_stage == "hired")):
        ev.at = dt.datetime.combine(on, dt.time(1, 0))
    if not db.scalar(select(ApplicationEvent.id).where(ApplicationEvent.application_id == app_id,
                                                       ApplicationEvent.to_stage == "hired")):
        db.add(ApplicationEvent(application_id=app_id, from_stage="offer", to_stage="hired",
                                at=dt.datetime.combine(on, dt.time(1, 0))))
    db.flush()


def hire_records(api, hr, app_id, contract_on="2020-07-01", months=12, monthly="1200.00", makeup=None):
    """The employer records the hire's labour contract and declares its social insurance."""
    r = api(hr).post(f"/internships/hires/{app_id}/contract", {"signed_on": contract_on, "months": months})
    assert r.status_code == 201, r.json
    body = {"monthly_amount": monthly} | ({"makeup_paid_on": makeup} if makeup else {})
    r = api(hr).post(f"/internships/hires/{app_id}/insurance", body)
    assert r.status_code == 201, r.json
    return r.json


def confirm_hire_records(api, cw, app_id):
    """The caseworker checks the contract and the social insurance against the paperwork."""
    for record in ("contract", "insurance"):
        r = api(cw).post(f"/internships/hires/{app_id}/confirmation",
                         {"record": record, "note": "核对了劳动合同原件和社保缴费记录"})
        assert r.status_code == 200, r.json


def confirm_agreement(api, db, profile, agreement_id):
    """The intern confirms what the unit recorded."""
    r = api(db.get(User, profile.user_id)).post(f"/internships/agreements/{agreement_id}/confirmation", {})
    assert r.status_code == 200 and r.json["confirmation"]["state"] == "confirmed", r.json
