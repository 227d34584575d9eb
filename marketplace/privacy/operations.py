"""A person's rights over their data (PIPL): download everything held about them, and
delete it.

The areas' own records come through ``hooks.person_export`` (each answers a dict of its
keys) and are cleared through ``hooks.person_deleted``; this module reads only core.

Deletion pseudonymises rather than removes rows that other records need: the audit log
(kept by law for subsidy decisions) and applications an employer acted on keep their
ids, but the person's name, ID and phone numbers, birth date, texts and categories are
erased, and so is every free text the person wrote (application and stage notes here,
the reasons they gave in the audit log, and what each area clears on
``hooks.person_deleted``, e.g. a fair interview's cancellation note); the profile is
withdrawn from search, the account can no longer log in and its tokens are revoked. What remains says "已注销用户" (deleted user) and a number.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from marketplace import clock, hooks
from marketplace.core import accounts, audit
from marketplace.core.models import ApiToken, Application, AuditEntry, User
from marketplace.core.profiles import my_profile
from marketplace.crypto import Cipher
from marketplace.db import after_commit
from marketplace.errors import Forbidden, Unauthorized

PSEUDONYM = "已注销用户"


def export(session: Session, cipher: Cipher, actor: User) -> dict:
    """Everything held about the actor, in clear, for the actor alone."""
    if actor.role != "person":
        raise Forbidden("只有求职者本人可以下载个人数据", "only the person can download their own data")
    p = my_profile(session, actor)
    out: dict = {"exported_on": clock.today().isoformat(),
                 "account": {"username": actor.username, "display_name": actor.display_name,
                             "created_at": actor.created_at.isoformat(), "locale": actor.locale}}
    if p is not None:
        out["profile"] = {
            "name": p.name, "gender": p.gender, "birth_on": p.birth_on.isoformat(),
            "id_number": cipher.decrypt(p.id_number_enc), "phone": cipher.decrypt(p.phone_enc),
            "hukou_place": p.hukou_place, "district": p.district, "education": p.education, "major": p.major,
            "graduation_year": p.graduation_year, "skills": list(p.skills), "experience": p.experience,
            "summary": p.summary, "desired_jobs": p.desired_jobs, "desired_places": list(p.desired_places),
            "desired_salary_min": p.desired_salary_min, "published": p.published,
            "categories": [{"category": c.category, "since_on": c.since_on.isoformat() if c.since_on else None,
                            "detail": c.detail, "confirmed_at": c.confirmed_at.isoformat() if c.confirmed_at else None}
                           for c in p.categories]}
        out["applications"] = [
            {"posting": a.posting.title, "employer": a.posting.organisation.name, "stage": a.stage,
             "applied_at": a.created_at.isoformat(),
             "history": [{"to": e.to_stage, "at": e.at.isoformat(), "note": e.note} for e in a.events]}
            for a in session.scalars(select(Application).where(Application.profile_id == p.id))]
    if p is not None:
        # what each area holds of the person (internships, welfare, ...), same keys as before
        for part in hooks.ask(hooks.person_export, session, profile=p, cipher=cipher):
            out.update(part)
    out["audit_log"] = [
        {"at": e.at.isoformat(), "entity": e.entity, "action": e.action, "reason": e.reason}
        for e in session.scalars(select(AuditEntry).where(
            (AuditEntry.actor_id == actor.id) |
            ((AuditEntry.entity == "profile") & (AuditEntry.entity_id == (p.id if p else -1)))).order_by(AuditEntry.id))]
    return out


def delete_account(session: Session, actor: User, password: str, address: str = "unknown",
                   limits: accounts.LoginLimits | None = None) -> None:
    """Delete the person's account after their password, which is checked (and throttled,
    by account and by address) exactly as a login is: a stolen session cannot try
    passwords here faster than at the login page. The caller keeps the failure counts
    (``accounts.keep_failed_login``) although the request is refused."""
    if actor.role != "person":
        raise Forbidden("工作人员账户由管理员停用", "staff accounts are deactivated by an administrator")
    try:
        accounts.authenticate(session, actor.username, password or "", address, limits or accounts.LoginLimits())
    except Unauthorized:
        raise Unauthorized("密码不正确，未删除任何数据", "wrong password; nothing was deleted") from None
    p = my_profile(session, actor)
    if p is not None:
        former_name = p.name
        p.name, p.id_number_enc, p.id_number_hash, p.phone_enc, p.phone_hash = f"{PSEUDONYM}{p.id}", None, None, None, None
        p.birth_on = dt.date(1900, 1, 1)
        p.hukou_place = p.major = p.experience = p.summary = p.desired_jobs = ""
        p.skills, p.desired_places, p.occupation_codes, p.published = [], [], [], False
        p.desired_salary_min = p.graduation_year = None
        p.categories.clear()
        _forget_applications(session, p, actor)
        p.user_id = None
        # each area clears what it holds of the person (internships: an agency's note, its
        # reminders naming the person; fairs: interview notes the person wrote)
        hooks.person_deleted.send(session, profile=p, user=actor, former_name=former_name)
        for entry in session.scalars(select(AuditEntry).where(AuditEntry.entity == "profile",
                                                              AuditEntry.entity_id == p.id)):
            # the log stays (append-only for its facts) but carries no name any more
            entry.before = _scrub(entry.before)
            entry.after = _scrub(entry.after)
        after_commit(session, "marketplace.index_profile", p.id)
    for entry in session.scalars(select(AuditEntry).where(AuditEntry.actor_id == actor.id, AuditEntry.reason != "")):
        entry.reason = ""  # the person's own words (a withdrawal's reason, a cancellation's note)
    session.execute(delete(ApiToken).where(ApiToken.user_id == actor.id))
    actor.username = f"deleted-{actor.id}"
    actor.display_name = PSEUDONYM
    actor.password_hash = generate_password_hash(f"deleted-{clock.now_utc().timestamp()}")
    actor.is_active = False
    session.flush()
    audit.record(session, None, "user", actor.id, "delete_personal_data", reason="data subject request (PIPL)")


def _forget_applications(session: Session, profile, actor: User) -> None:
    """What the person wrote in core: the cover notes of their applications and the notes
    of the stage moves they made themselves (the employer's own notes on its decisions
    stay: they back the employer's records, e.g. a reportable SOE offer withdrawal)."""
    for app in session.scalars(select(Application).where(Application.profile_id == profile.id)):
        app.note = ""
        for event in app.events:
            if event.actor_id == actor.id:
                event.note = ""


def _scrub(d: dict | None) -> dict | None:
    if not d:
        return d
    return {k: (PSEUDONYM if k == "name" else v) for k, v in d.items() if k not in ("skills",)}
