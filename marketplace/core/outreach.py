"""政策找人: the policy finds the people. A periodic task (``marketplace.core_policy_outreach``,
daily) runs the engine over people and organisations and tells each what they may qualify for
and have not used, with the rule id, the reason and the next step:

- R1 (core): a person in an internship cohort who has no internship yet: the open internship posts;
- R8 (core, from welfare's answers to ``hooks.public_welfare_decisions``): a person who meets the
  hard-to-employ conditions (registered, or by reference): ask your caseworker to confirm;
- R9 (the same answers): a person in the first priority tier (zero-employment family, or less than
  five years from retirement): the open public-welfare posts they rank first for;
- what other areas find, through ``hooks.policy_findings`` (internships: R4, an intern's
  one-third date is near; R6, a hire the hiring subsidy grants and nobody has claimed).

Each finding is told once per rule, subject, recipient and decision (a unique row in
``policy_outreach`` is the lock, so a second run tells nothing twice); a changed decision is
told again, but a recipient hears about one rule at most once a calendar month; never someone
who opted out (``OutreachOptOut``): their finding is kept, untold, for the caseworker. Every
finding, told or not, is on the desk of its district's caseworkers (:func:`desk`).
Operations flush, never commit.
"""
from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace import clock, hooks
from marketplace.core import eligibility
from marketplace.core.models import Application, OutreachOptOut, PolicyOutreach, Posting, Profile, User
from marketplace.errors import Forbidden
from marketplace.notifications.service import notify

RULES = ("R1", "R4", "R6", "R8", "R9")


def fingerprint(*parts) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]


def _bare(rule: str, reason: str) -> str:
    """The engine's reason without its leading rule id (the text names the rule once)."""
    return reason[len(rule):].lstrip() if reason.startswith(rule) else reason


def _open_posts(session: Session, kind: str, on: dt.date) -> int:
    return sum(1 for p in session.scalars(select(Posting).where(Posting.kind == kind, Posting.status == "published"))
               if p.is_open(on))


def _hired_for(session: Session, kind: str) -> set[int]:
    """The people ever hired for a post of ``kind`` (who have used that programme): one query
    for everyone, not one per person."""
    return set(session.scalars(select(Application.profile_id).join(Posting).where(
        Posting.kind == kind, Application.stage == "hired").distinct()))


def common(session: Session, on: dt.date) -> tuple:
    """What every person's findings share: the open internship and public-welfare posts, and
    who has been hired for each kind."""
    return (_open_posts(session, "internship", on), _open_posts(session, "public_welfare", on),
            _hired_for(session, "internship"), _hired_for(session, "public_welfare"))


def people_findings(session: Session, on: dt.date, ids: list[int] | None = None, shared: tuple | None = None
                    ) -> list[dict]:
    """R1, R8 and R9 for every person (or the people ``ids``), decided by the engine from the
    records of ``on``; ``shared``: :func:`common`, when asked for many batches."""
    stmt = select(Profile).order_by(Profile.id)
    profiles = list(session.scalars(stmt if ids is None else stmt.where(Profile.id.in_(ids))))
    if not profiles:
        return []
    facts = eligibility.decide_people(session, profiles, on)
    interns, welfare, interned, placed = shared or common(session, on)
    out = []
    for p in profiles:
        f = facts[p.id]
        base = {"subject": f"profile:{p.id}", "profile_id": p.id, "user_id": p.user_id, "district": p.district}
        if f.r1.allowed and p.id not in interned:
            out.append(dict(base, rule="R1", decision=fingerprint(f.r1.reason_zh), link="/postings?kind=internship",
                            zh=f"您可能符合就业见习条件（R1）：{_bare('R1', f.r1.reason_zh)}。下一步：现有 {interns} 个见习岗位可申请。",
                            en=f"You may qualify for a subsidised internship (R1): {_bare('R1', f.r1.reason_en)}. Next step: "
                               f"{interns} internship posts are open to apply to."))
        if f.r8_allowed and p.id not in placed:
            out.append(dict(base, rule="R8", decision=fingerprint(*f.r8_reason), link="/me/profile",
                            zh=f"您可能可以参照就业困难人员享受相关政策（R8）：{_bare('R8', f.r8_reason[0])}。下一步：请联系您的经办人确认。",
                            en=f"You may be treated like a hard-to-employ person (R8): {_bare('R8', f.r8_reason[1])}. Next step: "
                               "ask your caseworker to confirm."))
        if f.r8_allowed and f.tier == 1 and p.id not in placed:
            why = f.tier_reason or ("R9 第1优先层级", "R9 priority tier 1")
            out.append(dict(base, rule="R9", decision=fingerprint(f.tier, *why), link="/postings?kind=public_welfare",
                            zh=f"您在公益性岗位安置中优先（R9）：{_bare('R9', why[0])}。下一步：现有 {welfare} 个公益性岗位，您排在第一优先层级。",
                            en=f"You come first for public-welfare posts (R9): {_bare('R9', why[1])}. Next step: {welfare} "
                               "public-welfare posts are open and you are in the first priority tier."))
    return out


