"""The outbox of SMS and e-mails: what a notification becomes beyond the page.

Not to be confused with ``jobs/outbox.py`` (Celery *tasks* kept while the broker is down).
Here each row is one message to one person on one channel:

* queued only to a channel the person chose and a phone or address they verified (a
  verification code is the one message sent to an unverified one);
* SMS never between 21:00 and 08:00 in Fushun (``marketplace.clock.TZ``): held to 08:00,
  except a verification code (``CODE_KEY``): the person asked for it this minute and it
  expires long before 08:00;
* at most ``MARKETPLACE_NOTIFY_MAX_PER_HOUR`` messages per person per hour: more wait;
* sent by :func:`deliver` through the configured sender after a conditional update moves
  the row queued -> sending (committed first), so a task that runs twice, or two workers
  at once, send it once; a failure puts it back with a later ``not_before`` (1, 2, 4 ...
  minutes, 8 tries), then ``failed``.

Operations flush, never commit, except :func:`deliver`, which is a task's unit of work of
its own (claim, send, record).
"""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.db import after_commit
from marketplace.notifications import senders
from marketplace.notifications.models import OutboxMessage

log = logging.getLogger(__name__)

DELIVER_TASK = "marketplace.notifications_deliver"
MAX_ATTEMPTS = 8
QUIET_START, QUIET_END = 21, 8   # local hours: no SMS from 21:00 to 08:00
STALE_SENDING = dt.timedelta(minutes=10)
#: the key of a verification code's message (``contacts.add``): not held in quiet hours
CODE_KEY = "verify:"


def _held_for_quiet(key: str, channel: str, now: dt.datetime) -> dt.datetime | None:
    """``quiet_until`` for a message, when it is queued and when it is claimed: a
    verification code is never held."""
    return None if key.startswith(CODE_KEY) else quiet_until(channel, now)


def quiet_until(channel: str, now: dt.datetime) -> dt.datetime | None:
    """For an SMS at ``now`` (naive UTC) inside quiet hours: the next 08:00 in Fushun (naive UTC)."""
    if channel != "sms":
        return None
    here = clock.local(now)
    if QUIET_END <= here.hour < QUIET_START:
        return None
    day = here.date() if here.hour < QUIET_END else here.date() + dt.timedelta(days=1)
    morning = dt.datetime.combine(day, dt.time(QUIET_END), tzinfo=clock.TZ)
    return morning.astimezone(dt.timezone.utc).replace(tzinfo=None)


def queue(session: Session, user_id: int, channel: str, key: str, address_enc: str, subject: str, body: str,
          now: dt.datetime | None = None) -> OutboxMessage | None:
    """Queue one message (once per user, channel and key); sent after the commit."""
    now = now or clock.now_utc()
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.user_id == user_id, OutboxMessage.channel == channel,
                                                     OutboxMessage.key == key)):
        return None
    msg = OutboxMessage(user_id=user_id, channel=channel, key=key, address_enc=address_enc, subject=subject,
                        body=body, not_before=_held_for_quiet(key, channel, now) or now, created_at=now)
    try:
        with session.begin_nested():
            session.add(msg)
            session.flush()
    except IntegrityError:
        return None
    after_commit(session, DELIVER_TASK, msg.id)
    return msg


def _throttled_until(session: Session, msg: OutboxMessage, now: dt.datetime, per_hour: int) -> dt.datetime | None:
    since = now - dt.timedelta(hours=1)
    sent = list(session.scalars(select(OutboxMessage.sent_at).where(
        OutboxMessage.user_id == msg.user_id, OutboxMessage.state == "sent", OutboxMessage.sent_at > since)
        .order_by(OutboxMessage.sent_at)))
    if len(sent) < per_hour:
        return None
    return sent[len(sent) - per_hour] + dt.timedelta(hours=1)


