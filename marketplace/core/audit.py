"""Append-only audit log. Entries are only ever inserted; nothing updates or deletes them."""
from __future__ import annotations

from sqlalchemy.orm import Session

from marketplace.core.models import AuditEntry, User


def record(session: Session, actor: User | None, entity: str, entity_id: int | None, action: str,
           before: dict | None = None, after: dict | None = None, reason: str = "") -> None:
    session.add(AuditEntry(actor_id=actor.id if actor else None, entity=entity, entity_id=entity_id,
                           action=action, before=before, after=after, reason=reason))
