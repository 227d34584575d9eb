"""What the internships area answers when other areas ask (``marketplace.hooks``); connected
in ``marketplace.app.connect_hooks``. Each receiver reads in the asker's session and never
commits."""
from __future__ import annotations

from decimal import Decimal

from flask import render_template
from markupsafe import Markup
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace import policy as pol
from marketplace.core.models import Application, User
from marketplace.internships import introduction_answers, introductions
from marketplace.internships.agreements import visible_rows
from marketplace.internships.claims import claims_for
from marketplace.internships.models import KIND_NAMES, STATE_NAMES, InternshipAgreement, SubsidyClaim
from marketplace.web.i18n import current_lang


def hire_follow_up(session: Session, application: Application, **_) -> str | None:
    """Where the internship subsidy record of a hire on an internship posting stands (for
    the fair booth's note): the agreement, or that the hire awaits one. Agreements (and so
    claims) are made from a hired application with the start date and period the employer
    enters (R1), so the employer's internship page lists the hire under "hired interns
    without an agreement". None for other postings."""
    if application.posting.kind != "internship":
        return None
    ag = session.scalar(select(InternshipAgreement.id).where(InternshipAgreement.application_id == application.id))
    if ag is not None:
        return f"internship agreement #{ag}"
    return f"internship hire: application #{application.id} awaits its agreement (R1)"


def hire_reversal_blockers(session: Session, application: Application, **_) -> list[tuple[str, str]] | None:
    """``hooks.hire_reversal_blockers``: the internship agreement made from this hire and the
    subsidy claims resting on it (not rejected), each a reason the hire cannot be reversed until
    it is corrected (a caseworker ends or corrects the agreement; a claim is withdrawn or rejected)."""
    out = []
    ag = session.scalar(select(InternshipAgreement).where(InternshipAgreement.application_id == application.id))
    if ag is not None:
        out.append((f"见习协议#{ag.id}以此次录用为依据，请先由经办人员更正该协议",
                    f"internship agreement #{ag.id} rests on this hire; have a caseworker correct it first"))
    conds = [SubsidyClaim.application_id == application.id]
    if ag is not None:
        conds.append(SubsidyClaim.agreement_id == ag.id)
    for c in session.scalars(select(SubsidyClaim).where(or_(*conds), SubsidyClaim.state != "rejected")
                             .order_by(SubsidyClaim.id)):
        out.append((f"补贴申领#{c.id}（{c.state}）以此次录用为依据，请先撤回或更正该申领",
                    f"subsidy claim #{c.id} ({c.state}) rests on this hire; withdraw or correct it first"))
    return out or None


def claims_to_review(session: Session, actor: User, limit: int = 10, **_) -> tuple[list, int]:
    """Submitted subsidy claims the actor may review (newest first, at most ``limit``), and
    how many there are."""
    stmt = claims_for(actor, "submitted")
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return list(session.scalars(stmt.limit(limit))), total


def application_notes(session: Session, applications: list[Application], **_) -> dict[int, dict]:
    """For an employer's list of applicants: the agency whose introduction counts (经…推荐),
    and the start of the internship agreement made from a hire (``agreement_start_on``: the
    date eligibility is judged again on, ``core.eligibility.application_views``)."""
    out: dict[int, dict] = {app_id: {"introduced_by": intro.organisation.name}
                            for app_id, intro in introductions.credited_many(session, list(applications)).items()}
    hired = [a.id for a in applications if a.stage == "hired" and a.posting.kind == "internship"]
    if hired:
        for app_id, start_on in session.execute(select(InternshipAgreement.application_id, InternshipAgreement.start_on)
                                                .where(InternshipAgreement.application_id.in_(hired))):
            out.setdefault(app_id, {})["agreement_start_on"] = start_on
    return out


