"""Messages on an application: short texts between the employer and the applicant, one
thread per application, no attachments. The other side is told of each message
(``notifications.notify``, one notification per message). The thread is kept with the
application and deleted with the person's data (``core.contact_privacy``).

Only the two sides read or write (the person; the staff of the verified organisation whose
posting it is). Writing needs an application the person made: not an invitation they have
not accepted, and not after they withdrew. Operations flush, never commit.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.core.interviews import side_of
from marketplace.core.models import Application, ApplicationMessage, User
from marketplace.errors import Conflict
from marketplace.notifications.service import notify

#: stages in which nobody writes on the thread any more (it stays readable)
CLOSED = ("invited", "withdrawn")


def send(session: Session, actor: User, application_id: int, body: str) -> ApplicationMessage:
    app, side = side_of(session, actor, application_id)
    if app.stage in CLOSED:
        raise Conflict(*_closed(app.stage), field="body")
    msg = ApplicationMessage(application_id=app.id, side=side, sender_id=actor.id, body=body)
    session.add(msg)
    session.flush()
    short = body if len(body) <= 60 else body[:60] + "…"
    if side == "employer":
        if app.profile.user_id:
            notify(session, app.profile.user_id, "application_message", f"message:{msg.id}",
                   f"{app.posting.organisation.name}（{app.posting.title}）给您留言：{short}",
                   f"{app.posting.organisation.name} ({app.posting.title}) wrote: {short}", f"/me/applications/{app.id}")
    else:
        for user_id in _employer_readers(session, app):
            notify(session, user_id, "application_message", f"message:{msg.id}",
                   f"{app.profile.name}（{app.posting.title}）留言：{short}",
                   f"{app.profile.name} ({app.posting.title}) wrote: {short}", f"/employer/applications/{app.id}")
    return msg


def _closed(stage: str) -> tuple[str, str]:
    if stage == "invited":
        return "求职者接受邀请后才能留言", "messages open once the person accepts the invitation"
    return "求职者已撤回申请，不能再留言", "the person withdrew: the thread is closed"


def _employer_readers(session: Session, app: Application) -> list[int]:
    """Who on the employer's side is told: the staff who wrote on this thread or moved the
    application, else the posting's creator."""
    ids = {m.sender_id for m in session.scalars(select(ApplicationMessage).where(
        ApplicationMessage.application_id == app.id, ApplicationMessage.side == "employer")) if m.sender_id}
    ids |= {e.actor_id for e in app.events if e.actor_id and e.actor_id != app.profile.user_id}
    if not ids and app.posting.created_by_id:
        ids = {app.posting.created_by_id}
    return sorted(ids)


def thread(session: Session, actor: User, application_id: int) -> list[ApplicationMessage]:
    """The thread, oldest first; the other side's messages are marked read by the reader."""
    app, side = side_of(session, actor, application_id)
    msgs = list(session.scalars(select(ApplicationMessage).where(ApplicationMessage.application_id == app.id)
                                .order_by(ApplicationMessage.id)))
    now = clock.now_utc()
    for m in msgs:
        if m.side != side and m.read_at is None:
            m.read_at = now
    session.flush()
    return msgs


def message_to_dict(m: ApplicationMessage) -> dict:
    return {"id": m.id, "side": m.side, "body": m.body, "created_at": m.created_at.isoformat(),
            "local_time": clock.local_time(m.created_at, "%Y-%m-%d %H:%M"),
            "read_at": m.read_at.isoformat() if m.read_at else None}
