"""政策找人: what the policy engine found a person or an organisation may qualify for, and
whether they were told; and who asked not to be told."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.models.base import Base, utcnow


class PolicyOutreach(Base):
    """One finding of the periodic run: rule, about whom, the decision, and what was said."""
    __tablename__ = "policy_outreach"
    __table_args__ = (UniqueConstraint("rule", "subject", "recipient", "decision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the rule id (R1, R4, R8, R9, ...)
    rule: Mapped[str] = mapped_column(String(8), index=True)
    #: what the finding is about, e.g. profile:12 or agreement:3
    subject: Mapped[str] = mapped_column(String(40))
    #: who is told: user:<id>, or "-" when nobody can be (no account)
    recipient: Mapped[str] = mapped_column(String(20))
    #: the decision's fingerprint: a changed decision is told again
    decision: Mapped[str] = mapped_column(String(64))
    #: the recipient's account, when there is one
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: the person the finding is about (people's rules)
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"), index=True)
    #: the organisation the finding is about (employers' rules)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    #: the district whose caseworkers list it
    district: Mapped[str] = mapped_column(String(32), index=True)
    #: the calendar month it was found in, YYYY-MM (at most one telling per rule and recipient a month)
    month: Mapped[str] = mapped_column(String(7))
    #: told (False: opted out, no account, or already told this month)
    told: Mapped[bool] = mapped_column(default=False)
    #: why not told, when not: opted_out, no_account, this_month
    not_told_because: Mapped[str] = mapped_column(String(20), default="")
    #: what was (or would have been) said, in Chinese: rule, reason, next step
    text_zh: Mapped[str] = mapped_column(Text)
    #: the same in English
    text_en: Mapped[str] = mapped_column(Text)
    #: where the next step is
    link: Mapped[str] = mapped_column(String(200), default="")
    #: found (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class OutreachOptOut(Base):
    """A person or an employer's staff member who asked not to be told what they may qualify for."""
    __tablename__ = "outreach_opt_outs"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the account
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    #: since (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