def _claim(database, message_id: int, now: dt.datetime, config) -> OutboxMessage | None:
    """Move the row to 'sending' and commit, or None when it is not due or another run has it."""
    with database.unit_of_work() as s:
        msg = s.get(OutboxMessage, message_id)
        if msg is None or msg.state in ("sent", "failed"):
            return None
        if msg.state == "sending" and (msg.claimed_at or now) > now - STALE_SENDING:
            return None
        if msg.not_before > now:
            return None
        if msg.state == "sending" and msg.attempts >= MAX_ATTEMPTS:
            # a sender that died mid-send every time (not a SendFailed): stop, for the operator
            msg.state, msg.last_error = "failed", msg.last_error or "no answer from the sender"
            return None
        held = _held_for_quiet(msg.key, msg.channel, now)
        if held is None:
            held = _throttled_until(s, msg, now, config.NOTIFY_MAX_PER_HOUR)
        if held is not None:
            s.execute(update(OutboxMessage).where(OutboxMessage.id == msg.id, OutboxMessage.state == msg.state)
                      .values(not_before=held))
            return None
        taken = s.execute(update(OutboxMessage).where(
            OutboxMessage.id == msg.id, OutboxMessage.state == msg.state, OutboxMessage.attempts == msg.attempts)
            .values(state="sending", claimed_at=now, attempts=OutboxMessage.attempts + 1)).rowcount
        if taken != 1:
            return None  # another run took it between our read and our update
        s.flush()
        s.refresh(msg)
        s.expunge(msg)
        return msg


def deliver(database, cipher, config, message_id: int, now: dt.datetime | None = None) -> str:
    """Send one message if it is due; returns its state afterwards ('sent', 'queued' (held or
    to retry), 'failed', or 'skipped' when another run has it or it was already sent)."""
    now = now or clock.now_utc()
    msg = _claim(database, message_id, now, config)
    if msg is None:
        return "skipped"
    try:
        senders.for_channel(config, msg.channel).send(cipher.decrypt(msg.address_enc), msg.subject, msg.body)
    except senders.SendFailed as e:
        last = e.permanent or msg.attempts >= MAX_ATTEMPTS
        state = "failed" if last else "queued"
        retry_at = now + dt.timedelta(minutes=2 ** (msg.attempts - 1))
        log.warning("outbox message %s (%s) not sent, try %s: %s", msg.id, msg.channel, msg.attempts, e)
        with database.unit_of_work() as s:
            s.execute(update(OutboxMessage).where(OutboxMessage.id == msg.id, OutboxMessage.state == "sending")
                      .values(state=state, not_before=retry_at, last_error=str(e)[:500]))
        return state
    with database.unit_of_work() as s:
        s.execute(update(OutboxMessage).where(OutboxMessage.id == msg.id, OutboxMessage.state == "sending")
                  .values(state="sent", sent_at=now, last_error=""))
    return "sent"


def due(database, now: dt.datetime | None = None, limit: int = 200) -> list[int]:
    """Ids of messages due now (queued past their time, or stuck 'sending' past 10 minutes)."""
    now = now or clock.now_utc()
    with database.unit_of_work(write=False) as s:
        return list(s.scalars(select(OutboxMessage.id).where(
            or_(OutboxMessage.state == "queued",
                (OutboxMessage.state == "sending") & (OutboxMessage.claimed_at < now - STALE_SENDING)),
            OutboxMessage.not_before <= now).order_by(OutboxMessage.not_before, OutboxMessage.id).limit(limit)))


def deliver_due(database, cipher, config, now: dt.datetime | None = None) -> dict:
    """Send every due message (the periodic task); returns counts by resulting state."""
    counts: dict[str, int] = {}
    for mid in due(database, now):
        state = deliver(database, cipher, config, mid, now)
        counts[state] = counts.get(state, 0) + 1
    return counts


def messages_for(session: Session, user_id: int) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user_id)
                                .order_by(OutboxMessage.id.desc()).limit(50)))


def count_by_state(session: Session) -> dict[str, int]:
    return dict(session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all())
