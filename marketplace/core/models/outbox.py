"""Tasks waiting for the broker to come back."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.models.base import Base, utcnow


class TaskOutbox(Base):
    __tablename__ = "task_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Celery task name
    task_name: Mapped[str] = mapped_column(String(100))
    #: positional arguments as JSON (ids only)
    args_json: Mapped[str] = mapped_column(Text)
    #: when the send failed (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
