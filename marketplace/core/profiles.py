"""Profiles: the person's own, a caseworker's corrections, category confirmation.

Who may see a profile: the person; caseworkers of the profile's district; admins; staff
of an employer or agency when the person consented (``published``) or applied to one
of their postings. Anyone else gets "not found", so existence does not leak.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, exists, false, func, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import False_

from marketplace import clock, hooks
from marketplace.core import audit, verification
from marketplace.core.models import (
    BENEFIT_CATEGORIES,
    EDUCATION_LEVELS,
    Application,
    AuditEntry,
    IdNumberDuplicate,
    Posting,
    Profile,
    ProfileCategory,
    User,
    utcnow,
)
from marketplace.core.schemas import ProfileIn
from marketplace.crypto import Cipher, mask_id_number, mask_phone
from marketplace.db import after_commit
from marketplace.errors import Conflict, Forbidden, NotFound, TooManyRequests
from marketplace.notifications.service import notify

#: how many times a day a person may type a new ID number on their profile
ID_NUMBER_CHANGES_PER_DAY = 3


def visible_profiles(actor: User | None) -> ColumnElement[bool]:
    """THE rule of whose profile an actor may see, as a condition on ``Profile``.

    Every read of people goes through it: one record (``can_view``, so a refusal is a 404),
    lists, the people search (with :func:`index_filters`, its form for the search index),
    candidates for a posting and every export of people. A new restriction (for example
    on organisations not yet verified) is added here and nowhere else.

    - a person: their own profile;
    - a caseworker: the people of their district (and their own, if they have one);
    - an admin: everyone;
    - employer and agency staff: people who consented to be found (``published``) and
      people who applied to one of their organisation's postings;
    - anyone else, or no one signed in: nobody.
    """
    if actor is None:
        return false()
    if actor.role == "admin":
        return true()
    own = Profile.user_id == actor.id
    if actor.role == "caseworker":
        return or_(own, Profile.district == actor.district)
    if actor.role in ("employer", "agency"):
        if not actor.organisation_id:
            return Profile.published.is_(True)
        applied = exists().where(Application.profile_id == Profile.id, Application.posting_id == Posting.id,
                                 Posting.organisation_id == actor.organisation_id)
        return or_(Profile.published.is_(True), applied)
    if actor.role == "person":
        return own
    return false()


def index_filters(actor: User | None) -> dict | None:
    """:func:`visible_profiles` as filters of the search index (``search.Query.filters``),
    as narrow as the index can express it; ``None`` when the actor may see nobody. The
    rows a search returns are checked again against :func:`visible_profiles`, so this
    only keeps the totals and facet counts from counting people the actor may not see."""
    if actor is None or actor.role not in ("admin", "caseworker", "employer", "agency"):
        return None
    if isinstance(visible_profiles(actor), False_):  # the rule lets this actor see nobody
        return None
    if actor.role == "caseworker":
        return {"district": actor.district}
    if actor.role in ("employer", "agency"):
        return {"published": True}
    return {}


def can_view(session: Session, actor: User | None, profile: Profile) -> bool:
    """Whether ``actor`` may see ``profile``: :func:`visible_profiles` asked of one row."""
    if actor is None or profile.id is None:
        return False
    return bool(session.scalar(select(exists().where(Profile.id == profile.id, visible_profiles(actor)))))


def get_profile(session: Session, actor: User | None, profile_id: int) -> Profile:
    verification.require_verified(actor)  # an unverified organisation sees no one (before any lookup: nothing leaks)
    profile = session.get(Profile, profile_id)
    if profile is None or not can_view(session, actor, profile):
        raise NotFound("求职者档案", "profile")
    return profile


def my_profile(session: Session, actor: User) -> Profile | None:
    return session.scalar(select(Profile).where(Profile.user_id == actor.id))


def _summary(profile: Profile) -> dict:
    return {"name": profile.name, "district": profile.district, "education": profile.education,
            "skills": list(profile.skills), "published": profile.published,
            "categories": sorted(c.category for c in profile.categories)}


def _apply(session: Session, cipher: Cipher, profile: Profile, data: ProfileIn, actor: User) -> None:
    values = data.model_dump(exclude={"id_number", "phone", "categories"})
    for k, v in values.items():
        setattr(profile, k, v)
    if data.id_number is not None and data.id_number != cipher.decrypt(profile.id_number_enc):
        _set_id_number(session, cipher, profile, data.id_number, actor)
    if data.phone is not None:
        profile.phone_enc, profile.phone_hash = cipher.encrypt(data.phone), cipher.blind_index(data.phone)
    confirmed = _confirmed(profile)
    _sync_categories(profile, data, actor)
    if profile.id is not None and _confirmed(profile) != confirmed:
        hooks.categories_changed.send(session, actor=actor, profile=profile)


def _confirmed(profile: Profile) -> set[tuple]:
    """The confirmed categories as the rules read them (name, detail, since)."""
    return {(c.category, c.detail, c.since_on) for c in profile.categories if c.confirmed_at is not None}


def _set_id_number(session: Session, cipher: Cipher, profile: Profile, id_number: str, actor: User) -> None:
    """A new ID number on a profile. Typed by the person: whether another profile holds it
    is never told to them (that answer, tried on made-up numbers, finds real people); the
    number is saved without its lookup hash and a caseworker of the district resolves the
    duplicate. Changes are limited per account per day. A caseworker at the desk is told."""
    h = cipher.blind_index(id_number)
    clash = session.scalar(select(Profile.id).where(Profile.id_number_hash == h, Profile.id != profile.id))
    if actor.role == "person":
        since = utcnow() - dt.timedelta(days=1)
        changes = session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.actor_id == actor.id, AuditEntry.entity == "profile", AuditEntry.action == "id_number",
            AuditEntry.at >= since))
        if changes >= ID_NUMBER_CHANGES_PER_DAY:
            raise TooManyRequests(f"身份证号每天最多修改 {ID_NUMBER_CHANGES_PER_DAY} 次，请明天再试或联系经办人",
                                  f"the ID number may be changed {ID_NUMBER_CHANGES_PER_DAY} times a day; try again "
                                  "tomorrow or ask a caseworker", field="id_number")
        session.flush()  # a new profile gets its id
        audit.record(session, actor, "profile", profile.id, "id_number")
        for open_dup in session.scalars(select(IdNumberDuplicate).where(IdNumberDuplicate.profile_id == profile.id,
                                                                       IdNumberDuplicate.resolution.is_(None))):
            open_dup.resolution, open_dup.resolved_at = "withdrawn", utcnow()
        if clash:
            session.add(IdNumberDuplicate(profile_id=profile.id, holder_profile_id=clash))
            profile.id_number_enc, profile.id_number_hash = cipher.encrypt(id_number), None
            return
    elif clash:
        raise _registered_elsewhere(session, actor, clash)
    profile.id_number_enc, profile.id_number_hash = cipher.encrypt(id_number), h


def _registered_elsewhere(session: Session, actor: User, holder_id: int) -> Conflict:
    """Staff typed an ID number another profile holds (issue 16): nothing is saved, and the
    refusal says where the person already is. A holder the caseworker may see
    (:func:`visible_profiles`) is named, with its profile number for a link to that person's
    page; any other holder only by the district whose service to contact (no name, nothing
    else). Only staff get this answer: a person typing a taken number is told nothing."""
    holder = session.get(Profile, holder_id)
    if can_view(session, actor, holder):
        zh = f"该身份证号已登记在{holder.name}（档案#{holder.id}）的档案中：请打开该档案，不要重复登记"
        en = (f"this ID number is already registered on {holder.name}'s profile (#{holder.id}): open that "
              "profile instead of registering the person again")
        found = {"profile_id": holder.id, "name": holder.name}
    else:
        zh = f"该身份证号已在{holder.district}登记：请联系{holder.district}公共就业服务机构核实，不要重复登记"
        en = (f"this ID number is already registered in {holder.district}: contact the public employment service "
              f"of {holder.district} to check it; do not register the person again")
        found = {"district": holder.district}
    return Conflict(zh, en, field="id_number", code="id_number_registered",
                    details=[{"field": "id_number", "code": "id_number_registered", "message": {"zh": zh, "en": en},
                              **found}])


def _sync_categories(profile: Profile, data: ProfileIn, actor: User) -> None:
    """Replace the category list. A person may claim categories; a benefit-granting one
    stays unconfirmed until a caseworker confirms it. When a person edits a confirmed
    category's dates or detail, the confirmation is dropped (it confirmed other facts)."""
    wanted = {c.category: c for c in data.categories}
    for existing in list(profile.categories):
        if existing.category not in wanted:
            profile.categories.remove(existing)
    have = {c.category: c for c in profile.categories}
    for name, c in wanted.items():
        row = have.get(name)
        if row is None:
            row = ProfileCategory(category=name)
            profile.categories.append(row)
        changed = (row.since_on, row.detail) != (c.since_on, c.detail)
        row.since_on, row.detail = c.since_on, c.detail
        if actor.role == "caseworker" and name in BENEFIT_CATEGORIES:
            row.confirmed_by_id, row.confirmed_at = actor.id, utcnow()
        elif changed and actor.role != "caseworker":
            row.confirmed_by_id = row.confirmed_at = None


