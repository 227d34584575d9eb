"""Accounts: registration, login with throttling, API tokens, staff, admin."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from marketplace.core import audit, verification
from marketplace.core.models import ApiToken, Organisation, User, utcnow
from marketplace.core.schemas import OrganisationIn, RegisterEmployer, RegisterPerson, StaffIn, UserIn, UserPatch
from marketplace.errors import Conflict, Forbidden, NotFound, TooManyRequests, Unauthorized

# A hash computed once so that a login for an unknown user costs the same time as a
# wrong password (no user enumeration by timing).
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def _ensure_username_free(session: Session, username: str) -> None:
    if session.scalar(select(User.id).where(User.username == username.lower())):
        raise Conflict("该用户名已被使用，请换一个", "this username is taken, please choose another", field="username")


def _new_user(session: Session, username: str, password: str, display_name: str, role: str, **kw) -> User:
    _ensure_username_free(session, username)
    user = User(username=username.lower(), password_hash=generate_password_hash(password), display_name=display_name,
                role=role, **kw)
    session.add(user)
    session.flush()
    return user


def register_person(session: Session, data: RegisterPerson) -> User:
    user = _new_user(session, data.username, data.password, data.display_name, "person", locale=data.locale)
    audit.record(session, user, "user", user.id, "register", after={"role": "person"})
    return user


def create_organisation(session: Session, data: OrganisationIn) -> Organisation:
    """A new organisation awaiting verification: an ordinary enterprise with no flags, whatever
    ``data`` says about its type and flags (those are only asked for: ``register_employer``)."""
    if session.scalar(select(Organisation.id).where(Organisation.credit_code == data.credit_code)):
        raise Conflict("该统一社会信用代码已注册，请联系本单位管理员添加您为人员",
                       "this credit code is already registered; ask your organisation's HR admin to add you",
                       field="organisation.credit_code")
    org = Organisation(name=data.name, industry=data.industry, district=data.district, credit_code=data.credit_code,
                       verification_status="pending", **verification.PLAIN)
    session.add(org)
    session.flush()
    return org


def register_employer(session: Session, data: RegisterEmployer) -> User:
    """The organisation and its first HR account. Its type and flags are recorded as a request
    for verification (with the documents it named); a caseworker sets them, and the account's
    role follows the verified type (an HR agency's staff become ``agency`` then)."""
    _ensure_username_free(session, data.username)
    org = create_organisation(session, data.organisation)
    user = _new_user(session, data.username, data.password, data.display_name, "employer", organisation_id=org.id,
                     locale=data.locale)
    audit.record(session, user, "organisation", org.id, "register", after={"name": org.name, "type": org.org_type})
    verification.record_request(session, user, org, data.organisation, "register")
    return user


def add_staff(session: Session, actor: User, data: StaffIn) -> User:
    if actor.role not in ("employer", "agency") or not actor.organisation_id:
        raise Forbidden()
    user = _new_user(session, data.username, data.password, data.display_name, actor.role,
                     organisation_id=actor.organisation_id, locale=actor.locale)
    audit.record(session, actor, "user", user.id, "add_staff", after={"organisation_id": actor.organisation_id})
    return user


def authenticate(session: Session, username: str, password: str, max_failures: int = 5,
                 lock_minutes: int = 15) -> User:
    """The user, or ``Unauthorized``/``TooManyRequests``. After ``max_failures`` wrong
    passwords in a row the account refuses logins for ``lock_minutes``."""
    user = session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    now = utcnow()
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        raise Unauthorized("用户名或密码不正确", "wrong username or password")
    if user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise TooManyRequests(f"登录失败次数过多，请 {minutes} 分钟后再试",
                              f"too many failed logins; try again in {minutes} minutes")
    if not check_password_hash(user.password_hash, password or ""):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + dt.timedelta(minutes=lock_minutes)
            user.failed_logins = 0
        session.flush()
        raise Unauthorized("用户名或密码不正确", "wrong username or password")
    if not user.is_active:
        raise Unauthorized("该账户已停用，请联系管理员", "this account is deactivated; contact the administrator")
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, ttl_hours: int) -> tuple[str, dt.datetime]:
    token = secrets.token_urlsafe(32)
    expires = utcnow() + dt.timedelta(hours=ttl_hours)
    session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), expires_at=expires))
    session.flush()
    return token, expires


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.expires_at <= utcnow() or not row.user.is_active:
        return None
    return row.user


def revoke_token(session: Session, token: str) -> None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is not None:
        session.delete(row)
        session.flush()


def _require_admin(actor: User) -> None:
    if actor.role != "admin":
        raise Forbidden()


def admin_create_user(session: Session, actor: User, data: UserIn) -> User:
    _require_admin(actor)
    if data.organisation_id is not None and session.get(Organisation, data.organisation_id) is None:
        raise NotFound("单位", "organisation")
    user = _new_user(session, data.username, data.password, data.display_name, data.role,
                     district=data.district, organisation_id=data.organisation_id)
    audit.record(session, actor, "user", user.id, "create", after={"role": user.role, "district": user.district})
    return user


def admin_update_user(session: Session, actor: User, user_id: int, data: UserPatch) -> User:
    _require_admin(actor)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("用户", "user")
    if user.id == actor.id and data.is_active is False:
        raise Conflict("不能停用自己的账户", "you cannot deactivate your own account", field="is_active")
    before = {"is_active": user.is_active, "district": user.district, "display_name": user.display_name}
    for k, v in data.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(user, k, v)
    session.flush()
    audit.record(session, actor, "user", user.id, "update", before=before,
                 after={"is_active": user.is_active, "district": user.district, "display_name": user.display_name})
    return user


def admin_list_users(session: Session, actor: User, role: str | None = None):
    _require_admin(actor)
    stmt = select(User).order_by(User.id)
    if role:
        stmt = stmt.where(User.role == role)
    return stmt


def user_to_dict(user: User) -> dict:
    return {"id": user.id, "username": user.username, "display_name": user.display_name, "role": user.role,
            "organisation_id": user.organisation_id, "district": user.district, "locale": user.locale,
            "is_active": user.is_active}


def organisation_to_dict(org: Organisation) -> dict:
    return {"id": org.id, "name": org.name, "org_type": org.org_type, "industry": org.industry,
            "district": org.district, "credit_code": org.credit_code, "is_internship_base": org.is_internship_base,
            "internship_base_since_on": org.internship_base_since_on.isoformat() if org.internship_base_since_on else None,
            "is_epidemic_supply": org.is_epidemic_supply, "verification_status": org.verification_status}


def admin_toggle_user(session: Session, actor: User, user_id: int) -> User:
    """An admin switches an account on or off (the admin page's toggle)."""
    _require_admin(actor)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("用户", "user")
    return admin_update_user(session, actor, user_id, UserPatch(is_active=not user.is_active))
