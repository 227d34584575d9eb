"""Facts from a person's records that the policy engine needs, read one way for every
caller (applications, publication, matching).

``target_groups`` is R14's membership: the codes of the active set's target groups the
person's records place them in. A group's facts come from the set (``TargetGroup``: the
profile category, whether a caseworker must have confirmed it, a minimum education level,
the year the category began); a group the set does not list is no target group.
"""
from __future__ import annotations

import datetime as dt

from marketplace import policy as pol
from marketplace.core.models import Profile


def _in_group(group, profile: Profile) -> bool:
    row = next((c for c in profile.categories if c.category == group.category), None)
    if row is None or (group.confirmed and row.confirmed_at is None):
        return False
    if group.min_education is not None and (profile.education or 0) < group.min_education:
        return False
    if group.since_year is not None and (row.since_on is None or row.since_on.year != group.since_year):
        return False
    return True


def target_groups(policy: pol.PolicySet, profile: Profile, on: dt.date) -> list[str]:
    """Codes of the set's R14 groups (in force on ``on``) the person's records place them in."""
    params = policy.rule("R14", on)
    if params is None:
        return []
    return [g.code for g in params.groups if _in_group(g, profile)]


def known_target_groups(policy: pol.PolicySet, on: dt.date) -> list:
    """The set's R14 groups in force on ``on`` (for the posting form and its validation)."""
    params = policy.rule("R14", on)
    return list(params.groups) if params is not None else []
