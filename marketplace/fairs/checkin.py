"""Registration and check-in at a job fair.

Check-in by QR: the code holds a token signed with the app's secret (itsdangerous), naming the
fair and the registration, valid for ``QR_MAX_AGE`` seconds after it was drawn; the page draws a
fresh one on each load. Check-in by ID or phone number goes through the profile's blind index:
the number is never stored here nor shown back. People joining an online fair check
themselves in (``join_online``).
"""
from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from marketplace import clock
from marketplace.core import audit
from marketplace.core.models import Profile, User
from marketplace.core.profiles import my_profile
from marketplace.crypto import Cipher
from marketplace.db import after_commit
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.fairs.booths import checked_in_where, get_fair, my_registration, own_fair
from marketplace.fairs.bus import publish_after_commit
from marketplace.fairs.matchers import to_matching
from marketplace.fairs.models import FairRegistration
from matching import embed_profiles

QR_MAX_AGE = 15 * 60
QR_SALT = "fair-checkin"


def register(session: Session, actor: User, fair_id: int) -> FairRegistration:
    if actor.role != "person":
        raise Forbidden("只有求职者可以报名参会", "only job seekers register for a fair")
    profile = my_profile(session, actor)
    if profile is None:
        raise Conflict("请先填写个人档案再报名", "please complete your profile before registering", field="profile")
    fair = get_fair(session, actor, fair_id)
    if fair.status != "open":
        raise Conflict("该招聘会已结束报名", "registration for this fair is closed", field="fair")
    reg = my_registration(session, actor, fair_id)
    if reg is not None:
        return reg
    reg = FairRegistration(fair_id=fair.id, profile_id=profile.id)
    try:
        with session.begin_nested():  # added inside: begin_nested flushes what is pending first
            session.add(reg)
            session.flush()
    except IntegrityError:
        return my_registration(session, actor, fair_id)
    audit.record(session, actor, "fair_registration", reg.id, "create")
    after_commit(session, "marketplace.fairs_embed_profile", profile.id)
    return reg


def embed_for_fair(session: Session, encoder, profile_id: int) -> dict:
    """Compute (or find in the encoder's store) the vector a check-in will use."""
    profile = session.get(Profile, profile_id)
    if profile is None:
        return {"embedded": False, "reason": "profile gone"}

    _, data = to_matching([], [profile], clock.today())
    embed_profiles(data, encoder)
    return {"embedded": True, "profile": profile_id}


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=QR_SALT)


def checkin_token(secret: str, reg: FairRegistration) -> str:
    """The token drawn in the person's QR code (signed; expires QR_MAX_AGE after drawing)."""
    return _serializer(secret).dumps({"f": reg.fair_id, "r": reg.id, "p": reg.profile_id})


def read_token(secret: str, token: str, fair_id: int, max_age: int = QR_MAX_AGE) -> tuple[int, int]:
    """(registration id, profile id) from a token, or ValidationFailed saying why not."""
    try:
        data = _serializer(secret).loads(token, max_age=max_age)
    except SignatureExpired:
        raise ValidationFailed("二维码已过期，请让求职者刷新手机页面后重新出示",
                               "the QR code has expired; ask the person to reload their phone page and show it again",
                               field="token", code="token_expired") from None
    except BadSignature:
        raise ValidationFailed("二维码无效（签名不符，可能被篡改或不是本平台生成的）",
                               "the QR code is not valid (its signature does not match: altered or not ours)",
                               field="token", code="token_forged") from None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in ("f", "r", "p")):
        raise ValidationFailed("二维码无效", "the QR code is not valid", field="token", code="token_forged")
    if data["f"] != fair_id:
        raise ValidationFailed("该二维码属于另一场招聘会", "this QR code is for another fair", field="token",
                               code="token_other_fair")
    return data["r"], data["p"]


