"""Unemployment registration (失业登记): online or at the desk, confirmation, deregistration,
and the end of a registration when a hire is recorded anywhere in the system.

Readings (**[choice]**, see also ``marketplace/welfare/models.py``):

* Registration is the record; the profile's ``registered_unemployed`` category mirrors
  the open registration (``since_on`` = registration date, confirmed by the caseworker
  who registered or confirmed it) and is removed when the registration ends. A person
  registers online (dated the day they submit, unconfirmed until a caseworker confirms)
  or a caseworker registers them at the desk (may give an earlier date, confirmed).
  Working age: 16 until the statutory retirement date (R11; a woman's original age, 50
  or 55, is a fact of her record and must be given). Basis ``residence``: the profile's
  district; basis ``hukou``: a district named in the household-registration place.
* A hire recorded in the system ends the open registration (reason ``hired_in_system``):
  an application moved to ``hired`` (the ``hooks.hired`` event, received by ``on_hired``),
  a referral with outcome ``hired``. A public-welfare placement ends it too
  (``placed_public_welfare``): the person is employed on the post; a re-placement later
  goes "through the procedure" again, starting with a new registration.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.core import audit
from marketplace.core.models import DISTRICTS, Application, Profile, ProfileCategory, User, utcnow
from marketplace.core.profiles import my_profile
from marketplace.errors import Conflict, Forbidden, NotEligible, NotFound, ValidationFailed
from marketplace.policy import RetirementPerson, add_months, statutory_retirement
from marketplace.welfare.common import (
    STAFF,
    _age,
    _case,
    _serves,
    _staff,
    add_unique,
    district_select,
    end_date,
    staff_profile,
)
from marketplace.welfare.followups import _create_follow_ups
from marketplace.welfare.models import REGISTRATION_END_REASONS, Placement, Registration

WORKING_AGE_MIN = 16

def open_registration(session: Session, profile_id: int) -> Registration | None:
    return session.scalar(select(Registration).where(Registration.profile_id == profile_id,
                                                     Registration.ended_on.is_(None)))


def _reg_summary(reg: Registration) -> dict:
    return {"district": reg.district, "basis": reg.basis, "channel": reg.channel,
            "registered_on": reg.registered_on.isoformat(), "confirmed": reg.confirmed_at is not None,
            "ended_on": reg.ended_on.isoformat() if reg.ended_on else None, "end_reason": reg.end_reason}


def _mirror_category(profile: Profile, reg: Registration | None) -> None:
    """Keep the profile's registered_unemployed category in step with the open registration."""
    row = next((c for c in profile.categories if c.category == "registered_unemployed"), None)
    if reg is None or reg.ended_on is not None:
        if row is not None:
            profile.categories.remove(row)
        return
    if row is None:
        row = ProfileCategory(category="registered_unemployed")
        profile.categories.append(row)
    row.since_on = reg.registered_on
    row.detail = f"失业登记 #{reg.id}" if reg.id else "失业登记"
    row.confirmed_by_id, row.confirmed_at = reg.confirmed_by_id, reg.confirmed_at


