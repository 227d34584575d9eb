"""Unemployment registration, hard-to-employ status (R8), referrals, public-welfare
placements (R9, R10), the monthly follow-up (R12), the caseworker's desk and the
monitoring dashboard (plan items (十五), (十六), (十九), (二十二)).

The rules are the policy engine's (``marketplace.policy``); this module gathers the
facts from the records, asks the engine, and keeps its decisions with the records.

Readings (**[choice]**, see also ``marketplace/models/welfare.py``):

* Registration is the record; the profile's ``registered_unemployed`` category mirrors
  the open registration (``since_on`` = registration date, confirmed by the caseworker
  who registered or confirmed it) and is removed when the registration ends. A person
  registers online (dated the day they submit, unconfirmed until a caseworker confirms)
  or a caseworker registers them at the desk (may give an earlier date, confirmed).
  Working age: 16 until the statutory retirement date (R11; a woman's original age, 50
  or 55, is a fact of her record and must be given). Basis ``residence``: the profile's
  district; basis ``hukou``: a district named in the household-registration place.
* A hire recorded in the system ends the open registration (reason ``hired_in_system``):
  an application moved to ``hired`` (a flush hook, so the applications service needs no
  change), a referral with outcome ``hired``. A public-welfare placement ends it too
  (``placed_public_welfare``): the person is employed on the post; a re-placement later
  goes "through the procedure" again, starting with a new registration.
* R8 failed referrals are referrals with outcome ``not_hired``; a person who *refused*
  the suitable work did not "accept" the referral, so ``refused`` does not count.
  Continuous unemployment counts from the open registration's date. A reference
  category comes from a *confirmed* profile category: ``veteran`` with the set's
  category name as its detail (e.g. 自主就业退役士兵), ``model_worker`` (county level or
  above is what the caseworker confirms), ``landless_farmer``.
* Eligibility for a public-welfare post (R8) is decided when the queue is built: an
  open hard-to-employ status confirmed by a caseworker, or the reference conditions
  holding on the day. The post's own conditions: the person's education meets the
  post's minimum. Candidates are people with an open, confirmed registration in the
  post's district who are not on a post now.
* R9 order: the engine's (tier, match score, registration date, id). A caseworker may
  place someone other than the first in the queue only with a recorded reason (e.g. the
  first declined), so priority cannot be skipped silently.
* Match score: ``match_score`` below, the share of the post's skills found in the
  person's skills and experience (0–1). One function, so ``matching`` can replace it.
* R10: the quota counts running placements in the post's district; a post's headcount
  caps its running placements; a temporary post's term is 3–6 months, another post's
  term is 1–36 months; the third placement needs a supervisor: an ``admin`` account
  recording a justification. The first placement may be charged to either fund; a
  continued one (placement number 2 or more, or an extension) goes through the
  engine's funding rule. The extension is of up to the set's 12 months, once, and only
  when the engine allows it (in ``fushun-2020`` its window is the year 2020), decided in
  the term's last 60 days or after it ("期满仍未实现稳定就业").
* R12: a month's follow-up task per open registration, created by the beat task (and
  at registration); assigned to the district's caseworkers, least loaded first,
  keeping last month's caseworker when still active; hard-to-employ people first. A
  task is overdue once its month has ended without a contact.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.core import audit
from marketplace.core.models import (
    DISTRICTS,
    KINDS,
    Application,
    ApplicationEvent,
    Organisation,
    Posting,
    Profile,
    ProfileCategory,
    User,
    utcnow,
)
from marketplace.errors import Conflict, Forbidden, NotEligible, NotFound, ValidationFailed
from marketplace.internships.claims import claims_for
from marketplace.policy import (
    Decision,
    HardToEmployFacts,
    PlacementCandidate,
    RetirementPerson,
    add_months,
    check_continued_placement_funding,
    check_district_quota,
    check_extension,
    check_placement_count,
    check_temporary_term,
    follow_up_order,
    hard_to_employ_reference,
    load_policy_set,
    months_without_contact,
    near_retirement,
    order_for_placement,
    placement_tier,
    statutory_retirement,
    temporary_share,
)
from marketplace.policy.errors import CaseError
from marketplace.policy.errors import NotEligible as PolicyNotEligible
from marketplace.welfare.models import (
    CONTACT_CHANNELS,
    PLACEMENT_END_REASONS,
    REFERRAL_OUTCOMES,
    REGISTRATION_END_REASONS,
    FollowUp,
    FollowUpContact,
    HardToEmployStatus,
    Placement,
    Referral,
    Registration,
)

STAFF = ("caseworker", "admin")
DEFAULT_POLICY_SET = "fushun-2020"
EXPIRING_DAYS = 30
EXTENSION_FROM_DAYS = 60  # [choice] "期满仍未实现稳定就业" is judged in the term's last 60 days (or after)
WORKING_AGE_MIN = 16
OTHER_TERM_MONTHS = (1, 36)
GROUPS = ("hard_to_employ", "zero_employment_family", "disabled", "veteran", "landless_farmer", "model_worker",
          "graduating_year_graduate", "near_retirement")
DURATIONS = (("lt3", 0, 3), ("3to6", 3, 6), ("6to12", 6, 12), ("12to24", 12, 24), ("ge24", 24, 10_000))


def policy(name: str | None = None):
    return load_policy_set(name or DEFAULT_POLICY_SET)


# ------------------------------------------------------------------ access

def _staff(actor: User) -> None:
    if actor is None or actor.role not in STAFF:
        raise Forbidden("只有经办人可以办理", "only caseworkers can do this")


def _serves(actor: User, district: str) -> bool:
    return actor.role == "admin" or (actor.role == "caseworker" and actor.district == district)


def staff_profile(session: Session, actor: User, profile_id: int) -> Profile:
    _staff(actor)
    profile = session.get(Profile, profile_id)
    if profile is None or not _serves(actor, profile.district):
        raise NotFound("求职者档案", "profile")
    return profile


def _pw_posting(session: Session, actor: User, posting_id: int, lock: bool = False) -> Posting:
    _staff(actor)
    posting = session.get(Posting, posting_id, with_for_update=lock)
    if posting is None or posting.kind != "public_welfare" or not _serves(actor, posting.district):
        raise NotFound("本区的公益性岗位", "public-welfare post in your district")
    return posting


def _decision_error(decision: Decision, field: str | None = None) -> NotEligible:
    return NotEligible(decision.reason_zh, decision.reason_en, field=field,
                       details=[{"field": field or decision.rule, "code": c.code,
                                 "message": {"zh": c.zh, "en": c.en}} for c in decision.failed()])


def _require(decision: Decision, field: str | None = None) -> Decision:
    if not decision.allowed:
        raise _decision_error(decision, field)
    return decision


def _case(fn, *args, field: str | None = None, **kw):
    """Call a policy function; its input errors become a refusal a person can act on."""
    try:
        return fn(*args, **kw)
    except PolicyNotEligible as exc:  # pragma: no cover - the engine returns decisions here
        raise _decision_error(exc.decision, field) from None
    except CaseError as exc:
        raise ValidationFailed(f"输入有误：{exc}", str(exc), field=field or getattr(exc, "field", None)) from None


# ------------------------------------------------------------------ R11 facts

def retirement_person(profile: Profile, registration: Registration | None) -> RetirementPerson | None:
    """R11 facts; None for a woman whose original retirement age is not on record."""
    if profile.gender == "男":
        return RetirementPerson(profile.birth_on, "male")
    age = registration.original_retirement_age if registration else None
    return RetirementPerson(profile.birth_on, "female", age) if age in (50, 55) else None


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


# ------------------------------------------------------------------ registration

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
        from marketplace.core.profiles import my_profile

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
    session.add(reg)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict("该人员已有有效的失业登记", "this person is already registered unemployed",
                       field="profile") from None
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
    if reason not in REGISTRATION_END_REASONS:
        raise ValidationFailed("请选择注销原因", f"reason must be one of: {', '.join(REGISTRATION_END_REASONS)}",
                               field="reason")
    ended_on = ended_on or today
    if not reg.registered_on <= ended_on <= today:
        raise ValidationFailed("注销日期应在登记日期和今天之间", "the end date must be between the registration "
                               "date and today", field="ended_on")
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


def registration_to_dict(reg: Registration) -> dict:
    return {"id": reg.id, "profile_id": reg.profile_id, "name": reg.profile.name, **_reg_summary(reg),
            "confirmed_by_id": reg.confirmed_by_id, "original_retirement_age": reg.original_retirement_age,
            "flexible_or_self_employed": reg.flexible_or_self_employed, "end_note": reg.end_note}


def registrations_for(actor: User, open_only: bool = True):
    _staff(actor)
    stmt = select(Registration).order_by(Registration.registered_on, Registration.id)
    if actor.role == "caseworker":
        stmt = stmt.where(Registration.district == actor.district)
    if open_only:
        stmt = stmt.where(Registration.ended_on.is_(None))
    return stmt


def my_registrations(session: Session, actor: User) -> list[Registration]:
    if actor.role != "person":
        raise Forbidden()
    return list(session.scalars(select(Registration).join(Profile).where(Profile.user_id == actor.id)
                                .order_by(Registration.id.desc())))


# ------------------------------------------------------------------ R8 hard to employ

def open_hte(session: Session, profile_id: int) -> HardToEmployStatus | None:
    return session.scalar(select(HardToEmployStatus).where(HardToEmployStatus.profile_id == profile_id,
                                                           HardToEmployStatus.revoked_on.is_(None)))


def reference_category(pset, profile: Profile) -> tuple[str | None, str | None]:
    """(R8 reference category code, record) from a confirmed profile category."""
    cats = {c.category: c for c in profile.categories if c.confirmed_at is not None}
    codes = {c.code: c for c in pset.rule("R8").categories}
    for name, code in (("model_worker", "model_worker_county_plus"), ("landless_farmer", "landless_farmer")):
        if name in cats and code in codes:
            return code, f"档案类别「{_CATEGORY_ZH[name]}」，{_who(cats[name].confirmed_by)}确认"
    if "veteran" in cats:
        detail = cats["veteran"].detail
        code = next((c.code for c in codes.values() if c.code.startswith("veteran") and c.zh == detail), None)
        if code:
            return code, f"档案类别「退役军人（{detail}）」，{_who(cats['veteran'].confirmed_by)}确认"
    return None, None


_CATEGORY_ZH = {"model_worker": "县级以上劳动模范", "landless_farmer": "失地农民"}


def _who(user: User | None) -> str:
    return f"{user.display_name}（#{user.id}）" if user is not None else "系统"


def failed_referrals(session: Session, profile_id: int, since: dt.date | None = None) -> list[Referral]:
    stmt = select(Referral).where(Referral.profile_id == profile_id, Referral.outcome == "not_hired")
    if since is not None:
        stmt = stmt.where(Referral.referred_on >= since)
    return list(session.scalars(stmt.order_by(Referral.id)))


def hte_decision(session: Session, profile: Profile, on: dt.date, pset=None,
                 as_registered: str | None = None) -> Decision:
    """The R8 decision for a person on `on`, with the records each condition rests on."""
    pset = pset or policy()
    status = open_hte(session, profile.id)
    if as_registered is not None or (status is not None and status.basis == "registered"):
        record = as_registered or (f"就业困难人员认定#{status.id}，{_who(status.confirmed_by)}于"
                                   f"{status.granted_on.isoformat()}确认")
        return hard_to_employ_reference(pset, HardToEmployFacts(
            registered_hard_to_employ=True, records={"registered_hard_to_employ": record}), on)
    reg = open_registration(session, profile.id)
    confirmed = reg is not None and reg.confirmed_at is not None
    code, cat_record = reference_category(pset, profile)
    fails = failed_referrals(session, profile.id, reg.registered_on if reg else None)
    none = "无有效失业登记"
    records = {"registered_unemployed": f"失业登记#{reg.id}（{reg.registered_on.isoformat()}登记"
               + ("）" if confirmed else "，尚未确认）") if reg else none,
               "unemployed_long": f"失业登记#{reg.id}，自{reg.registered_on.isoformat()}起" if reg else none,
               "no_flexible_or_self_employment": f"失业登记#{reg.id}" if reg else none,
               "failed_referrals": ("职业介绍" + "、".join(f"#{r.id}" for r in fails) + "（未录用）")
               if fails else "无未录用的介绍记录"}
    if cat_record:
        records["category"] = cat_record
    return hard_to_employ_reference(pset, HardToEmployFacts(
        category=code, registered_unemployed=confirmed, unemployed_since=reg.registered_on if reg else None,
        flexible_or_self_employed=bool(reg and reg.flexible_or_self_employed), failed_referrals=len(fails),
        records=records), on)


def evaluate_hte(session: Session, actor: User, profile_id: int, today: dt.date | None = None) -> Decision:
    profile = staff_profile(session, actor, profile_id)
    return hte_decision(session, profile, today or clock.today())


def grant_hte(session: Session, actor: User, profile_id: int, basis: str, note: str = "",
              today: dt.date | None = None) -> HardToEmployStatus:
    """A caseworker registers a hard-to-employ person, or confirms the R8 reference status."""
    today = today or clock.today()
    profile = staff_profile(session, actor, profile_id)
    if open_hte(session, profile.id) is not None:
        raise Conflict("该人员已有有效的就业困难人员身份", "this person already has a hard-to-employ status",
                       field="basis")
    pset = policy()
    if basis == "registered":
        if not note.strip():
            raise ValidationFailed("请填写认定依据（如认定证明编号）", "give the ground of the registration (e.g. the "
                                   "certificate number)", field="note")
        decision = hte_decision(session, profile, today, pset,
                                as_registered=f"{_who(actor)}于{today.isoformat()}认定：{note}")
        category = None
    elif basis == "reference":
        decision = _require(hte_decision(session, profile, today, pset), field="basis")
        category = reference_category(pset, profile)[0]
    else:
        raise ValidationFailed("依据应为 registered 或 reference", "basis must be registered or reference", field="basis")
    status = HardToEmployStatus(profile_id=profile.id, basis=basis, category=category, ground=decision.to_json(),
                                note=note, granted_on=today, confirmed_by_id=actor.id)
    session.add(status)
    session.flush()
    audit.record(session, actor, "hard_to_employ", status.id, "grant", after={"basis": basis, "category": category},
                 reason=note)
    return status


def revoke_hte(session: Session, actor: User, status_id: int, reason: str, today: dt.date | None = None):
    _staff(actor)
    status = session.get(HardToEmployStatus, status_id)
    if status is None or not _serves(actor, status.profile.district):
        raise NotFound("就业困难人员身份", "hard-to-employ status")
    if status.revoked_on is not None:
        raise Conflict("该身份已终止", "this status has already ended", field="status")
    if not reason.strip():
        raise ValidationFailed("请填写终止原因", "give the reason", field="reason")
    status.revoked_on, status.revoked_reason = today or clock.today(), reason
    session.flush()
    audit.record(session, actor, "hard_to_employ", status.id, "revoke", reason=reason)
    return status


def hte_to_dict(status: HardToEmployStatus) -> dict:
    return {"id": status.id, "profile_id": status.profile_id, "basis": status.basis, "category": status.category,
            "ground": status.ground, "note": status.note, "granted_on": status.granted_on.isoformat(),
            "confirmed_by": {"id": status.confirmed_by_id, "name": status.confirmed_by.display_name},
            "confirmed_at": status.confirmed_at.isoformat(),
            "revoked_on": status.revoked_on.isoformat() if status.revoked_on else None,
            "revoked_reason": status.revoked_reason}


# ------------------------------------------------------------------ referrals

def refer(session: Session, actor: User, profile_id: int, posting_id: int, note: str = "",
          today: dt.date | None = None) -> Referral:
    today = today or clock.today()
    profile = staff_profile(session, actor, profile_id)
    posting = session.get(Posting, posting_id)
    if posting is None or posting.status == "draft":
        raise NotFound("岗位", "posting")
    if not posting.is_open(today):
        raise Conflict("该岗位目前不接受申请，不能介绍", "this posting is not open now; it cannot be referred to",
                       field="posting_id")
    if session.scalar(select(Referral.id).where(Referral.profile_id == profile.id, Referral.posting_id == posting.id)):
        raise Conflict("已向该岗位介绍过此人", "this person has already been referred to this posting",
                       field="posting_id")
    ref = Referral(profile_id=profile.id, posting_id=posting.id, referred_by_id=actor.id, referred_on=today, note=note)
    session.add(ref)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict("已向该岗位介绍过此人", "this person has already been referred to this posting",
                       field="posting_id") from None
    audit.record(session, actor, "referral", ref.id, "create", after={"posting_id": posting.id}, reason=note)
    return ref


def record_outcome(session: Session, actor: User, referral_id: int, outcome: str, note: str = "",
                   on: dt.date | None = None, today: dt.date | None = None) -> Referral:
    _staff(actor)
    today = today or clock.today()
    ref = session.get(Referral, referral_id, with_for_update=True)
    if ref is None or not _serves(actor, ref.profile.district):
        raise NotFound("介绍记录", "referral")
    if ref.outcome is not None:
        raise Conflict(f"该介绍的结果已记录（{ref.outcome}）", f"the outcome is already recorded ({ref.outcome})",
                       field="outcome")
    if outcome not in REFERRAL_OUTCOMES:
        raise ValidationFailed("结果应为已录用、未录用或本人拒绝", "outcome must be hired, not_hired or refused",
                               field="outcome")
    on = on or today
    if not ref.referred_on <= on <= today:
        raise ValidationFailed("结果日期应在介绍日期和今天之间", "the outcome date must be between the referral and today",
                               field="outcome_on")
    ref.outcome, ref.outcome_on, ref.outcome_note, ref.outcome_by_id = outcome, on, note, actor.id
    if outcome == "hired":
        reg = open_registration(session, ref.profile_id)
        if reg is not None:
            _end(session, actor, reg, on, "hired_in_system", f"referral #{ref.id}, posting #{ref.posting_id}")
    session.flush()
    audit.record(session, actor, "referral", ref.id, "outcome", after={"outcome": outcome}, reason=note)
    return ref


def referrals_for(actor: User, pending: bool = False, profile_id: int | None = None):
    _staff(actor)
    stmt = select(Referral).join(Profile, Referral.profile_id == Profile.id).order_by(Referral.referred_on,
                                                                                     Referral.id)
    if actor.role == "caseworker":
        stmt = stmt.where(Profile.district == actor.district)
    if pending:
        stmt = stmt.where(Referral.outcome.is_(None))
    if profile_id is not None:
        stmt = stmt.where(Referral.profile_id == profile_id)
    return stmt


def referral_to_dict(ref: Referral) -> dict:
    return {"id": ref.id, "profile_id": ref.profile_id, "name": ref.profile.name, "posting_id": ref.posting_id,
            "posting": ref.posting.title, "referred_on": ref.referred_on.isoformat(), "note": ref.note,
            "outcome": ref.outcome, "outcome_on": ref.outcome_on.isoformat() if ref.outcome_on else None,
            "outcome_note": ref.outcome_note}


# ------------------------------------------------------------------ R9 queue

def match_score(posting: Posting, profile: Profile) -> float:
    """Share of the post's skills found in the person's skills or experience (0–1).

    The one place the queue gets its "match score": replace it with ``matching``'s
    ranker score when that is wanted; the order rule (R9) does not change."""
    wanted = [s for s in (posting.skills or []) if s]
    if not wanted:
        return 0.0
    text = " ".join(profile.skills or []) + " " + (profile.experience or "")
    have = sum(1 for s in wanted if s in text or any(s in x or x in s for x in (profile.skills or []) if x))
    return round(have / len(wanted), 3)


@dataclass
class QueueEntry:
    profile: Profile
    registration: Registration
    tier: int
    score: float
    eligibility: Decision
    tier_decision: Decision
    rank: int = 0
    reason_zh: str = ""
    reason_en: str = ""
    problems: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"rank": self.rank, "profile_id": self.profile.id, "name": self.profile.name, "tier": self.tier,
                "match_score": self.score, "registered_on": self.registration.registered_on.isoformat(),
                "reason": {"zh": self.reason_zh, "en": self.reason_en},
                "eligibility": self.eligibility.to_json(), "priority": self.tier_decision.to_json()}


@dataclass
class Refused:
    profile: Profile
    reason_zh: str
    reason_en: str

    def to_dict(self) -> dict:
        return {"profile_id": self.profile.id, "name": self.profile.name,
                "reason": {"zh": self.reason_zh, "en": self.reason_en}}


def _why(prev: QueueEntry | None, e: QueueEntry) -> tuple[str, str]:
    if prev is None:
        return "排在首位", "first in the queue"
    if prev.tier < e.tier:
        return (f"排在第{prev.rank}位之后：优先层级较低", f"after #{prev.rank}: lower priority tier")
    if prev.score > e.score:
        return (f"排在第{prev.rank}位之后：同一层级，匹配度较低", f"after #{prev.rank}: same tier, lower match score")
    if prev.registration.registered_on < e.registration.registered_on:
        return (f"排在第{prev.rank}位之后：同一层级、匹配度相同，登记较晚",
                f"after #{prev.rank}: same tier and score, registered later")
    return (f"排在第{prev.rank}位之后：其余相同，按编号", f"after #{prev.rank}: otherwise equal, by number")


def placement_queue(session: Session, actor: User, posting_id: int, today: dt.date | None = None
                    ) -> tuple[Posting, list[QueueEntry], list[Refused]]:
    today = today or clock.today()
    posting = _pw_posting(session, actor, posting_id)
    return posting, *_queue(session, posting, today)


def _queue(session: Session, posting: Posting, today: dt.date) -> tuple[list[QueueEntry], list[Refused]]:
    pset = policy()
    placed = select(Placement.profile_id).where(Placement.ended_on.is_(None))
    regs = list(session.scalars(select(Registration).where(
        Registration.district == posting.district, Registration.ended_on.is_(None),
        Registration.confirmed_at.is_not(None), Registration.profile_id.not_in(placed)).order_by(Registration.id)))
    entries: dict = {}
    refused: list[Refused] = []
    for reg in regs:
        profile = reg.profile
        decision = hte_decision(session, profile, today, pset)
        if not decision.allowed:
            refused.append(Refused(profile, decision.reason_zh, decision.reason_en))
            continue
        if profile.education < (posting.education_min or 0):
            refused.append(Refused(profile, "学历不符合岗位要求", "education below the post's minimum"))
            continue
        person = retirement_person(profile, reg)
        if person is not None and today >= statutory_retirement(person, today).retirement_date:
            refused.append(Refused(profile, "已达到法定退休年龄（R11）", "has reached the statutory retirement age (R11)"))
            continue
        tier = placement_tier(pset, zero_employment_family=profile.has_category("zero_employment_family", True),
                              person=person, on=today)
        if person is None:
            tier_reason = (tier.reason_zh + "（女性原法定退休年龄未登记，未计算R11）",
                           tier.reason_en + " (a woman's original retirement age is not on record: R11 not computed)")
            tier = type(tier)(tier.rule, tier.allowed, tier_reason[0], tier_reason[1], None, tier.conditions,
                              tier.details, tier=tier.tier)
        entries[profile.id] = QueueEntry(profile, reg, tier.tier, match_score(posting, profile), decision, tier)
    order = order_for_placement([PlacementCandidate(pid, e.tier, e.score, e.registration.registered_on)
                                 for pid, e in entries.items()])
    out: list[QueueEntry] = []
    for n, c in enumerate(order, 1):
        e = entries[c.id]
        e.rank = n
        why_zh, why_en = _why(out[-1] if out else None, e)
        e.reason_zh = (f"第{n}位：{e.tier_decision.reason_zh}；匹配度{e.score:.2f}；"
                       f"{e.registration.registered_on.isoformat()}登记；{why_zh}")
        e.reason_en = (f"#{n}: {e.tier_decision.reason_en}; match score {e.score:.2f}; registered "
                       f"{e.registration.registered_on.isoformat()}; {why_en}")
        out.append(e)
    return out, refused


# ------------------------------------------------------------------ R10 placements

def fund_codes(pset) -> list[tuple[str, str, str]]:
    p = pset.rule("R10")
    return [(f.code, f.zh, f.en) for f in (p.protected_fund, *p.other_funds)]


def running_placements(district: str | None = None, posting_id: int | None = None):
    stmt = select(func.count()).select_from(Placement).where(Placement.ended_on.is_(None))
    if district is not None:
        stmt = stmt.where(Placement.district == district)
    if posting_id is not None:
        stmt = stmt.where(Placement.posting_id == posting_id)
    return stmt


def _funding(session, pset, profile, reg, fund, on, continued: bool) -> Decision | None:
    codes = [c for c, _, _ in fund_codes(pset)]
    if fund not in codes:
        raise ValidationFailed(f"资金来源应为：{'、'.join(codes)}", f"fund must be one of: {', '.join(codes)}",
                               field="fund")
    if not continued:
        return None
    person = retirement_person(profile, reg)
    return _require(check_continued_placement_funding(
        pset, fund=fund, zero_employment_family=profile.has_category("zero_employment_family", True),
        severely_disabled=any(c.category == "disabled" and c.confirmed_at and "重度" in (c.detail or "")
                              for c in profile.categories),
        person=person, on=on), field="fund")


def place(session: Session, actor: User, posting_id: int, profile_id: int, *, fund: str,
          start_on: dt.date | None = None, term_months: int | None = None, justification: str = "",
          skip_reason: str = "", today: dt.date | None = None) -> Placement:
    today = today or clock.today()
    start_on = start_on or today
    posting = _pw_posting(session, actor, posting_id, lock=True)
    pset = policy()
    if posting.status != "published":
        raise Conflict("岗位未发布或已关闭", "the post is not published", field="posting_id")
    if not today - dt.timedelta(days=31) <= start_on <= today + dt.timedelta(days=90):
        raise ValidationFailed("上岗日期应在一个月前到三个月后之间", "the start date must be from a month ago to three "
                               "months ahead", field="start_on")
    queue, refused = _queue(session, posting, start_on if start_on <= today else today)
    entry = next((e for e in queue if e.profile.id == profile_id), None)
    if entry is None:
        why = next((r for r in refused if r.profile.id == profile_id), None)
        if why is not None:
            raise NotEligible(f"不符合安置条件：{why.reason_zh}", f"not eligible for placement: {why.reason_en}",
                              field="profile_id")
        raise NotFound("本岗位安置队列中的人员", "person in this post's queue")
    if entry.rank > 1 and not skip_reason.strip():
        first = queue[0]
        raise NotEligible(f"R9 队列中排在前面的是{first.profile.name}（第1位）；安置第{entry.rank}位须记录跳过前面人员的理由",
                          f"R9 {first.profile.name} is first in the queue; placing #{entry.rank} needs a recorded "
                          "reason for passing over those ahead", field="skip_reason")
    filled = session.scalar(running_placements(posting_id=posting.id))
    if filled >= posting.headcount:
        raise Conflict(f"该岗位{posting.headcount}个名额已满", f"all {posting.headcount} places of this post are filled",
                       field="posting_id")
    decisions = [entry.eligibility, entry.tier_decision]
    decisions.append(_require(check_district_quota(pset, posting.district,
                                                   session.scalar(running_placements(posting.district)), today),
                              field="posting_id"))
    if term_months is None:
        term_months = posting.term_months
    if term_months is None:
        raise ValidationFailed("请填写期限（月）", "give the term in months", field="term_months")
    if posting.temporary:
        decisions.append(_require(check_temporary_term(pset, term_months, today), field="term_months"))
    elif not OTHER_TERM_MONTHS[0] <= term_months <= OTHER_TERM_MONTHS[1]:
        raise ValidationFailed(f"期限应为{OTHER_TERM_MONTHS[0]}—{OTHER_TERM_MONTHS[1]}个月",
                               f"the term must be {OTHER_TERM_MONTHS[0]}–{OTHER_TERM_MONTHS[1]} months",
                               field="term_months")
    prior = session.scalar(select(func.count()).select_from(Placement).where(Placement.profile_id == profile_id))
    supervisor = justification if actor.role == "admin" else None
    count = check_placement_count(pset, prior, today, supervisor)
    if not count.allowed:
        extra_zh = "；须由主管人员（管理员账户）记录理由" if count.details.get("exceptional") and actor.role != "admin" else ""
        extra_en = "; a supervisor (an admin account) must record the justification" \
            if count.details.get("exceptional") and actor.role != "admin" else ""
        raise NotEligible(count.reason_zh + extra_zh, count.reason_en + extra_en, field="justification")
    decisions.append(count)
    funding = _funding(session, pset, entry.profile, entry.registration, fund, today, continued=prior >= 1)
    if funding is not None:
        decisions.append(funding)
    end_on = add_months(start_on, term_months)
    pl = Placement(profile_id=profile_id, posting_id=posting.id, district=posting.district, placed_by_id=actor.id,
                   start_on=start_on, term_months=term_months, end_on=end_on, temporary=bool(posting.temporary),
                   placement_number=prior + 1, tier=entry.tier, fund=fund,
                   justification=justification if actor.role == "admin" else "",
                   rank_reason={"rank": entry.rank, "zh": entry.reason_zh, "en": entry.reason_en,
                                "skip_reason": skip_reason if entry.rank > 1 else ""},
                   decisions=[d.to_json() for d in decisions])
    session.add(pl)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict("该人员已在公益性岗位上", "this person is already on a public-welfare post",
                       field="profile_id") from None
    _end(session, actor, entry.registration, start_on if start_on <= today else today, "placed_public_welfare",
         f"placement #{pl.id}, posting #{posting.id}")
    session.flush()
    audit.record(session, actor, "placement", pl.id, "create",
                 after={"posting_id": posting.id, "profile_id": profile_id, "rank": entry.rank, "fund": fund,
                        "end_on": end_on.isoformat()}, reason=skip_reason or justification)
    return pl


def _placement(session: Session, actor: User, placement_id: int, lock: bool = False) -> Placement:
    _staff(actor)
    pl = session.get(Placement, placement_id, with_for_update=lock)
    if pl is None or not _serves(actor, pl.district):
        raise NotFound("安置记录", "placement")
    return pl


def extend(session: Session, actor: User, placement_id: int, *, fund: str, months: int | None = None,
           stably_employed: bool = False, today: dt.date | None = None) -> Placement:
    """R10: one extension of up to the set's months when the term ends without stable work."""
    today = today or clock.today()
    pl = _placement(session, actor, placement_id, lock=True)
    if pl.ended_on is not None:
        raise Conflict("该安置已结束", "this placement has ended", field="placement")
    pset = policy()
    p = pset.rule("R10", pl.end_on)
    limit = p.extension_months if p else 12
    months = limit if months is None else months
    if not 1 <= months <= limit:
        raise ValidationFailed(f"延长期限应为1—{limit}个月", f"the extension must be 1–{limit} months", field="months")
    status = open_hte(session, pl.profile_id)
    hte = status is not None or hte_decision(session, pl.profile, today, pset).allowed
    decision = _require(_case(check_extension, pset, hard_to_employ=hte, period_ends_on=pl.end_on,
                              stably_employed=stably_employed, prior_extensions=1 if pl.extended_to_on else 0),
                        field="placement")
    if today < pl.end_on - dt.timedelta(days=EXTENSION_FROM_DAYS):
        raise Conflict(f"期满前{EXTENSION_FROM_DAYS}天内（{pl.end_on.isoformat()}期满）才能判断是否“期满仍未实现稳定就业”，请届时再办理延长",
                       f"an extension is decided at the end of the term: from {EXTENSION_FROM_DAYS} days before "
                       f"{pl.end_on.isoformat()}", field="placement")
    funding = _funding(session, pset, pl.profile, None, fund, today, continued=True)
    pl.extended_to_on = add_months(pl.end_on, months)
    pl.extension_fund, pl.extended_by_id = fund, actor.id
    pl.decisions = list(pl.decisions) + [decision.to_json()] + ([funding.to_json()] if funding else [])
    session.flush()
    audit.record(session, actor, "placement", pl.id, "extend",
                 after={"extended_to_on": pl.extended_to_on.isoformat(), "fund": fund})
    return pl


