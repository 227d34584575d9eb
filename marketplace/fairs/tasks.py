"""Fair tasks: embed a person's profile when they pre-register, so that checking in at the door
only scores them (the vector is already in the encoder's store) instead of encoding them."""
from __future__ import annotations

from celery import shared_task

from jobs.runtime import database, runtime
from marketplace.fairs import checkin


@shared_task(name="marketplace.fairs_embed_profile", time_limit=120, soft_time_limit=100)
def embed_profile(profile_id: int) -> dict:
    """Idempotent: the encoder's store is keyed by the text, so a second run finds the vector
    and encodes nothing."""
    with database().unit_of_work() as s:
        return checkin.embed_for_fair(s, runtime().encoder, profile_id)
