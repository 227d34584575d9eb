"""Agency introductions (职业介绍): the record an R7 referral subsidy is paid on.

R7 pays an HR service agency "为上述企业提供职业介绍推荐成功就业" — for a hire it brought
about by introducing the person. Without a record made at the time, any agency could claim
for any hire of a person whose profile it can see. So an agency records the introduction
when it makes it, and a referral claim is accepted only for the agency whose introduction
*counts* for that hire:

* the introduction names the person and the posting they were later hired on;
* it was recorded no later than the person's first approach to that posting (the
  application, the employer's invitation, or an interview asked for at a job fair): an
  introduction made afterwards brought nothing about. It is still recorded, and the agency is
  not told why it does not count: whether a person applied somewhere is not its business;
* where several agencies introduced the same person to the same posting, only the first
  counts (one hire pays one referral subsidy: the claim's once-key enforces it as well).
  A claim that rests on no counting introduction answers 404, whatever the reason.

Who may be introduced: a person whose profile is published (their consent to being shown to
employers, R-PIPL). A person who applied only to the agency's own postings let the agency
see them, not pass them on. The person is told of each introduction (a notification with the
agency's name and the posting), and sees them in their data download.

The agency may introduce people only to other organisations' open postings: its own posts
are ordinary recruiting, not an introduction.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, exists, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from marketplace import clock, hooks
from marketplace.core import audit
from marketplace.core.models import Application, Organisation, Posting, Profile, User
from marketplace.core.profiles import can_view
from marketplace.errors import Conflict, Forbidden, NotFound
from marketplace.internships.models import Introduction, SubsidyClaim
from marketplace.notifications import notify


def introduce(session: Session, actor: User, profile_id: int, posting_id: int, note: str,
              today: dt.date) -> Introduction:
    org = session.get(Organisation, actor.organisation_id) if actor.organisation_id else None
    if actor.role != "agency" or org is None or org.org_type != "hr_agency":
        raise Forbidden("只有人力资源服务机构可以登记职业介绍", "only HR service agencies record introductions")
    profile = session.get(Profile, profile_id)
    if profile is None or not can_view(session, actor, profile):
        raise NotFound("求职者档案", "profile")
    if not profile.published:
        raise Conflict("该求职者没有公开档案：本人同意向用人单位公开后才能推荐",
                       "this person has not published their profile: they must agree to be shown to employers "
                       "before they can be introduced", field="profile_id")
    posting = session.get(Posting, posting_id)
    if posting is None or (posting.organisation_id != actor.organisation_id and not posting.is_open(today)):
        raise NotFound("岗位", "posting")
    if posting.organisation_id == actor.organisation_id:
        raise Conflict("这是本机构自己的岗位：为其他用人单位推荐才算职业介绍",
                       "this is your own organisation's posting: an introduction is to another employer's posting",
                       field="posting_id")
    # Whether the person already applied is not the agency's to learn: an introduction made
    # after the person's first approach is recorded like any other and simply never counts.
    intro = Introduction(organisation_id=org.id, profile_id=profile.id, posting_id=posting.id,
                         created_by_id=actor.id, note=note)
    session.add(intro)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # made before, or the same form sent twice at once: the unique key decides
        raise Conflict("本机构已向此岗位推荐过该求职者", "your agency has already introduced this person to this posting",
                       field="posting_id") from None
    audit.record(session, actor, "introduction", intro.id, "create",
                 after={"profile_id": profile.id, "posting_id": posting.id, "organisation_id": org.id})
    if profile.user_id:
        notify(session, profile.user_id, "introduction", f"introduction:{intro.id}",
               f"{org.name}向您推荐了岗位：{posting.title}（{posting.organisation.name}）。有意请在岗位页面申请。",
               f"{org.name} introduced you to the posting {posting.title} ({posting.organisation.name}). "
               "Apply on the posting's page if it interests you.", link=f"/postings/{posting.id}")
    return intro


def credited(session: Session, app: Application) -> Introduction | None:
    """The introduction that counts for this application: the first one to its posting,
    recorded no later than the person's first approach to it (the application or the
    employer's invitation, or earlier, an interview asked for at a job fair: the application
    itself is made only when the employer records the interview's outcome); None when no
    agency brought it about."""
    return credited_many(session, [app]).get(app.id)


def credited_many(session: Session, apps: list[Application]) -> dict[int, Introduction]:
    """``credited`` for the applications of one page (application id → the introduction that
    counts), in two queries, for the employer's applicant list."""
    if not apps:
        return {}
    pairs = {(a.profile_id, a.posting_id) for a in apps}
    profile_ids = {pr for pr, _ in pairs}
    posting_ids = {po for _, po in pairs}
    intros: dict[tuple, list[Introduction]] = {}
    for i in session.scalars(select(Introduction).where(Introduction.profile_id.in_(profile_ids),
                                                        Introduction.posting_id.in_(posting_ids))
                             .order_by(Introduction.created_at, Introduction.id)):
        intros.setdefault((i.profile_id, i.posting_id), []).append(i)
    asked = first_approaches(session, sorted(pairs))
    out = {}
    for a in apps:
        key = (a.profile_id, a.posting_id)
        approach = min(a.created_at, asked[key]) if key in asked else a.created_at
        first = next(iter(intros.get(key, ())), None)
        if first is not None and first.created_at <= approach:
            out[a.id] = first
    return out


