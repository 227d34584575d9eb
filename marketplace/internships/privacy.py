"""The internships area's part of a person's data rights (PIPL): what it holds of them for
"download my data" (``hooks.person_export``) and what it clears when they delete their
account (``hooks.person_deleted``). Connected in ``marketplace.app.connect_hooks``."""
from __future__ import annotations

from sqlalchemy import or_, select

from marketplace.internships.models import (
    FactConfirmation,
    InsuranceDeclaration,
    InternshipAgreement,
    Introduction,
    LabourContract,
)
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
             "answered_at": i.answered_at and i.answered_at.isoformat(), "answered_via": i.answered_via}
            for i in session.scalars(select(Introduction).where(Introduction.profile_id == profile.id))],
        "labour_contracts": [
            {"employer": k.organisation.name, "signed_on": k.signed_on.isoformat(), "months": k.months}
            for k in session.scalars(select(LabourContract).where(LabourContract.profile_id == profile.id))],
        "social_insurance_declared": [
            {"employer": d.organisation.name, "monthly_amount": str(d.monthly_amount),
             "makeup_paid_on": d.makeup_paid_on and d.makeup_paid_on.isoformat()}
            for d in session.scalars(select(InsuranceDeclaration).where(InsuranceDeclaration.profile_id == profile.id))],
        "my_confirmations": [
            {"record": c.record, "verdict": c.verdict, "at": c.at.isoformat(), "note": c.note}
            for c in session.scalars(select(FactConfirmation).where(FactConfirmation.by_id == profile.user_id))],
    }


def forget_person(session, profile, former_name: str = "", user=None, **_) -> None:
    """An agency's words about the person go; the introduction itself stays (it backs paid
    claims). The person's own words when confirming or disputing a record go too; the verdict
    stays (a paid claim rests on it). The reminders sent to the employer and caseworkers about
    the person's agreements (``reminders.py``: keys ``ending:<id>:<date>``, ``one_third:<id>``,
    ``no_claim:<id>``) keep their dates but name the pseudonym instead of the person."""
    for intro in session.scalars(select(Introduction).where(Introduction.profile_id == profile.id)):
        intro.note = ""
    by = user.id if user is not None else profile.user_id  # the profile is already unlinked from its account
    for c in session.scalars(select(FactConfirmation).where(FactConfirmation.by_id == by)):
        c.note = ""
    ids = list(session.scalars(select(InternshipAgreement.id).where(InternshipAgreement.profile_id == profile.id)))
    if not former_name or not ids:
        return
    keys = or_(*(k for i in ids for k in (Notification.key.like(f"ending:{i}:%"), Notification.key == f"one_third:{i}",
                                          Notification.key == f"no_claim:{i}")))
    for n in session.scalars(select(Notification).where(keys)):
        n.text_zh = n.text_zh.replace(former_name, profile.name)
        n.text_en = n.text_en.replace(former_name, profile.name)
