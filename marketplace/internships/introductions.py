"""Agency introductions (职业介绍): the record an R7 referral subsidy is paid on.

R7 pays an HR service agency "为上述企业提供职业介绍推荐成功就业" — for a hire it brought
about by introducing the person. Without a record made at the time, and the person's own
word that they took the introduction up, any agency could claim for any hire of a person
whose profile it can see ("referral squatting": 30 unsolicited introductions in a loop,
then a claim for a hire the person found alone). So an agency records the introduction
when it makes it, the person accepts or declines it, and a referral claim is accepted only
for the agency whose introduction *counts* for that hire (``policy.introduction_counts``,
``policy.credited_introduction``):

* the introduction names the person and the posting they were later hired on;
* the person accepted it (on their introductions page or ``POST /me/introductions/<id>/accept``),
  no later than their first approach to that posting (the application, the employer's
  invitation, or an interview asked for at a job fair). Unanswered and declined
  introductions never count; the person's answer can be changed until that first approach
  and stands from then on (an answer given after it would decide nothing);
* where several agencies' introductions count, the one accepted first counts (one hire,
  one referral subsidy: the claim's once-key enforces it as well).
  A claim by an agency that never introduced the person to the posting answers 404 (the
  hire is none of its business); a claim on its introduction that does not count is refused
  with R7's reason (``referral_refusal``).

An agency records at most the policy set's R7 ``introduction_daily_limit`` introductions per
day (Fushun's real calendar day of the records, whatever business date is pinned), refused
past it with 429 and R7's reason. Caseworkers see each agency's volumes and acceptance rate
(``agency_volumes``).

Who may be introduced: a person whose profile is published (their consent to being shown to
employers, R-PIPL). A person who applied only to the agency's own postings let the agency
see them, not pass them on. The person is told of each introduction (a notification with the
agency's name and the posting, linking to where they answer it), and sees them in their data
download.

The agency may introduce people only to other organisations' open postings: its own posts
are ordinary recruiting, not an introduction.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, case, exists, func, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from marketplace import clock, hooks, policies
from marketplace import policy as pol
from marketplace.core import audit
from marketplace.core.models import Application, Organisation, Posting, Profile, User
from marketplace.core.profiles import can_view, visible_profiles
from marketplace.errors import Conflict, Forbidden, NotFound, TooManyRequests, ValidationFailed
from marketplace.internships.agreements import not_eligible
from marketplace.internships.models import Introduction, SubsidyClaim
from marketplace.notifications import notify

ANSWER_NAMES = {"unanswered": ("未答复", "unanswered"), "accepted": ("已接受", "accepted"),
                "declined": ("已拒绝", "declined")}


def _day_start_utc(day: dt.date) -> dt.datetime:
    """Fushun's midnight starting ``day``, as stored times are (naive UTC)."""
    return dt.datetime.combine(day, dt.time(), clock.TZ).astimezone(dt.timezone.utc).replace(tzinfo=None)


def daily_limit() -> int:
    """How many introductions an agency may record today (R7 parameter), for its page."""
    day = clock.local_date(clock.now_utc())
    return pol.introduction_limit(policies.named(policies.active_name()), day, 0).details["limit"]


def _check_daily_limit(session: Session, org: Organisation) -> None:
    """R7's daily limit, counted under the agency's row lock (two tabs cannot both take the
    last place). The day is Fushun's real calendar day of the records: introductions are
    stamped with the real time, whatever business date a training install pins."""
    day = clock.local_date(clock.now_utc())
    made = session.scalar(select(func.count(Introduction.id)).where(
        Introduction.organisation_id == org.id, Introduction.created_at >= _day_start_utc(day)))
    decision = pol.introduction_limit(policies.named(policies.active_name()), day, made)
    if not decision.allowed:
        raise TooManyRequests(f"{decision.reason_zh}，请明天再登记", f"{decision.reason_en}: record more tomorrow",
                              field="profile_id", code="introduction_daily_limit")