def save_my_profile(session: Session, cipher: Cipher, actor: User, data: ProfileIn) -> Profile:
    if actor.role != "person":
        raise Forbidden("只有求职者可以创建个人档案", "only job seekers keep a profile")
    profile = my_profile(session, actor)
    before = _summary(profile) if profile else None
    if profile is None:
        profile = Profile(user_id=actor.id)
        session.add(profile)
    _apply(session, cipher, profile, data, actor)
    session.flush()
    audit.record(session, actor, "profile", profile.id, "create" if before is None else "update",
                 before=before, after=_summary(profile))
    after_commit(session, "marketplace.index_profile", profile.id)
    return profile


def caseworker_save_profile(session: Session, cipher: Cipher, actor: User, profile_id: int | None,
                            data: ProfileIn, reason: str = "") -> Profile:
    """A caseworker registers a person at the desk (``profile_id`` None) or corrects a
    profile in the caseworker's district."""
    if actor.role not in ("caseworker", "admin"):
        raise Forbidden()
    if profile_id is None:
        profile, before = Profile(), None
        session.add(profile)
    else:
        profile = get_profile(session, actor, profile_id)
        before = _summary(profile)
    if actor.role == "caseworker" and data.district != actor.district:
        raise Forbidden(f"您只能管理{actor.district}的档案", f"you may only manage profiles in {actor.district}")
    _apply(session, cipher, profile, data, actor)
    session.flush()
    after = _summary(profile)
    audit.record(session, actor, "profile", profile.id, "create" if before is None else "correct",
                 before=before, after=after, reason=reason)
    if before is not None and before != after and profile.user_id:
        _tell_corrected(session, profile, before, after, reason)
    after_commit(session, "marketplace.index_profile", profile.id)
    return profile


