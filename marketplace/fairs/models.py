"""Job fairs (双选会): the fair, its booths, people's registrations and check-ins, and
interviews between booths and people.

Slots are the fair's time slots, kept on the fair as a list of labels ("09:00-09:30");
an interview's ``slot`` is an index into that list. Personal numbers are never stored
here: check-in by ID or phone goes through the profile's blind index.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.models.base import Base, utcnow

FAIR_MODES = ("onsite", "online", "both")
FAIR_STATUSES = ("open", "closed")
BOOTH_STATUSES = ("applied", "approved", "rejected", "cancelled")
INTERVIEW_STATUSES = ("requested", "confirmed", "cancelled", "done")
INTERVIEW_OUTCOMES = ("intent", "offer", "hired", "not_suitable")
CHECKIN_METHODS = ("qr", "id_number", "phone", "online")


class Fair(Base):
    __tablename__ = "fairs"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the organiser who created it
    organiser_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: name shown to everyone
    name: Mapped[str] = mapped_column(String(200))
    #: onsite, online or both
    mode: Mapped[str] = mapped_column(String(8), default="onsite")
    #: the day of the fair
    held_on: Mapped[dt.date]
    #: hall and address (empty for an online fair)
    venue: Mapped[str] = mapped_column(String(200), default="")
    #: interview time slots, labels in order ("09:00-09:30", ...)
    slots: Mapped[list] = mapped_column(default=list)
    #: open (booths and people may register) or closed
    status: Mapped[str] = mapped_column(String(8), default="open", index=True)
    #: the slot under way in the hall (allocation fills this one and later ones)
    current_slot: Mapped[int] = mapped_column(default=0)
    #: what the fair is about
    description: Mapped[str] = mapped_column(Text, default="")
    #: created (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organiser = relationship("User")
    booths = relationship("Booth", back_populates="fair", order_by="Booth.id")


class Booth(Base):
    __tablename__ = "fair_booths"
    __table_args__ = (UniqueConstraint("fair_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the fair
    fair_id: Mapped[int] = mapped_column(ForeignKey("fairs.id", ondelete="CASCADE"), index=True)
    #: the employer at the booth
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: applied, approved or rejected (by the organiser), or cancelled (issue 15)
    status: Mapped[str] = mapped_column(String(10), default="applied", index=True)
    #: ids of the organisation's published postings brought to the fair
    posting_ids: Mapped[list] = mapped_column(default=list)
    #: recruiters at the booth
    recruiters: Mapped[int] = mapped_column(default=1)
    #: interviews each recruiter can hold in one slot
    per_slot: Mapped[int] = mapped_column(default=1)
    #: booth number or place in the hall, set by the organiser
    place: Mapped[str] = mapped_column(String(32), default="")
    #: the organiser's reason when rejecting
    decision_note: Mapped[str] = mapped_column(Text, default="")
    #: who applied
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: applied (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: approved or rejected (UTC)
    decided_at: Mapped[dt.datetime | None]

    fair = relationship("Fair", back_populates="booths")
    organisation = relationship("Organisation")

    @property
    def capacity(self) -> int:
        """Interviews the booth can hold in one slot."""
        return self.recruiters * self.per_slot


class FairRegistration(Base):
    __tablename__ = "fair_registrations"
    __table_args__ = (UniqueConstraint("fair_id", "profile_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the fair
    fair_id: Mapped[int] = mapped_column(ForeignKey("fairs.id", ondelete="CASCADE"), index=True)
    #: the person
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"), index=True)
    #: pre-registered (UTC); equals the check-in time for walk-ins
    registered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: checked in at the door (UTC); null until then
    checked_in_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    #: qr, id_number, phone (at the door) or online (joined an online fair from their own account)
    checkin_method: Mapped[str] = mapped_column(String(12), default="")
    #: the organiser who checked the person in
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    fair = relationship("Fair")
    profile = relationship("Profile")


class Interview(Base):
    __tablename__ = "fair_interviews"
    __table_args__ = (UniqueConstraint("booth_id", "profile_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the fair
    fair_id: Mapped[int] = mapped_column(ForeignKey("fairs.id", ondelete="CASCADE"), index=True)
    #: the booth
    booth_id: Mapped[int] = mapped_column(ForeignKey("fair_booths.id", ondelete="CASCADE"), index=True)
    #: the person
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"), index=True)
    #: the booth's posting it is about (the best match when not chosen)
    posting_id: Mapped[int | None] = mapped_column(ForeignKey("postings.id"))
    #: person (asked the booth) or booth (invited the person)
    requested_by: Mapped[str] = mapped_column(String(8))
    #: requested, confirmed, cancelled or done
    status: Mapped[str] = mapped_column(String(10), default="requested", index=True)
    #: index into the fair's slots once confirmed
    slot: Mapped[int | None]
    #: match quality when requested (the allocation maximises the sum)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    #: intent, offer, hired or not_suitable; null until recorded
    outcome: Mapped[str | None] = mapped_column(String(16))
    #: the application the outcome flowed into
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    #: what happened to the subsidy side (e.g. "internship hire: agreement pending (R1)")
    subsidy_note: Mapped[str] = mapped_column(Text, default="")
    #: note of whoever changed it last
    note: Mapped[str] = mapped_column(Text, default="")
    #: requested (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: last change (UTC)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    booth = relationship("Booth")
    profile = relationship("Profile")
    posting = relationship("Posting")
    application = relationship("Application")


class BoardLink(Base):
    """A link that opens the fair's hall display on a screen without logging in (issue 16).
    Only the SHA-256 of its secret is kept (the organiser sees the link once, when it is
    made); it stops working when the fair's day ends in Fushun, or when revoked."""
    __tablename__ = "fair_board_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the fair whose board the link shows
    fair_id: Mapped[int] = mapped_column(ForeignKey("fairs.id", ondelete="CASCADE"), index=True)
    #: SHA-256 (hex) of the link's secret; the secret itself is never stored
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the link stops working at this moment (UTC): the end of the fair's day in Fushun
    expires_at: Mapped[dt.datetime]
    #: revoked or replaced by a new link (UTC); null while it works
    revoked_at: Mapped[dt.datetime | None]
    #: the organiser who made it
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: who revoked it (or replaced it by a new one)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: made (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    created_by = relationship("User", foreign_keys=[created_by_id])
