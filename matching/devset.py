"""A graded file's records as matching's dataclasses, with the policy engine's decisions.

The dev-set format (``shared/data/README.md``) carries records, not decisions. Here they
become the engine's facts and ``marketplace.policy`` decides, as the app's converter does
from its own records: R1 (the set's cohorts), R8 (hard-to-employ, directly or by
reference) and R9 (priority tier). The format has no R14 groups. Matching itself never
decides any of them.

Readings of the format (**[choice]**, what its fields mean as records):

* ``graduate_YYYY``: a graduating-year graduate (the app's ``graduating_year_graduate``)
  who completed the highest level in YYYY; ``registered_unemployed``: a confirmed
  registration since ``unemployed_since``.
* Ages count as the reference year minus ``birth_year``: a person is taken as born on
  1 January of it.
* Registered hard-to-employ (就业困难人员, in the app a caseworker's grant): the format's
  hard-to-get-work categories ``zero_employment_family``, ``disabled``,
  ``poverty_registered`` and ``near_retirement``, or long-term unemployment as R8 counts it
  (the set's months since ``unemployed_since``). ``landless_farmer`` is R8's reference
  category: it qualifies only when R8's conditions hold, and the format records no
  referrals, so the engine refuses it.
* A woman's original statutory retirement age is 50 (the format's note on near_retirement).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

from marketplace import policy as pol
from marketplace.policy.internship import CohortFacts, check_intern_cohort
from matching.features import PostingData, ProfileData, edu_level

# the format's categories that stand for a registration as hard-to-employ
_REGISTERED_HARD_TO_EMPLOY = frozenset({"zero_employment_family", "disabled", "poverty_registered",
                                        "near_retirement"})
_FEMALE_ORIGINAL_AGE = 50


def _grad_year(cats: list[str], d: dict[str, Any]) -> int | None:
    for c in cats:
        m = re.fullmatch(r"graduate_(\d{4})", c)
        if m:
            return int(m.group(1))
    return d.get("graduation_year")


def _birth_on(p: ProfileData) -> dt.date | None:
    if p.birth_date:
        return p.birth_date
    return dt.date(int(p.birth_year), 1, 1) if p.birth_year else None


def _r1(policy: pol.PolicySet, p: ProfileData, grad: int | None, on: dt.date) -> pol.Decision:
    cats = set(p.categories)
    app_cats = ({"graduating_year_graduate"} if any(re.fullmatch(r"graduate_\d{4}", c) for c in cats) else set()) \
        | ({"registered_unemployed"} & cats)
    facts = CohortFacts(birth_on=_birth_on(p), education_level=edu_level(p.education), graduation_year=grad,
                        categories=frozenset(app_cats), confirmed=frozenset(app_cats))
    return check_intern_cohort(policy, facts, on)


def _r8(policy: pol.PolicySet, p: ProfileData, on: dt.date) -> pol.Decision:
    cats = set(p.categories)
    r8 = policy.rule("R8", on)
    long_term = bool(r8 and p.unemployed_since and pol.add_months(p.unemployed_since, r8.min_unemployed_months) <= on)
    reference = "landless_farmer" if "landless_farmer" in cats and r8 and any(
        c.code == "landless_farmer" for c in r8.categories) else None
    facts = pol.HardToEmployFacts(registered_hard_to_employ=bool(cats & _REGISTERED_HARD_TO_EMPLOY) or long_term,
                                  category=reference, registered_unemployed="registered_unemployed" in cats,
                                  unemployed_since=p.unemployed_since)
    return pol.hard_to_employ_reference(policy, facts, on)


def _r9(policy: pol.PolicySet, p: ProfileData, on: dt.date) -> pol.PriorityDecision:
    born = _birth_on(p)
    person = None
    if born and p.gender in ("男", "女"):
        person = pol.RetirementPerson(born, "male" if p.gender == "男" else "female",
                                      None if p.gender == "男" else _FEMALE_ORIGINAL_AGE)
    return pol.placement_tier(policy, zero_employment_family="zero_employment_family" in p.categories,
                              person=person, on=on)


def with_decisions(policy: pol.PolicySet, p: ProfileData, raw: dict[str, Any], on: dt.date) -> ProfileData:
    """``p`` with the engine's R1, R8 and R9 decisions on ``on`` (a rule not in force: no decision)."""
    kw: dict[str, Any] = {}
    try:
        d = _r1(policy, p, _grad_year(p.categories, raw), on)
        kw.update(internship_eligible=d.allowed, internship_reason=(d.reason_zh, d.reason_en))
    except pol.PolicyError:
        pass
    try:
        d = _r8(policy, p, on)
        kw.update(public_welfare_eligible=d.allowed, public_welfare_reason=(d.reason_zh, d.reason_en))
    except pol.PolicyError:
        pass
    try:
        t = _r9(policy, p, on)
        kw.update(priority_tier=t.tier, priority_reason=(t.reason_zh, t.reason_en))
    except pol.PolicyError:
        pass
    return dataclasses.replace(p, **kw)


def load_records(d: dict[str, Any], policy: pol.PolicySet) -> tuple[dt.date, list[PostingData], list[ProfileData]]:
    """The file's reference date, postings and profiles (with the engine's decisions)."""
    today = dt.date.fromisoformat(d["reference_date"])
    postings = [PostingData.from_dict(p) for p in d["postings"]]
    profiles = [with_decisions(policy, ProfileData.from_dict(p), p, today) for p in d["profiles"]]
    return today, postings, profiles
