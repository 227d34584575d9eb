"""The fairs area's part of a person's data rights (PIPL): what it holds of them for
"download my data" (``hooks.person_export``) and the free text of theirs it clears when
they delete their account (``hooks.person_deleted``). Connected in
``marketplace.app.connect_hooks``.

Of a person the area holds fair registrations (no free text) and interviews; an
interview's ``note`` is the words of whoever changed it last, which is the person when
they cancelled it themselves."""
from __future__ import annotations

from sqlalchemy import select

from marketplace.core.models import AuditEntry
from marketplace.fairs.models import FairRegistration, Interview


def export_person(session, profile, **_) -> dict:
    """The person's fair registrations and interviews."""
    return {
        "fair_registrations": [
            {"fair": r.fair_id, "checked_in_at": r.checked_in_at and r.checked_in_at.isoformat()}
            for r in session.scalars(select(FairRegistration).where(FairRegistration.profile_id == profile.id))],
        "fair_interviews": [
            {"fair": i.fair_id, "booth": i.booth_id, "posting": i.posting_id, "status": i.status,
             "outcome": i.outcome, "note": i.note}
            for i in session.scalars(select(Interview).where(Interview.profile_id == profile.id))],
    }


def forget_person(session, profile, user=None, **_) -> None:
    """The notes the person wrote on their interviews (a cancellation's reason) go; the
    interview stays (the booth's schedule and the fair's report count it)."""
    if user is None:
        return
    mine = set(session.scalars(select(AuditEntry.entity_id).where(
        AuditEntry.entity == "fair_interview", AuditEntry.actor_id == user.id)))
    for iv in session.scalars(select(Interview).where(Interview.profile_id == profile.id)):
        if iv.id in mine and iv.note:
            iv.note = ""