def end_placement(session: Session, actor: User, placement_id: int, reason: str, ended_on: dt.date | None = None,
                  today: dt.date | None = None) -> Placement:
    today = today or clock.today()
    pl = _placement(session, actor, placement_id, lock=True)
    if pl.ended_on is not None:
        raise Conflict("该安置已结束", "this placement has already ended", field="placement")
    if reason not in PLACEMENT_END_REASONS:
        raise ValidationFailed("请选择结束原因", f"reason must be one of: {', '.join(PLACEMENT_END_REASONS)}",
                               field="reason")
    ended_on = ended_on or today
    if not pl.start_on <= ended_on <= today:
        raise ValidationFailed("结束日期应在上岗日期和今天之间", "the end date must be between the start and today",
                               field="ended_on")
    pl.ended_on, pl.end_reason = ended_on, reason
    session.flush()
    audit.record(session, actor, "placement", pl.id, "end", after={"ended_on": ended_on.isoformat(), "reason": reason})
    return pl


def placements_for(actor: User, running: bool = True, expiring_by: dt.date | None = None,
                   profile_id: int | None = None):
    _staff(actor)
    stmt = select(Placement).order_by(Placement.end_on, Placement.id)
    if actor.role == "caseworker":
        stmt = stmt.where(Placement.district == actor.district)
    if running:
        stmt = stmt.where(Placement.ended_on.is_(None))
    if expiring_by is not None:
        stmt = stmt.where(func.coalesce(Placement.extended_to_on, Placement.end_on) <= expiring_by)
    if profile_id is not None:
        stmt = stmt.where(Placement.profile_id == profile_id)
    return stmt


