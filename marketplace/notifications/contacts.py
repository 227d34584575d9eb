"""A person's channels: which ones they want (SMS, e-mail; the page always), and the phone
number and e-mail address messages go to, each verified by a code sent through the outbox
before anything else is sent there. Operations flush, never commit."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.core.models import User
from marketplace.errors import Conflict, TooManyRequests, ValidationFailed
from marketplace.notifications import outbox, texts
from marketplace.notifications.models import ChannelChoice, CodeSend, ContactPoint

CODE_MINUTES = 30
MAX_FAILURES = 5
RESEND_SECONDS = 60
#: codes one phone number or e-mail address may receive, whichever accounts ask for them: the
#: per-account minute above does not stop many accounts from sending codes to someone else's
#: number (an SMS flood at the city's cost). The limits SMS gateways in China apply to one
#: number (five an hour, ten a day).
PER_ADDRESS_HOUR, PER_ADDRESS_DAY = 5, 10
PHONE = re.compile(r"^1[3-9]\d{9}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
LABELS = {"sms": ("手机号码", "phone number"), "email": ("电子邮箱", "e-mail address")}


def choice(session: Session, user_id: int) -> ChannelChoice:
    c = session.get(ChannelChoice, user_id)
    return c if c is not None else ChannelChoice(user_id=user_id, sms=False, email=False)


def contact(session: Session, user_id: int, channel: str) -> ContactPoint | None:
    return session.scalar(select(ContactPoint).where(ContactPoint.user_id == user_id, ContactPoint.channel == channel))


def verified_address(session: Session, cipher, user_id: int, channel: str) -> str | None:
    """The encrypted verified address of a channel the person chose, else None."""
    chosen = choice(session, user_id)
    if not getattr(chosen, channel, False):
        return None
    c = contact(session, user_id, channel)
    return c.address_enc if c is not None and c.verified_at is not None else None


def set_channels(session: Session, actor: User, sms: bool, email: bool) -> ChannelChoice:
    """Turn SMS and e-mail on or off. Turning one on needs its verified phone or address."""
    for channel, wanted in (("sms", sms), ("email", email)):
        c = contact(session, actor.id, channel)
        if wanted and (c is None or c.verified_at is None):
            zh, en = LABELS[channel]
            raise ValidationFailed(f"请先添加并验证{zh}，再选择此方式", f"add and verify your {en} before choosing it",
                                   field=channel)
    row = session.get(ChannelChoice, actor.id)
    if row is None:
        row = ChannelChoice(user_id=actor.id)
        session.add(row)
    row.sms, row.email, row.updated_at = sms, email, clock.now_utc()
    session.flush()
    return row


def _hash(contact_id: int, code: str) -> str:
    return hashlib.sha256(f"{contact_id}:{code}".encode()).hexdigest()


def add(session: Session, cipher, actor: User, channel: str, address: str, now: dt.datetime | None = None) -> ContactPoint:
    """Add (or replace) the person's phone or e-mail and send it a code; unverified until the
    code comes back, and the channel is off meanwhile."""
    now = now or clock.now_utc()
    if channel not in LABELS:
        raise ValidationFailed("渠道应为 sms 或 email", "channel must be sms or email", field="channel")
    address = (address or "").strip()
    if channel == "email":
        address = address.lower()  # as it is checked, stored, sent to and counted
    zh, en = LABELS[channel]
    if not (PHONE if channel == "sms" else EMAIL).match(address):
        raise ValidationFailed(f"{zh}格式不正确" + ("（11位手机号码）" if channel == "sms" else ""),
                               f"the {en} is not valid" + (" (11-digit mobile number)" if channel == "sms" else ""),
                               field="address")
    c = contact(session, actor.id, channel)
    if c is not None and c.code_sent_at and c.code_sent_at > now - dt.timedelta(seconds=RESEND_SECONDS):
        raise TooManyRequests("验证码刚刚发送，请一分钟后再试", "a code was just sent; try again in a minute")
    sent_to = cipher.blind_index(address)
    _limit_per_address(session, sent_to, channel, now)
    if c is None:
        c = ContactPoint(user_id=actor.id, channel=channel, address_enc="")
        session.add(c)
    c.address_enc = cipher.encrypt(address)
    c.verified_at = None
    c.code_failures = 0
    c.code_sent_at = now
    session.flush()
    code = f"{secrets.randbelow(10**6):06d}"
    c.code_hash = _hash(c.id, code)
    row = choice(session, actor.id)
    if getattr(row, channel) and row in session:
        setattr(row, channel, False)  # a new, unverified address: nothing else goes there
    if channel == "sms":
        subject, body = "", texts.verification_sms(code)
    else:
        subject, body = texts.verification_email(code)
    # The code is sent at once even in quiet hours (its key tells the outbox so): the person
    # asked for it this minute, and held until 08:00 it would have expired.
    outbox.queue(session, actor.id, channel, f"{outbox.CODE_KEY}{c.id}:{int(now.timestamp())}", c.address_enc,
                 subject, body, now=now)
    session.add(CodeSend(address_hash=sent_to, sent_at=now))
    session.flush()
    return c


def _limit_per_address(session: Session, address_hash: str, channel: str, now: dt.datetime) -> None:
    """Refuse a code for an address that received ``PER_ADDRESS_HOUR`` in the last hour or
    ``PER_ADDRESS_DAY`` in the last day, from any account. The refusal says only that the
    address had many codes, not who asked for them."""
    session.execute(delete(CodeSend).where(CodeSend.sent_at < now - dt.timedelta(days=2)))
    times = list(session.scalars(select(CodeSend.sent_at).where(
        CodeSend.address_hash == address_hash, CodeSend.sent_at > now - dt.timedelta(days=1))))
    zh, en = LABELS[channel]
    if len(times) >= PER_ADDRESS_DAY:
        raise TooManyRequests(f"这个{zh}今天收到的验证码已达上限，请明天再试",
                              f"this {en} has had as many codes as allowed today; try again tomorrow", field="address")
    if sum(t > now - dt.timedelta(hours=1) for t in times) >= PER_ADDRESS_HOUR:
        raise TooManyRequests(f"这个{zh}一小时内收到的验证码太多，请一小时后再试",
                              f"this {en} has had too many codes in the last hour; try again in an hour",
                              field="address")


def confirm(session: Session, actor: User, channel: str, code: str, now: dt.datetime | None = None) -> ContactPoint:
    now = now or clock.now_utc()
    c = contact(session, actor.id, channel)
    if c is None or not c.code_hash or c.verified_at is not None:
        raise Conflict("没有待验证的号码或邮箱，请先添加", "nothing is waiting for a code; add the number or address first",
                       field="code")
    if c.code_failures >= MAX_FAILURES or (c.code_sent_at and c.code_sent_at < now - dt.timedelta(minutes=CODE_MINUTES)):
        raise ValidationFailed("验证码已失效，请重新发送", "the code has expired; send a new one", field="code")
    if not secrets.compare_digest(_hash(c.id, (code or "").strip()), c.code_hash):
        c.code_failures += 1
        session.flush()
        raise ValidationFailed("验证码不正确", "the code is not right", field="code")
    c.verified_at, c.code_hash = now, ""
    session.flush()
    return c


def keep_failures(session: Session) -> None:
    """Commit the wrong-code count although the request is refused (it is the limit on
    guessing); the one commit outside the request's own, as ``accounts.keep_failed_login``."""
    session.commit()


def settings_view(session: Session, cipher, actor: User) -> dict:
    """What the settings page shows: the choice and each address (masked) and its state."""
    row = choice(session, actor.id)
    out = {"sms": row.sms, "email": row.email, "contacts": {}}
    for channel in LABELS:
        c = contact(session, actor.id, channel)
        if c is not None:
            address = cipher.decrypt(c.address_enc) or ""
            shown = (address[:3] + "****" + address[-4:]) if channel == "sms" else address
            out["contacts"][channel] = {"address": shown, "verified": c.verified_at is not None,
                                        "waiting": c.verified_at is None and bool(c.code_hash)}
    return out
