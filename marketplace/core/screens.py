"""The reads the core pages need, as named operations (views never query): each takes the
session and the acting user, checks what the actor may see through the same operations
the API uses, and returns plain values for the template."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace import clock, hooks
from marketplace.core import applications, eligibility, id_duplicates, postings, profiles, verification
from marketplace.core.models import Application, Posting, User
from marketplace.db import paginate
from marketplace.errors import Forbidden


def home_page(session: Session) -> tuple[list[Posting], dict[str, int]]:
    """The twelve latest published postings and the number published of each kind."""
    latest = list(session.scalars(postings.public_postings().limit(12)))
    counts = dict(session.execute(select(Posting.kind, func.count()).where(Posting.status == "published")
                                  .group_by(Posting.kind)).all())
    return latest, counts


def posting_page(session: Session, actor: User | None, posting_id: int,
                 today: dt.date | None = None) -> tuple[Posting, Application | None, dict | None]:
    """A posting as the actor may see it, the person's own application to it, if any, and
    whether they may apply (``core.eligibility``: the apply button shows the same decision
    as applying makes, with the reason and what they can apply for instead)."""
    p = postings.get_posting(session, actor, posting_id)
    applied = None
    if actor is not None and actor.role == "person":
        prof = profiles.my_profile(session, actor)
        if prof is not None:
            applied = session.scalar(select(Application).where(Application.posting_id == p.id,
                                                               Application.profile_id == prof.id))
    verdict = eligibility.for_person(session, actor, [p], today or clock.today()).get(p.id)
    return p, applied, verdict


def my_applications_page(session: Session, actor: User, page: int, per_page: int):
    """A page of the person's applications and, for each, the decision of its date and any change since."""
    items, total = paginate(session, applications.applications_for(actor), page, per_page)
    return items, total, eligibility.application_views(session, items, clock.today())


def employer_home_page(session: Session, actor: User, page: int, per_page: int):
    """A page of the organisation's postings, and the number of applications to each."""
    items, total = paginate(session, postings.org_postings(actor), page, per_page)
    counts = dict(session.execute(select(Application.posting_id, func.count()).join(Posting)
                                  .where(Posting.organisation_id == actor.organisation_id)
                                  .group_by(Application.posting_id)).all())
    return items, total, counts


def employer_today(session: Session, actor: User, today: dt.date) -> dict:
    """What waits for the employer today, for its landing page: new applications (not yet
    looked at) per posting, and what each area answers (``hooks.employer_today``:
    agreements to close, claims by state, fair interviews today)."""
    new = dict(session.execute(select(Application.posting_id, func.count()).join(Posting)
                               .where(Posting.organisation_id == actor.organisation_id, Application.stage == "applied")
                               .group_by(Application.posting_id)).all())
    items = [item for answer in hooks.ask(hooks.employer_today, session, organisation_id=actor.organisation_id,
                                          today=today) for item in answer]
    return {"new_applications": new, "items": items}


@dataclass
class EmployerPostingPage:
    posting: Posting
    items: list[Application]
    total: int
    #: application id -> the notes the areas add (internships: ``introduced_by``, the agency)
    notes: dict[int, dict]
    #: application id -> ``eligibility.application_view`` (the application date's decision, the latest, the change)
    eligibility: dict[int, dict]


def employer_posting_page(session: Session, actor: User, posting_id: int, page: int,
                          per_page: int) -> EmployerPostingPage:
    """The employer's own posting with a page of its applicants and the areas' notes on them."""
    p = postings.own_posting(session, actor, posting_id)
    if not verification.may_act(actor.organisation):  # its draft, without applicants (it may see no one)
        return EmployerPostingPage(p, [], 0, {}, {})
    items, total = paginate(session, applications.applications_for(actor, posting_id), page, per_page)
    notes: dict[int, dict] = {}
    for answer in hooks.ask(hooks.application_notes, session, applications=items):
        for app_id, note in answer.items():
            notes.setdefault(app_id, {}).update(note)
    today = clock.today()
    views = {a.id: eligibility.application_view(session, a, today, notes.get(a.id, {}).get("agreement_start_on"))
             for a in items}
    return EmployerPostingPage(p, items, total, notes, views)


def candidates_stages(session: Session, actor: User, posting_id: int) -> tuple[Posting, dict[int, str]]:
    """The employer's own posting and the stage of each person already in it (profile id -> stage)."""
    p = postings.own_posting(session, actor, posting_id)
    existing = {a.profile_id: a.stage for a in session.scalars(select(Application)
                                                               .where(Application.posting_id == p.id))}
    return p, existing


def caseworker_person_page(session: Session, actor: User, profile_id: int, args: dict) -> dict:
    """One person as the caseworker's desk sees them (issue 16: one page, not two): the
    profile (by ``profiles.get_profile``, so the one scoping rule), their applications, the
    open ID-number duplicates they are part of, the caseworker's corrections, and each
    area's parts of the page (``hooks.person_page``), in their order."""
    if actor.role not in ("caseworker", "admin"):
        raise Forbidden()
    p = profiles.get_profile(session, actor, profile_id)
    apps = list(session.scalars(select(Application).where(Application.profile_id == p.id)
                                .order_by(Application.id.desc()).limit(50)))
    parts = [part for answer in hooks.ask(hooks.person_page, session, actor=actor, profile=p, args=args)
             for part in answer]
    parts.sort(key=lambda part: part.get("order", 100))
    return {"profile": p, "applications": apps, "parts": parts, "corrections": profiles.corrections_of(session, p),
            "duplicates": id_duplicates.open_for_profile(session, actor, p.id)}
