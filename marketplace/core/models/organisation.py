"""Employers, public institutions and HR service agencies."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.models.base import Base, utcnow

ORG_TYPES = ("enterprise", "soe", "public_institution", "social_org", "hr_agency")


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: registered name
    name: Mapped[str] = mapped_column(String(200))
    #: one of ORG_TYPES
    org_type: Mapped[str] = mapped_column(String(32))
    #: industry in words (e.g. 制造业)
    industry: Mapped[str] = mapped_column(String(64), default="")
    #: district of the registered address
    district: Mapped[str] = mapped_column(String(32))
    #: 统一社会信用代码, check digit validated
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    #: a registered internship base (见习基地), needed for subsidised internships (R1)
    is_internship_base: Mapped[bool] = mapped_column(default=False)
    #: since when it is a registered internship base
    internship_base_since_on: Mapped[dt.date | None]
    #: produces or delivers epidemic-control supplies (R7)
    is_epidemic_supply: Mapped[bool] = mapped_column(default=False)
    #: registration time (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    staff = relationship("User", back_populates="organisation")