def placement_to_dict(pl: Placement) -> dict:
    return {"id": pl.id, "profile_id": pl.profile_id, "name": pl.profile.name, "posting_id": pl.posting_id,
            "posting": pl.posting.title, "district": pl.district, "start_on": pl.start_on.isoformat(),
            "term_months": pl.term_months, "end_on": pl.end_on.isoformat(), "temporary": pl.temporary,
            "placement_number": pl.placement_number, "tier": pl.tier, "rank_reason": pl.rank_reason,
            "fund": pl.fund, "justification": pl.justification, "decisions": pl.decisions,
            "extended_to_on": pl.extended_to_on.isoformat() if pl.extended_to_on else None,
            "extension_fund": pl.extension_fund, "current_end_on": pl.current_end_on.isoformat(),
            "ended_on": pl.ended_on.isoformat() if pl.ended_on else None, "end_reason": pl.end_reason}


def posts_report(session: Session, actor: User, today: dt.date | None = None) -> dict:
    """Public-welfare posts filled, vacant and expiring, the temporary share, the quota used."""
    _staff(actor)
    today = today or clock.today()
    soon = today + dt.timedelta(days=EXPIRING_DAYS)
    stmt = select(Posting).where(Posting.kind == "public_welfare", Posting.status == "published").order_by(Posting.id)
    if actor.role == "caseworker":
        stmt = stmt.where(Posting.district == actor.district)
    posts = list(session.scalars(stmt))
    running = list(session.scalars(select(Placement).where(Placement.ended_on.is_(None),
                                                           Placement.posting_id.in_([p.id for p in posts]))))
    rows = []
    for p in posts:
        mine = [pl for pl in running if pl.posting_id == p.id]
        rows.append({"posting_id": p.id, "title": p.title, "district": p.district, "temporary": bool(p.temporary),
                     "term_months": p.term_months, "headcount": p.headcount, "filled": len(mine),
                     "vacant": max(p.headcount - len(mine), 0),
                     "expiring": sum(1 for pl in mine if pl.current_end_on <= soon)})
    temp = sum(1 for r in rows if r["temporary"])
    share = temporary_share(temp, len(rows))
    pset = policy()
    quotas = pset.rule("R10").district_quotas
    districts = [actor.district] if actor.role == "caseworker" else list(DISTRICTS)
    quota_rows = [{"district": d, "quota": quotas.get(d), "placed": session.scalar(running_placements(d))}
                  for d in districts]
    return {"posts": rows, "totals": {"posts": len(rows), "places": sum(r["headcount"] for r in rows),
                                      "filled": sum(r["filled"] for r in rows),
                                      "vacant": sum(r["vacant"] for r in rows),
                                      "expiring": sum(r["expiring"] for r in rows), "temporary_posts": temp,
                                      "temporary_share": f"{float(share) * 100:.1f}%"},
            "quotas": quota_rows, "expiring_within_days": EXPIRING_DAYS}


