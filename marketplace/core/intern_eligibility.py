"""R1 from a person's records: the one reading of the set's internship cohorts.

The cohorts, their categories, graduation years, education minimum, months since leaving
school and ages are parameters of the policy set (``R1.cohorts``); this module only turns a
profile into the engine's ``CohortFacts`` and asks it. ``core.eligibility`` (the one place
every path asks: matching, search, applying, the hire, the agreement's start) and the
internships area (``agreements.cohorts_of``, the cohort codes an agreement checks) both read
R1 here, so they never disagree.

Readings of records (**[choice]**): a category counts as recorded once the person or a
caseworker entered it; a cohort that asks for a confirmed category counts it only once a
caseworker confirmed it. Matching decides on the person's cohort alone: whether the unit
is a registered internship base and whether the person already holds a subsidised
internship are checked when the agreement is made (``check_intern_eligibility`` there).
"""
from __future__ import annotations

import datetime as dt

from marketplace import policy as pol
from marketplace.core.models import Profile
from marketplace.policy.internship import CohortFacts, check_intern_cohort, person_cohorts


def cohort_facts(profile: Profile) -> CohortFacts:
    return CohortFacts(birth_on=profile.birth_on, education_level=profile.education or 0,
                       graduation_year=profile.graduation_year,
                       categories=frozenset(c.category for c in profile.categories),
                       confirmed=frozenset(c.category for c in profile.categories if c.confirmed_at is not None))


def cohorts_of(policy: pol.PolicySet, profile: Profile, on: dt.date) -> list[str]:
    """Codes of the set's R1 cohorts the person's records place them in on ``on``."""
    return person_cohorts(policy, cohort_facts(profile), on)


def internship_decision(policy: pol.PolicySet, profile: Profile, on: dt.date) -> pol.Decision:
    """The engine's R1 decision on the person's cohort (what matching filters internships by)."""
    return check_intern_cohort(policy, cohort_facts(profile), on)