def first_approaches(session: Session, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], dt.datetime]:
    """The earliest approach other areas know of, per (profile, posting) pair (fairs: an
    interview asked for at a booth), through ``hooks.first_approaches``; earliest wins."""
    out: dict[tuple[int, int], dt.datetime] = {}
    for answer in hooks.ask(hooks.first_approaches, session, pairs=pairs):
        for key, at in answer.items():
            key = tuple(key)
            if at is not None and (key not in out or at < out[key]):
                out[key] = at
    return out


def for_referral_claim(session: Session, actor: User, app: Application) -> Introduction:
    """The claiming agency's introduction that brought this hire about. Otherwise 404,
    whatever the reason (no introduction, a late one, another agency's first): the claim must
    not tell an agency that a person applied somewhere, nor who else introduced them."""
    first = credited(session, app)
    if first is None or first.organisation_id != actor.organisation_id:
        raise NotFound("录用记录", "hire")
    return first


def claimable_hires(session: Session, actor: User, limit: int = 200) -> list[Application]:
    """Hires the agency's introductions brought about and not yet claimed for (newest
    first): what its referral-claim form offers. Three queries, however many introductions;
    which introduction counts is ``credited_many``'s one reading of the rule."""
    hires = list(session.scalars(
        select(Application).join(Introduction, and_(Introduction.profile_id == Application.profile_id,
                                                    Introduction.posting_id == Application.posting_id))
        .where(Introduction.organisation_id == actor.organisation_id, Application.stage == "hired",
               ~exists().where(SubsidyClaim.kind == "referral_r7", SubsidyClaim.application_id == Application.id,
                               SubsidyClaim.once_key.is_not(None)))
        .options(selectinload(Application.profile), selectinload(Application.posting).selectinload(Posting.organisation))
        .order_by(Application.id.desc())))
    first = credited_many(session, hires)
    return [a for a in hires if a.id in first and first[a.id].organisation_id == actor.organisation_id][:limit]


def local_date(moment: dt.datetime) -> str:
    """A stored UTC time as the date in Fushun: what people and caseworkers call the day of
    the introduction."""
    return clock.local_date(moment).isoformat()


def introductions_for(actor: User):
    """The introductions an agency made, or those made of a person (their own)."""
    q = select(Introduction).order_by(Introduction.id.desc())
    if actor.role == "agency":
        return q.where(Introduction.organisation_id == actor.organisation_id)
    if actor.role == "person":
        return q.join(Profile, Profile.id == Introduction.profile_id).where(Profile.user_id == actor.id)
    raise Forbidden()


def to_dicts(session: Session, intros: list[Introduction], actor: User) -> list[dict]:
    """Introductions for a list. For the agency that made them, also what became of each:
    the person's application to that posting (stage and id), only where this introduction is
    the one a referral claim would count; otherwise nothing about the application is the
    agency's. Two queries for the outcomes, whatever the page size."""
    apps: dict[tuple, Application] = {}
    if actor.role == "agency" and intros:
        pairs = {(i.profile_id, i.posting_id) for i in intros}
        apps = {(a.profile_id, a.posting_id): a for a in session.scalars(select(Application).where(
            tuple_(Application.profile_id, Application.posting_id).in_(pairs)))}
    first = credited_many(session, list(apps.values()))
    out = []
    for intro in intros:
        d = {"id": intro.id, "agency": intro.organisation.name, "posting_id": intro.posting_id,
             "posting": intro.posting.title, "employer": intro.posting.organisation.name,
             "created_at": intro.created_at.isoformat(), "created_on": local_date(intro.created_at),
             "note": intro.note}
        if actor.role == "agency":
            app = apps.get((intro.profile_id, intro.posting_id))
            counts = app is not None and app.id in first and first[app.id].id == intro.id
            d.update(profile_id=intro.profile_id, person=intro.profile.name,
                     application_id=app.id if counts else None, stage=app.stage if counts else None, counts=counts)
        out.append(d)
    return out


def to_dict(session: Session, intro: Introduction, actor: User) -> dict:
    return to_dicts(session, [intro], actor)[0]
