"""The service's verification of organisations, and the one gate that depends on it.

An organisation never sets the facts that decide money or access about itself (its type
other than ``enterprise``, internship base and since when, epidemic supply): it *asks*
(``ask``, also at registration), naming its documents, and a caseworker of its district (or
an admin) verifies them, setting the facts and recording what was checked (``verify``),
refuses with a reason (``refuse``) or later withdraws a verification (``revoke``). Every
decision is in the audit log with the facts before and after. See the statuses in
``core.models.organisation``.

``require_verified(actor)`` is the gate: employer and agency staff of an organisation that
is not verified (``MAY_ACT``) may draft postings but may not publish them, nor see people
(profiles, people search, candidates for a posting, applicants); the refusal says why and
what happens next.
"""
from __future__ import annotations

from sqlalchemy import case, select
from sqlalchemy.orm import Session, object_session

from marketplace import clock
from marketplace.core import audit, notices
from marketplace.core.models import MAY_ACT, Organisation, OrganisationVerification, Posting, User, utcnow
from marketplace.core.schemas import ReasonIn, VerificationAsk, VerifyIn
from marketplace.db import after_commit
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed

#: The facts verification sets, and what an organisation has before (or after losing) them.
PLAIN = {"org_type": "enterprise", "is_internship_base": False, "internship_base_since_on": None,
         "is_epidemic_supply": False}


# --- the gate -------------------------------------------------------------------------

def may_act(org: Organisation | None) -> bool:
    return org is not None and org.verification_status in MAY_ACT


def gate_problem(actor: User | None) -> Forbidden | None:
    """Why ``actor`` may not publish or see people, or None. Only employer and agency staff
    are gated (others are scoped by their own rules)."""
    if actor is None or actor.role not in ("employer", "agency"):
        return None
    org = actor.organisation
    if may_act(org):
        return None
    status = org.verification_status if org is not None else "pending"
    if status in ("refused", "revoked"):
        last = latest_request(org) if org is not None else None
        reason = last.reason if last is not None else ""
        word_zh, word_en = ("未通过审核", "was refused") if status == "refused" else ("已被撤销认定", "was revoked")
        return Forbidden(f"本单位资质{word_zh}（{reason}），不能发布岗位或查看求职者信息；请补充材料后重新申请审核",
                         f"your organisation's verification {word_en} ({reason}); it may not publish postings or "
                         "see people until it asks again with the documents and a caseworker verifies it")
    return Forbidden("本单位资质待审核：所在区经办人核验统一社会信用代码和所报材料后，才能发布岗位、查看求职者信息；"
                     "在此之前可以保存岗位草稿",
                     "your organisation is awaiting verification: once a caseworker of its district has checked "
                     "its credit code and the documents it named, it may publish postings and see people; until "
                     "then it may save drafts")


def require_verified(actor: User | None) -> None:
    """Raise the reason ``actor``'s organisation may not publish or see people (see ``gate_problem``)."""
    problem = gate_problem(actor)
    if problem is not None:
        raise problem


# --- what an organisation asks --------------------------------------------------------

def latest_request(org: Organisation) -> OrganisationVerification | None:
    s = object_session(org)
    if s is None:
        return None
    return s.scalar(select(OrganisationVerification).where(OrganisationVerification.organisation_id == org.id)
                    .order_by(OrganisationVerification.id.desc()).limit(1))


def _pending(session: Session, org_id: int, lock: bool = False) -> OrganisationVerification | None:
    stmt = select(OrganisationVerification).where(OrganisationVerification.organisation_id == org_id,
                                                  OrganisationVerification.status == "pending")
    if lock:
        stmt = stmt.with_for_update()
    return session.scalar(stmt.order_by(OrganisationVerification.id.desc()).limit(1))


def _facts(org: Organisation) -> dict:
    return {"org_type": org.org_type, "is_internship_base": org.is_internship_base,
            "internship_base_since_on": org.internship_base_since_on.isoformat() if org.internship_base_since_on
            else None, "is_epidemic_supply": org.is_epidemic_supply}


def record_request(session: Session, actor: User | None, org: Organisation, data: VerificationAsk,
                   origin: str) -> OrganisationVerification:
    """Record what ``org`` asks for; a request still pending is superseded by this one."""
    for old in session.scalars(select(OrganisationVerification).where(
            OrganisationVerification.organisation_id == org.id, OrganisationVerification.status == "pending")):
        old.status = "superseded"
    req = OrganisationVerification(
        organisation_id=org.id, origin=origin, requested_by_id=actor.id if actor else None,
        requested_org_type=data.org_type, requested_internship_base=data.is_internship_base,
        requested_internship_base_since_on=data.internship_base_since_on,
        requested_epidemic_supply=data.is_epidemic_supply,
        documents=[d.model_dump() for d in data.documents], status="pending")
    session.add(req)
    session.flush()
    audit.record(session, actor, "organisation", org.id, "ask_verification",
                 after={"request_id": req.id, "org_type": data.org_type, "is_internship_base": data.is_internship_base,
                        "is_epidemic_supply": data.is_epidemic_supply, "documents": req.documents})
    return req


