"""Two beat runs at once create each month's follow-up once; two caseworkers placing
people on the last place of a post place one. Real threads, separate connections,
PostgreSQL row locks and unique keys (SQLite serialises writers anyway)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from marketplace.core.models import AuditEntry, Organisation, Posting, Profile, User
from marketplace.errors import DomainError
from marketplace.welfare import followups, hard_to_employ, placements, registrations
from marketplace.welfare.models import FollowUp, HardToEmployStatus, Placement, Registration
from tests.conftest import PG_URL, Factories
from tests.races import race

pytestmark = pytest.mark.skipif(not PG_URL, reason="row-lock races need PostgreSQL: set MARKETPLACE_TEST_DATABASE_URL "
                                                   "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
DISTRICT = "新宾满族自治县"  # no other test uses it
TODAY = dt.date(2024, 6, 3)


@pytest.fixture
def committed(app, cipher):
    engine = app.extensions["db"].engine
    with Session(engine) as s:
        make = Factories(s, cipher)
        cws = [make.user("caseworker", district=DISTRICT) for _ in range(2)]
        org = make.org(district=DISTRICT, org_type="public_institution")
        post = make.posting(organisation=org, kind="public_welfare", district=DISTRICT, headcount=1, temporary=True,
                            term_months=6, skills=["保洁"])
        people = []
        for i in range(4):
            p = make.profile(district=DISTRICT, name=f"并发{i}", skills=["保洁"])
            registrations.register(s, cws[0], profile_id=p.id, basis="residence", district=DISTRICT,
                             registered_on=dt.date(2024, 1, 2 + i), today=dt.date(2024, 5, 1))
            hard_to_employ.grant_hte(s, cws[0], p.id, "registered", note="并发测试", today=dt.date(2024, 5, 1))
            people.append(p.id)
        ids = dict(cws=[c.id for c in cws], org=org.id, post=post.id, people=people,
                   creator=post.created_by_id)
        s.commit()
    yield engine, ids
    with Session(engine) as s:
        s.execute(delete(FollowUp).where(FollowUp.profile_id.in_(ids["people"])))
        s.execute(delete(Placement).where(Placement.profile_id.in_(ids["people"])))
        s.execute(delete(HardToEmployStatus).where(HardToEmployStatus.profile_id.in_(ids["people"])))
        s.execute(delete(Registration).where(Registration.profile_id.in_(ids["people"])))
        s.execute(delete(AuditEntry).where(AuditEntry.actor_id.in_(ids["cws"])))
        users = s.scalars(select(Profile.user_id).where(Profile.id.in_(ids["people"]))).all()
        s.execute(delete(Profile).where(Profile.id.in_(ids["people"])))
        s.execute(delete(Posting).where(Posting.id == ids["post"]))
        s.execute(delete(User).where(User.id.in_([*ids["cws"], *users, ids["creator"]])))
        s.execute(delete(Organisation).where(Organisation.id == ids["org"]))
        s.commit()




def test_two_beat_runs_at_once_create_each_task_once(committed):
    engine, ids = committed
    results = race(engine, lambda s, i: followups.create_month_follow_ups(s, TODAY))
    assert sum(results) == 4, results
    with Session(engine) as s:
        n = s.scalar(select(func.count()).select_from(FollowUp).where(FollowUp.profile_id.in_(ids["people"]),
                                                                        FollowUp.month == "2024-06"))
    assert n == 4


def test_two_caseworkers_fill_the_last_place_once(committed):
    engine, ids = committed

    def work(s, i):
        actor = s.get(User, ids["cws"][i])
        return placements.place(s, actor, ids["post"], ids["people"][i], fund="employment_subsidy_fund",
                             skip_reason="并发测试", today=TODAY).id

    results = race(engine, work)
    assert sum(isinstance(r, int) for r in results) == 1, results
    assert any(isinstance(r, DomainError) and r.status == 409 for r in results), results
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Placement).where(Placement.posting_id == ids["post"])) == 1
