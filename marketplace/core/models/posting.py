"""Postings of three kinds: job, internship (就业见习岗位), public-welfare post (公益性岗位)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.models.base import Base, utcnow

KINDS = ("job", "internship", "public_welfare")
STATUSES = ("draft", "published", "closed")


class Posting(Base):
    __tablename__ = "postings"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the employer
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: the HR staff member who created it
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: job, internship or public_welfare
    kind: Mapped[str] = mapped_column(String(16), index=True)
    #: title
    title: Mapped[str] = mapped_column(String(100))
    #: duties
    description: Mapped[str] = mapped_column(Text)
    #: requirements in free text
    requirements: Mapped[str] = mapped_column(Text, default="")
    #: skill phrases
    skills: Mapped[list] = mapped_column(default=list)
    #: minimum education level (0 = any)
    education_min: Mapped[int] = mapped_column(default=0)
    #: monthly pay range, yuan
    salary_min: Mapped[int | None]
    #: monthly pay range, yuan
    salary_max: Mapped[int | None]
    #: number of openings (places, for internships)
    headcount: Mapped[int] = mapped_column(default=1)
    #: district of the workplace
    district: Mapped[str] = mapped_column(String(32), index=True)
    #: optional target-group restriction (R14), a group code of the policy set, e.g. veteran_college_2020
    target_group: Mapped[str | None] = mapped_column(String(40))
    #: conditions of hiring the employer picks (codes of core.hiring_conditions.HIRING_CONDITIONS)
    hiring_conditions: Mapped[list] = mapped_column(default=list)
    #: aimed at college graduates (面向高校毕业生), which R13 binds for an SOE
    for_graduates: Mapped[bool] = mapped_column(default=False)
    #: first day applications are accepted
    open_on: Mapped[dt.date | None]
    #: last day applications are accepted
    close_on: Mapped[dt.date | None]
    #: draft, published or closed
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    #: internship: agreed period in whole months (3–12)
    period_months: Mapped[int | None]
    #: internship: guaranteed monthly living allowance, yuan
    stipend: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    #: public-welfare: a temporary post (term 3–6 months)
    temporary: Mapped[bool | None]
    #: public-welfare: term in months
    term_months: Mapped[int | None]
    #: national occupation code (2022)
    occupation_code: Mapped[str | None] = mapped_column(String(16))
    #: created (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: last change (UTC)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    #: first publication (UTC)
    published_at: Mapped[dt.datetime | None]

    organisation = relationship("Organisation")

    def is_open(self, today: dt.date) -> bool:
        return self.open_by(self.status, self.open_on, self.close_on, today)

    @staticmethod
    def open_by(status: str, open_on: dt.date | None, close_on: dt.date | None, today: dt.date) -> bool:
        """Published and within its dates (for rows read without loading the object)."""
        return (status == "published" and (open_on is None or open_on <= today)
                and (close_on is None or today <= close_on))