_SUMMARY_NAMES = {"name": ("姓名", "name"), "district": ("所在区", "district"), "education": ("学历", "education"),
                  "skills": ("技能", "skills"), "published": ("公开设置", "visibility"),
                  "categories": ("人员类别", "categories")}


def _tell_corrected(session: Session, profile: Profile, before: dict, after: dict, reason: str) -> None:
    """Issue 15: the person is told what a caseworker corrected on their profile, and why."""
    changed = [k for k in after if before.get(k) != after[k]]
    zh = "、".join(_SUMMARY_NAMES[k][0] for k in changed if k in _SUMMARY_NAMES)
    en = ", ".join(_SUMMARY_NAMES[k][1] for k in changed if k in _SUMMARY_NAMES)
    why_zh, why_en = (f"，理由：{reason}", f"; reason: {reason}") if reason else ("", "")
    stamp = clock.now_utc().strftime("%Y%m%d%H%M%S%f")
    notify(session, profile.user_id, "profile_corrected", f"profile:{profile.id}:corrected:{stamp}",
           f"经办人员更正了您的档案：{zh}{why_zh}", f"A caseworker corrected your profile: {en}{why_en}", "/me/profile")


def corrections_of(session: Session, profile: Profile, limit: int = 20) -> list[dict]:
    """A caseworker's corrections of this profile, newest first, as the person's page lists
    them: when, what changed (before → after) and why."""
    rows = session.scalars(select(AuditEntry).where(AuditEntry.entity == "profile", AuditEntry.entity_id == profile.id,
                                                    AuditEntry.action == "correct")
                           .order_by(AuditEntry.id.desc()).limit(limit))
    out = []
    for e in rows:
        before, after = e.before or {}, e.after or {}
        changes = [{"field": k, "zh": _SUMMARY_NAMES.get(k, (k, k))[0], "en": _SUMMARY_NAMES.get(k, (k, k))[1],
                    "before": before.get(k), "after": after.get(k)} for k in after if before.get(k) != after.get(k)]
        if changes:
            out.append({"at": e.at, "reason": e.reason, "changes": changes})
    return out


