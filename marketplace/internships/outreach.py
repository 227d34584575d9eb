"""The internships area's part of 政策找人 (``hooks.policy_findings``, told by
``core.outreach``): an employer whose intern's one-third date (R4) is near is told the date
from which a labour contract earns the full period; an employer that hired a person who
qualifies for R6's one-time hiring subsidy (judged by the engine from the hire's records: the
hire event, the labour contract and the social-insurance declaration) and has not claimed it is
told the amount and where to claim."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import policies
from marketplace.core.models import Application, User
from marketplace.errors import DomainError
from marketplace.internships import claims
from marketplace.internships.agreements import first_full_period_day, full_end
from marketplace.internships.facts import contract_of, insurance_of
from marketplace.internships.models import InternshipAgreement, SubsidyClaim

#: how many days before the one-third date the employer is told ("near")
R4_NEAR_DAYS = 30


def policy_findings(session: Session, on: dt.date, **_kw) -> list[dict]:
    return _r4(session, on) + _r6(session, on)


def _staff(session: Session, organisation_id: int) -> list[int]:
    return list(session.scalars(select(User.id).where(User.organisation_id == organisation_id,
                                                      User.is_active.is_(True))))


def _r6(session: Session, on: dt.date) -> list[dict]:
    """Hires with their contract and insurance on record, no R6 claim, that R6 grants."""
    out = []
    ps = policies.active()
    claimed = set(session.scalars(select(SubsidyClaim.application_id).where(SubsidyClaim.kind == "hiring_r6")))
    for app in session.scalars(select(Application).where(Application.stage == "hired").order_by(Application.id)):
        if app.id in claimed or contract_of(session, app.id) is None or insurance_of(session, app.id) is None:
            continue
        probe = SimpleNamespace(kind="hiring_r6", facts={}, application=app, profile_id=app.profile_id, id=None)
        try:
            decision = claims.decide(session, ps, probe, on)
        except DomainError:
            continue  # the records do not make a case yet
        if not decision.allowed:
            continue
        org = app.posting.organisation
        for uid in _staff(session, org.id):
            out.append({"rule": "R6", "subject": f"hire:{app.id}", "decision": f"{decision.amount}:{ps.name}",
                        "user_id": uid, "organisation_id": org.id, "district": org.district,
                        "link": "/employer/claims",
                        "zh": f"您单位录用的{app.profile.name}可能符合一次性吸纳就业补贴（R6）：{decision.reason_zh}。"
                              "下一步：在“补贴申领”中提交申请。",
                        "en": f"Your hire of {app.profile.name} may qualify for the one-time hiring subsidy (R6): "
                              f"{decision.reason_en}. Next step: claim it under subsidy claims."})
    return out


def _r4(session: Session, on: dt.date) -> list[dict]:
    out = []
    for ag in session.scalars(select(InternshipAgreement).where(InternshipAgreement.status == "active")
                              .order_by(InternshipAgreement.id)):
        ps = policies.named(ag.policy_set)
        first = first_full_period_day(ps, ag, ag.start_on)
        if first is None or not (on <= first <= on + dt.timedelta(days=R4_NEAR_DAYS)) or first >= full_end(ps, ag):
            continue
        for uid in _staff(session, ag.organisation_id):
            out.append({"rule": "R4", "subject": f"agreement:{ag.id}", "decision": first.isoformat(), "user_id": uid,
                        "organisation_id": ag.organisation_id, "district": ag.organisation.district,
                        "link": f"/employer/internships/{ag.id}",
                        "zh": f"{ag.profile.name}的见习将于{first.isoformat()}起剩余不足三分之一（R4）：自该日起签订一年以上"
                              "劳动合同，可获全部期限的见习补贴。下一步：与见习人员商谈签订劳动合同。",
                        "en": f"From {first.isoformat()} less than one third of {ag.profile.name}'s internship remains "
                              "(R4): a labour contract of a year or more signed from that day earns the subsidy for the "
                              "full period. Next step: talk with the intern about a contract."})
    return out