# ------------------------------------------------------------------ R12 follow-up

def _month(d: dt.date) -> str:
    return d.strftime("%Y-%m")


def _contact_dates(session: Session, reg: Registration) -> list[dt.date]:
    return list(session.scalars(select(FollowUpContact.contacted_on).join(FollowUp).where(
        FollowUp.registration_id == reg.id)))


def _create_follow_ups(session: Session, today: dt.date, regs: list[Registration]) -> int:
    month = _month(today)
    have = set(session.scalars(select(FollowUp.registration_id).where(
        FollowUp.month == month, FollowUp.registration_id.in_([r.id for r in regs]))))
    todo = [r for r in regs if r.id not in have and r.registered_on <= today]
    if not todo:
        return 0
    hte = set(session.scalars(select(HardToEmployStatus.profile_id).where(HardToEmployStatus.revoked_on.is_(None))))
    graded = sorted(todo, key=lambda r: (follow_up_order(r.profile_id in hte, len(months_without_contact(
        r.registered_on, _contact_dates(session, r), today))), r.id))
    workers: dict[str, list[User]] = {}
    load: dict[int, int] = dict(session.execute(select(FollowUp.assigned_to_id, func.count()).where(
        FollowUp.month == month, FollowUp.assigned_to_id.is_not(None)).group_by(FollowUp.assigned_to_id)).all())
    created = 0
    for reg in graded:
        if reg.district not in workers:
            workers[reg.district] = list(session.scalars(select(User).where(
                User.role == "caseworker", User.district == reg.district, User.is_active.is_(True)).order_by(User.id)))
        staff = workers[reg.district]
        last = session.scalar(select(FollowUp.assigned_to_id).where(FollowUp.registration_id == reg.id)
                              .order_by(FollowUp.month.desc()).limit(1))
        if last is not None and any(u.id == last for u in staff):
            who = last
        else:
            who = min(staff, key=lambda u: (load.get(u.id, 0), u.id)).id if staff else None
        if who is not None:
            load[who] = load.get(who, 0) + 1
        task = FollowUp(registration_id=reg.id, profile_id=reg.profile_id, district=reg.district, month=month,
                        assigned_to_id=who, grade=0 if reg.profile_id in hte else 1)
        try:
            with session.begin_nested():
                session.add(task)
                session.flush()
        except IntegrityError:  # a concurrent run created it: the unique (registration, month) decided
            continue
        created += 1
    return created


