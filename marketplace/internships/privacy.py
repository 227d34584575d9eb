"""The internships area's part of a person's data rights (PIPL): what it holds of them for
"download my data" (``hooks.person_export``) and what it clears when they delete their
account (``hooks.person_deleted``). Connected in ``marketplace.app.connect_hooks``."""
from __future__ import annotations

from sqlalchemy import or_, select

from marketplace.internships.models import InternshipAgreement, Introduction
from marketplace.notifications.models import Notification


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


def forget_person(session, profile, former_name: str = "", **_) -> None:
    """An agency's words about the person go; the introduction itself stays (it backs paid
    claims). The reminders sent to the employer and caseworkers about the person's
    agreements (``reminders.py``: keys ``ending:<id>:<date>``, ``one_third:<id>``,
    ``no_claim:<id>``) keep their dates but name the pseudonym instead of the person."""
    for intro in session.scalars(select(Introduction).where(Introduction.profile_id == profile.id)):
        intro.note = ""
    ids = list(session.scalars(select(InternshipAgreement.id).where(InternshipAgreement.profile_id == profile.id)))
    if not former_name or not ids:
        return
    keys = or_(*(k for i in ids for k in (Notification.key.like(f"ending:{i}:%"), Notification.key == f"one_third:{i}",
                                          Notification.key == f"no_claim:{i}")))
    for n in session.scalars(select(Notification).where(keys)):
        n.text_zh = n.text_zh.replace(former_name, profile.name)
        n.text_en = n.text_en.replace(former_name, profile.name)
