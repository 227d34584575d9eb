"""The welfare area's answers to other areas' questions (connected in
``marketplace.app.connect_hooks``); its events' receivers live with their rules
(``registrations.on_hired``)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from marketplace.welfare.common import policy
from marketplace.welfare.hard_to_employ import gather, hte_decision
from marketplace.welfare.placements import retired, tier_decision


def public_welfare_decisions(session: Session, profiles, on: dt.date, **_kw) -> dict:
    """``hooks.public_welfare_decisions``: for each profile, R8 eligibility for public-welfare
    posts (a caseworker's hard-to-employ status, or the reference conditions holding on
    ``on``; not past the statutory retirement age, R11) and the R9 tier when eligible."""
    pset = policy(on=on, session=session)  # the version in force on the date judged
    profiles = list(profiles)
    known = gather(session, profiles)  # a few queries for all of them, not five per person
    out = {}
    for profile in profiles:
        reg = known[profile.id].registration
        decision = hte_decision(session, profile, on, pset, known=known[profile.id])
        if decision.allowed and retired(profile, reg, on):
            out[profile.id] = {"eligible": False, "reason_zh": "已达到法定退休年龄（R11）",
                               "reason_en": "has reached the statutory retirement age (R11)", "tier": None}
            continue
        tier = tier_decision(pset, profile, reg, on).tier if decision.allowed else None
        out[profile.id] = {"eligible": decision.allowed, "reason_zh": decision.reason_zh,
                           "reason_en": decision.reason_en, "tier": tier}
    return out
