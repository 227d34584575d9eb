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
    #: yuan withheld from this claim's payment to offset the organisation's overpayments
    withheld: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"))
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
    record an R7 referral subsidy is paid on. It counts only once the person has accepted it,
    and only if they accepted before their first approach to the posting
    (``internships.introductions``, ``policy.introduction_counts``)."""
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
    #: the person's answer: unanswered, accepted or declined (only an accepted one can count, R7)
    answer: Mapped[str] = mapped_column(String(16), default="unanswered")
    #: when the person last answered (UTC); an acceptance counts only if no later than their first approach
    answered_at: Mapped[dt.datetime | None]
    #: how the answer on record was given: "online" (the person, on the site), or told to a
    #: caseworker "phone" / "in_person" and recorded by them (``answer_for``); "" unanswered
    answered_via: Mapped[str] = mapped_column(String(16), default="")
    #: who recorded the answer on record: the person themselves, or the caseworker they told
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    organisation = relationship("Organisation")
    profile = relationship("Profile")
    posting = relationship("Posting")


#: what a confirmation is about: an agreement (start, period, outcome and its interruptions,
#: typed by the unit), a hire's labour contract, a hire's social-insurance declaration
FACT_RECORDS = ("agreement", "contract", "insurance")
OVERPAYMENT_STATES = ("open", "recovery", "settled", "recovered")


class LabourContract(Base):
    """The labour contract (劳动合同) an employer signed with a hired person: what R6 and R7
    read for the contract's date and length (never retyped in a claim)."""
    __tablename__ = "labour_contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the hired application the contract belongs to (one contract each)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    #: the employer that signed it
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: the employee
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id"), index=True)
    #: the day it was signed
    signed_on: Mapped[dt.date]
    #: its length in whole months
    months: Mapped[int]
    #: the employer's staff member who recorded it (or last corrected it)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: recorded (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organisation = relationship("Organisation")
    profile = relationship("Profile")


class InsuranceDeclaration(Base):
    """The employer's declaration of its monthly social-insurance contribution for a hired
    person and of any make-up payment (补缴): shown as declared until a caseworker confirms it
    against the evidence."""
    __tablename__ = "insurance_declarations"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the hired application it is about (one declaration each)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    #: the declaring employer
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: the insured person
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id"), index=True)
    #: the enterprise's monthly contribution for the person, in yuan
    monthly_amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    #: the day the make-up payment (R7) was made; null when none is declared
    makeup_paid_on: Mapped[dt.date | None]
    #: who declared it (or last corrected it)
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: declared (UTC)
    declared_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organisation = relationship("Organisation")
    profile = relationship("Profile")


class FactConfirmation(Base):
    """Someone who does not benefit confirmed (or the person disputed) a record a subsidy
    rests on, as it stood then: ``facts`` is that state, so a later change needs a new
    confirmation. The latest row of a record counts."""
    __tablename__ = "fact_confirmations"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: agreement, contract or insurance
    record: Mapped[str] = mapped_column(String(16))
    #: the agreement's or the hired application's id
    record_id: Mapped[int] = mapped_column(index=True)
    #: the record's facts as confirmed or disputed
    facts: Mapped[dict] = mapped_column(default=dict)
    #: confirmed or disputed
    verdict: Mapped[str] = mapped_column(String(16))
    #: who (the person, a caseworker)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: their role then (person, caseworker, admin)
    role: Mapped[str] = mapped_column(String(16))
    #: what was checked, or why it is disputed
    note: Mapped[str] = mapped_column(Text, default="")
    #: when (UTC)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    by = relationship("User")


class Overpayment(Base):
    """Money granted above an entitlement that a later change lowered: offset against the
    organisation's next approved claim, or recovered."""
    __tablename__ = "overpayments"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the organisation that was overpaid
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: the person the subsidy was for
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id"), index=True)
    #: the granted claim that paid too much (the latest one)
    claim_id: Mapped[int] = mapped_column(ForeignKey("subsidy_claims.id"), index=True)
    #: internship claims: the agreement
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("internship_agreements.id"), index=True)
    #: the rule of the lowered entitlement (R2, R4, R6, R7)
    rule: Mapped[str] = mapped_column(String(8))
    #: yuan overpaid
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    #: yuan not yet offset or recovered
    outstanding: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    #: the change that caused it (agreement outcome, interruption, contract, insurance)
    cause: Mapped[str] = mapped_column(String(32))
    #: what changed and the entitlement before and after, in Chinese
    cause_zh: Mapped[str] = mapped_column(Text, default="")
    #: the same in English
    cause_en: Mapped[str] = mapped_column(Text, default="")
    #: open (offset against the next approved claim), recovery, settled or recovered
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    #: offsets against later claims: [{claim_id, amount}]
    offsets: Mapped[list] = mapped_column(default=list)
    #: the caseworker's note on recovery
    recovery_note: Mapped[str] = mapped_column(Text, default="")
    #: who made the change that caused it
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: recorded (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: last change (UTC)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation = relationship("Organisation")
    profile = relationship("Profile")
    claim = relationship("SubsidyClaim")


class ClaimEvidence(Base):
    """A paper a claim carries (考勤, the labour contract, the social-insurance payment record:
    ``marketplace.policy.policy_set.EVIDENCE_KINDS``), uploaded by the claiming unit. The file
    lies outside the web root under a random name (``internships.evidence``); it is the
    unit's record of public money, kept until ``retain_until_on`` even after the person asks
    for deletion (then shown to caseworkers only), and removed at that date."""
    __tablename__ = "claim_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the claim it supports
    claim_id: Mapped[int] = mapped_column(ForeignKey("subsidy_claims.id"), index=True)
    #: attendance, labour_contract or social_insurance
    kind: Mapped[str] = mapped_column(String(32))
    #: the random file name under the instance's evidence folder (never the uploaded name)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    #: the name the uploader's file had, shown to readers only
    original_name: Mapped[str] = mapped_column(String(200), default="")
    #: application/pdf, image/jpeg or image/png, decided from the content
    content_type: Mapped[str] = mapped_column(String(32))
    #: bytes stored
    size: Mapped[int]
    #: SHA-256 of the stored bytes
    sha256: Mapped[str] = mapped_column(String(64))
    #: who uploaded it
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: uploaded (UTC)
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: kept until this date (upload date + the retention period), then removed
    retain_until_on: Mapped[dt.date]
    #: the person asked for deletion: caseworkers only from then on
    restricted: Mapped[bool] = mapped_column(default=False)
    #: the file was removed at the end of the retention period (the row stays as the record of it)
    removed_at: Mapped[dt.datetime | None]

    claim = relationship("SubsidyClaim")