def ask(session: Session, actor: User, data: VerificationAsk) -> OrganisationVerification:
    """The organisation's staff ask (again) for verification. A refused or revoked organisation
    goes back to ``pending``; a verified one keeps its facts while the new ask waits."""
    if actor.role not in ("employer", "agency") or not actor.organisation_id:
        raise Forbidden()
    org = session.get(Organisation, actor.organisation_id, with_for_update=True)
    req = record_request(session, actor, org, data, "ask")
    if org.verification_status in ("refused", "revoked"):
        org.verification_status = "pending"
    session.flush()
    return req


# --- the caseworker's queue and decisions ---------------------------------------------

def _require_staff(actor: User) -> None:
    if actor is None or actor.role not in ("caseworker", "admin"):
        raise Forbidden("只有经办人可以审核用人单位", "only caseworkers verify organisations")


def organisation_for_review(session: Session, actor: User, organisation_id: int, lock: bool = False) -> Organisation:
    """An organisation a caseworker may review: one of their district's (an admin: any)."""
    _require_staff(actor)
    org = session.get(Organisation, organisation_id, with_for_update=lock)
    if org is None or (actor.role == "caseworker" and org.district != actor.district):
        raise NotFound("单位", "organisation")
    return org


def queue(actor: User, status: str = "pending", district: str | None = None):
    """Requests awaiting a decision (or of ``status``) of the caseworker's district, the
    organisations queued for re-verification first, then oldest first."""
    _require_staff(actor)
    stmt = (select(OrganisationVerification).join(Organisation)
            .where(OrganisationVerification.status == status)
            .order_by(case((OrganisationVerification.origin == "reverify", 1), else_=0),
                      OrganisationVerification.requested_at, OrganisationVerification.id))
    if actor.role == "caseworker":
        stmt = stmt.where(Organisation.district == actor.district)
    elif district:
        stmt = stmt.where(Organisation.district == district)
    return stmt


def history(session: Session, org: Organisation) -> list[OrganisationVerification]:
    return list(session.scalars(select(OrganisationVerification).where(
        OrganisationVerification.organisation_id == org.id).order_by(OrganisationVerification.id.desc())))


def _set_facts(session: Session, actor: User, org: Organisation, facts: dict) -> None:
    """Set the verified facts and the staff's role that follows from the type (an HR agency's
    staff act as ``agency``)."""
    org.org_type = facts["org_type"]
    org.is_internship_base = facts["is_internship_base"]
    org.internship_base_since_on = facts["internship_base_since_on"]
    org.is_epidemic_supply = facts["is_epidemic_supply"]
    role = "agency" if org.org_type == "hr_agency" else "employer"
    for user in org.staff:
        if user.role in ("employer", "agency") and user.role != role:
            audit.record(session, actor, "user", user.id, "role", before={"role": user.role}, after={"role": role},
                         reason="organisation type verified")
            user.role = role


def verify(session: Session, actor: User, organisation_id: int, data: VerifyIn) -> OrganisationVerification:
    """Decide the pending request: the facts the caseworker sets (by default what was asked)."""
    org = organisation_for_review(session, actor, organisation_id, lock=True)
    req = _pending(session, org.id, lock=True)
    if req is None:
        raise Conflict("该单位没有待审核的申请", "this organisation has nothing awaiting verification", field="status")
    base = req.requested_internship_base if data.is_internship_base is None else data.is_internship_base
    since = data.internship_base_since_on or (req.requested_internship_base_since_on if base else None)
    if base and since is None:
        raise ValidationFailed("认定为见习基地须填写认定日期（见认定文件）", "an internship base needs the date it was "
                               "recognised (see its certificate)", field="internship_base_since_on")
    if since is not None and since > clock.today():
        raise ValidationFailed("见习基地认定日期不能晚于今天", "the internship-base date cannot be in the future",
                               field="internship_base_since_on")
    if not base and data.internship_base_since_on is not None:
        raise ValidationFailed("未认定为见习基地时不填写认定日期", "no date when the organisation is not an internship "
                               "base", field="internship_base_since_on")
    facts = {"org_type": data.org_type or req.requested_org_type, "is_internship_base": base,
             "internship_base_since_on": since if base else None,
             "is_epidemic_supply": req.requested_epidemic_supply if data.is_epidemic_supply is None
             else data.is_epidemic_supply}
    before = dict(_facts(org), verification_status=org.verification_status)
    _set_facts(session, actor, org, facts)
    org.verification_status = "verified"
    req.status, req.decided_by_id, req.decided_at, req.checked = "verified", actor.id, utcnow(), data.checked
    req.granted = _facts(org)
    session.flush()
    audit.record(session, actor, "organisation", org.id, "verify", before=before,
                 after=dict(_facts(org), verification_status="verified", request_id=req.id), reason=data.checked)
    notices.organisation_decided(session, org, True, request_id=req.id)
    return req


