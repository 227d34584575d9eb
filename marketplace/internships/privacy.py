"""The internships area's part of a person's data rights (PIPL): what it holds of them for
"download my data" (``hooks.person_export``) and what it clears when they delete their
account (``hooks.person_deleted``). Connected in ``marketplace.app.connect_hooks``."""
from __future__ import annotations

from sqlalchemy import select

from marketplace.internships.models import InternshipAgreement, Introduction


def export_person(session, profile, **_) -> dict:
    """The person's internship agreements and the agencies' introductions of them."""
    return {
        "internship_agreements": [
            {"posting": a.posting_id, "start_on": a.start_on and a.start_on.isoformat(),
             "period_months": a.period_months, "status": a.status,
             "outcome_on": a.outcome_on and a.outcome_on.isoformat()}
            for a in session.scalars(select(InternshipAgreement)
                                     .where(InternshipAgreement.profile_id == profile.id))],
        "introductions_by_agencies": [
            {"agency": i.organisation.name, "posting": i.posting_id,
             "at": i.created_at and i.created_at.isoformat(), "note": i.note, "answer": i.answer,
             "answered_at": i.answered_at and i.answered_at.isoformat()}
            for i in session.scalars(select(Introduction).where(Introduction.profile_id == profile.id))],
    }


def forget_person(session, profile, **_) -> None:
    """An agency's words about the person go; the introduction itself stays (it backs paid claims)."""
    for intro in session.scalars(select(Introduction).where(Introduction.profile_id == profile.id)):
        intro.note = ""
