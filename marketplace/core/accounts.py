"""Accounts: registration, login with throttling, API tokens, staff, admin."""
from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from marketplace.core import audit, verification
from marketplace.core.models import ApiToken, LoginThrottle, Organisation, User, WebSession, utcnow
from marketplace.core.schemas import OrganisationIn, RegisterEmployer, RegisterPerson, StaffIn, UserIn, UserPatch
from marketplace.errors import Conflict, Forbidden, NotFound, TooManyRequests, Unauthorized, ValidationFailed

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
    # the colleague chose this password: the new member of staff replaces it at the first login
    user = _new_user(session, data.username, data.password, data.display_name, actor.role,
                     organisation_id=actor.organisation_id, locale=actor.locale, must_change_password=True)
    audit.record(session, actor, "user", user.id, "add_staff", after={"organisation_id": actor.organisation_id})
    return user


@dataclass(frozen=True)
class LoginLimits:
    """How failed logins slow further tries (``Config.LOGIN_*``). Each key counts failures
    until a quiet period passes; past its threshold every further failure makes that key
    wait 1, 2, 4 ... seconds, never more than ``max_delay_seconds``, so the right password
    is never kept out longer than that."""
    max_failures: int = 5  # per username at one address: an attacker's address slows, not the victim's
    account_max_failures: int = 50  # per username from all addresses (many addresses at once)
    address_max_failures: int = 20  # per address over all usernames (one password tried on many)
    max_delay_seconds: int = 60
    quiet_minutes: int = 15


def _throttle_keys(username: str, address: str, limits: LoginLimits) -> list[tuple[str, int]]:
    return [(f"pair:{username}\n{address}", limits.max_failures), (f"user:{username}", limits.account_max_failures),
            (f"addr:{address}", limits.address_max_failures)]


def _throttle_row(session: Session, key: str) -> LoginThrottle | None:
    h = hashlib.sha256(key.encode()).hexdigest()
    return session.scalar(select(LoginThrottle).where(LoginThrottle.key_hash == h).with_for_update())


def _count_failure(session: Session, key: str, row: LoginThrottle | None, threshold: int, limits: LoginLimits,
                   now: dt.datetime) -> None:
    if row is None:
        row = LoginThrottle(key_hash=hashlib.sha256(key.encode()).hexdigest(), failures=0, last_failure_at=now)
        session.add(row)
    elif row.last_failure_at < now - dt.timedelta(minutes=limits.quiet_minutes):
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    if row.failures >= threshold:
        delay = min(2 ** min(row.failures - threshold, 16), limits.max_delay_seconds)
        row.blocked_until = now + dt.timedelta(seconds=delay)


def authenticate(session: Session, username: str, password: str, address: str = "unknown",
                 limits: LoginLimits = LoginLimits()) -> User:
    """The user, or ``Unauthorized``/``TooManyRequests``. A username that exists and one
    that does not get the same answers in about the same time: the same message, the same
    throttling (keyed by the typed name, not by the account), one password hash each."""
    name = (username or "").strip().lower()[:64]
    now = utcnow()
    keys = _throttle_keys(name, address or "unknown", limits)
    rows = [_throttle_row(session, key) for key, _ in keys]
    blocked = [r.blocked_until for r in rows if r is not None and r.blocked_until and r.blocked_until > now]
    if blocked:
        seconds = max(1, math.ceil((max(blocked) - now).total_seconds()))
        raise TooManyRequests(f"尝试次数过多，请 {seconds} 秒后再试", f"too many tries; try again in {seconds} seconds")
    user = session.scalar(select(User).where(User.username == name))
    right = check_password_hash(user.password_hash if user is not None else _DUMMY_HASH, password or "")
    if user is None or not right:
        for (key, threshold), row in zip(keys, rows):
            _count_failure(session, key, row, threshold, limits, now)
        session.flush()
        raise Unauthorized("用户名或密码不正确", "wrong username or password")
    if not user.is_active:
        raise Unauthorized("该账户已停用，请联系管理员", "this account is deactivated; contact the administrator")
    for row in rows[:2]:  # this name's counts; the address keeps its own (a success elsewhere does not clear it)
        if row is not None:
            session.delete(row)
    session.flush()
    return user


