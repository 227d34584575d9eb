"""Postings: create, edit, publish, close; public listing; visibility.

Drafts are seen only by the employer's staff, caseworkers and admins. Published and
closed postings are public. Any organisation may draft; only one the service has verified
publishes (``core.verification.require_verified``).

The rules of publication (judged when a posting is published, and again when a published
posting is edited) come from the active policy set (``policies.active()``) on the business
date (``clock.today()``):

* R14: a ``target_group`` must be one of the set's groups (else a form error on
  ``target_group``); a group's cap counts places, the headcounts of its published postings
  across the city, and a posting whose places would pass it is refused.
* R13: an SOE's (``Organisation.org_type == "soe"``) posting aimed at graduates
  (``for_graduates``, or a target group of graduating-year graduates) may not require a
  prior 实习 at the unit, picked in ``hiring_conditions`` or written in the requirements or
  description (``core.hiring_conditions``); refused naming that field.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from marketplace import clock, policies
from marketplace import policy as pol
from marketplace.core import audit, eligibility, verification
from marketplace.core.hiring_conditions import prior_internship_required
from marketplace.core.models import (
    EDUCATION_LEVELS,
    OPEN_STAGES,
    Application,
    Organisation,
    Posting,
    Profile,
    User,
    utcnow,
)
from marketplace.core.schemas import PostingIn
from marketplace.db import after_commit
from marketplace.errors import Conflict, Forbidden, NotEligible, NotFound, ValidationFailed
from marketplace.notifications.service import notify


def _require_employer(actor: User) -> None:
    if actor is None or actor.role not in ("employer", "agency") or not actor.organisation_id:
        raise Forbidden("只有用人单位人员可以发布岗位", "only employer staff can post")


def _check_kind_allowed(session: Session, actor: User, data: PostingIn) -> None:
    org = session.get(Organisation, actor.organisation_id)
    if data.kind == "internship" and not org.is_internship_base:
        raise NotEligible("只有登记的就业见习基地可以发布见习岗位（R1）",
                          "only a registered internship base may post internships (R1)", field="kind")
    if data.kind == "public_welfare" and org.org_type not in ("public_institution", "social_org", "soe"):
        raise NotEligible("公益性岗位由政府开发，只能由机关事业单位、国有企业或社会组织发布",
                          "public-welfare posts are developed by government: only public institutions, SOEs "
                          "and social organisations may post them", field="kind")


def _check_target_group(data: PostingIn, today: dt.date) -> None:
    """R14: a posting's target group is one the active policy set lists."""
    if not data.target_group:
        return
    known = eligibility.known_target_groups(policies.active(), today)
    if data.target_group not in {g.code for g in known}:
        names_zh = "、".join(g.zh for g in known) or "无"
        names_en = ", ".join(g.en for g in known) or "none"
        raise ValidationFailed(f"R14：现行政策集没有该定向群体（可选：{names_zh}）",
                               f"R14: the policy set in force has no such target group (known: {names_en})",
                               field="target_group")


def aimed_at_graduates(posting: Posting, policy: pol.PolicySet, on: dt.date) -> bool:
    """R13's "aimed at graduates": ticked on the posting, or its target group is a group of
    graduating-year graduates in the set."""
    if posting.for_graduates:
        return True
    group = next((g for g in eligibility.known_target_groups(policy, on) if g.code == posting.target_group), None)
    return group is not None and group.category == "graduating_year_graduate"