def create_month_follow_ups(session: Session, today: dt.date | None = None) -> int:
    """R12: this month's task for every open registration; running it again creates nothing."""
    today = today or clock.today()
    regs = list(session.scalars(select(Registration).where(Registration.ended_on.is_(None),
                                                           Registration.registered_on <= today)))
    return _create_follow_ups(session, today, regs)


def record_contact(session: Session, actor: User, follow_up_id: int, channel: str, note: str = "",
                   contacted_on: dt.date | None = None, today: dt.date | None = None) -> FollowUpContact:
    _staff(actor)
    today = today or clock.today()
    task = session.get(FollowUp, follow_up_id)
    if task is None or not _serves(actor, task.district):
        raise NotFound("跟踪任务", "follow-up")
    if channel not in CONTACT_CHANNELS:
        raise ValidationFailed("联系方式应为电话、走访或网上", "channel must be phone, visit or online", field="channel")
    contacted_on = contacted_on or today
    if contacted_on > today or _month(contacted_on) != task.month:
        raise ValidationFailed(f"联系日期应在{task.month}月内且不晚于今天",
                               f"the contact date must be in {task.month} and not after today", field="contacted_on")
    if not note.strip():
        raise ValidationFailed("请记录联系情况", "write what was said and agreed", field="note")
    contact = FollowUpContact(follow_up_id=task.id, channel=channel, contacted_on=contacted_on, note=note,
                              by_id=actor.id)
    task.contacts.append(contact)
    if task.contacted_on is None or contacted_on < task.contacted_on:
        task.contacted_on = contacted_on
    session.flush()
    audit.record(session, actor, "follow_up", task.id, "contact", after={"channel": channel,
                                                                         "on": contacted_on.isoformat()})
    return contact


