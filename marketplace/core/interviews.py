"""Interviews on an application (a fair's interviews live in ``fairs``).

The employer proposes one to five times (Fushun local times unless they carry an offset),
with a place or an online link; a new proposal replaces the application's open one (a
change the person is told about). The person accepts one of the times, declines, or asks for
another time (with a note); declining an accepted interview cancels it. Both sides see the
interviews of the application and are told of each step (``notifications.notify``); a
reminder goes to both the day before (the ``marketplace.core_interview_reminders`` task,
hourly; ``reminded_at`` is its lock); an accepted interview is an ``.ics`` calendar file.

Only the two sides of the application act or read here (the employer's staff of a verified
organisation, the person); proposals need an application the person made and that is still
open. Operations flush, never commit.
"""
from __future__ import annotations

import datetime as dt

from icalendar import Alarm, Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.core import audit
from marketplace.core.applications import get_application
from marketplace.core.models import Application, ApplicationInterview, User
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.notifications.service import notify

#: the stages in which an employer may propose an interview (the person applied, still open)
INTERVIEW_STAGES = ("applied", "screening", "interview", "offer")
OPEN = ("proposed", "reschedule_asked", "accepted")


def side_of(session: Session, actor: User, application_id: int) -> tuple[Application, str]:
    """The application and which side the actor is on ("person" or "employer"), or refuse."""
    if actor.role not in ("person", "employer", "agency"):
        raise Forbidden("只有求职者本人和招聘单位可以查看", "only the applicant and the employer see this")
    app = get_application(session, actor, application_id)
    return app, ("person" if actor.role == "person" else "employer")


def _to_utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.TZ)
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _when(moment: dt.datetime) -> str:
    return clock.local_time(moment, "%Y-%m-%d %H:%M")


def propose(session: Session, actor: User, application_id: int, data) -> ApplicationInterview:
    app, side = side_of(session, actor, application_id)
    if side != "employer":
        raise Forbidden("面试时间由招聘单位提出；您可以接受、拒绝或请求改期", "the employer proposes interviews; you may "
                        "accept, decline or ask for another time")
    if app.stage not in INTERVIEW_STAGES:
        raise Conflict(f"该申请当前状态（{app.stage}）不能安排面试", f"no interview can be proposed at stage {app.stage}",
                       field="stage")
    if not data.place and not data.online_link:
        raise ValidationFailed("请填写面试地点或线上会议链接", "give a place or an online link (https://…)", field="place")
    now = clock.now_utc()
    options = sorted({_to_utc(o) for o in data.options})
    if options[0] <= now:
        raise ValidationFailed("面试时间应在现在之后", "interview times must be in the future", field="options")
    replaced = None
    for old in session.scalars(select(ApplicationInterview).where(
            ApplicationInterview.application_id == app.id, ApplicationInterview.status.in_(OPEN))):
        old.status, replaced = "replaced", old
    iv = ApplicationInterview(application_id=app.id, options=[o.isoformat() for o in options],
                              duration_minutes=data.duration_minutes, place=data.place, online_link=data.online_link,
                              note=data.note, proposed_by_id=actor.id)
    session.add(iv)
    session.flush()
    audit.record(session, actor, "application_interview", iv.id, "propose",
                 before={"replaced": replaced.id} if replaced else None,
                 after={"application_id": app.id, "options": iv.options})
    times = "、".join(_when(o) for o in options)
    what = "更改了" if replaced else "邀请您"
    _tell_person(session, app, iv, "interview_proposed", "proposed",
                 f"{app.posting.organisation.name}{what}面试（{app.posting.title}）：可选时间 {times}，请选择或请求改期",
                 f"{app.posting.organisation.name} {'changed' if replaced else 'proposed'} an interview for "
                 f"{app.posting.title}: {', '.join(_when(o) for o in options)}; choose a time or ask for another")
    return iv


def answer(session: Session, actor: User, application_id: int, interview_id: int, data) -> ApplicationInterview:
    app, side = side_of(session, actor, application_id)
    if side != "person":
        raise Forbidden("只有求职者本人可以答复面试邀请", "only the applicant answers an interview proposal")
    iv = _interview(session, app, interview_id)
    if data.answer == "accept":
        if iv.status != "proposed":
            raise Conflict("该面试邀请已答复或已被更改", "this proposal was answered or replaced already", field="answer")
        if data.option is None or data.option >= len(iv.options):
            raise ValidationFailed("请选择一个提出的时间", "choose one of the proposed times", field="option")
        starts = dt.datetime.fromisoformat(iv.options[data.option])
        if starts <= clock.now_utc():
            raise Conflict("这个时间已经过去，请选择其他时间或请求改期", "that time has passed; choose another or ask for "
                           "another time", field="option")
        iv.status, iv.starts_at = "accepted", starts
    elif data.answer == "decline":
        if iv.status not in ("proposed", "accepted"):
            raise Conflict("该面试已不在等待答复", "this interview is no longer waiting for an answer", field="answer")
        iv.status = "declined"
    else:
        if iv.status not in ("proposed", "accepted"):
            raise Conflict("该面试已不在等待答复", "this interview is no longer waiting for an answer", field="answer")
        iv.status, iv.starts_at = "reschedule_asked", None
    iv.person_note, iv.answered_at = data.note, clock.now_utc()
    session.flush()
    audit.record(session, actor, "application_interview", iv.id, data.answer, after={"status": iv.status},
                 reason=data.note)
    name, title = app.profile.name, app.posting.title
    zh = {"accepted": f"{name}接受了面试（{title}）：{_when(iv.starts_at) if iv.starts_at else ''}",
          "declined": f"{name}拒绝了面试（{title}）", "reschedule_asked": f"{name}请求更改面试时间（{title}）"}[iv.status]
    en = {"accepted": f"{name} accepted the interview for {title}: {_when(iv.starts_at) if iv.starts_at else ''}",
          "declined": f"{name} declined the interview for {title}",
          "reschedule_asked": f"{name} asked for another interview time for {title}"}[iv.status]
    if data.note:
        zh, en = f"{zh}。留言：{data.note}", f"{en}. Note: {data.note}"
    notify(session, iv.proposed_by_id, "interview_answered", f"interview:{iv.id}:{iv.status}:{iv.answered_at.isoformat()}",
           zh, en, f"/employer/applications/{app.id}")
    return iv