def check_in(session: Session, actor: User, cipher: Cipher, secret: str, fair_id: int, token: str | None = None,
             id_number: str | None = None, phone: str | None = None) -> FairRegistration:
    """The organiser checks a person in: by the QR token, or by ID / phone number (blind
    index lookup; a walk-in found this way is registered on the spot)."""
    fair = own_fair(session, actor, fair_id)
    if fair.status != "open":
        raise Conflict("该招聘会已结束", "this fair is closed", field="fair")
    if token:
        reg_id, profile_id = read_token(secret, token, fair.id)
        reg = session.get(FairRegistration, reg_id, with_for_update=True)
        if reg is None or reg.fair_id != fair.id or reg.profile_id != profile_id:
            raise ValidationFailed("二维码对应的报名不存在", "the QR code's registration does not exist", field="token",
                                   code="token_unknown")
        method = "qr"
    else:
        method, value = ("id_number", id_number) if id_number else ("phone", phone)
        key = cipher.blind_index(value)
        col = Profile.id_number_hash if method == "id_number" else Profile.phone_hash
        found = list(session.scalars(select(Profile).where(col == key).limit(2)))
        if not found:
            raise NotFound("该证件号或手机号对应的求职者档案", "a profile with that ID or phone number")
        if len(found) > 1:
            raise Conflict("该手机号对应多名求职者，请改用身份证号", "several people share that phone number; use the ID number",
                           field=method)
        profile = found[0]
        reg = session.scalar(select(FairRegistration).where(FairRegistration.fair_id == fair.id,
                                                            FairRegistration.profile_id == profile.id))
        if reg is None:
            reg = FairRegistration(fair_id=fair.id, profile_id=profile.id)
            try:
                with session.begin_nested():  # added inside: begin_nested flushes what is pending first
                    session.add(reg)
                    session.flush()
            except IntegrityError:  # the person registered at the same moment: use that row
                reg = session.scalar(select(FairRegistration).where(FairRegistration.fair_id == fair.id,
                                                                    FairRegistration.profile_id == profile.id))
    if reg.checked_in_at is not None:
        return reg  # scanning twice is harmless
    reg.checked_in_at = clock.now_utc()
    reg.checkin_method, reg.checked_in_by_id = method, actor.id
    session.flush()
    audit.record(session, actor, "fair_registration", reg.id, "check_in", after={"method": method})
    publish_after_commit(session, fair.id, {"type": "checkin", "profile": reg.profile_id})
    return reg


def join_online(session: Session, actor: User, fair_id: int) -> FairRegistration:
    """A registered person joins an online (or on-site and online) fair from their own account:
    their own registration only, so nobody can check in anyone else this way."""
    if actor.role != "person":
        raise Forbidden("只有求职者本人可以在线参会", "only the person themselves can join online")
    fair = get_fair(session, actor, fair_id)
    if fair.mode == "onsite":
        raise Conflict("这是现场招聘会，请在入口出示二维码签到", "this fair is on-site only: show your QR code at the door",
                       field="fair")
    if fair.status != "open":
        raise Conflict("该招聘会已结束", "this fair is closed", field="fair")
    reg = my_registration(session, actor, fair_id)
    if reg is None:
        raise Conflict("请先报名", "register for the fair first", field="fair")
    reg = session.get(FairRegistration, reg.id, with_for_update=True)
    if reg.checked_in_at is None:
        reg.checked_in_at = clock.now_utc()
        reg.checkin_method, reg.checked_in_by_id = "online", actor.id
        session.flush()
        audit.record(session, actor, "fair_registration", reg.id, "check_in", after={"method": "online"})
        publish_after_commit(session, fair.id, {"type": "checkin", "profile": reg.profile_id})
    return reg


def checked_in(session: Session, fair_id: int, latest: int | None = None) -> list[FairRegistration]:
    """The fair's check-ins in the order they came; with ``latest``, only the last ``latest``
    of them, newest first (the desk's list: re-read after every check-in it makes)."""
    order = (FairRegistration.checked_in_at, FairRegistration.id)
    stmt = select(FairRegistration).where(*checked_in_where(fair_id))
    if latest is None:
        return list(session.scalars(stmt.order_by(*order)))
    return list(session.scalars(stmt.options(joinedload(FairRegistration.profile))
                                .order_by(*(c.desc() for c in order)).limit(latest)))


def registration_to_dict(r: FairRegistration) -> dict:
    return {"id": r.id, "fair_id": r.fair_id, "profile_id": r.profile_id, "registered_at": r.registered_at.isoformat(),
            "checked_in_at": r.checked_in_at.isoformat() if r.checked_in_at else None,
            "checkin_method": r.checkin_method or None}