def follow_ups_for(actor: User, *, today: dt.date | None = None, due: bool = False, overdue: bool = False,
                   mine: bool = False, profile_id: int | None = None):
    today = today or clock.today()
    stmt = select(FollowUp).order_by(FollowUp.month, FollowUp.grade, FollowUp.id)
    if actor.role == "person":
        stmt = stmt.join(Profile, FollowUp.profile_id == Profile.id).where(Profile.user_id == actor.id)
    elif actor.role == "caseworker":
        stmt = stmt.where(FollowUp.district == actor.district)
    elif actor.role != "admin":
        raise Forbidden()
    if mine:
        stmt = stmt.where(FollowUp.assigned_to_id == actor.id)
    if due:  # as policy.contact_due_this_month: not due once the registration has ended
        stmt = stmt.join(Registration, FollowUp.registration_id == Registration.id).where(
            FollowUp.month == _month(today), FollowUp.contacted_on.is_(None),
            Registration.ended_on.is_(None) | (Registration.ended_on >= today))
    if overdue:
        stmt = stmt.where(FollowUp.month < _month(today), FollowUp.contacted_on.is_(None))
    if profile_id is not None:
        stmt = stmt.where(FollowUp.profile_id == profile_id)
    return stmt


def follow_up_to_dict(task: FollowUp, today: dt.date | None = None) -> dict:
    today = today or clock.today()
    return {"id": task.id, "profile_id": task.profile_id, "name": task.profile.name, "month": task.month,
            "district": task.district, "grade": task.grade, "assigned_to_id": task.assigned_to_id,
            "assigned_to": task.assigned_to.display_name if task.assigned_to else None,
            "contacted_on": task.contacted_on.isoformat() if task.contacted_on else None,
            "overdue": task.contacted_on is None and task.month < _month(today),
            "contacts": [{"channel": c.channel, "contacted_on": c.contacted_on.isoformat(), "note": c.note,
                          "by_id": c.by_id} for c in task.contacts]}


