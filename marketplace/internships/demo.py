"""Demo data of the internships area, through the same operations the pages use.

* Internships for the demo employer (username ``employer``), dated relative to the business
  date of the load (the POLICY.md section 6 example moved so that its last event lies just
  before today): the graduate's agreement (an epidemic interruption, an early contract paying
  the full period under R4), two more interns, claims in several states; and one intern in
  the last third of the agreed period today, so the employer can record an early labour
  contract today, see R4's full-period answer and claim it. Every amount comes from the
  policy engine (the city's set in force: the demo's training set).
* A registered-unemployed person hired by the demo employer in the last weeks, on whom an
  R6 hiring claim can be made.
* The demo HR agency (username ``agency``): 抚顺市人力资源服务有限公司 has introduced two
  job seekers to other employers' open postings. One of them applied afterwards and was
  hired (the employer recorded the contract and declared the social insurance), so the
  agency's claims page offers that hire for a referral subsidy (R7), and the policy engine
  answers whether it is paid on the business date; the other introduction has
  not led to an application yet (its result is under ``"introductions"``).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from marketplace import hooks, policies
from marketplace.core import applications
from marketplace.core.demo import PASSWORD, _credit_code
from marketplace.core.models import Application, ApplicationEvent, Organisation, Posting, Profile, ProfileCategory, User
from marketplace.crypto import Cipher
from marketplace.internships import agreements as internships
from marketplace.internships import changes, claims, facts, introduction_answers, introductions, reminders, review
from marketplace.internships.models import InternshipAgreement
from marketplace.policy import add_months as pol_add_months

AGENCY = "抚顺市人力资源服务有限公司"


def _hire(session: Session, posting: Posting, profile: Profile, hr: User, on: dt.date) -> Application:
    app = session.scalar(select(Application).where(Application.posting_id == posting.id,
                                                   Application.profile_id == profile.id))
    if app is None:
        app = Application(posting_id=posting.id, profile_id=profile.id, stage="applied")
        app.events.append(ApplicationEvent(from_stage=None, to_stage="applied", actor_id=profile.user_id,
                                           at=dt.datetime.combine(on - dt.timedelta(days=14), dt.time(9))))
        session.add(app)
    app.events.append(ApplicationEvent(from_stage=app.stage, to_stage="hired", actor_id=hr.id,
                                       at=dt.datetime.combine(on - dt.timedelta(days=3), dt.time(10)), note="演示数据"))
    app.stage = "hired"
    hooks.hired.send(session, application=app, actor=hr, on=on - dt.timedelta(days=3))
    session.flush()
    return app


def load(session: Session, cipher: Cipher, today: dt.date) -> dict:
    out = _internships(session, today)
    out["introductions"] = _introductions(session, today)
    return out


#: the section 6 example's last demo event, moved to just before the day of the load
_EXAMPLE_END = dt.date(2020, 11, 25)


def _internships(session: Session, today: dt.date) -> dict:
    shift = today - _EXAMPLE_END

    def d(y: int, m: int, day: int) -> dt.date:
        """A date of the 2020 example, moved to the present."""
        return dt.date(y, m, day) + shift

    hr = session.scalar(select(User).where(User.username == "employer"))
    graduate = session.scalar(select(Profile).join(User, User.id == Profile.user_id).where(User.username == "graduate"))
    if hr is None or graduate is None:
        return {"loaded": False, "reason": "demo employer or graduate missing"}
    if session.scalar(select(InternshipAgreement.id).where(InternshipAgreement.organisation_id == hr.organisation_id)):
        return {"loaded": False, "reason": "demo internships already present"}
    posting = session.scalar(select(Posting).where(Posting.organisation_id == hr.organisation_id,
                                                   Posting.kind == "internship").order_by(Posting.id))
    if posting is None:
        return {"loaded": False, "reason": "the demo employer has no internship posting"}
    policy = policies.active_name()
    reviewer = session.scalar(select(User).where(User.role == "caseworker",
                                                 User.district == hr.organisation.district).order_by(User.id))

    # 1. The graduate: section 6 example. Monthly claim approved and paid, R4 top-up waiting.
    a = internships.create_agreement(session, hr, policy, _hire(session, posting, graduate, hr, d(2020, 3, 1)).id,
                                     d(2020, 3, 1), 6)
    internships.record_interruption(session, hr, a.id, d(2020, 3, 10), d(2020, 4, 9), "epidemic",
                                    "疫情防控期间停工")
    # The intern confirms on their page what the unit recorded (start, period, the pause):
    # a claim on it is approved only then (issue 13, finding 3).
    facts.confirm(session, session.get(User, graduate.user_id), "agreement", a.id, "confirmed", "")
    first = claims.create_internship_claim(session, hr, a.id, d(2020, 6, 1))
    if reviewer is not None:
        review.approve_claim(session, reviewer, first.id, policy, d(2020, 6, 10), "材料齐全")
        review.mark_paid(session, reviewer, first.id)
    internships.end_agreement(session, hr, a.id, "contract", d(2020, 8, 20), d(2020, 8, 20), "签订三年劳动合同")
    # The R4 top-up waits in the review queue until the intern (or a caseworker) confirms the contract outcome.
    claims.create_internship_claim(session, hr, a.id, d(2020, 8, 25))

    # 2. Two more interns: one running without claims, one who left early (claim rejected, a draft).
    years = today.year - 2020  # the demo's people were moved by as many years (core.demo)
    others = [p for p in session.scalars(select(Profile).where(Profile.id != graduate.id, Profile.education >= 4,
                                                               Profile.graduation_year.in_((2020 + years, 2021 + years)))
                                         .order_by(Profile.id))
              if internships.cohorts_of(p, d(2020, 5, 1)) and internships.cohorts_of(p, pol_add_months(today, -5))][:3]
    out = {"agreements": 1, "claims": 2}
    if len(others) >= 1:
        b = internships.create_agreement(session, hr, policy, _hire(session, posting, others[0], hr,
                                                                    d(2020, 6, 1)).id, d(2020, 6, 1), 6)
        internships.record_interruption(session, hr, b.id, d(2020, 7, 1), d(2020, 7, 3), "sick_leave", "病假")
        out["agreements"] += 1
    if len(others) >= 2:
        c = internships.create_agreement(session, hr, policy, _hire(session, posting, others[1], hr,
                                                                    d(2020, 5, 1)).id, d(2020, 5, 1), 6)
        internships.end_agreement(session, hr, c.id, "left", d(2020, 7, 15), d(2020, 7, 15), "个人原因离开")
        rejected = claims.create_internship_claim(session, hr, c.id, d(2020, 7, 20))
        if reviewer is not None:
            review.reject_claim(session, reviewer, rejected.id, "缺少考勤记录，请补充后重新申领")
        claims.create_internship_claim(session, hr, c.id, d(2020, 7, 25), submit=False)
        out["agreements"] += 1
        out["claims"] += 2
    if len(others) >= 3:
        # In the last third of the agreed period today: an early contract today earns the full period (R4).
        start = pol_add_months(today, -5) + dt.timedelta(days=3)
        e = internships.create_agreement(session, hr, policy, _hire(session, posting, others[2], hr, start).id, start, 6)
        out["agreements"] += 1
        out["early_contract_today"] = e.id
    out["r6_hire"] = _r6_hire(session, hr, today)
    out["notifications"] = [reminders.run_reminders(session, d(2020, 8, 20)),
                            reminders.run_reminders(session, d(2020, 11, 20))]
    session.flush()
    return out


def _r6_hire(session: Session, hr: User, today: dt.date) -> int | None:
    """A confirmed registered-unemployed person (unemployed for over half a year) hired by the
    demo employer a fortnight ago: the hire an R6 hiring claim is made on."""
    posting = session.scalar(select(Posting).where(Posting.organisation_id == hr.organisation_id)
                             .order_by(Posting.id.desc()))
    taken = select(Application.profile_id).where(Application.posting_id == posting.id) if posting else None
    person = session.scalar(select(Profile).join(ProfileCategory).where(
        ProfileCategory.category == "registered_unemployed", ProfileCategory.confirmed_at.is_not(None),
        Profile.id.not_in(taken)).order_by(Profile.id)) if posting else None
    if person is None:
        return None
    for cat in person.categories:
        if cat.category == "registered_unemployed":
            cat.since_on = today - dt.timedelta(days=400)
    hire_on = max(today - dt.timedelta(days=14), dt.date(today.year, 1, 1))
    return _hire(session, posting, person, hr, hire_on + dt.timedelta(days=3)).id


def _introductions(session: Session, today: dt.date) -> dict:
    if session.scalar(select(User.id).where(User.username == "agency")):
        return {"loaded": False, "reason": "demo agency already present"}
    # in 望花区, like the demo employer: the demo ``caseworker`` reviews both's claims
    org = Organisation(name=AGENCY, org_type="hr_agency", district="望花区", credit_code=_credit_code(AGENCY),
                       industry="人力资源服务", verification_status="verified")
    session.add(org)
    session.flush()
    staff = User(username="agency", password_hash=generate_password_hash(PASSWORD), display_name="人力资源机构职员",
                 role="agency", organisation_id=org.id)
    session.add(staff)
    session.flush()

    people = list(session.scalars(
        select(Profile).join(User, User.id == Profile.user_id)
        .where(Profile.published.is_(True), User.username.like("p%")).order_by(Profile.id.desc()).limit(2)))
    postings = [p for p in session.scalars(select(Posting).where(Posting.kind == "job", Posting.status == "published")
                                           .order_by(Posting.id)) if p.is_open(today)]
    out = {"loaded": True, "introductions": 0, "hired": 0}
    for person, posting in zip(people, postings):
        if session.scalar(select(Application.id).where(Application.profile_id == person.id,
                                                       Application.posting_id == posting.id)):
            continue
        intro = introductions.introduce(session, staff, person.id, posting.id, "有相关经验，离家近，本人有意向", today)
        out["introductions"] += 1
        if out["hired"] == 0:  # the first one accepted the introduction, then applied and was hired
            user = session.get(User, person.user_id)
            introduction_answers.answer(session, user, intro.id, "accepted")
            app = applications.apply(session, user, posting.id, "人力资源机构推荐我来应聘")
            hr = session.scalar(select(User).where(User.organisation_id == posting.organisation_id,
                                                   User.role == "employer").order_by(User.id))
            if hr is not None:
                applications.move_stage(session, hr, app.id, "hired", "经机构推荐录用")
                # the hiring enterprise supplies epidemic goods (R7), so the agency's referral claim is payable
                posting.organisation.is_epidemic_supply = True
                # What a referral claim is computed from: the employer's contract record and its
                # social-insurance declaration (shown as declared until a caseworker checks it).
                changes.record_contract(session, hr, app.id, today, 12, today, "一年期劳动合同")
                changes.declare_insurance(session, hr, app.id, Decimal("1050.00"), today, today)
                out["hired"] += 1
    session.flush()
    return out
