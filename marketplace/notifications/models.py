"""The in-app notification (one row per recipient and dedupe key)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.models.base import Base, utcnow


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the recipient
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: what it is about, e.g. internship_ending, one_third_reached, no_claim
    kind: Mapped[str] = mapped_column(String(32))
    #: dedupe key: a task that runs twice creates nothing twice
    key: Mapped[str] = mapped_column(String(120))
    #: text in Chinese
    text_zh: Mapped[str] = mapped_column(Text)
    #: text in English
    text_en: Mapped[str] = mapped_column(Text)
    #: a page to open
    link: Mapped[str] = mapped_column(String(200), default="")
    #: created (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: when the recipient marked it read (UTC)
    read_at: Mapped[dt.datetime | None]