# ------------------------------------------------------------------ desk

def my_people(session: Session, actor: User, today: dt.date | None = None) -> list[Registration]:
    """Open registrations whose latest follow-up is assigned to me, or that I registered."""
    _staff(actor)
    latest = select(FollowUp.registration_id, func.max(FollowUp.month).label("m")).group_by(
        FollowUp.registration_id).subquery()
    mine = select(FollowUp.registration_id).join(latest, (latest.c.registration_id == FollowUp.registration_id)
                                                 & (latest.c.m == FollowUp.month)).where(
        FollowUp.assigned_to_id == actor.id)
    stmt = select(Registration).where(Registration.ended_on.is_(None)).where(
        Registration.id.in_(mine) | (Registration.confirmed_by_id == actor.id)).order_by(Registration.registered_on)
    if actor.role == "caseworker":
        stmt = stmt.where(Registration.district == actor.district)
    return list(session.scalars(stmt))


def _claim_models():
    """The internships area's (InternshipAgreement, SubsidyClaim), or None while that area
    is absent: the desk and the dashboard use them when they exist, and work without."""
    try:
        from marketplace.internships.models import InternshipAgreement, SubsidyClaim
    except ImportError:  # pragma: no cover - the area is installed in this tree
        return None
    return InternshipAgreement, SubsidyClaim


def claims_available() -> bool:
    return _claim_models() is not None


def claims_to_review(session: Session, actor: User, limit: int = 10) -> tuple[list, int]:
    """Submitted subsidy claims the actor may review (the internships area's own visibility)."""
    if not claims_available():
        return [], 0

    stmt = claims_for(actor, "submitted")
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return list(session.scalars(stmt.limit(limit))), total


def desk(session: Session, actor: User, today: dt.date | None = None) -> dict:
    _staff(actor)
    today = today or clock.today()
    people = my_people(session, actor, today)
    hte = set(session.scalars(select(HardToEmployStatus.profile_id).where(HardToEmployStatus.revoked_on.is_(None))))
    unconfirmed = list(session.scalars(registrations_for(actor).where(Registration.confirmed_at.is_(None))))
    return {
        "people": [{"registration": r, "hard_to_employ": r.profile_id in hte} for r in people],
        "unconfirmed": unconfirmed,
        "due": list(session.scalars(follow_ups_for(actor, today=today, due=True, mine=True))),
        "overdue": list(session.scalars(follow_ups_for(actor, today=today, overdue=True))),
        "referrals": list(session.scalars(referrals_for(actor, pending=True))),
        "expiring": list(session.scalars(placements_for(actor, expiring_by=today + dt.timedelta(days=EXPIRING_DAYS)))),
        "claims_available": claims_available(),
        "claims": claims_to_review(session, actor),
    }


