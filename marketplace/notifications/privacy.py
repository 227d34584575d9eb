"""The notification service's part of a person's data rights (PIPL), connected in
``marketplace.app``: "download my data" lists their notifications, the phone and e-mail
they gave for messages, their channel choice and the messages sent; erasure removes the
phone, the e-mail, the choice, the outbox and the notifications addressed to them (texts
of the service to the person, of no use once the person is gone)."""
from __future__ import annotations

from sqlalchemy import delete, select

from marketplace.notifications.models import ChannelChoice, ContactPoint, Notification, OutboxMessage


def export_person(session, profile, cipher=None, **_) -> dict:
    uid = profile.user_id
    if uid is None:
        return {}
    choice = session.get(ChannelChoice, uid)

    def at(moment):
        return moment and moment.isoformat()

    return {
        "notifications": [{"kind": n.kind, "zh": n.text_zh, "en": n.text_en, "link": n.link,
                           "created_at": at(n.created_at), "read_at": at(n.read_at)}
                          for n in session.scalars(select(Notification).where(Notification.user_id == uid)
                                                   .order_by(Notification.id))],
        "message_contacts": [{"channel": c.channel, "address": cipher.decrypt(c.address_enc) if cipher else None,
                              "verified_at": at(c.verified_at)}
                             for c in session.scalars(select(ContactPoint).where(ContactPoint.user_id == uid))],
        "message_channels": {"sms": bool(choice and choice.sms), "email": bool(choice and choice.email)},
        "messages_sent": [{"channel": m.channel, "body": m.body, "state": m.state, "sent_at": at(m.sent_at)}
                          for m in session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == uid)
                                                   .order_by(OutboxMessage.id))],
    }


def forget_person(session, profile, user=None, **_) -> None:
    uid = user.id if user is not None else profile.user_id
    if uid is None:
        return
    for model in (ContactPoint, OutboxMessage, Notification):
        session.execute(delete(model).where(model.user_id == uid))
    session.execute(delete(ChannelChoice).where(ChannelChoice.user_id == uid))
    session.flush()
