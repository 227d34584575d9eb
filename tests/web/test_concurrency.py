"""Concurrency on PostgreSQL: two hires racing for the last place, and a double-submitted
application, each have exactly one effect. Real threads, real connections, real commits
(so these tests clean up after themselves instead of using the rolled-back fixture)."""
from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import delete, func, select

from marketplace.core import applications
from marketplace.core.models import Application, ApplicationEvent, AuditEntry, Organisation, Posting, Profile, User
from marketplace.errors import DomainError

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(
    not os.environ.get("MARKETPLACE_TEST_DATABASE_URL"),
    reason="row locks are tested on PostgreSQL: set MARKETPLACE_TEST_DATABASE_URL (scripts/test.sh does)")]


@pytest.fixture
def committed(app):
    """Committed rows for one test: an employer, a posting with one place, two people with
    offers; removed afterwards."""
    database = app.extensions["db"]
    with database.unit_of_work() as s:
        org = Organisation(name="并发测试公司", org_type="enterprise", district="望花区", credit_code="91350100M000100Y43",
                           is_internship_base=True, verification_status="verified")
        s.add(org)
        s.flush()
        hr = User(username="race_hr", password_hash="x", display_name="hr", role="employer", organisation_id=org.id)
        people = [User(username=f"race_p{i}", password_hash="x", display_name="p", role="person") for i in range(2)]
        s.add_all([hr, *people])
        s.flush()
        # an ordinary job: the race is for its last place (who may take an internship is R1's, tested elsewhere)
        post = Posting(organisation_id=org.id, created_by_id=hr.id, kind="job", title="最后一个名额",
                       description="只剩一个名额的岗位。", district="望花区", status="published", headcount=1)
        s.add(post)
        s.flush()
        profs = [Profile(user_id=u.id, name=f"竞争者{i}", gender="男", birth_on=__import__("datetime").date(2000, 1, 1),
                         district="望花区") for i, u in enumerate(people)]
        s.add_all(profs)
        s.flush()
        apps = [Application(posting_id=post.id, profile_id=p.id, stage="offer") for p in profs]
        s.add_all(apps)
        s.flush()
        ids = dict(org=org.id, hr=hr.id, people=[u.id for u in people], post=post.id, profs=[p.id for p in profs],
                   apps=[a.id for a in apps])
    yield ids
    with database.unit_of_work() as s:
        s.execute(delete(ApplicationEvent).where(ApplicationEvent.application_id.in_(
            select(Application.id).where(Application.posting_id == ids["post"]))))
        s.execute(delete(Application).where(Application.posting_id == ids["post"]))
        s.execute(delete(AuditEntry).where(AuditEntry.actor_id.in_([ids["hr"], *ids["people"]])))
        s.execute(delete(Profile).where(Profile.id.in_(ids["profs"])))
        s.execute(delete(Posting).where(Posting.id == ids["post"]))
        s.execute(delete(User).where(User.id.in_([ids["hr"], *ids["people"]])))
        s.execute(delete(Organisation).where(Organisation.id == ids["org"]))


def _race(fns):
    barrier = threading.Barrier(len(fns))
    results = [None] * len(fns)

    def run(i, fn):
        barrier.wait()
        try:
            results[i] = fn()
        except DomainError as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_hires_of_the_last_place_hire_exactly_one(app, committed):
    database = app.extensions["db"]

    def hire(app_id):
        def go():
            with database.unit_of_work() as s:
                actor = s.get(User, committed["hr"])
                return applications.move_stage(s, actor, app_id, "hired").stage
        return go

    results = _race([hire(a) for a in committed["apps"]])
    assert sorted(map(str, results)).count("hired") == 1, results
    assert any(isinstance(r, DomainError) and "places" in r.message_en for r in results)
    with database.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Application).where(
            Application.posting_id == committed["post"], Application.stage == "hired")) == 1


def test_a_double_submitted_application_counts_once(app, committed):
    database = app.extensions["db"]
    with database.unit_of_work() as s:  # the first person withdraws their offer row: a fresh apply will race
        s.execute(delete(ApplicationEvent).where(ApplicationEvent.application_id == committed["apps"][0]))
        s.execute(delete(Application).where(Application.id == committed["apps"][0]))

    def apply():
        with database.unit_of_work() as s:
            actor = s.get(User, committed["people"][0])
            return applications.apply(s, actor, committed["post"]).stage

    results = _race([apply, apply, apply])
    assert [str(r) for r in results].count("applied") == 1, results
    with database.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Application).where(
            Application.posting_id == committed["post"], Application.profile_id == committed["profs"][0])) == 1