def register(session: Session, actor: User, *, basis: str, district: str, profile_id: int | None = None,
             registered_on: dt.date | None = None, original_retirement_age: int | None = None,
             today: dt.date | None = None) -> Registration:
    """Online by the person (``profile_id`` None), or at the desk by a caseworker."""
    today = today or clock.today()
    if actor.role == "person":
        profile = my_profile(session, actor)
        if profile is None:
            raise Conflict("请先填写个人档案再办理失业登记", "please complete your profile before registering",
                           field="profile")
        if registered_on not in (None, today):
            raise ValidationFailed("网上登记以提交当日为登记日期；更早的日期请到窗口办理",
                                   "an online registration is dated the day it is made; for an earlier date "
                                   "register at the desk", field="registered_on")
        registered_on, channel = today, "online"
    elif actor.role in STAFF:
        if profile_id is None:
            raise ValidationFailed("请选择要登记的人员", "choose the person to register", field="profile_id")
        profile = staff_profile(session, actor, profile_id)
        registered_on, channel = registered_on or today, "desk"
        if actor.role == "caseworker" and district != actor.district:
            raise Forbidden(f"您只能在{actor.district}办理登记", f"you register people in {actor.district} only")
    else:
        raise Forbidden()
    if registered_on > today or registered_on < add_months(today, -120):
        raise ValidationFailed("登记日期不能晚于今天，也不能早于十年前", "the registration date cannot be in the future "
                               "or more than ten years ago", field="registered_on")
    if district not in DISTRICTS:
        raise ValidationFailed("未知的区县", "unknown district", field="district")
    if basis == "residence" and district != profile.district:
        raise ValidationFailed(f"按常住地登记时，登记地应为档案中的常住区县（{profile.district}）",
                               f"a registration by residence must be in the profile's district ({profile.district})",
                               field="district")
    if basis == "hukou" and district not in (profile.hukou_place or ""):
        raise ValidationFailed("按户籍地登记时，登记地应为档案户籍所在地中的区县；请先更正档案的户籍所在地",
                               "a registration by household registration must be in the district named in the "
                               "profile's household-registration place; correct the profile first", field="district")
    if basis not in ("hukou", "residence"):
        raise ValidationFailed("登记依据应为户籍地或常住地", "basis must be hukou or residence", field="basis")
    if profile.gender == "女" and original_retirement_age not in (50, 55):
        raise ValidationFailed("女性请填写原法定退休年龄（50或55岁，R11）",
                               "for a woman give the original statutory retirement age (50 or 55, R11)",
                               field="original_retirement_age")
    if profile.gender == "男":
        original_retirement_age = None
    person = RetirementPerson(profile.birth_on, "male" if profile.gender == "男" else "female",
                              original_retirement_age)
    retirement = _case(statutory_retirement, person, registered_on, field="original_retirement_age")
    if _age(profile.birth_on, registered_on) < WORKING_AGE_MIN or registered_on >= retirement.retirement_date:
        raise NotEligible(f"失业登记面向劳动年龄内人员（{WORKING_AGE_MIN}周岁至法定退休年龄）；{retirement.reason_zh}",
                          f"unemployment registration is for people of working age ({WORKING_AGE_MIN} to the "
                          f"statutory retirement age); {retirement.reason_en}", field="birth_on")
    if session.scalar(select(Placement.id).where(Placement.profile_id == profile.id, Placement.ended_on.is_(None))):
        raise Conflict("该人员正在公益性岗位上，不是失业人员", "this person is working on a public-welfare post",
                       field="profile")
    if open_registration(session, profile.id) is not None:
        raise Conflict("该人员已有有效的失业登记", "this person is already registered unemployed", field="profile")
    reg = Registration(profile_id=profile.id, district=district, basis=basis, channel=channel,
                       registered_on=registered_on, original_retirement_age=original_retirement_age)
    if channel == "desk":
        reg.confirmed_by_id, reg.confirmed_at = actor.id, utcnow()
    add_unique(session, reg, Conflict("该人员已有有效的失业登记", "this person is already registered unemployed",
                                      field="profile"))
    _mirror_category(profile, reg)
    session.flush()
    audit.record(session, actor, "registration", reg.id, "create", after=_reg_summary(reg))
    if registered_on.strftime("%Y-%m") == today.strftime("%Y-%m") or channel == "desk":
        _create_follow_ups(session, today, [reg])
    return reg


def get_registration(session: Session, actor: User, registration_id: int) -> Registration:
    reg = session.get(Registration, registration_id)
    if reg is None:
        raise NotFound("失业登记", "registration")
    if actor.role == "person":
        if reg.profile.user_id != actor.id:
            raise NotFound("失业登记", "registration")
    elif actor.role not in STAFF or not _serves(actor, reg.district):
        raise NotFound("失业登记", "registration")
    return reg


def confirm_registration(session: Session, actor: User, registration_id: int) -> Registration:
    _staff(actor)
    reg = get_registration(session, actor, registration_id)
    if reg.ended_on is not None:
        raise Conflict("该登记已注销", "this registration has ended", field="registration")
    if reg.confirmed_at is None:
        reg.confirmed_by_id, reg.confirmed_at = actor.id, utcnow()
        _mirror_category(reg.profile, reg)
        session.flush()
        audit.record(session, actor, "registration", reg.id, "confirm", after=_reg_summary(reg))
    return reg


def _end(session: Session, actor: User | None, reg: Registration, on: dt.date, reason: str, note: str) -> None:
    before = _reg_summary(reg)
    reg.ended_on, reg.end_reason, reg.end_note = on, reason, note
    reg.ended_by_id = actor.id if actor else None
    _mirror_category(reg.profile, reg)
    audit.record(session, actor, "registration", reg.id, "end", before=before, after=_reg_summary(reg), reason=note)


