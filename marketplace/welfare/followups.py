"""The monthly follow-up of registered unemployed people (R12, plan item (十九)).

Readings (**[choice]**):

* A month's follow-up task per open registration, created by the beat task (and at
  registration); assigned to the district's caseworkers, least loaded first, keeping last
  month's caseworker when still active; hard-to-employ people first. A task is overdue
  once its month has ended without a contact.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.core import audit
from marketplace.core.models import Profile, User
from marketplace.errors import Forbidden, ValidationFailed
from marketplace.policy import contact_due_this_month, follow_up_order, months_without_contact
from marketplace.welfare.common import _month, served_row
from marketplace.welfare.models import CONTACT_CHANNELS, FollowUp, FollowUpContact, HardToEmployStatus, Registration


def _contact_dates(session: Session, reg: Registration) -> list[dt.date]:
    return list(session.scalars(select(FollowUpContact.contacted_on).join(FollowUp).where(
        FollowUp.registration_id == reg.id)))


def _create_follow_ups(session: Session, today: dt.date, regs: list[Registration]) -> int:
    month = _month(today)
    have = set(session.scalars(select(FollowUp.registration_id).where(
        FollowUp.month == month, FollowUp.registration_id.in_([r.id for r in regs]))))
    todo = [r for r in regs if r.id not in have and r.registered_on <= today]
    if not todo:
        return 0
    hte = set(session.scalars(select(HardToEmployStatus.profile_id).where(HardToEmployStatus.revoked_on.is_(None))))
    graded = sorted(todo, key=lambda r: (follow_up_order(r.profile_id in hte, len(months_without_contact(
        r.registered_on, _contact_dates(session, r), today))), r.id))
    workers: dict[str, list[User]] = {}
    load: dict[int, int] = dict(session.execute(select(FollowUp.assigned_to_id, func.count()).where(
        FollowUp.month == month, FollowUp.assigned_to_id.is_not(None)).group_by(FollowUp.assigned_to_id)).all())
    created = 0
    for reg in graded:
        if reg.district not in workers:
            workers[reg.district] = list(session.scalars(select(User).where(
                User.role == "caseworker", User.district == reg.district, User.is_active.is_(True)).order_by(User.id)))
        staff = workers[reg.district]
        last = session.scalar(select(FollowUp.assigned_to_id).where(FollowUp.registration_id == reg.id)
                              .order_by(FollowUp.month.desc()).limit(1))
        if last is not None and any(u.id == last for u in staff):
            who = last
        else:
            who = min(staff, key=lambda u: (load.get(u.id, 0), u.id)).id if staff else None
        if who is not None:
            load[who] = load.get(who, 0) + 1
        task = FollowUp(registration_id=reg.id, profile_id=reg.profile_id, district=reg.district, month=month,
                        assigned_to_id=who, grade=0 if reg.profile_id in hte else 1)
        try:
            with session.begin_nested():
                session.add(task)
                session.flush()
        except IntegrityError:  # a concurrent run created it: the unique (registration, month) decided
            continue
        created += 1
    return created


def create_month_follow_ups(session: Session, today: dt.date | None = None) -> int:
    """R12: this month's task for every open registration; running it again creates nothing."""
    today = today or clock.today()
    regs = list(session.scalars(select(Registration).where(Registration.ended_on.is_(None),
                                                           Registration.registered_on <= today)))
    return _create_follow_ups(session, today, regs)


def get_follow_up(session: Session, actor: User, follow_up_id: int) -> FollowUp:
    """A follow-up task of the actor's district (404 for others)."""
    return served_row(session, actor, FollowUp, follow_up_id, lambda t: t.district, ("跟踪任务", "follow-up"))


def record_contact(session: Session, actor: User, follow_up_id: int, channel: str, note: str = "",
                   contacted_on: dt.date | None = None, today: dt.date | None = None) -> FollowUpContact:
    today = today or clock.today()
    task = get_follow_up(session, actor, follow_up_id)
    if channel not in CONTACT_CHANNELS:
        raise ValidationFailed("联系方式应为电话、走访或网上", "channel must be phone, visit or online", field="channel")
    contacted_on = contacted_on or today
    if contacted_on > today or _month(contacted_on) != task.month:
        raise ValidationFailed(f"联系日期应在{task.month}月内且不晚于今天",
                               f"the contact date must be in {task.month} and not after today", field="contacted_on")
    if not note.strip():
        raise ValidationFailed("请记录联系情况", "write what was said and agreed", field="note")
    contact = FollowUpContact(follow_up_id=task.id, channel=channel, contacted_on=contacted_on, note=note,
                              by_id=actor.id)
    task.contacts.append(contact)
    if task.contacted_on is None or contacted_on < task.contacted_on:
        task.contacted_on = contacted_on
    session.flush()
    audit.record(session, actor, "follow_up", task.id, "contact", after={"channel": channel,
                                                                         "on": contacted_on.isoformat()})
    return contact


def follow_ups_for(actor: User, *, today: dt.date | None = None, due: bool = False, overdue: bool = False,
                   mine: bool = False, profile_id: int | None = None):
    today = today or clock.today()
    stmt = select(FollowUp).order_by(FollowUp.month, FollowUp.grade, FollowUp.id)
    if actor.role == "person":
        stmt = stmt.join(Profile, FollowUp.profile_id == Profile.id).where(Profile.user_id == actor.id)
    elif actor.role == "caseworker":
        stmt = stmt.where(FollowUp.district == actor.district)
    elif actor.role != "admin":
        raise Forbidden()
    if mine:
        stmt = stmt.where(FollowUp.assigned_to_id == actor.id)
    if due:  # the candidates for policy.contact_due_this_month (is_due decides each, on the desk)
        stmt = stmt.join(Registration, FollowUp.registration_id == Registration.id).where(
            FollowUp.month == _month(today), FollowUp.contacted_on.is_(None),
            Registration.ended_on.is_(None) | (Registration.ended_on >= today))
    if overdue:
        stmt = stmt.where(FollowUp.month < _month(today), FollowUp.contacted_on.is_(None))
    if profile_id is not None:
        stmt = stmt.where(FollowUp.profile_id == profile_id)
    return stmt


def is_due(task: FollowUp, today: dt.date) -> bool:
    """R12, decided by the engine: this month's task still needs its contact (the registration
    is open on ``today``, no contact recorded this month)."""
    reg = task.registration
    return task.month == _month(today) and contact_due_this_month(
        reg.registered_on, [c.contacted_on for c in task.contacts], today, reg.ended_on)


def follow_up_to_dict(task: FollowUp, today: dt.date | None = None) -> dict:
    today = today or clock.today()
    return {"id": task.id, "profile_id": task.profile_id, "name": task.profile.name, "month": task.month,
            "district": task.district, "grade": task.grade, "assigned_to_id": task.assigned_to_id,
            "assigned_to": task.assigned_to.display_name if task.assigned_to else None,
            "contacted_on": task.contacted_on.isoformat() if task.contacted_on else None,
            "overdue": task.contacted_on is None and task.month < _month(today),
            "due": is_due(task, today),
            "contacts": [{"channel": c.channel, "contacted_on": c.contacted_on.isoformat(), "note": c.note,
                          "by_id": c.by_id} for c in task.contacts]}



def follow_ups(session: Session, actor: User, **filters) -> list[FollowUp]:
    """The tasks ``follow_ups_for`` selects, as a list (for a page)."""
    return list(session.scalars(follow_ups_for(actor, **filters)))
