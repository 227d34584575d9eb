"""Job fairs (双选会) and their booths: creating fairs, applying for and approving booths,
closing a fair; the lookups every part of a fair uses (the fair, the actor's own fair, booth
and registration), and the reads the fairs' list pages show.

Who may do what:

* an organiser (or admin) creates fairs; the fair's organiser approves booths, checks people
  in, runs allocation rounds and reads the board and report;
* an employer applies for a booth with its own published postings and sees only its own
  booth: ranked checked-in people, its queue, its schedule; invites people; records outcomes;
* a person pre-registers, shows the check-in QR, sees booths ranked for them once checked in,
  asks booths for interviews, sees their schedule.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.core import audit
from marketplace.core.models import Posting, User
from marketplace.core.profiles import my_profile
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.fairs.bus import publish_after_commit
from marketplace.fairs.models import Booth, Fair, FairRegistration, Interview

ORGANISER_ROLES = ("organiser", "admin")
EMPLOYER_ROLES = ("employer", "agency")


def get_fair(session: Session, actor: User | None, fair_id: int) -> Fair:
    fair = session.get(Fair, fair_id)
    if fair is None:
        raise NotFound("招聘会", "fair")
    return fair


def own_fair(session: Session, actor: User, fair_id: int, lock: bool = False) -> Fair:
    """The fair, if the actor organises it (admins organise all)."""
    if actor.role not in ORGANISER_ROLES:
        raise Forbidden("只有招聘会组织者可以执行此操作", "only the fair's organiser can do this")
    fair = session.get(Fair, fair_id, with_for_update=lock) if lock else session.get(Fair, fair_id)
    if fair is None or (actor.role != "admin" and fair.organiser_id != actor.id):
        raise NotFound("招聘会", "fair")
    return fair


def fairs_for(actor: User | None):
    stmt = select(Fair).order_by(Fair.held_on.desc(), Fair.id.desc())
    if actor is not None and actor.role == "organiser":
        stmt = stmt.where(Fair.organiser_id == actor.id)
    return stmt


def own_booth(session: Session, actor: User, fair_id: int, booth_id: int) -> Booth:
    booth = session.get(Booth, booth_id)
    if (booth is None or booth.fair_id != fair_id or actor.role not in EMPLOYER_ROLES
            or booth.organisation_id != actor.organisation_id):
        raise NotFound("展位", "booth")
    return booth


def my_booth(session: Session, actor: User, fair_id: int) -> Booth | None:
    if actor.role not in EMPLOYER_ROLES or actor.organisation_id is None:
        return None
    return session.scalar(select(Booth).where(Booth.fair_id == fair_id,
                                              Booth.organisation_id == actor.organisation_id))


def my_registration(session: Session, actor: User, fair_id: int) -> FairRegistration | None:
    profile = my_profile(session, actor) if actor.role == "person" else None
    if profile is None:
        return None
    return session.scalar(select(FairRegistration).where(FairRegistration.fair_id == fair_id,
                                                         FairRegistration.profile_id == profile.id))


def create_fair(session: Session, actor: User, data) -> Fair:
    if actor.role not in ORGANISER_ROLES:
        raise Forbidden("只有招聘会组织者可以创建招聘会", "only fair organisers can create fairs")
    if data.mode in ("onsite", "both") and not data.venue:
        raise ValidationFailed("现场招聘会须填写场地", "an on-site fair needs a venue", field="venue")
    if data.held_on < clock.today():  # issue 15: as an edit refuses it (``corrections.edit_fair``)
        raise ValidationFailed("招聘会日期不能早于今天", "the fair's day cannot be in the past", field="held_on")
    fair = Fair(organiser_id=actor.id, name=data.name, mode=data.mode, held_on=data.held_on, venue=data.venue,
                slots=list(data.slots), description=data.description, status="open")
    session.add(fair)
    session.flush()
    audit.record(session, actor, "fair", fair.id, "create", after={"name": fair.name, "held_on": str(fair.held_on)})
    return fair


def set_status(session: Session, actor: User, fair_id: int, status: str) -> Fair:
    fair = own_fair(session, actor, fair_id)
    before = fair.status
    fair.status = status
    session.flush()
    audit.record(session, actor, "fair", fair.id, "status", before={"status": before}, after={"status": status})
    publish_after_commit(session, fair.id, {"type": "fair"})
    return fair


def apply_booth(session: Session, actor: User, fair_id: int, data) -> Booth:
    if actor.role not in EMPLOYER_ROLES or actor.organisation_id is None:
        raise Forbidden("只有用人单位可以申请展位", "only employers can apply for a booth")
    fair = get_fair(session, actor, fair_id)
    if fair.status != "open":
        raise Conflict("该招聘会已不接受展位申请", "this fair no longer takes booth applications", field="fair")
    ids = list(dict.fromkeys(data.posting_ids))
    posts = list(session.scalars(select(Posting).where(Posting.id.in_(ids))))
    if len(posts) != len(ids) or any(p.organisation_id != actor.organisation_id for p in posts):
        raise ValidationFailed("只能带本单位的岗位参会", "bring only your own organisation's postings",
                               field="posting_ids")
    if any(p.status != "published" for p in posts):
        raise ValidationFailed("只能带已发布的岗位参会", "bring only published postings", field="posting_ids")
    booth = my_booth(session, actor, fair_id)
    if booth is not None and booth.status == "approved":
        raise Conflict("展位已获批准，不能再修改申请", "your booth is approved; the application can no longer change",
                       field="fair")
    new = booth is None
    if new:
        booth = Booth(fair_id=fair.id, organisation_id=actor.organisation_id, created_by_id=actor.id)
    booth.posting_ids, booth.recruiters, booth.per_slot = ids, data.recruiters, data.per_slot
    booth.status, booth.decision_note = "applied", ""
    try:
        with session.begin_nested():  # added inside: begin_nested flushes what is pending first
            if new:
                session.add(booth)
            session.flush()
    except IntegrityError:
        raise Conflict("本单位已申请过该招聘会的展位", "your organisation already applied for a booth", field="fair") from None
    audit.record(session, actor, "fair_booth", booth.id, "apply",
                 after={"postings": ids, "recruiters": data.recruiters, "per_slot": data.per_slot})
    return booth


def decide_booth(session: Session, actor: User, fair_id: int, booth_id: int, approve: bool, place: str = "",
                 note: str = "") -> Booth:
    fair = own_fair(session, actor, fair_id)
    booth = session.get(Booth, booth_id)
    if booth is None or booth.fair_id != fair.id:
        raise NotFound("展位", "booth")
    if not approve and not note:
        raise ValidationFailed("拒绝展位申请时请说明理由", "give a reason when rejecting a booth", field="note")
    before = booth.status
    booth.status = "approved" if approve else "rejected"
    booth.place, booth.decision_note = place, note
    booth.decided_at = clock.now_utc()
    session.flush()
    audit.record(session, actor, "fair_booth", booth.id, "decide", before={"status": before},
                 after={"status": booth.status}, reason=note)
    publish_after_commit(session, fair.id, {"type": "booth", "booth": booth.id})
    return booth


def booths_of(session: Session, fair_id: int, status: str | None = None) -> list[Booth]:
    stmt = select(Booth).where(Booth.fair_id == fair_id).order_by(Booth.id)
    if status:
        stmt = stmt.where(Booth.status == status)
    return list(session.scalars(stmt))


def posting_titles(session: Session, ids) -> dict[int, str]:
    """Posting id → title, for the postings booths bring."""
    ids = list(ids)
    if not ids:
        return {}
    return {p.id: p.title for p in session.scalars(select(Posting).where(Posting.id.in_(ids)))}


def organiser_fair_page(session: Session, actor: User, fair_id: int) -> dict:
    """The organiser's page of a fair: its booths and their postings' titles, how many
    interviews are in each status, the confirmed and done ones by (booth, slot), and how many
    people registered and arrived."""
    fair = own_fair(session, actor, fair_id)
    booths = booths_of(session, fair.id)
    ivs = list(session.scalars(select(Interview).where(Interview.fair_id == fair.id)))
    grid: dict = {}
    for i in ivs:
        if i.slot is not None and i.status in ("confirmed", "done"):
            grid.setdefault((i.booth_id, i.slot), []).append(i)
    regs = registrations(session, actor, fair.id)
    return {"fair": fair, "booths": booths, "statuses": [i.status for i in ivs], "grid": grid,
            "titles": posting_titles(session, [pid for b in booths for pid in b.posting_ids]),
            "registered": len(regs), "arrived": sum(1 for r in regs if r.checked_in_at)}


def employer_fairs_page(session: Session, actor: User) -> dict:
    """An employer's fairs page: the open fairs, its own booths by fair, and its published
    postings (what a booth application may bring)."""
    org_id = actor.organisation_id
    return {"fairs": list(session.scalars(select(Fair).where(Fair.status == "open")
                                          .order_by(Fair.held_on, Fair.id).limit(50))),
            "mine": {b.fair_id: b for b in session.scalars(select(Booth).where(Booth.organisation_id == org_id))},
            "posts": list(session.scalars(select(Posting).where(Posting.organisation_id == org_id,
                                                                Posting.status == "published")
                                          .order_by(Posting.id.desc())))}


def my_fairs_page(session: Session, actor: User) -> dict:
    """A person's fairs page: the open fairs and those they registered for, with their
    registrations by fair."""
    prof = my_profile(session, actor)
    regs = {}
    if prof is not None:
        regs = {r.fair_id: r for r in session.scalars(select(FairRegistration)
                                                      .where(FairRegistration.profile_id == prof.id))}
    items = list(session.scalars(select(Fair).where((Fair.status == "open") | Fair.id.in_(list(regs) or [0]))
                                 .order_by(Fair.held_on.desc(), Fair.id.desc()).limit(50)))
    return {"items": items, "regs": regs, "has_profile": prof is not None}


def checked_in_where(fair_id: int):
    return (FairRegistration.fair_id == fair_id, FairRegistration.checked_in_at.is_not(None))


def registrations(session: Session, actor: User, fair_id: int) -> list[FairRegistration]:
    own_fair(session, actor, fair_id)
    return list(session.scalars(select(FairRegistration).where(FairRegistration.fair_id == fair_id)
                                .order_by(FairRegistration.id)))


def fair_to_dict(f: Fair) -> dict:
    return {"id": f.id, "name": f.name, "mode": f.mode, "held_on": f.held_on.isoformat(), "venue": f.venue,
            "slots": list(f.slots), "status": f.status, "current_slot": f.current_slot, "description": f.description}


def booth_to_dict(b: Booth) -> dict:
    return {"id": b.id, "fair_id": b.fair_id, "organisation": {"id": b.organisation_id, "name": b.organisation.name},
            "status": b.status, "posting_ids": list(b.posting_ids), "recruiters": b.recruiters, "per_slot": b.per_slot,
            "capacity": b.capacity, "place": b.place, "decision_note": b.decision_note}
