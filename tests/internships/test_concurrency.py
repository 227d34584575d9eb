"""Two caseworkers approving the same claim at the same moment, and an employer who
double-submits, pay once: real threads, separate connections, PostgreSQL row locks and
unique keys. SQLite serialises writers anyway, so these run on PostgreSQL only."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.core.models import (
    Application,
    ApplicationEvent,
    AuditEntry,
    Organisation,
    Posting,
    Profile,
    ProfileCategory,
    User,
)
from marketplace.errors import DomainError
from marketplace.internships import agreements as internships
from marketplace.internships import claims, facts, introductions, review
from marketplace.internships.models import (
    FactConfirmation,
    InsuranceDeclaration,
    InternshipAgreement,
    Introduction,
    LabourContract,
    Overpayment,
    SubsidyClaim,
)
from marketplace.notifications.models import Notification
from tests.conftest import PG_URL, Factories
from tests.races import race

pytestmark = pytest.mark.skipif(not PG_URL, reason="row-lock races need PostgreSQL: set MARKETPLACE_TEST_DATABASE_URL "
                                                   "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
DISTRICT = "清原满族自治县"  # no other test uses it, so committed rows here meet no other test


@pytest.fixture
def committed(app, cipher):
    """A base, its HR, a caseworker and a hired graduate, committed for real (threads need to
    see them), removed afterwards."""
    engine = app.extensions["db"].engine
    with Session(engine) as s:
        make = Factories(s, cipher)
        org = make.org(district=DISTRICT)
        hr = make.user("employer", organisation=org)
        cws = [make.user("caseworker", district=DISTRICT) for _ in range(2)]
        prof = make.profile(education=5, graduation_year=2020, district=DISTRICT)
        prof.categories.append(ProfileCategory(category="graduating_year_graduate"))
        posting = make.posting(organisation=org, created_by=hr, kind="internship")
        job = make.posting(organisation=org, created_by=hr, kind="job")
        apps = []
        for p in (posting, job):
            a = Application(posting_id=p.id, profile_id=prof.id, stage="hired")
            a.events.append(ApplicationEvent(from_stage="offer", to_stage="hired", actor_id=hr.id,
                                             at=dt.datetime(2020, 3, 1)))
            s.add(a)
            apps.append(a)
        s.flush()
        ag = internships.create_agreement(s, hr, "fushun-2020", apps[0].id, dt.date(2020, 3, 1), 6)
        # What claims rest on, confirmed by a caseworker (issue 13, finding 3): the agreement, and
        # the job hire's contract and social insurance.
        facts.add_confirmation(s, cws[0], "agreement", ag, "confirmed", "核对了考勤记录")
        contract = LabourContract(application_id=apps[1].id, organisation_id=org.id, profile_id=prof.id,
                                  signed_on=dt.date(2020, 7, 1), months=12)
        insurance = InsuranceDeclaration(application_id=apps[1].id, organisation_id=org.id, profile_id=prof.id,
                                         monthly_amount=Decimal("1200.00"))
        s.add_all([contract, insurance])
        s.flush()
        facts.add_confirmation(s, cws[0], "contract", contract, "confirmed", "核对了合同原件")
        facts.add_confirmation(s, cws[0], "insurance", insurance, "confirmed", "核对了社保缴费明细")
        ids = dict(org=org.id, hr=hr.id, cws=[c.id for c in cws], profile=prof.id, agreement=ag.id,
                   job_app=apps[1].id, postings=[posting.id, job.id], apps=[a.id for a in apps])
        s.commit()
    yield engine, ids
    with Session(engine) as s:
        claim_ids = s.scalars(select(SubsidyClaim.id).where(SubsidyClaim.organisation_id == ids["org"])).all()
        s.execute(delete(AuditEntry).where(AuditEntry.entity == "subsidy_claim", AuditEntry.entity_id.in_(claim_ids)))
        s.execute(delete(AuditEntry).where(AuditEntry.entity == "internship_agreement",
                                           AuditEntry.entity_id == ids["agreement"]))
        s.execute(delete(Overpayment).where(Overpayment.organisation_id == ids["org"]))
        s.execute(delete(SubsidyClaim).where(SubsidyClaim.organisation_id == ids["org"]))
        s.execute(delete(FactConfirmation).where(FactConfirmation.by_id.in_(ids["cws"])))
        s.execute(delete(AuditEntry).where(AuditEntry.entity.in_(("agreement_facts", "contract_facts", "insurance_facts")),
                                           AuditEntry.actor_id.in_(ids["cws"])))
        s.execute(delete(LabourContract).where(LabourContract.organisation_id == ids["org"]))
        s.execute(delete(InsuranceDeclaration).where(InsuranceDeclaration.organisation_id == ids["org"]))
        s.execute(delete(InternshipAgreement).where(InternshipAgreement.id == ids["agreement"]))
        s.execute(delete(Application).where(Application.id.in_(ids["apps"])))
        s.execute(delete(Posting).where(Posting.id.in_(ids["postings"])))
        s.execute(delete(Profile).where(Profile.id == ids["profile"]))
        s.execute(delete(User).where(User.id.in_([ids["hr"], *ids["cws"]])))
        s.execute(delete(User).where(User.organisation_id == ids["org"]))
        s.execute(delete(Organisation).where(Organisation.id == ids["org"]))
        s.commit()




def test_two_caseworkers_approving_at_once_pay_once(committed):
    engine, ids = committed
    with Session(engine) as s:
        hr = s.get(User, ids["hr"])
        claim_id = claims.create_internship_claim(s, hr, ids["agreement"], dt.date(2020, 6, 1)).id
        s.commit()

    def approve(s, i):
        cw = s.get(User, ids["cws"][i])
        return review.approve_claim(s, cw, claim_id, "fushun-2020", dt.date(2020, 6, 2), f"经办人{i}").state

    results = race(engine, approve)
    assert sorted(map(str, results)).count("approved") == 1, results
    refused = next(r for r in results if r != "approved")
    assert isinstance(refused, DomainError) and refused.status == 409
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.entity == "subsidy_claim", AuditEntry.entity_id == claim_id,
            AuditEntry.action == "approved")) == 1


def test_an_employer_double_submitting_is_paid_once(committed):
    engine, ids = committed

    def submit(s, i):
        return claims.create_internship_claim(s, s.get(User, ids["hr"]), ids["agreement"], dt.date(2020, 6, 1)).amount

    results = race(engine, submit)
    assert sorted(r for r in results if isinstance(r, Decimal)) == [Decimal("4500.00")], results
    with Session(engine) as s:
        total = s.scalar(select(func.sum(SubsidyClaim.amount)).where(SubsidyClaim.agreement_id == ids["agreement"]))
        assert total == Decimal("4500.00")


def test_a_hiring_claim_double_submitted_is_paid_once(committed):
    engine, ids = committed

    def submit(s, i):  # the facts are the records' (the fixture's contract and insurance)
        return claims.create_hire_claim(s, s.get(User, ids["hr"]), "fushun-2020", "hiring_r6", ids["job_app"],
                                        {}, dt.date(2020, 8, 1)).amount

    results = race(engine, submit)
    assert [r for r in results if isinstance(r, Decimal)] == [Decimal("3600.00")], results
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(SubsidyClaim).where(
            SubsidyClaim.application_id == ids["job_app"])) == 1


def test_two_approvals_at_once_offset_an_overpayment_once(committed):
    """An open overpayment of the organisation and two of its claims approved at the same
    moment: it is withheld once, from one of them."""
    engine, ids = committed
    with Session(engine) as s:
        hr = s.get(User, ids["hr"])
        first = claims.create_internship_claim(s, hr, ids["agreement"], dt.date(2020, 6, 1))
        second = claims.create_hire_claim(s, hr, "fushun-2020", "hiring_r6", ids["job_app"], {}, dt.date(2020, 8, 1))
        s.add(Overpayment(organisation_id=ids["org"], profile_id=ids["profile"], claim_id=first.id, rule="R2",
                          amount=Decimal("100.00"), outstanding=Decimal("100.00"), cause="outcome"))
        claim_ids = [first.id, second.id]
        s.commit()

    def approve(s, i):
        return review.approve_claim(s, s.get(User, ids["cws"][i]), claim_ids[i], "fushun-2020", dt.date(2020, 8, 2),
                                    "核对无误").withheld

    results = race(engine, approve)
    assert sorted(results) == [Decimal("0.00"), Decimal("100.00")], results
    with Session(engine) as s:
        op = s.scalars(select(Overpayment).where(Overpayment.organisation_id == ids["org"])).one()
        assert op.state == "settled" and op.outstanding == 0 and len(op.offsets) == 1
        s.execute(delete(AuditEntry).where(AuditEntry.entity == "overpayment", AuditEntry.entity_id == op.id))
        s.commit()


def test_an_introduction_sent_twice_at_once_is_recorded_once(committed, cipher):
    """An agency's form sent twice (a double tap on a slow phone): one introduction, one
    notification to the person; the other request is told it exists already."""
    engine, ids = committed
    with Session(engine) as s:
        make = Factories(s, cipher)
        agency = make.user("agency")
        posting = make.posting(organisation=s.get(Organisation, ids["org"]), created_by=s.get(User, ids["hr"]))
        person_user = s.get(Profile, ids["profile"]).user_id
        made = dict(agency=agency.id, agency_org=agency.organisation_id, posting=posting.id)
        s.commit()
    try:
        def introduce(s, i):
            return introductions.introduce(s, s.get(User, made["agency"]), ids["profile"], made["posting"], "",
                                           clock.today()).id

        results = race(engine, introduce)
        assert len([r for r in results if isinstance(r, int)]) == 1, results
        refused = next(r for r in results if not isinstance(r, int))
        assert isinstance(refused, DomainError) and refused.status == 409, refused
        with Session(engine) as s:
            assert s.scalar(select(func.count()).select_from(Introduction).where(
                Introduction.posting_id == made["posting"])) == 1
            assert s.scalar(select(func.count()).select_from(Notification).where(
                Notification.user_id == person_user, Notification.kind == "introduction")) == 1
    finally:
        with Session(engine) as s:
            intro_ids = s.scalars(select(Introduction.id).where(Introduction.posting_id == made["posting"])).all()
            s.execute(delete(AuditEntry).where(AuditEntry.entity == "introduction", AuditEntry.entity_id.in_(intro_ids)))
            s.execute(delete(Notification).where(Notification.user_id == person_user))
            s.execute(delete(Introduction).where(Introduction.posting_id == made["posting"]))
            s.execute(delete(Posting).where(Posting.id == made["posting"]))
            s.execute(delete(User).where(User.id == made["agency"]))
            s.execute(delete(Organisation).where(Organisation.id == made["agency_org"]))
            s.commit()
