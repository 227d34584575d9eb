"""Create, list and mark read notifications; each new one also goes out by SMS or e-mail
to the channels its kind allows and the person chose and verified (``outbox``). Operations
flush, never commit."""
from __future__ import annotations

from flask import current_app, has_app_context
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.core.models import User
from marketplace.crypto import Cipher
from marketplace.errors import NotFound
from marketplace.notifications import contacts, outbox, registry, texts
from marketplace.notifications.models import Notification


def _cipher() -> Cipher:
    if has_app_context():
        return current_app.extensions["cipher"]
    return Cipher(clock.worker_config().data_key)


def notify(session: Session, user_id: int, kind: str, key: str, zh: str, en: str, link: str = "",
           *, cipher: Cipher | None = None) -> bool:
    """Create a notification once per (user, key); False when it already exists. The title
    is the registered kind's label; ``zh``/``en`` are the body."""
    if session.scalar(select(Notification.id).where(Notification.user_id == user_id, Notification.key == key)):
        return False
    try:
        with session.begin_nested():
            n = Notification(user_id=user_id, kind=kind, key=key, text_zh=zh, text_en=en, link=link,
                             created_at=clock.now_utc())
            session.add(n)
            session.flush()
    except IntegrityError:
        return False  # another run made it at the same moment
    _send_beyond_the_page(session, cipher, n)
    return True


def _send_beyond_the_page(session: Session, cipher: Cipher | None, n: Notification) -> None:
    kind = registry.get(n.kind)
    wanted = [c for c in kind.channels if c in ("sms", "email")]
    if not wanted:
        return
    cipher = cipher or _cipher()
    site = clock.current_config().SITE_URL
    for channel in wanted:
        address = contacts.verified_address(session, cipher, n.user_id, channel)
        if address is None:
            continue
        if channel == "sms":
            subject, body = "", texts.sms_text(kind.zh, n.text_zh, n.link, site)
        else:
            subject, body = texts.email_subject(kind.zh, kind.en), texts.email_body(n.text_zh, n.text_en, n.link, site)
        outbox.queue(session, n.user_id, channel, n.key, address, subject, body)


def notifications_for(session: Session, actor: User, limit: int = 20) -> list[Notification]:
    """The actor's own notifications, unread first, newest first."""
    return list(session.scalars(select(Notification).where(Notification.user_id == actor.id)
                                .order_by(Notification.read_at.is_not(None), Notification.id.desc()).limit(limit)))


def centre(session: Session, actor: User, limit: int = 100, offset: int = 0) -> list[Notification]:
    """The notification centre: the actor's own, newest first."""
    return list(session.scalars(select(Notification).where(Notification.user_id == actor.id)
                                .order_by(Notification.id.desc()).limit(limit).offset(offset)))


def unread_count(session: Session, actor: User) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == actor.id, Notification.read_at.is_(None))) or 0


def mark_read(session: Session, actor: User, notification_id: int) -> Notification:
    n = session.get(Notification, notification_id)
    if n is None or n.user_id != actor.id:
        raise NotFound("通知", "notification")
    if n.read_at is None:
        n.read_at = clock.now_utc()
        session.flush()
    return n


def mark_all_read(session: Session, actor: User) -> int:
    """Mark every unread notification of the actor read; returns how many."""
    done = session.execute(update(Notification).where(Notification.user_id == actor.id, Notification.read_at.is_(None))
                           .values(read_at=clock.now_utc())).rowcount
    session.flush()
    return done


def to_dict(n: Notification, lang: str = "zh") -> dict:
    """A notification as ``GET /api/v1/notifications`` lists it: title and body in the
    reader's language (``zh``/``en`` kept for readers of the earlier shape)."""
    return {"id": n.id, "kind": n.kind, "title": registry.get(n.kind).label(lang),
            "body": n.text_en if lang == "en" else n.text_zh, "link": n.link,
            "created_at": n.created_at.isoformat(), "read_at": n.read_at.isoformat() if n.read_at else None,
            "zh": n.text_zh, "en": n.text_en}
