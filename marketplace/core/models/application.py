"""Applications and the history of their stages."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.models.base import Base, utcnow

# "invited": an employer invited the person (from ranked candidates); the person accepts
# (→ applied) or declines (→ withdrawn). Nothing else moves until the person answers.
STAGES = ("invited", "applied", "screening", "interview", "offer", "hired", "rejected", "withdrawn")
OPEN_STAGES = ("invited", "applied", "screening", "interview", "offer")


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (UniqueConstraint("posting_id", "profile_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the posting applied to
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id"), index=True)
    #: the applicant
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"), index=True)
    #: current stage, one of STAGES
    stage: Mapped[str] = mapped_column(String(16), default="applied")
    #: the applicant's cover note
    note: Mapped[str] = mapped_column(Text, default="")
    #: eligibility (R1/R8/R14) as decided on the application date: {"application": Verdict.to_json()}
    eligibility: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    #: applied (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: last stage change (UTC)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    posting = relationship("Posting")
    profile = relationship("Profile")
    events = relationship("ApplicationEvent", back_populates="application", order_by="ApplicationEvent.id",
                          cascade="all, delete-orphan")


class ApplicationEvent(Base):
    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the application
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    #: stage before (null when created)
    from_stage: Mapped[str | None] = mapped_column(String(16))
    #: stage after
    to_stage: Mapped[str] = mapped_column(String(16))
    #: who moved it
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: when (UTC)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: why, in the actor's words
    note: Mapped[str] = mapped_column(Text, default="")

    application = relationship("Application", back_populates="events")
    actor = relationship("User")
