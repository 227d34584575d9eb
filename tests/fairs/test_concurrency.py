"""Two desks running an allocation round at the same moment, and two desks checking in the same
walk-in, on PostgreSQL with real threads and separate connections: the fair's row lock makes
the rounds take turns (no seat given twice), the unique registration keeps one check-in.
SQLite serialises writers anyway, so these run on PostgreSQL only."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.core.models import AuditEntry, Organisation, Posting, Profile, User
from marketplace.errors import DomainError
from marketplace.fairs import checkin, interviews
from marketplace.fairs.models import Booth, Fair, FairRegistration, Interview
from tests.conftest import PG_URL, Factories
from tests.races import race

pytestmark = pytest.mark.skipif(not PG_URL, reason="row-lock races need PostgreSQL: set MARKETPLACE_TEST_DATABASE_URL "
                                                   "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
DISTRICT = "新宾满族自治县"


@pytest.fixture
def committed(app, cipher):
    engine = app.extensions["db"].engine
    with Session(engine) as s:
        make = Factories(s, cipher)
        organiser = make.user("organiser")
        org = make.org(district=DISTRICT)
        hr = make.user("employer", organisation=org)
        post = make.posting(organisation=org, created_by=hr)
        fair = Fair(organiser_id=organiser.id, name="并发测试", held_on=clock.today(), venue="v",
                    slots=["09:00-09:30", "09:30-10:00"])
        s.add(fair)
        s.flush()
        booth = Booth(fair_id=fair.id, organisation_id=org.id, status="approved", posting_ids=[post.id],
                      recruiters=1, per_slot=1, created_by_id=hr.id)
        s.add(booth)
        s.flush()
        profs = []
        for k in range(3):
            p = make.profile(name=f"并发{k}", district=DISTRICT, id_number_hash=f"hash-{fair.id}-{k}")
            s.add(FairRegistration(fair_id=fair.id, profile_id=p.id, checked_in_at=clock.now_utc()))
            s.add(Interview(fair_id=fair.id, booth_id=booth.id, profile_id=p.id, requested_by="person",
                            score=float(k)))
            profs.append(p)
        walk_in = make.profile(name="散客", district=DISTRICT, id_number_hash=cipher.blind_index(f"WALKIN{fair.id}"))
        ids = dict(organiser=organiser.id, org=org.id, hr=hr.id, post=post.id, fair=fair.id, booth=booth.id,
                   profiles=[p.id for p in profs] + [walk_in.id], users=[p.user_id for p in profs + [walk_in]])
        s.commit()
    yield engine, ids
    with Session(engine) as s:
        reg_ids = s.scalars(select(FairRegistration.id).where(FairRegistration.fair_id == ids["fair"])).all()
        s.execute(delete(AuditEntry).where(AuditEntry.entity == "fair", AuditEntry.entity_id == ids["fair"]))
        s.execute(delete(AuditEntry).where(AuditEntry.entity == "fair_registration", AuditEntry.entity_id.in_(reg_ids)))
        s.execute(delete(Interview).where(Interview.fair_id == ids["fair"]))
        s.execute(delete(FairRegistration).where(FairRegistration.fair_id == ids["fair"]))
        s.execute(delete(Booth).where(Booth.fair_id == ids["fair"]))
        s.execute(delete(Fair).where(Fair.id == ids["fair"]))
        s.execute(delete(Posting).where(Posting.id == ids["post"]))
        s.execute(delete(Profile).where(Profile.id.in_(ids["profiles"])))
        s.execute(delete(User).where(User.id.in_([ids["organiser"], ids["hr"], *ids["users"]])))
        s.execute(delete(Organisation).where(Organisation.id == ids["org"]))
        s.commit()




def test_two_allocation_rounds_at_once_give_each_seat_once(committed):
    engine, ids = committed

    def work(s, i):
        return interviews.run_allocation(s, s.get(User, ids["organiser"]), ids["fair"])

    results = race(engine, work)
    assert all(isinstance(r, dict) for r in results), results
    with Session(engine) as s:
        confirmed = list(s.scalars(select(Interview).where(Interview.fair_id == ids["fair"],
                                                           Interview.status == "confirmed")))
    assert len(confirmed) == 2 and sorted(i.slot for i in confirmed) == [0, 1]  # one recruiter, two slots
    assert sorted(r["assigned"] for r in results) == [0, 2]  # the second round found nothing left to do


def test_two_desks_checking_in_the_same_walk_in_make_one_registration(committed, app, cipher):
    engine, ids = committed

    def work(s, i):
        return checkin.check_in(s, s.get(User, ids["organiser"]), cipher, "secret", ids["fair"],
                              id_number=f"WALKIN{ids['fair']}").id

    results = race(engine, work)
    assert len({r for r in results if isinstance(r, int)}) == 1 or any(
        isinstance(r, DomainError) for r in results), results
    with Session(engine) as s:
        regs = list(s.scalars(select(FairRegistration).where(FairRegistration.fair_id == ids["fair"],
                                                             FairRegistration.profile_id == ids["profiles"][-1])))
    assert len(regs) == 1 and regs[0].checked_in_at is not None


def test_a_person_asking_and_the_booth_inviting_at_once_make_one_interview(committed):
    engine, ids = committed
    with Session(engine) as s:
        s.execute(delete(Interview).where(Interview.fair_id == ids["fair"]))
        s.commit()
    person = ids["users"][0]

    def work(s, i):
        if i == 0:
            return interviews.request_interview(s, s.get(User, person), None, ids["fair"], ids["booth"]).id
        return interviews.invite(s, s.get(User, ids["hr"]), None, ids["fair"], ids["booth"], ids["profiles"][0]).id

    results = race(engine, work)
    assert all(isinstance(r, int) for r in results), results
    with Session(engine) as s:
        rows = list(s.scalars(select(Interview).where(Interview.fair_id == ids["fair"])))
    assert len(rows) == 1 and rows[0].status == "requested"
