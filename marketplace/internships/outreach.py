"""The internships area's part of 政策找人 (``hooks.policy_findings``, told by
``core.outreach``): an employer whose intern's one-third date (R4) is near is told the date
from which a labour contract earns the full period."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import policies
from marketplace.core.models import User
from marketplace.internships.agreements import first_full_period_day, full_end
from marketplace.internships.models import InternshipAgreement

#: how many days before the one-third date the employer is told ("near")
R4_NEAR_DAYS = 30


def policy_findings(session: Session, on: dt.date, **_kw) -> list[dict]:
    out = []
    for ag in session.scalars(select(InternshipAgreement).where(InternshipAgreement.status == "active")
                              .order_by(InternshipAgreement.id)):
        ps = policies.named(ag.policy_set)
        first = first_full_period_day(ps, ag, ag.start_on)
        if first is None or not (on <= first <= on + dt.timedelta(days=R4_NEAR_DAYS)) or first >= full_end(ps, ag):
            continue
        staff = session.scalars(select(User.id).where(User.organisation_id == ag.organisation_id,
                                                      User.is_active.is_(True)))
        for uid in staff:
            out.append({"rule": "R4", "subject": f"agreement:{ag.id}", "decision": first.isoformat(), "user_id": uid,
                        "organisation_id": ag.organisation_id, "district": ag.organisation.district,
                        "link": f"/employer/internships/{ag.id}",
                        "zh": f"{ag.profile.name}的见习将于{first.isoformat()}起剩余不足三分之一（R4）：自该日起签订一年以上"
                              "劳动合同，可获全部期限的见习补贴。下一步：与见习人员商谈签订劳动合同。",
                        "en": f"From {first.isoformat()} less than one third of {ag.profile.name}'s internship remains "
                              "(R4): a labour contract of a year or more signed from that day earns the subsidy for the "
                              "full period. Next step: talk with the intern about a contract."})
    return out
