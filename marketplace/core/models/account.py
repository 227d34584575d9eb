"""Accounts, roles and API tokens."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.models.base import Base, utcnow

ROLES = ("person", "employer", "agency", "caseworker", "organiser", "admin")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: login name, unique, case-folded
    username: Mapped[str] = mapped_column(String(64), unique=True)
    #: werkzeug scrypt hash, never the password
    password_hash: Mapped[str] = mapped_column(String(255))
    #: one of ROLES
    role: Mapped[str] = mapped_column(String(16), index=True)
    #: name shown on pages
    display_name: Mapped[str] = mapped_column(String(100))
    #: employer or agency staff belong to one organisation
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: caseworkers serve one district
    district: Mapped[str | None] = mapped_column(String(32))
    #: preferred page language, zh or en
    locale: Mapped[str] = mapped_column(String(8), default="zh")
    #: deactivated accounts cannot log in and their tokens stop working
    is_active: Mapped[bool] = mapped_column(default=True)
    #: set by an admin's password reset: the account must choose a new password before anything else
    must_change_password: Mapped[bool] = mapped_column(default=False)
    #: when the password was last set (UTC); null for accounts made before this was kept
    password_changed_at: Mapped[dt.datetime | None]
    #: when the account was made (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organisation = relationship("Organisation", back_populates="staff")

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: owner
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: sha256 of the bearer token; the token itself is shown once and never stored
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: issue time (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: the token is refused after this moment (UTC)
    expires_at: Mapped[dt.datetime]

    user = relationship("User")


class WebSession(Base):
    """A signed-in browser. The session cookie carries a random key whose hash is here;
    logging out deletes the row, so a copied or replayed cookie is worth nothing after it."""
    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the signed-in account
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: sha256 of the key in the cookie; the key itself is never stored
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: sign-in time (UTC)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: the session is refused after this moment (UTC)
    expires_at: Mapped[dt.datetime]

    user = relationship("User")


class LoginThrottle(Base):
    """Failed logins counted per typed username (whether or not the account exists) and per
    client address; past a few failures each further try waits a little longer, never more
    than the configured maximum delay."""
    __tablename__ = "login_throttles"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: sha256 of "user:<username>" or "addr:<client address>"
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: failed logins since the last success or quiet period
    failures: Mapped[int] = mapped_column(default=0)
    #: the last failure (UTC); failures older than the quiet period are forgotten
    last_failure_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: no login is tried for this key before this moment (UTC)
    blocked_until: Mapped[dt.datetime | None]
