"""The notification centre and settings over ``/api/v1`` (every signed-in role)."""
from __future__ import annotations

from marketplace.errors import DomainError
from marketplace.notifications import contacts, service
from marketplace.notifications.schemas import ChannelsIn, CodeIn, ContactIn
from marketplace.web import cipher, db
from marketplace.web.api import bp
from marketplace.web.apispec import SIGNED_IN, api_route
from marketplace.web.i18n import current_lang


@api_route(bp, "/notifications", roles=SIGNED_IN, summary="My notifications, newest first, with the unread count")
def my_notifications(actor):
    s, lang = db(), current_lang()
    return {"items": [service.to_dict(n, lang) for n in service.centre(s, actor, 100)],
            "unread": service.unread_count(s, actor)}


@api_route(bp, "/notifications/<int:notification_id>/read", ["POST"], SIGNED_IN, "Mark a notification read")
def read_notification(actor, notification_id):
    n = service.mark_read(db(), actor, notification_id)
    return {"id": n.id, "read_at": n.read_at.isoformat()}


@api_route(bp, "/notifications/read-all", ["POST"], SIGNED_IN, "Mark all my notifications read")
def read_all_notifications(actor):
    return {"marked": service.mark_all_read(db(), actor), "unread": 0}


@api_route(bp, "/notifications/settings", roles=SIGNED_IN, summary="My channels and verified phone / e-mail")
def notification_settings(actor):
    return contacts.settings_view(db(), cipher(), actor)


@api_route(bp, "/notifications/settings", ["PUT"], SIGNED_IN, "Choose SMS and e-mail (each needs a verified address)",
           body=ChannelsIn)
def choose_channels(actor, data: ChannelsIn):
    contacts.set_channels(db(), actor, data.sms, data.email)
    return contacts.settings_view(db(), cipher(), actor)


@api_route(bp, "/notifications/contacts", ["POST"], SIGNED_IN, "Add a phone or e-mail; a code is sent to it",
           body=ContactIn)
def add_contact(actor, data: ContactIn):
    contacts.add(db(), cipher(), actor, data.channel, data.address)
    return contacts.settings_view(db(), cipher(), actor)


@api_route(bp, "/notifications/contacts/confirm", ["POST"], SIGNED_IN, "Confirm a phone or e-mail with its code",
           body=CodeIn)
def confirm_contact(actor, data: CodeIn):
    try:
        contacts.confirm(db(), actor, data.channel, data.code)
    except DomainError:
        contacts.keep_failures(db())  # wrong codes count although the answer is a refusal
        raise
    return contacts.settings_view(db(), cipher(), actor)