def keep_failed_login(session: Session) -> None:
    """Commit the failure counts although the request is refused (they are the throttle).
    Two failures counted at once for a new key: one count is lost, nothing else."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()


# --- signed-in browsers and tokens -----------------------------------------------------

def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(session: Session, user: User, hours: int) -> str:
    """A new signed-in browser: the key for its cookie (only its hash is kept)."""
    key = secrets.token_urlsafe(32)
    session.add(WebSession(user_id=user.id, key_hash=_key_hash(key), expires_at=utcnow() + dt.timedelta(hours=hours)))
    session.flush()
    return key


def user_for_session(session: Session, user_id: int, key: str) -> User | None:
    """The account of a browser's session, if the session is still live (not logged out,
    not ended by a password change or "log out everywhere", not expired)."""
    row = session.scalar(select(WebSession).where(WebSession.key_hash == _key_hash(key)))
    if row is None or row.user_id != user_id or row.expires_at <= utcnow() or not row.user.is_active:
        return None
    return row.user


def end_session(session: Session, key: str | None) -> None:
    if key:
        session.execute(delete(WebSession).where(WebSession.key_hash == _key_hash(key)))


def sign_out_everywhere(session: Session, user: User, keep_session_key: str | None = None) -> None:
    """End every browser session of ``user`` (but ``keep_session_key``'s) and revoke all
    its API tokens."""
    stmt = delete(WebSession).where(WebSession.user_id == user.id)
    if keep_session_key:
        stmt = stmt.where(WebSession.key_hash != _key_hash(keep_session_key))
    session.execute(stmt)
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    session.flush()


def log_out_everywhere(session: Session, actor: User) -> None:
    sign_out_everywhere(session, actor)
    audit.record(session, actor, "user", actor.id, "sign_out_everywhere")


def _check_new_password(new_password: str) -> None:
    if not 8 <= len(new_password or "") <= 128:
        raise ValidationFailed("新密码应为 8 到 128 个字符", "the new password must be 8 to 128 characters",
                               field="new_password")


def change_password(session: Session, actor: User, old_password: str, new_password: str, address: str = "unknown",
                    limits: LoginLimits = LoginLimits(), keep_session_key: str | None = None) -> None:
    """The person changes their own password, giving the current one (throttled like a
    login). Every other browser session and every API token ends."""
    _check_new_password(new_password)
    try:
        authenticate(session, actor.username, old_password, address, limits)
    except Unauthorized:
        raise ValidationFailed("当前密码不正确", "the current password is wrong", field="old_password") from None
    if check_password_hash(actor.password_hash, new_password):
        raise ValidationFailed("新密码不能与当前密码相同", "the new password must differ from the current one",
                               field="new_password")
    actor.password_hash = generate_password_hash(new_password)
    actor.must_change_password = False
    actor.password_changed_at = utcnow()
    sign_out_everywhere(session, actor, keep_session_key)
    audit.record(session, actor, "user", actor.id, "change_password")


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
    # the admin chose this password: the person replaces it at the first login
    user = _new_user(session, data.username, data.password, data.display_name, data.role,
                     district=data.district, organisation_id=data.organisation_id, must_change_password=True)
    audit.record(session, actor, "user", user.id, "create", after={"role": user.role, "district": user.district})
    return user


_EDITABLE = ("display_name", "role", "district", "organisation_id", "is_active")


def _account_summary(user: User) -> dict:
    return {k: getattr(user, k) for k in _EDITABLE}


def admin_update_user(session: Session, actor: User, user_id: int, data: UserPatch) -> User:
    """An admin edits an account (name, role, district, organisation, active); audited
    with the state before and after. Deactivating an account or changing its role ends its
    sessions and tokens."""
    _require_admin(actor)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("用户", "user")
    changes = data.model_dump(exclude_unset=True)
    if user.id == actor.id and changes.get("is_active") is False:
        raise Conflict("不能停用自己的账户", "you cannot deactivate your own account", field="is_active")
    if user.id == actor.id and changes.get("role", "admin") != "admin":
        raise Conflict("不能取消自己的管理员角色", "you cannot remove your own administrator role", field="role")
    if changes.get("organisation_id") is not None and session.get(Organisation, changes["organisation_id"]) is None:
        raise NotFound("单位", "organisation")
    before = _account_summary(user)
    after = dict(before, **{k: v for k, v in changes.items() if v is not None or k in ("district", "organisation_id")})
    if after["role"] == "caseworker" and not after["district"]:
        raise ValidationFailed("经办人账户须指定所在区", "a caseworker account needs a district", field="district")
    if after["role"] in ("employer", "agency") and not after["organisation_id"]:
        raise ValidationFailed("用人单位与人力资源机构人员须指定所属单位", "employer and agency staff need an organisation",
                               field="organisation_id")
    for k, v in after.items():
        setattr(user, k, v)
    session.flush()
    if not user.is_active or before["role"] != after["role"]:
        sign_out_everywhere(session, user)
    if before != after:
        audit.record(session, actor, "user", user.id, "update", before=before, after=after)
    return user


def admin_list_users(session: Session, actor: User, role: str | None = None, organisation_id: int | None = None,
                     district: str | None = None, q: str = ""):
    """Accounts for the admin's list, filtered by role, organisation, district and words in
    the username or name."""
    _require_admin(actor)
    stmt = select(User).order_by(User.id)
    if role:
        stmt = stmt.where(User.role == role)
    if organisation_id:
        stmt = stmt.where(User.organisation_id == organisation_id)
    if district:
        stmt = stmt.where(User.district == district)
    if q:
        stmt = stmt.where(or_(User.username.contains(q.lower()), User.display_name.contains(q)))
    return stmt


def admin_get_user(session: Session, actor: User, user_id: int) -> User:
    _require_admin(actor)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("用户", "user")
    return user


def admin_organisations(session: Session, actor: User) -> list[Organisation]:
    """Every organisation by name, for the admin's filter and edit forms."""
    _require_admin(actor)
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


def admin_reset_password(session: Session, actor: User, user_id: int, password: str) -> User:
    """An admin sets a temporary password that the person must change at their next login;
    every session and token of the account ends. Audited (never the password)."""
    user = admin_get_user(session, actor, user_id)
    if not 8 <= len(password or "") <= 128:
        raise ValidationFailed("临时密码应为 8 到 128 个字符", "the temporary password must be 8 to 128 characters",
                               field="password")
    user.password_hash = generate_password_hash(password)
    user.must_change_password = True
    user.password_changed_at = utcnow()
    sign_out_everywhere(session, user)
    audit.record(session, actor, "user", user.id, "reset_password", after={"must_change_password": True})
    return user


def admin_sign_out(session: Session, actor: User, user_id: int) -> User:
    """An admin ends every session and revokes every API token of an account (a lost phone,
    a leaked token)."""
    user = admin_get_user(session, actor, user_id)
    sign_out_everywhere(session, user)
    audit.record(session, actor, "user", user.id, "sign_out_everywhere")
    return user


def user_to_dict(user: User) -> dict:
    return {"id": user.id, "username": user.username, "display_name": user.display_name, "role": user.role,
            "organisation_id": user.organisation_id, "district": user.district, "locale": user.locale,
            "is_active": user.is_active, "must_change_password": user.must_change_password}


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
