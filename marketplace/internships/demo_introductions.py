"""Demo HR agency (username ``agency``): 抚顺市人力资源服务有限公司 has introduced two job
seekers to other employers' open postings, through the same service the pages use. One of
them applied afterwards and was hired, so the agency's claims page offers that hire for a
referral subsidy (R7), and the policy engine answers whether it is paid on the business
date; the other introduction has not led to an application yet."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from marketplace import clock
from marketplace.core import applications
from marketplace.core.demo import PASSWORD, _credit_code
from marketplace.core.models import Application, Organisation, Posting, Profile, User
from marketplace.crypto import Cipher
from marketplace.internships import introductions

AGENCY = "抚顺市人力资源服务有限公司"


def load(session: Session, cipher: Cipher, today: dt.date) -> dict:
    if session.scalar(select(User.id).where(User.username == "agency")):
        return {"loaded": False, "reason": "demo agency already present"}
    org = Organisation(name=AGENCY, org_type="hr_agency", district="顺城区", credit_code=_credit_code(AGENCY),
                       industry="人力资源服务")
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
                                           .order_by(Posting.id)) if p.is_open(clock.today())]
    out = {"loaded": True, "introductions": 0, "hired": 0}
    for person, posting in zip(people, postings):
        if session.scalar(select(Application.id).where(Application.profile_id == person.id,
                                                       Application.posting_id == posting.id)):
            continue
        introductions.introduce(session, staff, person.id, posting.id, "有相关经验，离家近，本人有意向", clock.today())
        out["introductions"] += 1
        if out["hired"] == 0:  # the first one applied after the introduction and was hired
            user = session.get(User, person.user_id)
            app = applications.apply(session, user, posting.id, "人力资源机构推荐我来应聘")
            hr = session.scalar(select(User).where(User.organisation_id == posting.organisation_id,
                                                   User.role == "employer").order_by(User.id))
            if hr is not None:
                applications.move_stage(session, hr, app.id, "hired", "经机构推荐录用")
                out["hired"] += 1
    session.flush()
    return out
