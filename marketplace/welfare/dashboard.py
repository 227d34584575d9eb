"""What caseworkers watch: the desk (my people, follow-ups due and overdue, referrals
waiting, placements expiring, subsidy claims to review), the public-welfare posts report
and the monitoring dashboard (plan items (十五), (十六), (二十二)), aggregates only.

Subsidy claims and internship figures belong to the internships area; they are asked for
through ``hooks.claims_to_review`` and ``hooks.internship_figures``. Where no area answers,
the desk shows no claims box and the dashboard no internship charts."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace import clock, hooks, spreadsheets
from marketplace.core.models import DISTRICTS, KINDS, Application, ApplicationEvent, Organisation, Posting, User
from marketplace.core.profiles import district_profiles
from marketplace.policy import add_months, near_retirement, temporary_share
from marketplace.welfare.common import EXPIRING_DAYS, _month, _staff, policy, retirement_person
from marketplace.welfare.followups import follow_ups_for, is_due
from marketplace.welfare.models import FollowUp, HardToEmployStatus, Placement, Referral, Registration
from marketplace.welfare.placements import placements_for, running_placements
from marketplace.welfare.rechecks import awaiting_review
from marketplace.welfare.referrals import referrals_for
from marketplace.welfare.registrations import registrations_for

GROUPS = ("hard_to_employ", "zero_employment_family", "disabled", "veteran", "landless_farmer", "model_worker",
          "graduating_year_graduate", "near_retirement")
DURATIONS = (("lt3", 0, 3), ("3to6", 3, 6), ("6to12", 6, 12), ("12to24", 12, 24), ("ge24", 24, 10_000))


def posts_report(session: Session, actor: User, today: dt.date | None = None) -> dict:
    """Public-welfare posts filled, vacant and expiring, the temporary share, the quota used."""
    _staff(actor)
    today = today or clock.today()
    soon = today + dt.timedelta(days=EXPIRING_DAYS)
    stmt = select(Posting).where(Posting.kind == "public_welfare", Posting.status == "published").order_by(Posting.id)
    if actor.role == "caseworker":
        stmt = stmt.where(Posting.district == actor.district)
    posts = list(session.scalars(stmt))
    running = list(session.scalars(select(Placement).where(Placement.ended_on.is_(None),
                                                           Placement.posting_id.in_([p.id for p in posts]))))
    rows = []
    for p in posts:
        mine = [pl for pl in running if pl.posting_id == p.id]
        rows.append({"posting_id": p.id, "title": p.title, "district": p.district, "temporary": bool(p.temporary),
                     "term_months": p.term_months, "headcount": p.headcount, "filled": len(mine),
                     "vacant": max(p.headcount - len(mine), 0),
                     "expiring": sum(1 for pl in mine if pl.current_end_on <= soon)})
    temp = sum(1 for r in rows if r["temporary"])
    share = temporary_share(temp, len(rows))
    pset = policy()
    quotas = pset.rule("R10").district_quotas
    districts = [actor.district] if actor.role == "caseworker" else list(DISTRICTS)
    quota_rows = [{"district": d, "quota": quotas.get(d), "placed": session.scalar(running_placements(d))}
                  for d in districts]
    return {"posts": rows, "totals": {"posts": len(rows), "places": sum(r["headcount"] for r in rows),
                                      "filled": sum(r["filled"] for r in rows),
                                      "vacant": sum(r["vacant"] for r in rows),
                                      "expiring": sum(r["expiring"] for r in rows), "temporary_posts": temp,
                                      "temporary_share": f"{float(share) * 100:.1f}%"},
            "quotas": quota_rows, "expiring_within_days": EXPIRING_DAYS}


def my_people(session: Session, actor: User, today: dt.date | None = None) -> list[Registration]:
    """Open registrations whose latest follow-up is assigned to me, or that I registered."""
    _staff(actor)
    latest = select(FollowUp.registration_id, func.max(FollowUp.month).label("m")).group_by(
        FollowUp.registration_id).subquery()
    mine = select(FollowUp.registration_id).join(latest, (latest.c.registration_id == FollowUp.registration_id)
                                                 & (latest.c.m == FollowUp.month)).where(
        FollowUp.assigned_to_id == actor.id)
    stmt = select(Registration).where(Registration.ended_on.is_(None)).where(
        Registration.id.in_(mine) | (Registration.confirmed_by_id == actor.id)).order_by(Registration.registered_on)
    if actor.role == "caseworker":
        stmt = stmt.where(Registration.district == actor.district)
    return list(session.scalars(stmt))


def claims_to_review(session: Session, actor: User, limit: int = 10) -> tuple[list, int] | None:
    """Submitted subsidy claims the actor may review, as (first ``limit``, total), or None
    when no area answers ``hooks.claims_to_review``."""
    answers = hooks.ask(hooks.claims_to_review, session, actor=actor, limit=limit)
    if not answers:
        return None
    return [c for items, _ in answers for c in items][:limit], sum(total for _, total in answers)


def internship_figures(session: Session, months: list[str]) -> dict | None:
    """{month: {"internships", "subsidy_approved"}} from ``hooks.internship_figures``, or None."""
    answers = hooks.ask(hooks.internship_figures, session, months=months)
    if not answers:
        return None
    out = {m: {"internships": 0, "subsidy_approved": Decimal("0.00")} for m in months}
    for answer in answers:
        for m, v in answer.items():
            if m in out:
                out[m]["internships"] += v.get("internships", 0)
                out[m]["subsidy_approved"] += v.get("subsidy_approved") or Decimal("0")
    return out


def find_people(session: Session, actor: User, q: str, limit: int = 20) -> list:
    """The desk's search: people of the actor's district by name or ID number."""
    _staff(actor)
    return list(session.scalars(district_profiles(actor, q).limit(limit))) if q else []


def desk(session: Session, actor: User, today: dt.date | None = None) -> dict:
    _staff(actor)
    today = today or clock.today()
    people = my_people(session, actor, today)
    hte = set(session.scalars(select(HardToEmployStatus.profile_id).where(HardToEmployStatus.revoked_on.is_(None))))
    unconfirmed = list(session.scalars(registrations_for(actor).where(Registration.confirmed_at.is_(None))))
    claims = claims_to_review(session, actor)
    return {
        "people": [{"registration": r, "hard_to_employ": r.profile_id in hte} for r in people],
        "unconfirmed": unconfirmed,
        "due": [t for t in session.scalars(follow_ups_for(actor, today=today, due=True, mine=True))
                if is_due(t, today)],
        "overdue": list(session.scalars(follow_ups_for(actor, today=today, overdue=True))),
        "referrals": list(session.scalars(referrals_for(actor, pending=True))),
        "expiring": list(session.scalars(placements_for(actor, expiring_by=today + dt.timedelta(days=EXPIRING_DAYS)))),
        "to_review": awaiting_review(session, actor),
        "claims_available": claims is not None,
        "claims": claims or ([], 0),
    }


def _months_back(today: dt.date, n: int) -> list[str]:
    return [_month(add_months(today.replace(day=1), -i)) for i in range(n - 1, -1, -1)]


def dashboard(session: Session, actor: User, today: dt.date | None = None) -> dict:
    """Monitoring figures, city-wide (aggregates only, no personal data)."""
    _staff(actor)
    today = today or clock.today()
    pset = policy()
    regs = list(session.scalars(select(Registration).where(Registration.ended_on.is_(None))))
    hte = set(session.scalars(select(HardToEmployStatus.profile_id).where(HardToEmployStatus.revoked_on.is_(None))))
    groups = {g: 0 for g in GROUPS}
    durations = {k: 0 for k, _, _ in DURATIONS}
    districts = {d: 0 for d in DISTRICTS}
    years = pset.rule("R9", today).retirement_years
    for reg in regs:
        prof = reg.profile
        districts[reg.district] = districts.get(reg.district, 0) + 1
        if prof.id in hte:
            groups["hard_to_employ"] += 1
        for g in GROUPS[1:-1]:
            if prof.has_category(g, confirmed_only=True):
                groups[g] += 1
        person = retirement_person(prof, reg)
        if person is not None and near_retirement(person, today, years):
            groups["near_retirement"] += 1
        # never negative: a registration recorded after a pinned business date counts as new
        months = max(0, (today.year - reg.registered_on.year) * 12 + today.month - reg.registered_on.month
                     - (today.day < reg.registered_on.day))
        key = next(k for k, lo, hi in DURATIONS if lo <= months < hi)
        durations[key] += 1
    posted = session.execute(select(Organisation.industry, Posting.kind, func.count()).join(
        Organisation, Posting.organisation_id == Organisation.id).where(Posting.status != "draft")
        .group_by(Organisation.industry, Posting.kind)).all()
    hires = _hires(session)
    postings_by: dict = {}
    for industry, kind, n in posted:
        postings_by.setdefault(industry or "—", {k: 0 for k in KINDS})[kind] += n
    hires_by: dict = {}
    for h in hires:
        hires_by.setdefault(h["industry"] or "—", {k: 0 for k in KINDS})[h["kind"]] += 1
    months = _months_back(today, 12)
    per_month = {m: {"postings": 0, "hires": 0, "registrations": 0, "placements": 0} for m in months}
    for (at,) in session.execute(select(Posting.published_at).where(Posting.published_at.is_not(None))):
        if _month(at) in per_month:
            per_month[_month(at)]["postings"] += 1
    for h in hires:
        if h["on"] and _month(h["on"]) in per_month:
            per_month[_month(h["on"])]["hires"] += 1
    for (on,) in session.execute(select(Registration.registered_on)):
        if _month(on) in per_month:
            per_month[_month(on)]["registrations"] += 1
    for (on,) in session.execute(select(Placement.start_on)):
        if _month(on) in per_month:
            per_month[_month(on)]["placements"] += 1
    figures = internship_figures(session, months)
    subsidies = figures or {m: {"internships": 0, "subsidy_approved": Decimal("0.00")} for m in months}
    return {"as_of": today.isoformat(), "registered_unemployed": len(regs), "subsidies_by_month": {
            m: {"internships": v["internships"], "subsidy_approved": f"{v['subsidy_approved']:.2f}"}
            for m, v in subsidies.items()}, "by_group": groups,
            "by_district": districts, "by_duration": durations, "postings_by_industry": postings_by,
            "hires_by_industry": hires_by, "by_month": per_month, "claims_available": figures is not None,
            "hires_total": len(hires), "postings_total": sum(n for _, _, n in posted)}


def _hires(session: Session) -> list[dict]:
    """Hires recorded in the system: applications hired, referrals hired, placements."""
    out, seen = [], set()
    rows = session.execute(select(Application.profile_id, Application.posting_id, Posting.kind, Organisation.industry,
                                  func.max(ApplicationEvent.at)).join(Posting, Application.posting_id == Posting.id)
                           .join(Organisation, Posting.organisation_id == Organisation.id)
                           .join(ApplicationEvent, ApplicationEvent.application_id == Application.id)
                           .where(Application.stage == "hired", ApplicationEvent.to_stage == "hired")
                           .group_by(Application.profile_id, Application.posting_id, Posting.kind,
                                     Organisation.industry)).all()
    for pid, post, kind, industry, at in rows:
        seen.add((pid, post))
        out.append({"kind": kind, "industry": industry, "on": at.date() if at else None})
    for model, on_col in ((Referral, Referral.outcome_on), (Placement, Placement.start_on)):
        stmt = select(model.profile_id, model.posting_id, Posting.kind, Organisation.industry, on_col).join(
            Posting, model.posting_id == Posting.id).join(Organisation, Posting.organisation_id == Organisation.id)
        if model is Referral:
            stmt = stmt.where(Referral.outcome == "hired")
        for pid, post, kind, industry, on in session.execute(stmt).all():
            if (pid, post) not in seen:
                seen.add((pid, post))
                out.append({"kind": kind, "industry": industry, "on": on})
    return out


def dashboard_csv(data: dict) -> str:
    """The dashboard's figures as CSV, labels neutralised (``marketplace.spreadsheets``):
    an industry or a district is text someone typed."""
    rows = [["registered_unemployed", "total", "", data["registered_unemployed"]]]
    for section in ("by_group", "by_district", "by_duration"):
        for label, value in data[section].items():
            rows.append([section, label, "", value])
    for section in ("postings_by_industry", "hires_by_industry"):
        for label, kinds in data[section].items():
            for kind, value in kinds.items():
                rows.append([section, label, kind, value])
    for month, series in data["by_month"].items():
        for name, value in series.items():
            rows.append(["by_month", month, name, value])
    for month, series in data.get("subsidies_by_month", {}).items():
        for name, value in series.items():
            rows.append(["subsidies_by_month", month, name, value])
    return spreadsheets.csv_text(["section", "label", "series", "value"], rows)
