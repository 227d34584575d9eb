"""Records to matching's dataclasses: the one converter, with the policy engine's decisions.

``posting_data`` / ``profile_data`` turn core rows into ``matching.PostingData`` /
``ProfileData``; ranking (``recommend``), the search index (``indexing``, through
``matching.documents``) and the fairs read people and posts through them. Matching never
decides a rule: the decisions it filters and ranks by arrive here on ``ProfileData``, each
with its reason:

* R1 (may take a subsidised internship), R8 (public-welfare eligible) with R9 (priority tier),
  and R14 (target groups): all gathered by ``core.eligibility.decide_people``, the one place
  that decides them for every path (applying, hiring and agreements ask it too); with no
  answer from the welfare area, nobody is public-welfare eligible.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session, object_session

from marketplace import clock
from marketplace import policy as pol
from marketplace.core import eligibility
from marketplace.core.models import EDUCATION_LEVELS, Posting, Profile
from matching import PostingData, ProfileData

# Categories a person's own say-so is enough for; the others count once a caseworker confirmed them.
_SELF_DECLARED = ("graduating_year_graduate", "registered_unemployed")


def posting_data(p: Posting, today: dt.date) -> PostingData:
    return PostingData(
        id=str(p.id), kind=p.kind, title=p.title, description=p.description, requirements=p.requirements or "",
        education_min=EDUCATION_LEVELS.get(p.education_min, "不限"), skills=list(p.skills or []),
        salary_min=p.salary_min, salary_max=p.salary_max, district=p.district, employer=p.organisation.name,
        headcount=p.headcount, period_months=p.period_months,
        stipend=float(p.stipend) if p.stipend is not None else None, temporary=p.temporary,
        term_months=p.term_months, target_group=p.target_group or None, is_open=p.is_open(today),
        published_on=(p.published_at or p.created_at).date(), closes_on=p.close_on,
        occupation_code=p.occupation_code, employer_id=str(p.organisation_id),
        employer_type=p.organisation.org_type, status=p.status, open_on=p.open_on)


def decisions(session: Session, profiles: Sequence[Profile], on: dt.date,
              policy: pol.PolicySet | None = None) -> dict[int, dict]:
    """The engine's decisions about each person on ``on``, as ``ProfileData`` fields: the
    one gathering in ``core.eligibility.decide_people`` (``policy``: the active set unless
    given, e.g. read in the request for a background build)."""
    return {pid: decided(f) for pid, f in eligibility.decide_people(session, profiles, on, policy).items()}


def decided(f: eligibility.PersonDecisions) -> dict:
    """One person's ``PersonDecisions`` as ``ProfileData`` fields (a caller that also needs the
    verdicts for posts gathers the decisions once and passes them here)."""
    d = {"internship_eligible": f.r1.allowed, "internship_reason": (f.r1.reason_zh, f.r1.reason_en),
         "target_groups": list(f.groups), "target_groups_reason": f.groups_reason,
         "public_welfare_eligible": f.r8_allowed, "public_welfare_reason": f.r8_reason, "priority_tier": f.tier}
    if f.tier_reason is not None:
        d["priority_reason"] = f.tier_reason
    return d


def profile_data(p: Profile, today: dt.date | None = None, decided: dict | None = None) -> ProfileData:
    """One person; ``decided`` is their entry of ``decisions`` (asked here when not given)."""
    today = today or clock.today()
    if decided is None:
        session = object_session(p)
        decided = decisions(session, [p], today)[p.id] if session is not None else {}
    cats = []
    unemployed_since = None
    for c in p.categories:
        if c.confirmed_at is None and c.category not in _SELF_DECLARED:
            continue
        cats.append(c.category)
        if c.category == "registered_unemployed":
            unemployed_since = c.since_on
    return ProfileData(
        id=str(p.id), categories=cats, unemployed_since=unemployed_since, gender=p.gender, birth_date=p.birth_on,
        birth_year=p.birth_on.year, education=EDUCATION_LEVELS.get(p.education), major=p.major or None,
        graduation_year=p.graduation_year, skills=list(p.skills or []), experience=p.experience or "",
        summary=p.summary or "", desired=p.desired_jobs or "", district=p.district,
        desired_salary=float(p.desired_salary_min) if p.desired_salary_min else None,
        updated_on=p.updated_at.date() if p.updated_at else today,
        occupation_code=(p.occupation_codes or [None])[0],
        declared_categories=sorted(c.category for c in p.categories), published=p.published,
        occupation_codes=list(p.occupation_codes or []), **decided)


def profiles_data(session: Session, rows: Sequence[Profile], today: dt.date,
                  policy: pol.PolicySet | None = None) -> list[ProfileData]:
    """Many people, their decisions gathered once (one question to the areas for all)."""
    decided = decisions(session, rows, today, policy)
    return [profile_data(p, today, decided[p.id]) for p in rows]