def introduce(session: Session, actor: User, profile_id: int, posting_id: int, note: str,
              today: dt.date) -> Introduction:
    org = session.get(Organisation, actor.organisation_id, with_for_update=True) if actor.organisation_id else None
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
    _check_daily_limit(session, org)
    # Whether the person already applied is not the agency's to learn: an introduction made
    # after the person's first approach is recorded like any other and simply never counts.
    intro = Introduction(organisation_id=org.id, profile_id=profile.id, posting_id=posting.id,
                         created_by_id=actor.id, note=note, answer="unanswered")
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
               f"{org.name}向您推荐了岗位：{posting.title}（{posting.organisation.name}）。请在“我的推荐”中接受或拒绝；"
               "只有您接受的推荐才算该机构促成的就业。",
               f"{org.name} introduced you to the posting {posting.title} ({posting.organisation.name}). "
               "Accept or decline it under My introductions: only an introduction you accept counts as the "
               "agency's doing.", link="/me/introductions")
    return intro


# --- which introduction counts (R7) -------------------------------------------------------

def _local(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else clock.local(moment).replace(tzinfo=None)


def facts(intro: Introduction, first_approach_at: dt.datetime | None) -> pol.IntroductionFacts:
    """The engine's view of an introduction (Fushun local times)."""
    return pol.IntroductionFacts(_local(intro.created_at), intro.answer, _local(intro.answered_at),
                                 _local(first_approach_at), record=f"introduction #{intro.id}")


def approaches(session: Session, pairs) -> dict[tuple[int, int], dt.datetime]:
    """The person's first approach per (profile, posting) pair: their application, or earlier
    what other areas know of (``first_approaches``); pairs never approached are left out."""
    pairs = sorted({(int(a), int(b)) for a, b in pairs})
    if not pairs:
        return {}
    out = first_approaches(session, pairs)
    for pr, po, at in session.execute(select(Application.profile_id, Application.posting_id, Application.created_at)
                                      .where(tuple_(Application.profile_id, Application.posting_id).in_(pairs))):
        if (pr, po) not in out or at < out[(pr, po)]:
            out[(pr, po)] = at
    return out


def credited(session: Session, app: Application) -> Introduction | None:
    """The introduction that counts for this application (``policy.credited_introduction``);
    None when no agency brought it about."""
    return credited_many(session, [app]).get(app.id)


def _by_pair(session: Session, pairs) -> dict[tuple, list[Introduction]]:
    profile_ids = {pr for pr, _ in pairs}
    posting_ids = {po for _, po in pairs}
    intros: dict[tuple, list[Introduction]] = {}
    for i in session.scalars(select(Introduction).where(Introduction.profile_id.in_(profile_ids),
                                                        Introduction.posting_id.in_(posting_ids))
                             .order_by(Introduction.created_at, Introduction.id)):
        intros.setdefault((i.profile_id, i.posting_id), []).append(i)
    return intros


def credited_many(session: Session, apps: list[Application]) -> dict[int, Introduction]:
    """``credited`` for the applications of one page (application id → the introduction that
    counts), in a few queries, for the employer's applicant list."""
    if not apps:
        return {}
    pairs = {(a.profile_id, a.posting_id) for a in apps}
    intros = _by_pair(session, pairs)
    asked = approaches(session, pairs)
    out = {}
    for a in apps:
        key = (a.profile_id, a.posting_id)
        candidates = intros.get(key, [])
        approach = min(a.created_at, asked[key]) if key in asked else a.created_at
        n = pol.credited_introduction([facts(i, approach) for i in candidates]) if candidates else None
        if n is not None:
            out[a.id] = candidates[n]
    return out


def first_approaches(session: Session, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], dt.datetime]:
    """The earliest approach other areas know of, per (profile, posting) pair (fairs: an
    interview asked for at a booth), through ``hooks.first_approaches``; earliest wins."""
    out: dict[tuple[int, int], dt.datetime] = {}
    for answer_ in hooks.ask(hooks.first_approaches, session, pairs=pairs):
        for key, at in answer_.items():
            key = tuple(key)
            if at is not None and (key not in out or at < out[key]):
                out[key] = at
    return out


def _agency_introduction(session: Session, organisation_id: int | None, app: Application) -> Introduction | None:
    return session.scalar(select(Introduction).where(
        Introduction.organisation_id == organisation_id, Introduction.profile_id == app.profile_id,
        Introduction.posting_id == app.posting_id))