def _check_publication(session: Session, posting: Posting, today: dt.date) -> None:
    """R14 (target group and its cap of places) and R13 (SOE graduate postings) for a posting
    that is, or is about to be, published."""
    policy = policies.in_force(today, session)
    if posting.target_group:
        places = session.scalar(select(func.coalesce(func.sum(Posting.headcount), 0)).where(
            Posting.status == "published", Posting.target_group == posting.target_group,
            Posting.id != posting.id))
        try:
            decision = pol.check_targeted_post(policy, group=posting.target_group, already_published=int(places),
                                               places=posting.headcount, on=today)
        except pol.CaseError:
            raise ValidationFailed("R14：现行政策集没有该定向群体", "R14: the policy set in force has no such "
                                   "target group", field="target_group") from None
        if not decision.allowed:
            raise NotEligible(decision.reason_zh, decision.reason_en, field="target_group")
    org = session.get(Organisation, posting.organisation_id)
    found = prior_internship_required(posting.hiring_conditions, posting.requirements, posting.description)
    decision = pol.check_soe_posting(policy, employer_is_soe=org.org_type == "soe",
                                     aimed_at_graduates=aimed_at_graduates(posting, policy, today),
                                     requires_prior_internship_at_unit=found is not None, on=today)
    if not decision.allowed:
        field, what = found  # type: ignore[misc]
        raise NotEligible(f"{decision.reason_zh}（{what}）", f"{decision.reason_en} ({what})", field=field)


def create_posting(session: Session, actor: User, data: PostingIn) -> Posting:
    _require_employer(actor)
    _check_kind_allowed(session, actor, data)
    _check_target_group(data, clock.today())
    posting = Posting(organisation_id=actor.organisation_id, created_by_id=actor.id, status="draft",
                      **data.model_dump())
    session.add(posting)
    session.flush()
    audit.record(session, actor, "posting", posting.id, "create", after={"title": posting.title, "kind": posting.kind})
    return posting


def own_posting(session: Session, actor: User, posting_id: int, lock: bool = False) -> Posting:
    posting = session.get(Posting, posting_id, with_for_update=lock)
    if posting is None or actor is None or posting.organisation_id != actor.organisation_id \
            or actor.role not in ("employer", "agency"):
        raise NotFound("岗位", "posting")
    return posting


#: the fields whose change applicants are told of (issue 15: title, pay, place, requirements, dates)
MATERIAL = ("title", "salary_min", "salary_max", "district", "requirements", "education_min", "skills",
            "hiring_conditions", "open_on", "close_on", "period_months", "stipend", "term_months")
_FIELD_NAMES = {"title": ("岗位名称", "title"), "salary_min": ("薪酬", "pay"), "salary_max": ("薪酬", "pay"),
                "district": ("工作地点", "place"), "requirements": ("任职要求", "requirements"),
                "education_min": ("学历要求", "education"), "skills": ("技能要求", "skills"),
                "hiring_conditions": ("录用条件", "conditions of hiring"), "open_on": ("日期", "dates"),
                "close_on": ("截止日期", "closing date"), "period_months": ("见习期限", "period"),
                "stipend": ("见习补贴", "stipend"), "term_months": ("岗位期限", "term")}


def _values(posting: Posting) -> dict:
    """The editable fields as JSON-ready values (the audit's before and after)."""
    out = {}
    for k in PostingIn.model_fields:
        v = getattr(posting, k, None)
        out[k] = v.isoformat() if isinstance(v, dt.date) else (str(v) if v is not None and not isinstance(
            v, (int, str, bool, list, float)) else (list(v) if isinstance(v, list) else v))
    return out


def _notify_applicants(session: Session, posting: Posting, zh: str, en: str, what: str) -> int:
    """Tell the people with an open application (``OPEN_STAGES``) to the posting; returns how many."""
    rows = session.execute(select(Application.id, Profile.user_id).join(Profile, Application.profile_id == Profile.id)
                           .where(Application.posting_id == posting.id, Application.stage.in_(OPEN_STAGES),
                                  Profile.user_id.is_not(None))).all()
    stamp = clock.now_utc().strftime("%Y%m%d%H%M%S%f")
    for app_id, user_id in rows:
        notify(session, user_id, "posting_closed" if what == "closed" else "posting_changed",
               f"posting:{posting.id}:{what}:{stamp}", zh, en,
               f"/postings/{posting.id}")
    return len(rows)


