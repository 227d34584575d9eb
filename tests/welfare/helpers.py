"""Shared builders for the welfare tests."""
from __future__ import annotations

import datetime as dt
import json

from marketplace.core.models import ProfileCategory
from marketplace.policy import parse_policy_set
from marketplace.policy.policy_set import SETS_DIR
from marketplace.welfare import hard_to_employ, registrations

D = dt.date


def category(profile, name, detail="", since=None):
    profile.categories.append(ProfileCategory(category=name, detail=detail, since_on=since,
                                              confirmed_at=dt.datetime(2019, 1, 1)))


def registered(db, make, cw, today, *, registered_on=None, hte=True, gender="男", birth=D(1980, 5, 1),
               skills=("焊接",), categories=(), district="望花区", name="张三", education=4, original_age=None):
    """A person registered at the desk (and, by default, registered hard-to-employ)."""
    p = make.profile(name=name, gender=gender, birth_on=birth, skills=skills, district=district,
                     education=education)
    for c in categories:
        category(p, c)
    db.flush()
    reg = registrations.register(db, cw, profile_id=p.id, basis="residence", district=district,
                           registered_on=registered_on or today, today=today,
                           original_retirement_age=original_age if gender == "女" else None)
    if hte:
        hard_to_employ.grant_hte(db, cw, p.id, "registered", note="认定证明 2020-001", today=today)
    return p, reg


def policy_with(**r10):
    """fushun-2020 with some R10 parameters changed (e.g. a small quota)."""
    doc = json.loads((SETS_DIR / "fushun-2020.json").read_text(encoding="utf-8"))
    doc["rules"]["R10"].update(r10)
    return parse_policy_set(doc)
