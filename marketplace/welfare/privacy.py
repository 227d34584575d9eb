"""The welfare area's part of a person's data rights (PIPL): the public-employment records
it holds of them, for "download my data" (``hooks.person_export``). Deletion
(``hooks.person_deleted``) has no receiver here: those records are the caseworkers' case
files and stay, tied to the pseudonymised profile. Connected in ``marketplace.app``."""
from __future__ import annotations

from sqlalchemy import select

from marketplace.welfare.models import Placement, Referral, Registration


def _iso(v):
    return v.isoformat() if v is not None else None


def export_person(session, profile, **_) -> dict:
    """Unemployment registrations, referrals and public-welfare placements of the person."""
    return {
        "unemployment_registrations": [
            {"district": r.district, "registered_on": _iso(r.registered_on), "channel": r.channel,
             "ended_on": _iso(r.ended_on), "end_reason": r.end_reason}
            for r in session.scalars(select(Registration).where(Registration.profile_id == profile.id))],
        "referrals": [{"posting": r.posting_id, "referred_on": _iso(r.referred_on), "outcome": r.outcome}
                      for r in session.scalars(select(Referral).where(Referral.profile_id == profile.id))],
        "public_welfare_placements": [
            {"posting": pl.posting_id, "start_on": _iso(pl.start_on), "end_on": _iso(pl.end_on),
             "term_months": pl.term_months}
            for pl in session.scalars(select(Placement).where(Placement.profile_id == profile.id))],
    }