def _interview(session: Session, app: Application, interview_id: int) -> ApplicationInterview:
    iv = session.get(ApplicationInterview, interview_id)
    if iv is None or iv.application_id != app.id:
        raise NotFound("面试", "interview")
    return iv


def _tell_person(session: Session, app: Application, iv: ApplicationInterview, kind: str, what: str,
                 zh: str, en: str) -> None:
    if app.profile.user_id:
        notify(session, app.profile.user_id, kind, f"interview:{iv.id}:{what}", zh, en, f"/me/applications/{app.id}")


def interviews_of(session: Session, actor: User, application_id: int) -> list[ApplicationInterview]:
    app, _side = side_of(session, actor, application_id)
    return list(session.scalars(select(ApplicationInterview).where(ApplicationInterview.application_id == app.id)
                                .order_by(ApplicationInterview.id.desc())))


def get_interview(session: Session, actor: User, application_id: int, interview_id: int) -> ApplicationInterview:
    app, _side = side_of(session, actor, application_id)
    return _interview(session, app, interview_id)


def send_reminders(session: Session, now: dt.datetime | None = None) -> int:
    """The day-before reminder of every accepted interview that starts tomorrow (Fushun dates),
    to the person and the employer's proposer; once each (``reminded_at``, and the
    notification's key)."""
    now = now or clock.now_utc()
    tomorrow = clock.local_date(now) + dt.timedelta(days=1)
    lo = _to_utc(dt.datetime.combine(tomorrow, dt.time(0)))
    hi = _to_utc(dt.datetime.combine(tomorrow + dt.timedelta(days=1), dt.time(0)))
    due = session.scalars(select(ApplicationInterview).where(
        ApplicationInterview.status == "accepted", ApplicationInterview.reminded_at.is_(None),
        ApplicationInterview.starts_at >= lo, ApplicationInterview.starts_at < hi).with_for_update(skip_locked=True))
    sent = 0
    for iv in due:
        app = iv.application
        where = iv.place or iv.online_link
        _tell_person(session, app, iv, "interview_reminder", "reminder",
                     f"明天 {clock.local_time(iv.starts_at, '%H:%M')} 面试：{app.posting.organisation.name}（{app.posting.title}），{where}",
                     f"Interview tomorrow at {clock.local_time(iv.starts_at, '%H:%M')}: "
                     f"{app.posting.organisation.name} ({app.posting.title}), {where}")
        notify(session, iv.proposed_by_id, "interview_reminder", f"interview:{iv.id}:reminder",
               f"明天 {clock.local_time(iv.starts_at, '%H:%M')} 面试 {app.profile.name}（{app.posting.title}）",
               f"Interview tomorrow at {clock.local_time(iv.starts_at, '%H:%M')} with {app.profile.name} "
               f"({app.posting.title})", f"/employer/applications/{app.id}")
        iv.reminded_at = now
        sent += 1
    session.flush()
    return sent


def ics(iv: ApplicationInterview) -> bytes:
    """An accepted interview as an iCalendar file (RFC 5545), with a reminder the day before."""
    if iv.status != "accepted" or iv.starts_at is None:
        raise Conflict("只有已确认时间的面试可以加入日历", "only an accepted interview has a time to put in a calendar",
                       field="status")
    app = iv.application
    cal = Calendar()
    cal.add("prodid", "-//Fushun public employment service//marketplace interviews//ZH")
    cal.add("version", "2.0")
    ev = Event()
    ev.add("uid", f"application-interview-{iv.id}@marketplace.fushun")
    ev.add("dtstamp", clock.now_utc().replace(tzinfo=dt.timezone.utc))
    start = iv.starts_at.replace(tzinfo=dt.timezone.utc)
    ev.add("dtstart", start)
    ev.add("dtend", start + dt.timedelta(minutes=iv.duration_minutes))
    ev.add("summary", f"面试：{app.posting.title}（{app.posting.organisation.name}）")
    ev.add("location", iv.place or iv.online_link)
    if iv.online_link:
        ev.add("url", iv.online_link)
    ev.add("description", "\n".join(x for x in (iv.note, iv.online_link) if x))
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"明天面试：{app.posting.title}")
    alarm.add("trigger", dt.timedelta(days=-1))
    ev.add_component(alarm)
    cal.add_component(ev)
    return cal.to_ical()


def interview_to_dict(iv: ApplicationInterview) -> dict:
    return {"id": iv.id, "application_id": iv.application_id, "status": iv.status,
            "options": [{"index": i, "at": o, "local": _when(dt.datetime.fromisoformat(o))}
                        for i, o in enumerate(iv.options)],
            "duration_minutes": iv.duration_minutes, "place": iv.place, "online_link": iv.online_link,
            "note": iv.note, "person_note": iv.person_note,
            "starts_at": iv.starts_at.isoformat() if iv.starts_at else None,
            "starts_local": _when(iv.starts_at) if iv.starts_at else None,
            "created_at": iv.created_at.isoformat(), "answered_at": iv.answered_at.isoformat() if iv.answered_at else None}