def referral_refusal(session: Session, organisation_id: int | None, app: Application) -> pol.Decision | None:
    """Why this agency's referral claim on ``app`` cannot be paid (R7's decision, read from
    the introduction records, never from the claim), or None when its introduction is the one
    that counts. Asked when the claim is made and again at every review."""
    mine = _agency_introduction(session, organisation_id, app)
    if mine is None:
        c = pol.Condition("introduced", False, "本机构没有向该岗位推荐过该求职者的记录",
                          "your agency has no record of introducing this person to this posting")
        return pol.Decision("R7", False, f"R7 不予通过：{c.zh}", f"R7 refused: {c.en}", None, (c,))
    first = credited(session, app)
    if first is not None and first.id == mine.id:
        return None
    asked = approaches(session, [(app.profile_id, app.posting_id)])
    d = pol.introduction_counts(facts(mine, asked.get((app.profile_id, app.posting_id), app.created_at)))
    if not d.allowed:
        return d
    other = pol.Condition("first_accepted", False, "本人先接受了另一项推荐，该录用不计入本机构的推荐",
                          "the person accepted another introduction to this posting first: this hire is not "
                          "credited to your introduction", f"introduction #{mine.id}")
    return pol.Decision("R7", False, f"R7 不予通过：{other.zh}", f"R7 refused: {other.en}", None, (other,))


def for_referral_claim(session: Session, actor: User, app: Application) -> Introduction:
    """The claiming agency's introduction that brought this hire about. 404 when it never
    introduced the person to this posting; otherwise refused with R7's reason when its
    introduction does not count (unanswered, declined, accepted too late, another first)."""
    if _agency_introduction(session, actor.organisation_id, app) is None:
        raise NotFound("录用记录", "hire")  # the hire is none of this agency's business
    refusal = referral_refusal(session, actor.organisation_id, app)
    if refusal is not None:
        raise not_eligible(refusal, field="application_id")
    return credited(session, app)


