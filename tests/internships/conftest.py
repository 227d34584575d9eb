"""Fixtures of the internships area: a registered internship base in 望花区 with its HR
account, a 2020 graduate hired on an internship posting, and the district's caseworker."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from marketplace.core.models import Application, ApplicationEvent, ProfileCategory
from marketplace.internships.models import Introduction


def hire(db, make, org, hr, profile=None, kind="internship", **posting_kw):
    if profile is None:
        profile = graduate(make)
    posting = make.posting(organisation=org, created_by=hr, kind=kind, **posting_kw)
    app = Application(posting_id=posting.id, profile_id=profile.id, stage="hired")
    app.events.append(ApplicationEvent(from_stage="offer", to_stage="hired", actor_id=hr.id,
                                       at=dt.datetime(2020, 2, 20, 9, 0)))
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
