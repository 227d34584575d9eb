"""Append-only audit log: who changed what, when, from what to what, and why."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.models.base import Base, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: when (UTC)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    #: acting user id (kept as a number, not a foreign key, so entries outlive accounts)
    actor_id: Mapped[int | None]
    #: entity type, e.g. profile, posting, application
    entity: Mapped[str] = mapped_column(String(32))
    #: entity id
    entity_id: Mapped[int | None]
    #: verb, e.g. create, update, stage
    action: Mapped[str] = mapped_column(String(32))
    #: state before (masked personal data only)
    before: Mapped[dict | None]
    #: state after (masked personal data only)
    after: Mapped[dict | None]
    #: reason given by the actor
    reason: Mapped[str] = mapped_column(Text, default="")
