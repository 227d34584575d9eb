"""R15's facts from records: a Hubei-origin 2020 graduate of a college in the city claims a
one-time job-seeking subsidy once, decided by ``marketplace.policy.hubei_graduate_subsidy``.

Nothing here is typed by the claimant. Readings (**[choice]**):

* The graduation year is the profile's ``graduation_year``; a graduate of a college
  (高校毕业生) has 大专 or higher as the highest education.
* 湖北籍 is the household registration: the province of the profile's ``hukou_place``,
  believed only once a caseworker has confirmed the person's ``hubei_origin`` category
  (unconfirmed, the refusal says so).
* The college is what the caseworker recorded, when confirming ``hubei_origin``, as that
  category's detail (the name on the graduation certificate); it is in the city when it is
  one of :data:`COLLEGES_IN_CITY`. A person who edits the detail drops the confirmation.
* Paid once per person: earlier claims that are pending, approved or paid are the engine's
  ``prior_grants`` (a reviewer counts approved and paid ones only).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import policy as pol
from marketplace.core.models import Profile
from marketplace.internships.models import COUNTED, GRANTED, SubsidyClaim

KIND = "hubei_graduate"
#: colleges located in Fushun (驻抚院校), as their graduation certificates name them
COLLEGES_IN_CITY = ("辽宁石油化工大学", "沈阳工学院", "抚顺职业技术学院", "抚顺师范高等专科学校")
UNCONFIRMED = "（湖北籍未经经办人确认）"


def _province(place: str) -> str:
    place = (place or "").strip()
    cut = place.find("省")
    return place[:cut + 1] if cut >= 0 else place[:2]


def facts_of(profile: Profile) -> dict:
    """The engine's facts about the person, read from their records."""
    origin = next((c for c in profile.categories if c.category == "hubei_origin"), None)
    confirmed = origin is not None and origin.confirmed_at is not None
    college = (origin.detail or "").strip() if confirmed else ""
    province = _province(profile.hukou_place) or "未登记"
    return {"graduation_year": profile.graduation_year or 0,
            "college_in_city": profile.education >= 4 and college in COLLEGES_IN_CITY,
            "household_registration_province": province if confirmed else province + UNCONFIRMED,
            "college": college}


def decide(session: Session, ps: pol.PolicySet, c: SubsidyClaim, applied_on: dt.date,
           granted_only: bool = False) -> pol.Decision:
    """R15 for this claim's person on ``applied_on``; earlier claims of theirs are prior grants."""
    states = GRANTED if granted_only else COUNTED
    prior = tuple(d for d in session.scalars(select(SubsidyClaim.submitted_on).where(
        SubsidyClaim.kind == KIND, SubsidyClaim.profile_id == c.profile_id, SubsidyClaim.state.in_(states),
        SubsidyClaim.id != (c.id or 0))) if d is not None)
    f = facts_of(c.profile)
    return pol.hubei_graduate_subsidy(ps, graduation_year=f["graduation_year"], college_in_city=f["college_in_city"],
                                      household_registration_province=f["household_registration_province"],
                                      applied_on=applied_on, prior_grants=prior)