def update_posting(session: Session, actor: User, posting_id: int, data: PostingIn, reason: str = "") -> Posting:
    """Edit any field of a draft or published posting, validated as on creation (and, when
    published, as on publication; a published posting's closing date cannot be in the past:
    close it instead). The audit keeps each changed field's before and after and the reason;
    people with an open application are told of a material change (``MATERIAL``); a published
    posting is re-indexed after the commit (recommendations follow its ``updated_at``)."""
    posting = own_posting(session, actor, posting_id, lock=True)
    if posting.status == "closed":
        raise Conflict("岗位已关闭，不能修改；可以重新开放", "the posting is closed and cannot be changed; reopen it "
                       "first", field="status")
    if data.kind != posting.kind:
        raise Conflict("岗位类型发布后不能更改，请新建岗位", "a posting's kind cannot change; create a new posting",
                       field="kind")
    _check_kind_allowed(session, actor, data)
    today = clock.today()
    _check_target_group(data, today)
    if posting.status == "published" and data.close_on is not None and data.close_on < today:
        raise ValidationFailed("已发布岗位的截止日期不能早于今天；如需停止招聘请关闭岗位",
                               "a published posting cannot close before today; close it instead", field="close_on")
    before = _values(posting)
    for k, v in data.model_dump().items():
        setattr(posting, k, v)
    if posting.status == "published":
        _check_publication(session, posting, today)
    posting.updated_at = utcnow()
    session.flush()
    after = _values(posting)
    changed = [k for k in after if after[k] != before.get(k)]
    audit.record(session, actor, "posting", posting.id, "update", before={k: before.get(k) for k in changed},
                 after={k: after[k] for k in changed}, reason=reason)
    material = [k for k in changed if k in MATERIAL]
    if material and posting.status == "published":
        zh_names = "、".join(dict.fromkeys(_FIELD_NAMES[k][0] for k in material))
        en_names = ", ".join(dict.fromkeys(_FIELD_NAMES[k][1] for k in material))
        _notify_applicants(session, posting, f"您申请的岗位“{posting.title}”修改了{zh_names}",
                           f"The posting \"{posting.title}\" you applied to changed its {en_names}", "changed")
    if posting.status == "published":
        after_commit(session, "marketplace.index_posting", posting.id)
    return posting


def reopen_posting(session: Session, actor: User, posting_id: int, close_on: dt.date | None,
                   reason: str = "") -> Posting:
    """A closed posting published again (or a published one extended) with a new closing date
    that is not in the past; the publication rules are judged again (R13, R14 places)."""
    posting = own_posting(session, actor, posting_id, lock=True)
    verification.require_verified(actor)
    today = clock.today()
    if close_on is not None and close_on < today:
        raise ValidationFailed("新的截止日期不能早于今天", "the new closing date cannot be before today", field="close_on")
    if posting.status == "draft":
        raise Conflict("草稿岗位请直接发布", "a draft is published, not reopened", field="status")
    before = {"status": posting.status, "close_on": posting.close_on.isoformat() if posting.close_on else None}
    posting.close_on = close_on
    if posting.status == "closed":
        _check_publication(session, posting, today)
        posting.status = "published"
    posting.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, "posting", posting.id, "reopen", before=before,
                 after={"status": posting.status, "close_on": close_on.isoformat() if close_on else None}, reason=reason)
    when_zh = close_on.isoformat() if close_on else "不限"
    when_en = close_on.isoformat() if close_on else "no closing date"
    _notify_applicants(session, posting, f"岗位“{posting.title}”重新开放，截止日期：{when_zh}",
                       f"The posting \"{posting.title}\" is open again, closing on: {when_en}", "reopened")
    after_commit(session, "marketplace.index_posting", posting.id)
    return posting