def run(session: Session, on: dt.date | None = None) -> dict:
    """One run in one transaction: find, tell whom it may, record. Returns counts by rule of
    those told. (The daily task finds in a read-only transaction and records in batches,
    each committed: ``core.tasks.policy_outreach``.)"""
    on = on or clock.today()
    return record(session, findings(session, on), on)


def findings(session: Session, on: dt.date) -> list[dict]:
    """Everything the engine finds on ``on``: people's R1, R8, R9 and the other areas' answers
    (plain dicts: they outlive the session that found them)."""
    return people_findings(session, on) + other_findings(session, on)


def other_findings(session: Session, on: dt.date) -> list[dict]:
    """The other areas' findings (``hooks.policy_findings``)."""
    return [f for answer in hooks.ask(hooks.policy_findings, session, on=on) for f in answer]


def profile_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Profile.id).order_by(Profile.id)))


def record(session: Session, findings: list[dict], on: dt.date) -> dict:
    """Tell and record ``findings`` (idempotent: a finding already recorded is skipped, and a
    recipient hears about one rule at most once a month). Returns counts by rule of those told."""
    month = f"{on.year:04d}-{on.month:02d}"
    opted = set(session.scalars(select(OutreachOptOut.user_id)))
    told = {r: 0 for r in RULES}
    for f in findings:
        recipient = f"user:{f['user_id']}" if f.get("user_id") else "-"
        if session.scalar(select(PolicyOutreach.id).where(
                PolicyOutreach.rule == f["rule"], PolicyOutreach.subject == f["subject"],
                PolicyOutreach.recipient == recipient, PolicyOutreach.decision == f["decision"])):
            continue  # told (or kept) already: only a changed decision is news
        because = ""
        if recipient == "-":
            because = "no_account"
        elif f["user_id"] in opted:
            because = "opted_out"
        elif session.scalar(select(PolicyOutreach.id).where(
                PolicyOutreach.rule == f["rule"], PolicyOutreach.recipient == recipient,
                PolicyOutreach.month == month, PolicyOutreach.told.is_(True))):
            continue  # at most once a month per rule: the new decision waits for next month's run
        row = PolicyOutreach(rule=f["rule"], subject=f["subject"], recipient=recipient, decision=f["decision"],
                             user_id=f.get("user_id"), profile_id=f.get("profile_id"),
                             organisation_id=f.get("organisation_id"), district=f.get("district") or "",
                             month=month, told=not because, not_told_because=because, text_zh=f["zh"],
                             text_en=f["en"], link=f.get("link", ""))
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            continue  # another run recorded it at the same moment
        if not because:
            notify(session, f["user_id"], "policy_outreach", f"outreach:{row.id}", f["zh"], f["en"], row.link)
            told[f["rule"]] = told.get(f["rule"], 0) + 1
    session.flush()
    return told


def set_opt_out(session: Session, actor: User, opt_out: bool) -> bool:
    """A person (or an employer's staff member) stops, or restarts, being told."""
    if actor.role not in ("person", "employer", "agency"):
        raise Forbidden("只有求职者和用人单位人员可以选择是否接收政策提示", "only people and employers' staff choose this")
    row = session.scalar(select(OutreachOptOut).where(OutreachOptOut.user_id == actor.id))
    if opt_out and row is None:
        session.add(OutreachOptOut(user_id=actor.id))
    elif not opt_out and row is not None:
        session.delete(row)
    session.flush()
    return opt_out


def opted_out(session: Session, actor: User) -> bool:
    return bool(session.scalar(select(OutreachOptOut.id).where(OutreachOptOut.user_id == actor.id)))


def desk(session: Session, actor: User, rule: str | None = None, limit: int = 200) -> dict:
    """The caseworker's list: per rule, who may qualify in the district and what they were told."""
    if actor.role not in ("caseworker", "admin"):
        raise Forbidden()
    stmt = select(PolicyOutreach).order_by(PolicyOutreach.id.desc()).limit(limit)
    counts = select(PolicyOutreach.rule, func.count()).group_by(PolicyOutreach.rule)
    if actor.role == "caseworker":
        stmt = stmt.where(PolicyOutreach.district == actor.district)
        counts = counts.where(PolicyOutreach.district == actor.district)
    if rule:
        stmt = stmt.where(PolicyOutreach.rule == rule)
    rows = list(session.scalars(stmt))
    names = {p.id: p.name for p in session.scalars(select(Profile).where(
        Profile.id.in_({r.profile_id for r in rows if r.profile_id})))}
    return {"counts": dict(session.execute(counts).all()),
            "items": [{"id": r.id, "rule": r.rule, "subject": r.subject, "profile_id": r.profile_id,
                       "name": names.get(r.profile_id, ""), "organisation_id": r.organisation_id,
                       "told": r.told, "not_told_because": r.not_told_because, "text_zh": r.text_zh,
                       "text_en": r.text_en, "month": r.month, "created_at": r.created_at.isoformat()}
                      for r in rows]}
