"""Internship agreements (见习协议), their interruptions, subsidy claims and agency introductions
(notifications are the shared ``marketplace.notifications`` service).

Amounts are exact (``Numeric`` → ``Decimal``) and always computed by ``marketplace.policy``;
the columns only keep what was decided, with the rule and its reason beside it.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.models.base import Base, utcnow

AGREEMENT_STATUSES = ("active", "finished", "contract", "left")
CLAIM_KINDS = ("internship", "hiring_r6", "epidemic_r7", "referral_r7", "hubei_graduate")
CLAIM_STATES = ("draft", "submitted", "approved", "rejected", "paid")
#: claim states that count against what may still be claimed (a pending claim is not claimed twice)
COUNTED = ("submitted", "approved", "paid")
#: claim states that granted money
GRANTED = ("approved", "paid")
#: hire subsidies paid to the employer (R6 and R7 exclude each other for one person)
HIRE_KINDS = ("hiring_r6", "epidemic_r7")
KIND_NAMES = {"internship": ("就业见习补贴", "internship subsidy"),
              "hiring_r6": ("一次性吸纳就业补贴（R6）", "one-time hiring subsidy (R6)"),
              "epidemic_r7": ("疫情期间新招用补贴（R7）", "epidemic-period hire subsidy (R7)"),
              "referral_r7": ("职业介绍补贴（R7）", "referral subsidy (R7)"),
              "hubei_graduate": ("湖北籍高校毕业生一次性求职创业补贴（R15）",
                                 "one-time job-seeking subsidy for Hubei-origin graduates (R15)")}
STATE_NAMES = {"draft": ("草稿", "draft"), "submitted": ("已提交", "submitted"), "approved": ("已批准", "approved"),
               "rejected": ("已驳回", "rejected"), "paid": ("已拨付", "paid")}


class InternshipAgreement(Base):
    __tablename__ = "internship_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the hired application on an internship posting this agreement comes from (one agreement each)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    #: the intern
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id"), index=True)
    #: the unit (见习单位), which claims the subsidy
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: the internship posting
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id"), index=True)
    #: first day of the internship (S)
    start_on: Mapped[dt.date]
    #: agreed period in whole months (P, 3–12)
    period_months: Mapped[int]
    #: subsidy rate in yuan per month (r), taken from the policy set on the start date
    monthly_rate: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    #: active, finished, contract (labour contract signed) or left
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    #: the day the internship ended (T); null while active
    outcome_on: Mapped[dt.date | None]
    #: the intern is a college graduate (高校毕业生), which R4 needs
    graduate: Mapped[bool] = mapped_column(default=True)
    #: name of the policy set that judges this agreement
    policy_set: Mapped[str] = mapped_column(String(64))
    #: the set's version in force on the start date, which decided R1 and the rate (null: made before versions)
    policy_version: Mapped[str | None] = mapped_column(String(16))
    #: the set's version that decided the entitlement (R2/R4) on the outcome date
    entitlement_policy_version: Mapped[str | None] = mapped_column(String(16))
    #: the entitlement once ended (null while active: it is then computed to date)
    entitlement: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    #: the rule that decided the entitlement (R2, R4)
    entitlement_rule: Mapped[str | None] = mapped_column(String(8))
    #: why, in Chinese
    entitlement_reason_zh: Mapped[str] = mapped_column(Text, default="")
    #: why, in English
    entitlement_reason_en: Mapped[str] = mapped_column(Text, default="")
    #: the employer's staff member who made it
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: created (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: last change (UTC)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    profile = relationship("Profile")
    organisation = relationship("Organisation")
    posting = relationship("Posting")
    interruptions = relationship("InternshipInterruption", back_populates="agreement", cascade="all, delete-orphan",
                                 order_by="InternshipInterruption.from_on")


class InternshipInterruption(Base):
    __tablename__ = "internship_interruptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the agreement
    agreement_id: Mapped[int] = mapped_column(ForeignKey("internship_agreements.id", ondelete="CASCADE"), index=True)
    #: first day away
    from_on: Mapped[dt.date]
    #: first day back (exclusive); pages ask for the last day away and add one day
    to_on: Mapped[dt.date]
    #: a reason code of the policy set (epidemic extends the period, R3)
    reason: Mapped[str] = mapped_column(String(32))
    #: the employer's note
    note: Mapped[str] = mapped_column(Text, default="")
    #: who recorded it
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: recorded (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    agreement = relationship("InternshipAgreement", back_populates="interruptions")


class SubsidyClaim(Base):
    __tablename__ = "subsidy_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: internship, hiring_r6, epidemic_r7, referral_r7 or hubei_graduate (R15)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    #: the claimant (unit, enterprise or HR agency); none for a person's own R15 claim
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: the person the subsidy is for
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id"), index=True)
    #: internship claims: the agreement
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("internship_agreements.id"), index=True)
    #: hiring and referral claims: the hired application
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    #: draft, submitted, approved, rejected or paid
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    #: amount claimed in yuan (set by the policy engine, never typed in)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"))
    #: internship claims: earned from this day
    period_from_on: Mapped[dt.date | None]
    #: internship claims: earned up to this day (exclusive)
    period_to_on: Mapped[dt.date | None]
    #: the claim pays the remainder of a grown entitlement (R4) after earlier approved claims
    top_up: Mapped[bool] = mapped_column(default=False)
    #: the rule of the policy decision (R2, R4, R6, R7)
    rule: Mapped[str] = mapped_column(String(8), default="")
    #: the policy set that priced the claim (null: made before versions were kept)
    policy_set: Mapped[str | None] = mapped_column(String(64))
    #: the set's version that priced it (the version in force on the claim's event date)
    policy_version: Mapped[str | None] = mapped_column(String(16))
    #: the decision's reason, in Chinese
    reason_zh: Mapped[str] = mapped_column(Text, default="")
    #: the decision's reason, in English
    reason_en: Mapped[str] = mapped_column(Text, default="")
    #: facts the claimant stated (contract date and term, social insurance, funding source ...)
    facts: Mapped[dict] = mapped_column(default=dict)
    #: fraud-check flags: list of {code, zh, en}
    flags: Mapped[list] = mapped_column(default=list)
    #: hiring claims: "kind:person" (R6) or "kind:application" while not rejected, so a
    #: double submission meets the unique constraint and is paid once
    once_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: the day it was submitted (judged against the claim deadline, R5)
    submitted_on: Mapped[dt.date | None]
    #: the caseworker who approved or rejected it
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: when it was approved or rejected (UTC)
    decided_at: Mapped[dt.datetime | None]
    #: the caseworker's reason or justification
    decision_note: Mapped[str] = mapped_column(Text, default="")
    #: when it was marked paid (UTC)
    paid_at: Mapped[dt.datetime | None]
    #: who made it
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: created (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: last change (UTC)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation = relationship("Organisation")
    profile = relationship("Profile")
    agreement = relationship("InternshipAgreement")
    application = relationship("Application")


class Introduction(Base):
    """An HR agency's introduction (职业介绍) of a person to another employer's posting: the
    record an R7 referral subsidy is paid on. The claim counts only the agency whose
    introduction came first and before the person applied (``services.introductions``)."""
    __tablename__ = "introductions"
    __table_args__ = (UniqueConstraint("organisation_id", "profile_id", "posting_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the HR agency that made the introduction
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: the person introduced
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"), index=True)
    #: the posting the person was introduced to
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id"), index=True)
    #: the agency's staff member who recorded it
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: recorded (UTC); the order of introductions and applications is judged on it
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: the agency's words to the person and the employer (why this post suits them)
    note: Mapped[str] = mapped_column(Text, default="")

    organisation = relationship("Organisation")
    profile = relationship("Profile")
    posting = relationship("Posting")
