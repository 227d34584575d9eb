"""Records to matching's dataclasses: the one converter, with the policy engine's decisions.

``posting_data`` / ``profile_data`` turn core rows into ``matching.PostingData`` /
``ProfileData``; ranking (``recommend``), the search index (``indexing``, through
``matching.documents``) and the fairs read people and posts through them. Matching never
decides a rule: the decisions it filters and ranks by arrive here on ``ProfileData``, each
with its reason:

* R1 (may take a subsidised internship): ``intern_eligibility`` with the active set's cohorts;
* R8 (public-welfare eligible) and R9 (priority tier): the welfare area's answer to
  ``hooks.public_welfare_decisions``; with no answer, nobody is public-welfare eligible;
* R14 (target groups): ``core.eligibility.target_groups`` over the active set's groups.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session, object_session

from marketplace import clock, hooks, policies
from marketplace import policy as pol
from marketplace.core import intern_eligibility
from marketplace.core.eligibility import target_groups
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


def _groups(policy: pol.PolicySet, profile: Profile, on: dt.date) -> dict:
    codes = list(target_groups(policy, profile, on))
    r14 = policy.rule("R14", on)
    names = [(g.zh, g.en) for g in (r14.group(c) for c in codes) if g is not None] if r14 is not None else []
    if names:
        reason = (f"R14 属于定向招聘对象：{'、'.join(zh for zh, _ in names)}",
                  f"R14 in the target group(s): {'; '.join(en for _, en in names)}")
    else:
        reason = ("R14 不属于政策集所列的定向招聘对象", "R14 in none of the policy set's target groups")
    return {"target_groups": codes, "target_groups_reason": reason}


def decisions(session: Session, profiles: Sequence[Profile], on: dt.date,
              policy: pol.PolicySet | None = None) -> dict[int, dict]:
    """The engine's decisions about each person on ``on``, as ``ProfileData`` fields
    (``policy``: the active set unless given, e.g. read in the request for a background build)."""
    policy = policy or policies.in_force(on, session)  # the version in force on the day judged
    welfare: dict = {}
    for answer in hooks.ask(hooks.public_welfare_decisions, session, profiles=list(profiles), on=on):
        welfare.update(answer)
    out = {}
    for p in profiles:
        r1 = intern_eligibility.internship_decision(policy, p, on)
        d = {"internship_eligible": r1.allowed, "internship_reason": (r1.reason_zh, r1.reason_en),
             **_groups(policy, p, on)}
        w = welfare.get(p.id)
        if w is not None:
            d.update(public_welfare_eligible=bool(w.get("eligible")),
                     public_welfare_reason=(w.get("reason_zh") or "", w.get("reason_en") or ""),
                     priority_tier=w.get("tier"))
            if w.get("tier") is not None:
                d["priority_reason"] = (w.get("tier_reason_zh") or f"R9 第{w['tier']}优先层级",
                                        w.get("tier_reason_en") or f"R9 priority tier {w['tier']}")
        out[p.id] = d
    return out


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
