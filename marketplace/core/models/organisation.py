"""Employers, public institutions and HR service agencies, and the service's verification
of them.

The facts that decide money or access (``org_type`` other than ``enterprise``,
``is_internship_base`` with ``internship_base_since_on``, ``is_epidemic_supply``) are set
only by a caseworker's verification (``core.verification``), never by the organisation: at
registration, and whenever it asks later, what it says about itself is recorded as an
``OrganisationVerification`` request with the documents it names, and the organisation counts
as an ordinary ``enterprise`` with no flags until a caseworker decides.

``verification_status`` says where the organisation stands:

* ``pending``: registered (or asked again after a refusal), not yet decided. It may draft
  postings; it may not publish them nor see people (``core.verification.require_verified``).
* ``verified``: a caseworker checked the documents and set the facts.
* ``refused``: the caseworker refused, with a reason; as ``pending`` until it asks again.
* ``revoked``: a verification was withdrawn, with a reason; the facts fell back to an
  ordinary enterprise's and its published postings were closed.
* ``reverify``: registered before verification existed (set by migration ``core_0004_verify``).
  It keeps its flags and keeps working as before until a caseworker decides, because stopping
  every existing employer's postings, hires and claims on the day of an upgrade would harm the
  people placed with them more than the risk it removes; its request heads the district's queue,
  and a refusal or revocation stops it at once.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.models.base import Base, utcnow

ORG_TYPES = ("enterprise", "soe", "public_institution", "social_org", "hr_agency")
VERIFICATION_STATUSES = ("pending", "verified", "refused", "revoked", "reverify")
#: statuses under which an organisation may publish postings and see people
MAY_ACT = ("verified", "reverify")


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: registered name
    name: Mapped[str] = mapped_column(String(200))
    #: one of ORG_TYPES, as verified by a caseworker (``enterprise`` until then)
    org_type: Mapped[str] = mapped_column(String(32))
    #: industry in words (e.g. 制造业)
    industry: Mapped[str] = mapped_column(String(64), default="")
    #: district of the registered address
    district: Mapped[str] = mapped_column(String(32))
    #: 统一社会信用代码, check digit validated
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    #: a registered internship base (见习基地), needed for subsidised internships (R1); set by verification
    is_internship_base: Mapped[bool] = mapped_column(default=False)
    #: since when it is a registered internship base; set by verification
    internship_base_since_on: Mapped[dt.date | None]
    #: produces or delivers epidemic-control supplies (R7); set by verification
    is_epidemic_supply: Mapped[bool] = mapped_column(default=False)
    #: registration time (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: one of VERIFICATION_STATUSES (see the module docstring)
    verification_status: Mapped[str] = mapped_column(String(16), default="pending", index=True)

    staff = relationship("User", back_populates="organisation")


class OrganisationVerification(Base):
    """One request of an organisation to have facts about it verified, and the caseworker's
    decision on it (verified, refused; a verified one may later be revoked)."""
    __tablename__ = "organisation_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the organisation asking
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: why the row exists: register, ask (asked again later), reverify (queued by the migration), revoke (the
    #: revocation of facts that had no verification on record)
    origin: Mapped[str] = mapped_column(String(16), default="register")
    #: the account that asked (none for a request queued by the migration)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: when it was asked (UTC)
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: the type the organisation says it is (one of ORG_TYPES)
    requested_org_type: Mapped[str] = mapped_column(String(32))
    #: it asks to be recognised as a registered internship base
    requested_internship_base: Mapped[bool] = mapped_column(default=False)
    #: since when, by its own account
    requested_internship_base_since_on: Mapped[dt.date | None]
    #: it asks to be recognised as an epidemic-supply enterprise (R7)
    requested_epidemic_supply: Mapped[bool] = mapped_column(default=False)
    #: the documents it named: [{"name": 证明名称, "number": 文号/证书编号}]
    documents: Mapped[list] = mapped_column(default=list)
    #: pending, verified, refused, revoked or superseded (asked again before a decision)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    #: the caseworker or admin who decided
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: when it was decided (UTC)
    decided_at: Mapped[dt.datetime | None]
    #: what the caseworker checked (which documents, their numbers, originals seen)
    checked: Mapped[str] = mapped_column(Text, default="")
    #: the reason of a refusal or revocation, shown to the organisation
    reason: Mapped[str] = mapped_column(Text, default="")
    #: the facts the decision set: {org_type, is_internship_base, internship_base_since_on, is_epidemic_supply}
    granted: Mapped[dict | None]
    #: who revoked it, if it was revoked later
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: when it was revoked (UTC)
    revoked_at: Mapped[dt.datetime | None]

    organisation = relationship("Organisation")