# ------------------------------------------------------------------ dashboard (二十二)

def _months_back(today: dt.date, n: int) -> list[str]:
    return [_month(add_months(today.replace(day=1), -i)) for i in range(n - 1, -1, -1)]


def dashboard(session: Session, actor: User, today: dt.date | None = None) -> dict:
    """Monitoring figures, city-wide (aggregates only, no personal data)."""
    _staff(actor)
    today = today or clock.today()
    pset = policy()
    regs = list(session.scalars(select(Registration).where(Registration.ended_on.is_(None))))
    hte = set(session.scalars(select(HardToEmployStatus.profile_id).where(HardToEmployStatus.revoked_on.is_(None))))
    groups = {g: 0 for g in GROUPS}
    durations = {k: 0 for k, _, _ in DURATIONS}
    districts = {d: 0 for d in DISTRICTS}
    years = pset.rule("R9", today).retirement_years
    for reg in regs:
        prof = reg.profile
        districts[reg.district] = districts.get(reg.district, 0) + 1
        if prof.id in hte:
            groups["hard_to_employ"] += 1
        for g in GROUPS[1:-1]:
            if prof.has_category(g, confirmed_only=True):
                groups[g] += 1
        person = retirement_person(prof, reg)
        if person is not None and near_retirement(person, today, years):
            groups["near_retirement"] += 1
        # never negative: a registration recorded after a pinned business date counts as new
        months = max(0, (today.year - reg.registered_on.year) * 12 + today.month - reg.registered_on.month
                     - (today.day < reg.registered_on.day))
        key = next(k for k, lo, hi in DURATIONS if lo <= months < hi)
        durations[key] += 1
    posted = session.execute(select(Organisation.industry, Posting.kind, func.count()).join(
        Organisation, Posting.organisation_id == Organisation.id).where(Posting.status != "draft")
        .group_by(Organisation.industry, Posting.kind)).all()
    hires = _hires(session)
    postings_by: dict = {}
    for industry, kind, n in posted:
        postings_by.setdefault(industry or "—", {k: 0 for k in KINDS})[kind] += n
    hires_by: dict = {}
    for h in hires:
        hires_by.setdefault(h["industry"] or "—", {k: 0 for k in KINDS})[h["kind"]] += 1
    months = _months_back(today, 12)
    per_month = {m: {"postings": 0, "hires": 0, "registrations": 0, "placements": 0} for m in months}
    for (at,) in session.execute(select(Posting.published_at).where(Posting.published_at.is_not(None))):
        if _month(at) in per_month:
            per_month[_month(at)]["postings"] += 1
    for h in hires:
        if h["on"] and _month(h["on"]) in per_month:
            per_month[_month(h["on"])]["hires"] += 1
    for (on,) in session.execute(select(Registration.registered_on)):
        if _month(on) in per_month:
            per_month[_month(on)]["registrations"] += 1
    for (on,) in session.execute(select(Placement.start_on)):
        if _month(on) in per_month:
            per_month[_month(on)]["placements"] += 1
    subsidies = {m: {"internships": 0, "subsidy_approved": Decimal("0.00")} for m in months}
    models = _claim_models()
    if models is not None:
        agreement, claim = models
        for (on,) in session.execute(select(agreement.start_on)):
            if _month(on) in subsidies:
                subsidies[_month(on)]["internships"] += 1
        for at, amount in session.execute(select(claim.decided_at, claim.amount).where(
                claim.state.in_(("approved", "paid")), claim.decided_at.is_not(None))):
            if _month(at) in subsidies:
                subsidies[_month(at)]["subsidy_approved"] += amount or Decimal("0")
    return {"as_of": today.isoformat(), "registered_unemployed": len(regs), "subsidies_by_month": {
            m: {"internships": v["internships"], "subsidy_approved": f"{v['subsidy_approved']:.2f}"}
            for m, v in subsidies.items()}, "by_group": groups,
            "by_district": districts, "by_duration": durations, "postings_by_industry": postings_by,
            "hires_by_industry": hires_by, "by_month": per_month, "claims_available": claims_available(),
            "hires_total": len(hires), "postings_total": sum(n for _, _, n in posted)}


def _hires(session: Session) -> list[dict]:
    """Hires recorded in the system: applications hired, referrals hired, placements."""
    out, seen = [], set()
    rows = session.execute(select(Application.profile_id, Application.posting_id, Posting.kind, Organisation.industry,
                                  func.max(ApplicationEvent.at)).join(Posting, Application.posting_id == Posting.id)
                           .join(Organisation, Posting.organisation_id == Organisation.id)
                           .join(ApplicationEvent, ApplicationEvent.application_id == Application.id)
                           .where(Application.stage == "hired", ApplicationEvent.to_stage == "hired")
                           .group_by(Application.profile_id, Application.posting_id, Posting.kind,
                                     Organisation.industry)).all()
    for pid, post, kind, industry, at in rows:
        seen.add((pid, post))
        out.append({"kind": kind, "industry": industry, "on": at.date() if at else None})
    for model, on_col in ((Referral, Referral.outcome_on), (Placement, Placement.start_on)):
        stmt = select(model.profile_id, model.posting_id, Posting.kind, Organisation.industry, on_col).join(
            Posting, model.posting_id == Posting.id).join(Organisation, Posting.organisation_id == Organisation.id)
        if model is Referral:
            stmt = stmt.where(Referral.outcome == "hired")
        for pid, post, kind, industry, on in session.execute(stmt).all():
            if (pid, post) not in seen:
                seen.add((pid, post))
                out.append({"kind": kind, "industry": industry, "on": on})
    return out


def dashboard_csv(data: dict) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["section", "label", "series", "value"])
    w.writerow(["registered_unemployed", "total", "", data["registered_unemployed"]])
    for section in ("by_group", "by_district", "by_duration"):
        for label, value in data[section].items():
            w.writerow([section, label, "", value])
    for section in ("postings_by_industry", "hires_by_industry"):
        for label, kinds in data[section].items():
            for kind, value in kinds.items():
                w.writerow([section, label, kind, value])
    for month, series in data["by_month"].items():
        for name, value in series.items():
            w.writerow(["by_month", month, name, value])
    for month, series in data.get("subsidies_by_month", {}).items():
        for name, value in series.items():
            w.writerow(["subsidies_by_month", month, name, value])
    return buf.getvalue()
