"""Policy sets kept in the database (POLICY.md section 0): a named series of versions, each
holding every parameter of every rule (the JSON document the file loader reads), with its
status and the date it took effect. A version is immutable once effective; a correction is a
new version. The city's set in force is one row marked ``city_default``."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.models.base import Base, utcnow

VERSION_STATUSES = ("draft", "effective", "retired")


class PolicySetRecord(Base):
    __tablename__ = "policy_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the set's name (e.g. fushun-2020), as recorded decisions name it
    name: Mapped[str] = mapped_column(String(64), unique=True)
    #: what the set is, in Chinese (training sets say so)
    label_zh: Mapped[str] = mapped_column(Text, default="")
    #: what the set is, in English
    label_en: Mapped[str] = mapped_column(Text, default="")
    #: a training/demo set, labelled as such on every page that shows it
    training: Mapped[bool] = mapped_column(default=False)
    #: the city's set in force (exactly one row when any)
    city_default: Mapped[bool] = mapped_column(default=False)
    #: created (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    versions = relationship("PolicyVersion", back_populates="policy_set", order_by="PolicyVersion.number")


class PolicyVersion(Base):
    __tablename__ = "policy_versions"
    __table_args__ = (UniqueConstraint("set_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the set
    set_id: Mapped[int] = mapped_column(ForeignKey("policy_sets.id"), index=True)
    #: 1, 2, 3 ... within the set
    number: Mapped[int]
    #: draft, effective or retired
    status: Mapped[str] = mapped_column(String(16), default="draft")
    #: the first event date it judges (null while a draft)
    effective_from: Mapped[dt.date | None]
    #: a retired version judges no event on or after this date
    retired_on: Mapped[dt.date | None]
    #: the whole set document (name, titles, notes, rules) as the file loader reads it
    document: Mapped[dict]
    #: where it came from: bundled file label, "copy of v2", training derivation
    origin: Mapped[str] = mapped_column(Text, default="")
    #: why it takes effect from a past date (required then)
    justification: Mapped[str] = mapped_column(Text, default="")
    #: who made it (null for seeds)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: created (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: last change (UTC)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: when it was made effective (UTC)
    activated_at: Mapped[dt.datetime | None]

    policy_set = relationship("PolicySetRecord", back_populates="versions")