def claimable_hires(session: Session, actor: User, limit: int = 200) -> list[Application]:
    """Hires the agency's introductions brought about and not yet claimed for (newest
    first): what its referral-claim form offers. A few queries, however many introductions;
    which introduction counts is ``credited_many``'s one reading of the rule."""
    hires = list(session.scalars(
        select(Application).join(Introduction, and_(Introduction.profile_id == Application.profile_id,
                                                    Introduction.posting_id == Application.posting_id))
        .where(Introduction.organisation_id == actor.organisation_id, Application.stage == "hired",
               Introduction.answer == "accepted",
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


def introductions_of(session: Session, actor: User, profile: Profile, limit: int = 20) -> list[dict]:
    """A person's introductions for the staff who serve them (the caseworker's page of the
    person), newest first, with whether their answer may still be recorded."""
    if actor.role not in ("caseworker", "admin") or not can_view(session, actor, profile):
        return []
    rows = list(session.scalars(select(Introduction).where(Introduction.profile_id == profile.id)
                                .order_by(Introduction.id.desc()).limit(limit)))
    return to_dicts(session, rows, actor)


def to_dicts(session: Session, intros: list[Introduction], actor: User) -> list[dict]:
    """Introductions for a list, with the person's answer. For the agency that made them,
    also what became of each: the person's application to that posting (stage and id), only
    where this introduction is the one a referral claim would count; otherwise nothing about
    the application is the agency's. For the person: whether they may still answer (not
    once they approached the posting themselves)."""
    apps: dict[tuple, Application] = {}
    pairs = {(i.profile_id, i.posting_id) for i in intros}
    if actor.role == "agency" and intros:
        apps = {(a.profile_id, a.posting_id): a for a in session.scalars(select(Application).where(
            tuple_(Application.profile_id, Application.posting_id).in_(pairs)))}
    approached = approaches(session, pairs) if actor.role in ("person", "caseworker", "admin") else {}
    first = credited_many(session, list(apps.values()))
    out = []
    for intro in intros:
        d = {"id": intro.id, "agency": intro.organisation.name, "posting_id": intro.posting_id,
             "posting": intro.posting.title, "employer": intro.posting.organisation.name,
             "created_at": intro.created_at.isoformat(), "created_on": local_date(intro.created_at),
             "note": intro.note, "answer": intro.answer,
             "answered_at": intro.answered_at.isoformat() if intro.answered_at else None,
             "answered_on": local_date(intro.answered_at) if intro.answered_at else None,
             "answered_via": intro.answered_via}
        if actor.role == "agency":
            app = apps.get((intro.profile_id, intro.posting_id))
            counts = app is not None and app.id in first and first[app.id].id == intro.id
            d.update(profile_id=intro.profile_id, person=intro.profile.name,
                     application_id=app.id if counts else None, stage=app.stage if counts else None, counts=counts)
        else:  # the person, or the staff who record the answer the person gave them
            d["can_answer"] = (intro.profile_id, intro.posting_id) not in approached
        out.append(d)
    return out


def to_dict(session: Session, intro: Introduction, actor: User) -> dict:
    return to_dicts(session, [intro], actor)[0]


# --- the caseworker's view of agencies ------------------------------------------------------

def parse_days(raw: str | None) -> int:
    """The ``days`` of the agencies' figures as typed (ASCII digits; default 30)."""
    raw = (raw or "").strip() or "30"
    if not (raw.isascii() and raw.isdigit()):
        raise ValidationFailed("统计天数应为1至366之间的整数", "the period is a whole number of days from 1 to 366",
                               field="days")
    return int(raw)


def agency_volumes(session: Session, actor: User, days: int = 30) -> dict:
    """Per agency, over the last ``days`` days (Fushun's calendar, today included): how many
    introductions it recorded (and today), how many the people accepted, declined or left
    unanswered, and the acceptance rate (accepted / recorded): a squatting agency records
    many and has few accepted. Counts only, no person: every caseworker sees the city."""
    if actor.role not in ("caseworker", "admin"):
        raise Forbidden("只有经办人员可以查看机构推荐统计", "only caseworkers see the agencies' introduction figures")
    if not 1 <= days <= 366:
        raise ValidationFailed("统计天数应在1至366之间", "the period is 1 to 366 days", field="days")
    today = clock.local_date(clock.now_utc())
    since, day_start = _day_start_utc(today - dt.timedelta(days=days - 1)), _day_start_utc(today)
    rows: dict[int, dict] = {}
    for org_id, ans, n, n_today in session.execute(
            select(Introduction.organisation_id, Introduction.answer, func.count(Introduction.id),
                   func.sum(case((Introduction.created_at >= day_start, 1), else_=0)))
            .where(Introduction.created_at >= since).group_by(Introduction.organisation_id, Introduction.answer)):
        r = rows.setdefault(org_id, {"organisation_id": org_id, "recorded": 0, "today": 0, "accepted": 0,
                                     "declined": 0, "unanswered": 0})
        r["recorded"] += n
        r["today"] += int(n_today or 0)
        r[ans if ans in ANSWER_NAMES else "unanswered"] += n
    orgs = {o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(rows)))}
    out = []
    for r in rows.values():
        o = orgs[r["organisation_id"]]
        rate = r["accepted"] / r["recorded"] if r["recorded"] else None
        out.append(dict(r, agency=o.name, district=o.district,
                        acceptance_rate=None if rate is None else round(rate, 4)))
    out.sort(key=lambda r: (-r["recorded"], r["agency"]))
    return {"days": days, "from_on": (today - dt.timedelta(days=days - 1)).isoformat(), "to_on": today.isoformat(),
            "items": out}


def pickers(session: Session, actor: User, person_q: str, posting_q: str, today: dt.date | None = None,
            limit: int = 30) -> dict:
    """What an agency picks from instead of typing numbers: the people it may introduce
    (published profiles it may see) whose name holds ``person_q``, and the open published
    postings whose title or employer holds ``posting_q``, each sorted by name."""
    if actor.role != "agency":
        raise Forbidden("只有人力资源机构可以推荐求职者", "only HR agencies record introductions")
    today = today or clock.today()
    out: dict = {"people": [], "postings": []}
    if person_q:
        rows = session.scalars(select(Profile).where(visible_profiles(actor), Profile.published,
                                                     Profile.name.contains(person_q, autoescape=True))
                               .order_by(Profile.name, Profile.id).limit(limit))
        out["people"] = [(p.id, f"{p.name} · {p.district}") for p in rows]
    if posting_q:
        rows = session.scalars(select(Posting).join(Organisation, Posting.organisation_id == Organisation.id)
                               .where(Posting.status == "published",
                                      Posting.title.contains(posting_q, autoescape=True)
                                      | Organisation.name.contains(posting_q, autoescape=True))
                               .order_by(Posting.title, Posting.id).limit(limit * 3))
        out["postings"] = [(p.id, f"{p.title} · {p.organisation.name} · {p.district}") for p in rows
                           if p.is_open(today)][:limit]
    return out
