"""The welfare area's part of a person's data rights (PIPL): the public-employment records
it holds of them, for "download my data" (``hooks.person_export``). Deletion
(``hooks.person_deleted``) has no receiver here: those records are the caseworkers' case
files and stay, tied to the pseudonymised profile. Connected in ``marketplace.app``."""
from __future__ import annotations

from sqlalchemy import select

from marketplace.welfare.models import Placement, Referral, Registration


def export_person(session, profile, **_) -> dict:
    """Unemployment registrations, referrals and public-welfare placements of the person."""
    def rows(model):
        return session.scalars(select(model).where(model.profile_id == profile.id))

    def day(d):
        return d and d.isoformat()

    return {
        "unemployment_registrations": [
            {"district": r.district, "registered_on": day(r.registered_on), "channel": r.channel,
             "ended_on": day(r.ended_on), "end_reason": r.end_reason} for r in rows(Registration)],
        "referrals": [{"posting": r.posting_id, "referred_on": day(r.referred_on), "outcome": r.outcome}
                      for r in rows(Referral)],
        "public_welfare_placements": [
            {"posting": pl.posting_id, "start_on": day(pl.start_on), "end_on": day(pl.end_on),
             "term_months": pl.term_months} for pl in rows(Placement)],
    }
