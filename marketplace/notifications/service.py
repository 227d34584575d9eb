"""Create, list and mark read notifications. Operations flush, never commit."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.core.models import User
from marketplace.errors import NotFound
from marketplace.notifications.models import Notification


def notify(session: Session, user_id: int, kind: str, key: str, zh: str, en: str, link: str = "") -> bool:
    """Create a notification once per (user, key); False when it already exists."""
    if session.scalar(select(Notification.id).where(Notification.user_id == user_id, Notification.key == key)):
        return False
    try:
        with session.begin_nested():
            session.add(Notification(user_id=user_id, kind=kind, key=key, text_zh=zh, text_en=en, link=link))
            session.flush()
    except IntegrityError:
        return False  # another run made it at the same moment
    return True


def notifications_for(session: Session, actor: User, limit: int = 20) -> list[Notification]:
    """The actor's own notifications, unread first, newest first."""
    return list(session.scalars(select(Notification).where(Notification.user_id == actor.id)
                                .order_by(Notification.read_at.is_not(None), Notification.id.desc()).limit(limit)))


def mark_read(session: Session, actor: User, notification_id: int) -> Notification:
    n = session.get(Notification, notification_id)
    if n is None or n.user_id != actor.id:
        raise NotFound("通知", "notification")
    if n.read_at is None:
        n.read_at = clock.now_utc()
        session.flush()
    return n


def to_dict(n: Notification) -> dict:
    """A notification as ``GET /api/v1/notifications`` lists it."""
    return {"id": n.id, "kind": n.kind, "zh": n.text_zh, "en": n.text_en, "link": n.link,
            "created_at": n.created_at.isoformat(), "read_at": n.read_at.isoformat() if n.read_at else None}