def confirm_category(session: Session, actor: User, profile_id: int, category: str) -> ProfileCategory:
    if actor.role not in ("caseworker", "admin"):
        raise Forbidden("只有经办人可以确认享受政策的类别", "only caseworkers confirm benefit categories")
    profile = get_profile(session, actor, profile_id)
    row = next((c for c in profile.categories if c.category == category), None)
    if row is None:
        raise NotFound("档案中的该类别", "this category on the profile")
    row.confirmed_by_id, row.confirmed_at = actor.id, utcnow()
    session.flush()
    audit.record(session, actor, "profile_category", row.id, "confirm", after={"category": category})
    hooks.categories_changed.send(session, actor=actor, profile=profile)
    # the person's standing changed outside their profile row: reindexing them tells the
    # rankings (recommend.note_profile_change) and the search index's categories
    after_commit(session, "marketplace.index_profile", profile.id)
    return row


def district_profiles(actor: User, query: str = ""):
    if actor.role not in ("caseworker", "admin"):
        raise Forbidden()
    stmt = select(Profile).where(visible_profiles(actor)).order_by(Profile.id)
    if query:
        stmt = stmt.where(Profile.name.contains(query))
    return stmt


def age_on(birth_on: dt.date, on: dt.date) -> int:
    return on.year - birth_on.year - ((on.month, on.day) < (birth_on.month, birth_on.day))


def profile_to_dict(profile: Profile, cipher: Cipher, actor: User | None) -> dict:
    """The profile as the actor may see it: ID and phone masked for everyone (the ID to
    its last four); employers do not see the ID number at all. Only the person sees their
    own birth date: everyone else sees the age, so that no two answers together rebuild
    an ID number (region + birth date + last four, issue 13)."""
    own = actor is not None and profile.user_id is not None and profile.user_id == actor.id
    full = actor is not None and (actor.role in ("admin", "caseworker") or own)
    d = {
        "id": profile.id, "name": profile.name, "gender": profile.gender,
        "birth_on": profile.birth_on.isoformat() if own else None,
        "age": age_on(profile.birth_on, clock.today()),
        "hukou_place": profile.hukou_place, "district": profile.district,
        "education": profile.education, "education_name": EDUCATION_LEVELS.get(profile.education),
        "major": profile.major, "graduation_year": profile.graduation_year, "skills": list(profile.skills),
        "experience": profile.experience, "summary": profile.summary, "desired_jobs": profile.desired_jobs,
        "desired_places": list(profile.desired_places), "desired_salary_min": profile.desired_salary_min,
        "occupation_codes": list(profile.occupation_codes), "published": profile.published,
        "phone_masked": mask_phone(cipher.decrypt(profile.phone_enc)),
        "categories": [{"category": c.category, "since_on": c.since_on.isoformat() if c.since_on else None,
                        "detail": c.detail, "confirmed": c.confirmed_at is not None,
                        "confirmed_by_id": c.confirmed_by_id,
                        "confirmed_at": c.confirmed_at.isoformat() if c.confirmed_at else None}
                       for c in profile.categories],
    }
    if full:
        d["id_number_masked"] = mask_id_number(cipher.decrypt(profile.id_number_enc))
    return d
