"""Delivery of the outbox: one message right after the commit that queued it, and every due
message once a minute (held SMS at 08:00, throttled ones, retries after a failure). Both are
safe to run twice: a message is claimed by a conditional update before it is sent."""
from __future__ import annotations

from celery import shared_task

from jobs.runtime import cipher, config, database
from marketplace.notifications import outbox


@shared_task(name="marketplace.notifications_deliver", time_limit=60, soft_time_limit=50)
def deliver(message_id: int) -> str:
    return outbox.deliver(database(), cipher(), config(), message_id)


@shared_task(name="marketplace.notifications_deliver_due", time_limit=300, soft_time_limit=240)
def deliver_due() -> dict:
    return outbox.deliver_due(database(), cipher(), config())
