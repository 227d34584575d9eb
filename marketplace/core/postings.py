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
from marketplace.core.models import EDUCATION_LEVELS, Organisation, Posting, User, utcnow
from marketplace.core.schemas import PostingIn
from marketplace.db import after_commit
from marketplace.errors import Conflict, Forbidden, NotEligible, NotFound, ValidationFailed


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


def update_posting(session: Session, actor: User, posting_id: int, data: PostingIn) -> Posting:
    posting = own_posting(session, actor, posting_id)
    if posting.status == "closed":
        raise Conflict("岗位已关闭，不能修改", "the posting is closed and cannot be changed", field="status")
    if data.kind != posting.kind:
        raise Conflict("岗位类型发布后不能更改，请新建岗位", "a posting's kind cannot change; create a new posting",
                       field="kind")
    _check_kind_allowed(session, actor, data)
    _check_target_group(data, clock.today())
    for k, v in data.model_dump().items():
        setattr(posting, k, v)
    if posting.status == "published":
        _check_publication(session, posting, clock.today())
    session.flush()
    audit.record(session, actor, "posting", posting.id, "update", after={"title": posting.title})
    if posting.status == "published":
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
        raise Conflict("截止日期已过，请先修改截止日期", "the closing date has passed; change close_on first",
                       field="close_on")
    _check_publication(session, posting, today)
    posting.status = "published"
    posting.published_at = posting.published_at or utcnow()
    session.flush()
    audit.record(session, actor, "posting", posting.id, "publish", before={"status": "draft"},
                 after={"status": "published"})
    after_commit(session, "marketplace.index_posting", posting.id)
    return posting


def close_posting(session: Session, actor: User, posting_id: int) -> Posting:
    posting = own_posting(session, actor, posting_id)
    if posting.status != "closed":
        before = posting.status
        posting.status = "closed"
        session.flush()
        audit.record(session, actor, "posting", posting.id, "close", before={"status": before},
                     after={"status": "closed"})
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
    }
