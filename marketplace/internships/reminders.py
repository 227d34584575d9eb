"""Reminders of the internships area: before an internship ends, when its one-third point
is reached (R4), and notices to the district's caseworkers of agreements without claims.
Sent through the shared ``marketplace.notifications`` service, once per recipient and key."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import policies
from marketplace.core.models import User
from marketplace.internships.agreements import first_full_period_day, full_end
from marketplace.internships.models import InternshipAgreement, SubsidyClaim
from marketplace.notifications import notify


def run_reminders(session: Session, today: dt.date, days_before_end: int = 14, no_claim_after_days: int = 30) -> dict:
    """Reminders before an internship ends, when the one-third point is reached, and notices
    to the district's caseworkers of agreements without claims. Safe to run twice."""
    made = {"ending": 0, "one_third": 0, "no_claim": 0}
    for ag in session.scalars(select(InternshipAgreement).order_by(InternshipAgreement.id)):
        ps = policies.named(ag.policy_set, ag.policy_version, session)
        staff = list(session.scalars(select(User.id).where(User.organisation_id == ag.organisation_id,
                                                           User.is_active.is_(True))))
        link = f"/employer/internships/{ag.id}"
        name = ag.profile.name
        if ag.status == "active":
            end = full_end(ps, ag)
            if today < end <= today + dt.timedelta(days=days_before_end):
                for uid in staff:
                    made["ending"] += notify(
                        session, uid, "internship_ending", f"ending:{ag.id}:{end.isoformat()}",
                        f"{name}的见习将于{end.isoformat()}期满（延长后），请及时办理结束或签订劳动合同",
                        f"{name}'s internship ends on {end.isoformat()} (extended end); finish it or sign a contract",
                        link)
            first = first_full_period_day(ps, ag, ag.start_on)
            if first is not None and first <= today < end:
                for uid in staff:
                    made["one_third"] += notify(
                        session, uid, "one_third_reached", f"one_third:{ag.id}",
                        f"{name}的见习剩余不足三分之一：自{first.isoformat()}起签订劳动合同可获全部期限见习补贴（R4）",
                        f"less than one third of {name}'s internship remains: a labour contract from "
                        f"{first.isoformat()} earns the full period (R4)", link)
        has_claim = session.scalar(select(SubsidyClaim.id).where(SubsidyClaim.agreement_id == ag.id,
                                                                 SubsidyClaim.state != "draft").limit(1))
        if not has_claim and (ag.status != "active" or (today - ag.start_on).days >= no_claim_after_days):
            for uid in session.scalars(select(User.id).where(User.role == "caseworker",
                                                             User.district == ag.organisation.district)):
                made["no_claim"] += notify(
                    session, uid, "no_claim", f"no_claim:{ag.id}",
                    f"{ag.organisation.name}与{name}的见习协议（#{ag.id}，自{ag.start_on.isoformat()}）尚无补贴申领",
                    f"The internship agreement #{ag.id} of {ag.organisation.name} with {name} (from "
                    f"{ag.start_on.isoformat()}) has no subsidy claim yet", link)
    session.flush()
    return made
