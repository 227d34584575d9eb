"""Demo fair for the organiser (username ``organiser``): today's on-site and online 双选会 with
four slots, approved booths of the demo employer (username ``employer``) and two more demo
employers with their published postings, and people pre-registered — some already checked in
with interview requests waiting for an allocation round; ``graduate`` is registered but not yet
checked in, so their page shows the check-in QR code."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.core.models import Posting, Profile, User
from marketplace.crypto import Cipher
from marketplace.fairs.models import Booth, Fair, FairRegistration, Interview

NAME = "抚顺市高校毕业生及失业人员双选会（演示）"


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A Fushun clock time on ``day`` as stored (naive UTC): the hall's 08:40 is 00:40 UTC,
    not 16:40 on its screens."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=clock.TZ).astimezone(dt.timezone.utc).replace(tzinfo=None)


def load(session: Session, cipher: Cipher, today: dt.date) -> dict:
    organiser = session.scalar(select(User).where(User.username == "organiser"))
    employer = session.scalar(select(User).where(User.username == "employer"))
    if organiser is None or employer is None:
        return {"loaded": False, "reason": "demo organiser or employer missing"}
    if session.scalar(select(Fair.id).where(Fair.name == NAME)):
        return {"loaded": False, "reason": "demo fair already present"}
    fair = Fair(organiser_id=organiser.id, name=NAME, mode="both", held_on=today, venue="抚顺市人力资源市场一楼大厅",
                slots=["09:00-09:30", "09:30-10:00", "10:00-10:30", "10:30-11:00"], status="open",
                description=f"面向{today.year}届高校毕业生和登记失业人员的现场及网络双选会。")
    session.add(fair)
    session.flush()
    others = list(session.scalars(select(User).where(User.role == "employer", User.id != employer.id,
                                                     User.username.like("hr%")).order_by(User.id).limit(2)))
    booths = []
    for n, hr in enumerate([employer] + others, 1):
        posts = list(session.scalars(select(Posting.id).where(Posting.organisation_id == hr.organisation_id,
                                                              Posting.status == "published").order_by(Posting.id)
                                     .limit(3)))
        if not posts:
            continue
        b = Booth(fair_id=fair.id, organisation_id=hr.organisation_id, status="approved", posting_ids=posts,
                  recruiters=2 if n == 1 else 1, per_slot=1, place=f"A{n:02d}", created_by_id=hr.id,
                  decided_at=_at(today, 8))
        session.add(b)
        booths.append(b)
    session.flush()
    people = list(session.scalars(select(Profile).join(User, User.id == Profile.user_id)
                                  .where(User.role == "person").order_by(Profile.id).limit(9)))
    graduate = session.scalar(select(Profile).join(User, User.id == Profile.user_id).where(User.username == "graduate"))
    checked = 0
    for k, p in enumerate(people):
        reg = FairRegistration(fair_id=fair.id, profile_id=p.id,
                               registered_at=_at(today - dt.timedelta(days=2), 20, k))
        if graduate is None or p.id != graduate.id:
            if checked < 5:
                reg.checked_in_at = _at(today, 8, 40 + k)
                reg.checkin_method, reg.checked_in_by_id = ("qr" if k % 2 else "id_number"), organiser.id
                checked += 1
                if booths:
                    session.add(Interview(fair_id=fair.id, booth_id=booths[k % len(booths)].id, profile_id=p.id,
                                          posting_id=booths[k % len(booths)].posting_ids[0], requested_by="person",
                                          status="requested", score=0.0))
        session.add(reg)
    if graduate is not None and graduate.id not in {p.id for p in people}:
        session.add(FairRegistration(fair_id=fair.id, profile_id=graduate.id))
    session.flush()
    return {"loaded": True, "fair": fair.id, "booths": len(booths), "checked_in": checked}