def end_registration(session: Session, actor: User, registration_id: int, reason: str, note: str = "",
                     ended_on: dt.date | None = None, today: dt.date | None = None) -> Registration:
    """Deregistration (注销登记) by a caseworker, with the reason."""
    _staff(actor)
    today = today or clock.today()
    reg = get_registration(session, actor, registration_id)
    if reg.ended_on is not None:
        raise Conflict("该登记已注销", "this registration has already ended", field="registration")
    ended_on = end_date(reason, REGISTRATION_END_REASONS, "请选择注销原因", ended_on, reg.registered_on, today,
                        ("注销日期应在登记日期和今天之间", "the end date must be between the registration date and today"))
    _end(session, actor, reg, ended_on, reason, note)
    session.flush()
    return reg


def on_hired(session: Session, application: Application, actor: User | None, on: dt.date, **_kw) -> None:
    """Receiver of ``hooks.hired``: a hire recorded anywhere (applications, fairs, demo) ends
    the person's open unemployment registration on the hire date (never before it began)."""
    with session.no_autoflush:
        reg = open_registration(session, application.profile_id)
        if reg is None:
            return
        reg.ended_on, reg.end_reason = max(on, reg.registered_on), "hired_in_system"
        reg.end_note = f"application #{application.id}, posting #{application.posting_id}"
        reg.ended_by_id = None
        _mirror_category(reg.profile, reg)
        audit.record(session, actor, "registration", reg.id, "end", after=_reg_summary(reg), reason=reg.end_note)


def on_hire_reversed(session: Session, application: Application, actor: User | None, on: dt.date, reason: str = "",
                     **_kw) -> None:
    """Receiver of ``hooks.hire_reversed``: the registration this hire ended (``on_hired``) is
    reopened, as the hire never was; the days it stood closed are recorded in the audit log
    (the gap: from the hire's end date to the reversal). Nothing is reopened when the person
    has registered again since (that registration stands)."""
    with session.no_autoflush:
        reg = session.scalar(select(Registration).where(
            Registration.profile_id == application.profile_id, Registration.end_reason == "hired_in_system",
            Registration.end_note.startswith(f"application #{application.id},")).order_by(Registration.id.desc()))
        if reg is None or reg.ended_on is None:
            return
        gap = {"closed_from": reg.ended_on.isoformat(), "reopened_on": on.isoformat(),
               "days": max((on - reg.ended_on).days, 0)}
        if open_registration(session, application.profile_id) is not None:
            audit.record(session, actor, "registration", reg.id, "hire_reversed_not_reopened",
                         after={**_reg_summary(reg), "gap": gap},
                         reason=f"application #{application.id} hire reversed: {reason}; a newer registration is open")
            return
        before = _reg_summary(reg)
        reg.ended_on, reg.end_reason, reg.end_note, reg.ended_by_id = None, None, "", None
        _mirror_category(reg.profile, reg)
        audit.record(session, actor, "registration", reg.id, "reopen", before=before,
                     after={**_reg_summary(reg), "gap": gap},
                     reason=f"application #{application.id} hire reversed: {reason}")


def registration_to_dict(reg: Registration) -> dict:
    return {"id": reg.id, "profile_id": reg.profile_id, "name": reg.profile.name, **_reg_summary(reg),
            "confirmed_by_id": reg.confirmed_by_id, "original_retirement_age": reg.original_retirement_age,
            "flexible_or_self_employed": reg.flexible_or_self_employed, "end_note": reg.end_note}


def registrations_for(actor: User, open_only: bool = True):
    stmt = district_select(actor, Registration, Registration.registered_on, Registration.id)
    if open_only:
        stmt = stmt.where(Registration.ended_on.is_(None))
    return stmt


def my_registrations(session: Session, actor: User) -> list[Registration]:
    if actor.role != "person":
        raise Forbidden()
    return list(session.scalars(select(Registration).join(Profile).where(Profile.user_id == actor.id)
                                .order_by(Registration.id.desc())))


def person_registrations(session: Session, actor: User, profile_id: int) -> list[Registration]:
    """A person's registrations, newest first, for the caseworker's file of them."""
    profile = staff_profile(session, actor, profile_id)
    return list(session.scalars(select(Registration).where(Registration.profile_id == profile.id)
                                .order_by(Registration.id.desc())))
