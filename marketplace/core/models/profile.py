"""A job seeker's profile and the categories that may grant benefits."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.models.base import Base, utcnow

CATEGORIES = (
    "graduating_year_graduate", "registered_unemployed", "veteran", "disabled",
    "zero_employment_family", "landless_farmer", "model_worker", "poverty_registered", "hubei_origin",
)
# Categories that grant a benefit must be confirmed by a caseworker before policy uses them.
BENEFIT_CATEGORIES = frozenset(CATEGORIES) - {"graduating_year_graduate"}


class Profile(Base):
    __tablename__ = "profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the account that owns the profile (null for a person registered at the desk)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    #: full name
    name: Mapped[str] = mapped_column(String(64))
    #: 男 or 女
    gender: Mapped[str] = mapped_column(String(4))
    #: date of birth
    birth_on: Mapped[dt.date]
    #: 身份证号, Fernet-encrypted
    id_number_enc: Mapped[str | None] = mapped_column(Text)
    #: keyed hash of the ID number for lookup and uniqueness
    id_number_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: mobile number, Fernet-encrypted
    phone_enc: Mapped[str | None] = mapped_column(Text)
    #: keyed hash of the phone number for lookup
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    #: household registration place (户籍所在地)
    hukou_place: Mapped[str] = mapped_column(String(100), default="")
    #: district of residence
    district: Mapped[str] = mapped_column(String(32), index=True)
    #: highest education level (models.base.EDUCATION_LEVELS)
    education: Mapped[int] = mapped_column(default=0)
    #: major, empty below 中专
    major: Mapped[str] = mapped_column(String(100), default="")
    #: year the highest level was completed
    graduation_year: Mapped[int | None]
    #: own skill phrases
    skills: Mapped[list] = mapped_column(default=list)
    #: work history in free text
    experience: Mapped[str] = mapped_column(Text, default="")
    #: self-description in the person's words
    summary: Mapped[str] = mapped_column(Text, default="")
    #: wanted job types in free text
    desired_jobs: Mapped[str] = mapped_column(String(500), default="")
    #: wanted districts
    desired_places: Mapped[list] = mapped_column(default=list)
    #: lowest acceptable monthly pay in yuan
    desired_salary_min: Mapped[int | None]
    #: occupation codes (2022 classification) of desired and past jobs
    occupation_codes: Mapped[list] = mapped_column(default=list)
    #: consent to be found by employers (PIPL): unpublished profiles are seen only by the
    #: person, caseworkers of the district, and employers the person applied to
    published: Mapped[bool] = mapped_column(default=False)
    #: created (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: last change (UTC)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)

    categories = relationship("ProfileCategory", back_populates="profile", cascade="all, delete-orphan",
                              order_by="ProfileCategory.id")

    def has_category(self, name: str, confirmed_only: bool = False) -> bool:
        return any(c.category == name and (c.confirmed_at or not confirmed_only) for c in self.categories)


class ProfileCategory(Base):
    __tablename__ = "profile_categories"
    __table_args__ = (UniqueConstraint("profile_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the profile
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"), index=True)
    #: one of CATEGORIES
    category: Mapped[str] = mapped_column(String(40))
    #: since when (e.g. registered unemployed since)
    since_on: Mapped[dt.date | None]
    #: detail: veteran type, disability grade, ...
    detail: Mapped[str] = mapped_column(String(100), default="")
    #: the caseworker who confirmed a benefit-granting category
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: when it was confirmed (UTC)
    confirmed_at: Mapped[dt.datetime | None]

    profile = relationship("Profile", back_populates="categories")
    confirmed_by = relationship("User")


class IdNumberDuplicate(Base):
    """A person typed an ID number that another profile already holds. The person is told
    nothing (their profile is saved as if the number were new, without the lookup hash);
    a caseworker of the person's district meets them with the ID card and resolves it."""
    __tablename__ = "id_number_duplicates"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the profile whose owner typed the number
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"), index=True)
    #: the profile that already held the number
    holder_profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"), index=True)
    #: when it was typed (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: open until resolved: kept_holder, moved_to_profile, or withdrawn (the person typed another number)
    resolution: Mapped[str | None] = mapped_column(String(20))
    #: the caseworker who resolved it (null when withdrawn)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: when it was resolved (UTC)
    resolved_at: Mapped[dt.datetime | None]
    #: what the caseworker checked (the ID card seen, the call made)
    note: Mapped[str] = mapped_column(Text, default="")

    profile = relationship("Profile", foreign_keys=[profile_id])
    holder = relationship("Profile", foreign_keys=[holder_profile_id])
