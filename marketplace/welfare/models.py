"""Unemployment registration, hard-to-employ status, referrals, public-welfare placements
and the monthly follow-up (POLICY.md R8–R12, plan items (十五), (十六), (十九)).

The registration is the record; the profile's ``registered_unemployed`` category is a
mirror the welfare services keep in sync (added with ``since_on`` = the registration
date when a registration opens, removed when it ends). A category a person ticks in the
profile form without a registration is only a claim until a caseworker registers them.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.models.base import Base, utcnow

REGISTRATION_BASES = ("hukou", "residence")
REGISTRATION_CHANNELS = ("online", "desk")
REGISTRATION_END_REASONS = ("hired_in_system", "placed_public_welfare", "employed", "self_employed", "moved_away",
                            "retired", "other")
HTE_BASES = ("registered", "reference")
REFERRAL_OUTCOMES = ("hired", "not_hired", "refused")
PLACEMENT_END_REASONS = ("term_ended", "stable_work", "left", "other")
CONTACT_CHANNELS = ("phone", "visit", "online")


class Registration(Base):
    """One unemployment registration (失业登记); a person has at most one open at a time."""

    __tablename__ = "welfare_registrations"
    __table_args__ = (Index("uq_welfare_registrations_open", "profile_id", unique=True,
                            sqlite_where=text("ended_on IS NULL"), postgresql_where=text("ended_on IS NULL")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the person
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"), index=True)
    #: district of registration (household or usual residence)
    district: Mapped[str] = mapped_column(String(32), index=True)
    #: hukou (household registration district) or residence (usual district)
    basis: Mapped[str] = mapped_column(String(16))
    #: online (by the person) or desk (by a caseworker)
    channel: Mapped[str] = mapped_column(String(16))
    #: date of registration; continuous unemployment for R8 counts from here
    registered_on: Mapped[dt.date]
    #: caseworker who registered at the desk or confirmed an online registration
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: when it was confirmed (UTC); only confirmed registrations count for R8
    confirmed_at: Mapped[dt.datetime | None]
    #: a woman's original statutory retirement age (50 or 55), needed by R11; null for men
    original_retirement_age: Mapped[int | None]
    #: achieved flexible employment or self-employment while registered (R8 condition)
    flexible_or_self_employed: Mapped[bool] = mapped_column(default=False)
    #: last day of the registration (deregistration), null while open
    ended_on: Mapped[dt.date | None]
    #: why it ended (REGISTRATION_END_REASONS)
    end_reason: Mapped[str | None] = mapped_column(String(32))
    #: free-text note on the end (e.g. which posting hired the person)
    end_note: Mapped[str] = mapped_column(Text, default="")
    #: who ended it (null when the system did, on a hire)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: created (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    profile = relationship("Profile")


class HardToEmployStatus(Base):
    """A person's hard-to-employ status (R8), with its ground and who confirmed it."""

    __tablename__ = "welfare_hard_to_employ"
    __table_args__ = (Index("uq_welfare_hard_to_employ_open", "profile_id", unique=True,
                            sqlite_where=text("revoked_on IS NULL"), postgresql_where=text("revoked_on IS NULL")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the person
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"), index=True)
    #: registered (就业困难人员认定) or reference (R8 reference categories)
    basis: Mapped[str] = mapped_column(String(16))
    #: R8 reference category code of the policy set (reference basis only)
    category: Mapped[str | None] = mapped_column(String(40))
    #: the R8 decision (reason and conditions with their records) when granted
    ground: Mapped[dict] = mapped_column(default=dict)
    #: the caseworker's note (e.g. the certificate number of a registered status)
    note: Mapped[str] = mapped_column(Text, default="")
    #: date the status was granted
    granted_on: Mapped[dt.date]
    #: the caseworker who confirmed it
    confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: when it was confirmed (UTC)
    confirmed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: date it stopped applying, null while in force
    revoked_on: Mapped[dt.date | None]
    #: why it stopped applying
    revoked_reason: Mapped[str] = mapped_column(Text, default="")

    profile = relationship("Profile")
    confirmed_by = relationship("User")


class Referral(Base):
    """A caseworker's referral of a person to a posting and its outcome (counts for R8)."""

    __tablename__ = "welfare_referrals"
    __table_args__ = (UniqueConstraint("profile_id", "posting_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the person referred
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"), index=True)
    #: the posting referred to
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id"), index=True)
    #: the caseworker who referred
    referred_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: date of the referral
    referred_on: Mapped[dt.date]
    #: why this work suits the person's health and ability (R8 "相适应")
    note: Mapped[str] = mapped_column(Text, default="")
    #: hired, not_hired or refused (by the person); null while waiting
    outcome: Mapped[str | None] = mapped_column(String(16), index=True)
    #: date of the outcome
    outcome_on: Mapped[dt.date | None]
    #: what happened, in the caseworker's words
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    #: who recorded the outcome
    outcome_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: created (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    profile = relationship("Profile")
    posting = relationship("Posting")


class Placement(Base):
    """A placement of a person on a public-welfare post (R9, R10)."""

    __tablename__ = "welfare_placements"
    __table_args__ = (Index("uq_welfare_placements_open", "profile_id", unique=True,
                            sqlite_where=text("ended_on IS NULL"), postgresql_where=text("ended_on IS NULL")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the person placed
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"), index=True)
    #: the public-welfare post
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id"), index=True)
    #: district whose quota the placement counts against (the post's district)
    district: Mapped[str] = mapped_column(String(32), index=True)
    #: who placed the person
    placed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: first day on the post
    start_on: Mapped[dt.date]
    #: term in whole months
    term_months: Mapped[int]
    #: the term's end (start + term)
    end_on: Mapped[dt.date]
    #: a temporary post (term 3–6 months)
    temporary: Mapped[bool] = mapped_column(default=False)
    #: the person's cumulative placement number (R10: 2, a third only with justification)
    placement_number: Mapped[int] = mapped_column(default=1)
    #: R9 tier when placed
    tier: Mapped[int] = mapped_column(default=2)
    #: rank in the queue when placed, and why (R9 reason)
    rank_reason: Mapped[dict] = mapped_column(default=dict)
    #: fund code paying the placement (R10)
    fund: Mapped[str] = mapped_column(String(40))
    #: supervisor's recorded justification for a placement beyond the limit
    justification: Mapped[str] = mapped_column(Text, default="")
    #: the rule decisions checked when placing (R8, R9, R10), as shown to the caseworker
    decisions: Mapped[list] = mapped_column(default=list)
    #: end of the one extension (R10), null when not extended
    extended_to_on: Mapped[dt.date | None]
    #: fund paying the extension (R10 continued placement)
    extension_fund: Mapped[str | None] = mapped_column(String(40))
    #: who extended it
    extended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: last day on the post, null while running
    ended_on: Mapped[dt.date | None]
    #: why it ended (PLACEMENT_END_REASONS)
    end_reason: Mapped[str | None] = mapped_column(String(16))
    #: awaiting a caseworker's review: a correction of a record its R8 decision rested on
    #: refused that decision ({"zh", "en", "record", "since"}; ``welfare.rechecks``); {} when none
    review: Mapped[dict] = mapped_column(default=dict)
    #: created (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    profile = relationship("Profile")
    posting = relationship("Posting")

    @property
    def current_end_on(self) -> dt.date:
        return self.extended_to_on or self.end_on


class FollowUp(Base):
    """One month's follow-up task for a registered unemployed person (R12)."""

    __tablename__ = "welfare_follow_ups"
    __table_args__ = (UniqueConstraint("registration_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the registration followed up
    registration_id: Mapped[int] = mapped_column(ForeignKey("welfare_registrations.id", ondelete="CASCADE"),
                                                 index=True)
    #: the person (denormalised for lists)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"), index=True)
    #: district of the registration
    district: Mapped[str] = mapped_column(String(32), index=True)
    #: calendar month YYYY-MM
    month: Mapped[str] = mapped_column(String(7), index=True)
    #: caseworker assigned
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: grade by need: 0 hard-to-employ first, 1 others (分级分类)
    grade: Mapped[int] = mapped_column(default=1)
    #: date of the first contact of the month, null while due
    contacted_on: Mapped[dt.date | None]
    #: created (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    profile = relationship("Profile")
    registration = relationship("Registration")
    assigned_to = relationship("User")
    contacts = relationship("FollowUpContact", back_populates="follow_up", order_by="FollowUpContact.id",
                            cascade="all, delete-orphan")


class FollowUpContact(Base):
    """A contact made for a follow-up: phone, visit or online, with notes."""

    __tablename__ = "welfare_follow_up_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the month's task
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("welfare_follow_ups.id", ondelete="CASCADE"), index=True)
    #: phone, visit or online
    channel: Mapped[str] = mapped_column(String(16))
    #: date of the contact
    contacted_on: Mapped[dt.date]
    #: what was said and agreed
    note: Mapped[str] = mapped_column(Text, default="")
    #: the caseworker who made it
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: recorded (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    follow_up = relationship("FollowUp", back_populates="contacts")
