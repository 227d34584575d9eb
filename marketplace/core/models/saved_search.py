"""A person's saved posting search, for daily alerts of new matching postings."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.models.base import Base, utcnow


class SavedSearch(Base):
    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: whose search (alerts go to them)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: the words, as searched (normalised)
    q: Mapped[str] = mapped_column(String(100), default="")
    #: the page's filters: kind, district, education, salary_min (absent: any)
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    #: saved (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: postings published after this are new to the person (UTC; saving counts as seeing)
    checked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: the day of the last alert: at most one a day
    alerted_on: Mapped[dt.date | None] = mapped_column(default=None)