def refuse(session: Session, actor: User, organisation_id: int, data: ReasonIn) -> OrganisationVerification:
    """Refuse the pending request with a reason. An organisation not yet verified (new, or
    queued for re-verification) is then refused: it loses any facts it had and stops
    publishing and seeing people; a verified one only loses the ask and keeps its facts."""
    org = organisation_for_review(session, actor, organisation_id, lock=True)
    req = _pending(session, org.id, lock=True)
    if req is None:
        raise Conflict("该单位没有待审核的申请", "this organisation has nothing awaiting verification", field="status")
    before = dict(_facts(org), verification_status=org.verification_status)
    req.status, req.decided_by_id, req.decided_at, req.reason = "refused", actor.id, utcnow(), data.reason
    if org.verification_status != "verified":
        _set_facts(session, actor, org, PLAIN)
        org.verification_status = "refused"
        _close_postings(session, actor, org)
    session.flush()
    audit.record(session, actor, "organisation", org.id, "refuse_verification", before=before,
                 after=dict(_facts(org), verification_status=org.verification_status, request_id=req.id),
                 reason=data.reason)
    notices.organisation_decided(session, org, False, data.reason, request_id=req.id)
    return req


def revoke(session: Session, actor: User, organisation_id: int, data: ReasonIn) -> Organisation:
    """Withdraw a verification (a document turned out false, a base's recognition ended): the
    facts fall back to an ordinary enterprise's, published postings close, and the organisation
    may not publish or see people until it asks again and is verified."""
    org = organisation_for_review(session, actor, organisation_id, lock=True)
    if org.verification_status not in MAY_ACT:
        raise Conflict("该单位当前未通过认定，无可撤销", "this organisation is not verified; there is nothing to revoke",
                       field="status")
    before = dict(_facts(org), verification_status=org.verification_status)
    now = utcnow()
    revoked = False
    for req in session.scalars(select(OrganisationVerification).where(
            OrganisationVerification.organisation_id == org.id,
            OrganisationVerification.status.in_(("verified", "pending")))):
        if req.status == "verified":
            req.status, req.revoked_by_id, req.revoked_at, req.reason = "revoked", actor.id, now, data.reason
            revoked = True
        else:
            req.status, req.decided_by_id, req.decided_at, req.reason = "refused", actor.id, now, data.reason
    if not revoked:  # facts with no verification on record (e.g. loaded): the revocation is recorded all the same
        session.add(OrganisationVerification(
            organisation_id=org.id, origin="revoke", requested_at=now, requested_org_type=org.org_type,
            requested_internship_base=org.is_internship_base,
            requested_internship_base_since_on=org.internship_base_since_on,
            requested_epidemic_supply=org.is_epidemic_supply, documents=[], status="revoked", granted=_facts(org),
            revoked_by_id=actor.id, revoked_at=now, reason=data.reason))
    _set_facts(session, actor, org, PLAIN)
    org.verification_status = "revoked"
    _close_postings(session, actor, org)
    session.flush()
    audit.record(session, actor, "organisation", org.id, "revoke_verification", before=before,
                 after=dict(_facts(org), verification_status="revoked"), reason=data.reason)
    return org


def _close_postings(session: Session, actor: User, org: Organisation) -> None:
    for posting in session.scalars(select(Posting).where(Posting.organisation_id == org.id,
                                                         Posting.status == "published")):
        posting.status = "closed"
        audit.record(session, actor, "posting", posting.id, "close", before={"status": "published"},
                     after={"status": "closed"}, reason="organisation verification withdrawn")
        after_commit(session, "marketplace.index_posting", posting.id)


# --- what pages and the API show ------------------------------------------------------

def request_to_dict(req: OrganisationVerification) -> dict:
    return {"id": req.id, "organisation_id": req.organisation_id, "origin": req.origin, "status": req.status,
            "requested_at": req.requested_at.isoformat(),
            "requested": {"org_type": req.requested_org_type, "is_internship_base": req.requested_internship_base,
                          "internship_base_since_on": req.requested_internship_base_since_on.isoformat()
                          if req.requested_internship_base_since_on else None,
                          "is_epidemic_supply": req.requested_epidemic_supply},
            "documents": list(req.documents or []), "decided_by_id": req.decided_by_id,
            "decided_at": req.decided_at.isoformat() if req.decided_at else None, "checked": req.checked,
            "reason": req.reason, "granted": req.granted,
            "revoked_at": req.revoked_at.isoformat() if req.revoked_at else None}


def queue_item_to_dict(req: OrganisationVerification) -> dict:
    org = req.organisation
    return dict(request_to_dict(req), organisation={"id": org.id, "name": org.name, "district": org.district,
                                                    "credit_code": org.credit_code,
                                                    "verification_status": org.verification_status})


def status_to_dict(session: Session, org: Organisation) -> dict:
    """The organisation's standing and its requests, newest first (for its staff and the caseworker)."""
    return {"organisation": dict(_facts(org), id=org.id, name=org.name, district=org.district,
                                 credit_code=org.credit_code, industry=org.industry),
            "verification_status": org.verification_status, "may_publish_and_see_people": may_act(org),
            "requests": [request_to_dict(r) for r in history(session, org)]}


def my_status(session: Session, actor: User) -> dict:
    if actor.role not in ("employer", "agency") or not actor.organisation_id:
        raise Forbidden()
    return status_to_dict(session, session.get(Organisation, actor.organisation_id))
