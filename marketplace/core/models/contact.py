"""Contact between people (PIPL): who opened whose profile or phone and why, interviews
proposed on an application, and the messages of an application's thread."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.models.base import Base, utcnow

#: why a caseworker reveals a person's phone (跟踪回访, 职业介绍, 政策告知, 补贴核查, 其他)
PURPOSES = {"follow_up": ("跟踪回访", "follow-up call"), "job_referral": ("职业介绍", "job referral"),
            "policy_notice": ("政策告知", "telling about a policy"), "claim_check": ("补贴核查", "checking a claim"),
            "other": ("其他", "other")}
#: an application interview's states; proposed and reschedule_asked wait for someone's answer
INTERVIEW_STATUSES = ("proposed", "accepted", "declined", "reschedule_asked", "replaced", "cancelled")


class ContactLog(Base):
    """One opening of a person's profile or phone by someone else (append-only)."""
    __tablename__ = "contact_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: whose profile or phone was opened
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"), index=True)
    #: who opened it
    viewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: the viewer's organisation (employers), null for caseworkers
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    #: the application it was opened for (employers), null for caseworkers
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    #: applicant_profile (an employer opened an applicant's profile and phone) or phone (a caseworker's reveal)
    kind: Mapped[str] = mapped_column(String(20))
    #: why (PURPOSES for a caseworker; "application" for an employer)
    purpose: Mapped[str] = mapped_column(String(20))
    #: the viewer's words on the purpose (cleared when the person's data is deleted)
    note: Mapped[str] = mapped_column(Text, default="")
    #: when (UTC)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    viewer = relationship("User")
    organisation = relationship("Organisation")


class ApplicationInterview(Base):
    """An interview an employer proposes on an application (not a fair's): one or more times,
    a place or an online link; the person accepts one, declines or asks for another time."""
    __tablename__ = "application_interviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the application
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    #: one of INTERVIEW_STATUSES
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    #: the times offered, ISO naive UTC strings, earliest first
    options: Mapped[list] = mapped_column(default=list)
    #: how long, in minutes
    duration_minutes: Mapped[int] = mapped_column(default=30)
    #: where (address), empty when online
    place: Mapped[str] = mapped_column(String(200), default="")
    #: the online meeting link, empty when in person
    online_link: Mapped[str] = mapped_column(String(300), default="")
    #: the employer's note to the person
    note: Mapped[str] = mapped_column(Text, default="")
    #: the time the person accepted (UTC)
    starts_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    #: the person's words when declining or asking for another time
    person_note: Mapped[str] = mapped_column(Text, default="")
    #: who proposed it
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: proposed (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: the person's answer (UTC)
    answered_at: Mapped[dt.datetime | None]
    #: the day-before reminder went out (UTC); the reminder task's lock
    reminded_at: Mapped[dt.datetime | None]

    application = relationship("Application")


class ApplicationMessage(Base):
    """A short text on an application's thread, between the employer and the applicant."""
    __tablename__ = "application_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the application (its thread)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    #: person or employer
    side: Mapped[str] = mapped_column(String(10))
    #: who wrote it
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: the text (no attachments)
    body: Mapped[str] = mapped_column(Text)
    #: sent (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: read by the other side (UTC)
    read_at: Mapped[dt.datetime | None]