def internship_figures(session: Session, months: list[str], **_) -> dict[str, dict]:
    """For the welfare dashboard: internships started and subsidy approved (approved or paid
    claims, by decision date in Fushun) per month ``YYYY-MM``."""
    out = {m: {"internships": 0, "subsidy_approved": Decimal("0.00")} for m in months}
    for (on,) in session.execute(select(InternshipAgreement.start_on)):
        if on.strftime("%Y-%m") in out:
            out[on.strftime("%Y-%m")]["internships"] += 1
    for at, amount in session.execute(select(SubsidyClaim.decided_at, SubsidyClaim.amount).where(
            SubsidyClaim.state.in_(("approved", "paid")), SubsidyClaim.decided_at.is_not(None))):
        month = clock.local_date(at).strftime("%Y-%m")
        if month in out:
            out[month]["subsidy_approved"] += amount or Decimal("0")
    return out


_CLAIM_STATE_NAMES = {"draft": ("草稿", "draft"), "submitted": ("待审核", "waiting for review"),
                      "approved": ("已核准待拨付", "approved, to be paid"), "rejected": ("被退回", "refused"),
                      "paid": ("已拨付", "paid")}


def employer_today(session: Session, organisation_id: int, today, **_) -> list[dict]:
    """For the employer's landing page: agreements past their agreed end with no outcome
    recorded (the claim waits on it), and the organisation's claims by state."""
    out = []
    running = session.scalars(select(InternshipAgreement).where(InternshipAgreement.organisation_id == organisation_id,
                                                                InternshipAgreement.status == "active"))
    overdue = sum(1 for a in running if pol.agreed_end(a.start_on, a.period_months) <= today)
    if overdue:
        out.append({"zh": "见习期已满、待登记结果的协议", "en": "agreements past their end, outcome to record",
                    "count": overdue, "endpoint": "internships.dashboard", "urgent": True})
    for state, n in session.execute(select(SubsidyClaim.state, func.count()).where(
            SubsidyClaim.organisation_id == organisation_id).group_by(SubsidyClaim.state).order_by(SubsidyClaim.state)):
        zh, en = _CLAIM_STATE_NAMES.get(state, (state, state))
        out.append({"zh": f"补贴申领：{zh}", "en": f"subsidy claims: {en}", "count": n,
                    "endpoint": "internships.my_claims", "urgent": state in ("draft", "rejected")})
    return out


def person_page(session: Session, actor: User | None = None, profile=None, **_) -> list[dict] | None:
    """``hooks.person_page``: the person's internship agreements and subsidy claims that this
    caseworker may see (the claims' own rule, ``visible_rows``), as links for the
    caseworker's page of the person (the agreement's page; the claim in the review queue)."""
    if actor is None or profile is None or actor.role not in ("caseworker", "admin"):
        return None
    ags = session.scalars(visible_rows(select(InternshipAgreement), InternshipAgreement, actor)
                          .where(InternshipAgreement.profile_id == profile.id).order_by(InternshipAgreement.id.desc())
                          .limit(20))
    links = [{"zh": f"见习协议#{a.id}：{a.organisation.name}，{a.start_on.isoformat()}起{a.period_months}个月",
              "en": f"Internship agreement #{a.id}: {a.organisation.name}, {a.period_months} months from "
                    f"{a.start_on.isoformat()}",
              "endpoint": "internships.agreement", "values": {"agreement_id": a.id}} for a in ags]
    for c in session.scalars(claims_for(actor).where(SubsidyClaim.profile_id == profile.id).limit(20)):
        kind, state = KIND_NAMES.get(c.kind, (c.kind, c.kind)), STATE_NAMES.get(c.state, (c.state, c.state))
        links.append({"zh": f"申领#{c.id}：{kind[0]}，{pol.format_money(c.amount)}元，{state[0]}",
                      "en": f"Claim #{c.id}: {kind[1]}, {pol.format_money(c.amount)} yuan, {state[1]}",
                      "endpoint": "internships.review_queue", "values": {"state": c.state}})
    out = [{"section": "internships", "order": 60, "links": links}]
    intros = introductions.introductions_of(session, actor, profile)
    if intros:
        lang = 1 if current_lang() == "en" else 0
        out.append({"section": "introductions", "order": 62, "title": {"zh": "机构推荐", "en": "Agencies' introductions"},
                    "html": Markup(render_template(
                        "internships/_person_introductions.html", intros=intros,
                        channels=[(k, v[lang]) for k, v in introduction_answers.CHANNELS.items()],
                        via_names={k: v[lang] for k, v in introduction_answers.VIA_NAMES.items()}))})
    return out
