"""The HR agency's own referral-claim page (R7 职业介绍补贴, issue 16): the hires its
introductions brought about, what R7 would pay for each, and the claim made from one.

Nothing here is typed by the agency: which hires are offered is ``introductions``' reading
of R7 (its introduction, accepted by the person before their first approach, the one
credited), and the amount is the policy engine's answer (``claims.decide``, the same
function a claim and its review use) on the employer's records of the hire. The claim
itself is made by ``claims.create_hire_claim``, as the API's ``POST /internships/hire-claims``
makes it: the agency gives the hire, optionally the fund the set lists (R7: "record
which"), and the papers the policy set's ``claim_evidence`` lists for ``referral_r7``."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from marketplace import policies
from marketplace.core.models import Application, User
from marketplace.errors import DomainError, Forbidden
from marketplace.internships import claims, evidence, introductions
from marketplace.internships.exports import money
from marketplace.internships.facts import hire_facts
from marketplace.internships.models import SubsidyClaim

KIND = "referral_r7"


def _require_agency(actor: User) -> None:
    if actor.role != "agency" or not actor.organisation_id:
        raise Forbidden("职业介绍补贴由人力资源服务机构申领", "referral subsidies are claimed by HR service agencies")


def would_pay(session: Session, actor: User, app: Application, today: dt.date) -> dict:
    """What R7 would pay this agency for the hire if it claimed today: the engine's
    decision on the records (rule, amount, reason zh/en), whether the claim would reach a
    caseworker only as late, and the papers the set in force on the hire date asks for.
    A record the employer has not made yet (the contract) is the reason, not an error."""
    try:
        rec = hire_facts(session, app, KIND)
        ps = policies.version_on(policies.active_name(), rec["hire_on"], session)
        c = SubsidyClaim(kind=KIND, organisation_id=actor.organisation_id, profile_id=app.profile_id,
                         application_id=app.id, state="draft", facts={})
        c.application = app  # transient: never added to the session
        d = claims.decide(session, ps, c, today)
    except DomainError as exc:
        return {"allowed": False, "late": False, "rule": "R7", "amount": None, "hire_on": None,
                "reason_zh": exc.message_zh, "reason_en": exc.message_en, "evidence": ()}
    late = claims.late_only(ps, c, d, today)
    amount = d.amount
    if late:  # what it would pay if a caseworker accepts the late application
        probe = claims.decide(session, ps, c, today, late_justification="-")
        amount = probe.amount if probe.allowed else None
    return {"allowed": d.allowed, "late": late, "rule": d.rule, "hire_on": rec["hire_on"],
            "amount": money(amount) if amount is not None and (d.allowed or late) else None,
            "reason_zh": d.reason_zh, "reason_en": d.reason_en, "evidence": ps.evidence_required(KIND)}


def offers(session: Session, actor: User, today: dt.date) -> list[dict]:
    """The hires the agency may claim a referral subsidy for (not yet claimed, its
    introduction the one credited), newest first, each with its introduction and what R7
    would pay (``would_pay``)."""
    _require_agency(actor)
    hires = introductions.claimable_hires(session, actor)
    credited = introductions.credited_many(session, hires)
    out = []
    for app in hires:
        intro = credited[app.id]
        out.append({"application_id": app.id, "person": app.profile.name, "posting": app.posting.title,
                    "posting_id": app.posting_id, "employer": app.posting.organisation.name,
                    "introduced_on": introductions.local_date(intro.created_at),
                    "accepted_on": introductions.local_date(intro.answered_at) if intro.answered_at else None,
                    "decision": would_pay(session, actor, app, today)})
    return out


def claim(session: Session, actor: User, application_id: int, funding_source: str, today: dt.date) -> SubsidyClaim:
    """The agency claims the referral subsidy for one hire, through the API's own service
    (``claims.create_hire_claim``). Where the set asks for papers the claim is kept as a
    draft for them (uploaded on the page, then submitted); otherwise it is submitted at once
    and refused, with R7's reason, when the engine says no."""
    _require_agency(actor)
    needs_papers = False
    app = session.get(Application, application_id)
    if app is not None:
        try:
            hire_on = hire_facts(session, app, KIND)["hire_on"]
            needs_papers = bool(policies.version_on(policies.active_name(), hire_on, session).evidence_required(KIND))
        except DomainError:
            needs_papers = False  # create_hire_claim refuses it with the reason
    facts = {"funding_source": funding_source} if funding_source else {}
    return claims.create_hire_claim(session, actor, policies.active_name(), KIND, application_id, facts, today,
                                    submit=not needs_papers)


def claims_of(session: Session, actor: User, limit: int = 50) -> list[SubsidyClaim]:
    """The agency's referral claims, newest first (their state, amount and reason)."""
    _require_agency(actor)
    return list(session.scalars(claims.claims_for(actor, kind=KIND).limit(limit)))


def papers(session: Session, actor: User, items: list[SubsidyClaim]) -> dict[int, dict]:
    """The papers of each claim and those its set still asks for (``evidence.papers_for``)."""
    return evidence.papers_for(session, actor, items)
