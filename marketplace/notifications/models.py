"""The in-app notification (one row per recipient and dedupe key)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.models.base import Base, utcnow


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the recipient
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: what it is about, e.g. internship_ending, one_third_reached, no_claim
    kind: Mapped[str] = mapped_column(String(32))
    #: dedupe key: a task that runs twice creates nothing twice
    key: Mapped[str] = mapped_column(String(120))
    #: text in Chinese
    text_zh: Mapped[str] = mapped_column(Text)
    #: text in English
    text_en: Mapped[str] = mapped_column(Text)
    #: a page to open
    link: Mapped[str] = mapped_column(String(200), default="")
    #: created (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: when the recipient marked it read (UTC)
    read_at: Mapped[dt.datetime | None]


class ChannelChoice(Base):
    """The channels beyond the page a person wants to be told on (one row per account;
    no row: the page only)."""
    __tablename__ = "notification_channel_choices"

    #: the account
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    #: also by SMS (to the verified phone)
    sms: Mapped[bool] = mapped_column(default=False)
    #: also by e-mail (to the verified address)
    email: Mapped[bool] = mapped_column(default=False)
    #: last changed (UTC)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ContactPoint(Base):
    """A phone number or e-mail address a person added for messages; nothing but the
    verification code is sent there until the code came back."""
    __tablename__ = "notification_contacts"
    __table_args__ = (UniqueConstraint("user_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the account
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: sms or email
    channel: Mapped[str] = mapped_column(String(8))
    #: the phone number or address, encrypted (Fernet)
    address_enc: Mapped[str] = mapped_column(Text)
    #: SHA-256 of the code sent (with the row id), never the code itself
    code_hash: Mapped[str] = mapped_column(String(64), default="")
    #: when the code was sent (UTC); it expires after 30 minutes
    code_sent_at: Mapped[dt.datetime | None]
    #: wrong codes typed since the last code was sent (5 end it)
    code_failures: Mapped[int] = mapped_column(default=0)
    #: when the person typed the right code (UTC); empty: unverified, nothing else is sent
    verified_at: Mapped[dt.datetime | None]


class OutboxMessage(Base):
    """One SMS or e-mail to send. Its state moves queued -> sending -> sent (or back to
    queued with a later ``not_before`` after a failure, or failed after the last try) by
    conditional updates, so a task that runs twice sends it once."""
    __tablename__ = "notification_outbox"
    __table_args__ = (UniqueConstraint("user_id", "channel", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the recipient
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: sms or email
    channel: Mapped[str] = mapped_column(String(8))
    #: dedupe key (the notification's key, or verify:<contact id>:<n>)
    key: Mapped[str] = mapped_column(String(140))
    #: where it goes, encrypted (Fernet)
    address_enc: Mapped[str] = mapped_column(Text)
    #: e-mail subject (empty for SMS)
    subject: Mapped[str] = mapped_column(String(200), default="")
    #: the text sent
    body: Mapped[str] = mapped_column(Text)
    #: queued | sending | sent | failed
    state: Mapped[str] = mapped_column(String(12), default="queued", index=True)
    #: tries so far
    attempts: Mapped[int] = mapped_column(default=0)
    #: not sent before this moment (UTC): quiet hours, throttling, retry back-off
    not_before: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    #: when a sender took it (UTC); a 'sending' row older than 10 minutes is retried
    claimed_at: Mapped[dt.datetime | None]
    #: when the sender accepted it (UTC)
    sent_at: Mapped[dt.datetime | None]
    #: the last failure, for the operator
    last_error: Mapped[str] = mapped_column(Text, default="")
    #: created (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CodeSend(Base):
    """One verification code sent to a phone number or e-mail address, by its blind index (an
    HMAC; never the address): the limit per address across accounts (``contacts.add``). Rows
    older than two days are removed as new ones are written."""
    __tablename__ = "notification_code_sends"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``Cipher.blind_index`` of the address as it was sent to (an e-mail address lower-cased)
    address_hash: Mapped[str] = mapped_column(String(64), index=True)
    #: when (UTC)
    sent_at: Mapped[dt.datetime] = mapped_column(index=True)


class PeriodicRun(Base):
    """Which server process runs the periodic tasks on the embedded default, and when each
    task last ran (a row per task: the lock every process competes for)."""
    __tablename__ = "notification_periodic_runs"

    #: the beat entry's task name
    task_name: Mapped[str] = mapped_column(String(80), primary_key=True)
    #: when it last started (UTC)
    started_at: Mapped[dt.datetime | None]
    #: the process holding it while it runs (host:pid), empty when free
    holder: Mapped[str] = mapped_column(String(80), default="")