def publish_posting(session: Session, actor: User, posting_id: int, today: dt.date | None = None) -> Posting:
    posting = own_posting(session, actor, posting_id)
    verification.require_verified(actor)  # an organisation not (yet) verified may only draft
    today = today or clock.today()
    if posting.status == "published":
        return posting  # publishing twice is harmless
    if posting.status == "closed":
        raise Conflict("岗位已关闭，不能再发布", "a closed posting cannot be published again", field="status")
    if posting.close_on and posting.close_on < today:
        raise Conflict("截止日期已过，请先修改截止日期（岗位页的“修改岗位”）",
                       "the closing date has passed; change the closing date first (Edit posting)",
                       field="close_on")
    _check_publication(session, posting, today)
    posting.status = "published"
    posting.published_at = posting.published_at or utcnow()
    session.flush()
    audit.record(session, actor, "posting", posting.id, "publish", before={"status": "draft"},
                 after={"status": "published"})
    after_commit(session, "marketplace.index_posting", posting.id)
    return posting


def close_posting(session: Session, actor: User, posting_id: int, reason: str = "") -> Posting:
    posting = own_posting(session, actor, posting_id, lock=True)
    if posting.status != "closed":
        before = posting.status
        posting.status = "closed"
        posting.updated_at = utcnow()
        session.flush()
        audit.record(session, actor, "posting", posting.id, "close", before={"status": before},
                     after={"status": "closed"}, reason=reason)
        if before == "published":
            _notify_applicants(session, posting, f"您申请的岗位“{posting.title}”已停止招聘",
                               f"The posting \"{posting.title}\" you applied to has closed", "closed")
        after_commit(session, "marketplace.index_posting", posting.id)
    return posting


def get_posting(session: Session, actor: User | None, posting_id: int) -> Posting:
    posting = session.get(Posting, posting_id)
    if posting is None:
        raise NotFound("岗位", "posting")
    if posting.status == "draft":
        own = actor is not None and actor.organisation_id == posting.organisation_id and actor.role in ("employer", "agency")
        if not (own or (actor is not None and actor.role in ("caseworker", "admin"))):
            raise NotFound("岗位", "posting")
    return posting


def public_postings(kind: str | None = None, district: str | None = None, q: str | None = None,
                    education_max: int | None = None, include_closed: bool = False):
    """Published postings, newest first (the database fallback of search)."""
    stmt = select(Posting).options(selectinload(Posting.organisation)).order_by(Posting.published_at.desc(),
                                                                                Posting.id.desc())
    stmt = stmt.where(Posting.status.in_(("published", "closed") if include_closed else ("published",)))
    if kind:
        stmt = stmt.where(Posting.kind == kind)
    if district:
        stmt = stmt.where(Posting.district == district)
    if education_max is not None:
        stmt = stmt.where(Posting.education_min <= education_max)
    if q:
        stmt = stmt.where(or_(Posting.title.contains(q), Posting.description.contains(q)))
    return stmt


def org_postings(actor: User):
    _require_employer(actor)
    return select(Posting).where(Posting.organisation_id == actor.organisation_id).order_by(Posting.id.desc())


def posting_to_dict(p: Posting) -> dict:
    return {
        "id": p.id, "kind": p.kind, "title": p.title, "description": p.description, "requirements": p.requirements,
        "skills": list(p.skills), "education_min": p.education_min,
        "education_min_name": EDUCATION_LEVELS.get(p.education_min), "salary_min": p.salary_min,
        "salary_max": p.salary_max, "headcount": p.headcount, "district": p.district, "target_group": p.target_group,
        "hiring_conditions": list(p.hiring_conditions or []), "for_graduates": p.for_graduates,
        "open_on": p.open_on.isoformat() if p.open_on else None,
        "close_on": p.close_on.isoformat() if p.close_on else None, "status": p.status,
        "period_months": p.period_months, "stipend": str(p.stipend) if p.stipend is not None else None,
        "temporary": p.temporary, "term_months": p.term_months, "occupation_code": p.occupation_code,
        "organisation": {"id": p.organisation.id, "name": p.organisation.name, "org_type": p.organisation.org_type},
        "published_at": p.published_at.isoformat() if p.published_at else None,
        "updated_at": p.updated_at.isoformat() if p.updated_at else None,
    }
