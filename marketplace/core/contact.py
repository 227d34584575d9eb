"""Contact with purpose, as PIPL expects: opening a person's profile or phone is allowed only
for a reason the person can see, and every opening is logged (``ContactLog``) and listed in
the person's data download ("who saw my number, when, why").

- **An employer and its applicant.** Once a person applies, the staff of the organisation
  whose posting it is may open the applicant's full profile (education, experience, skills,
  self-description, the application's note) and phone, through that application only and
  while it is in progress or the person was hired there: not for an invitation the person has
  not accepted, not after the person withdrew or the employer rejected them. The organisation
  must be verified (``verification.require_verified``) and the person visible to it
  (``profiles.visible_profiles``, which an application makes so).
- **A caseworker's reveal.** A caseworker reveals the phone of a person of their district
  (``visible_profiles``) for a stated purpose (``PURPOSES``; "other" needs a note), at most
  ``REVEALS_PER_DAY`` times a Fushun calendar day; the next reveal is refused with that number.

Operations flush, never commit.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.core import applications, profiles
from marketplace.core.models import PURPOSES, ContactLog, Profile, User
from marketplace.crypto import Cipher
from marketplace.errors import Conflict, Forbidden, NotFound, TooManyRequests, ValidationFailed

#: how many phone numbers one caseworker may reveal in one Fushun calendar day (the monthly
#: follow-ups of a district spread over the working days stay well below it; a run through a
#: whole list does not)
REVEALS_PER_DAY = 40
#: the stages in which an employer may open its applicant's profile and phone
CONTACT_STAGES = ("applied", "screening", "interview", "offer", "hired")


def applicant_profile(session: Session, cipher: Cipher, actor: User, application_id: int) -> dict:
    """An employer opens the applicant of one of its applications: the full profile, the
    application's note and the phone in clear. Logged each time."""
    if actor.role not in ("employer", "agency"):
        raise Forbidden("只有招聘单位可以查看申请人的完整档案", "only the employer applied to opens an applicant's profile")
    app = applications.get_application(session, actor, application_id)  # verified, own organisation's, or 404
    profile = app.profile
    if not profiles.can_view(session, actor, profile):
        raise NotFound("申请", "application")
    if app.stage not in CONTACT_STAGES:
        raise Conflict(*_stage_refusal(app.stage), field="stage")
    session.add(ContactLog(profile_id=profile.id, viewer_id=actor.id, organisation_id=actor.organisation_id,
                           application_id=app.id, kind="applicant_profile", purpose="application"))
    session.flush()
    d = profiles.profile_to_dict(profile, cipher, actor)
    d["phone"] = cipher.decrypt(profile.phone_enc) or ""
    d["application"] = {"id": app.id, "stage": app.stage, "note": app.note, "posting_id": app.posting_id,
                        "posting_title": app.posting.title}
    return d


def _stage_refusal(stage: str) -> tuple[str, str]:
    if stage == "invited":
        return ("求职者尚未接受邀请：接受后才能查看其完整档案和电话",
                "the person has not accepted the invitation yet: their profile and phone open once they do")
    if stage == "withdrawn":
        return "求职者已撤回申请，不能再查看其完整档案和电话", "the person withdrew: their profile and phone are closed"
    return ("该申请已结束（未录用），不能再查看求职者的完整档案和电话",
            "the application ended (rejected): the person's profile and phone are closed")


def reveal_phone(session: Session, cipher: Cipher, actor: User, profile_id: int, purpose: str, note: str = "") -> dict:
    """A caseworker reveals the phone of a person of their district for a stated purpose."""
    if actor.role != "caseworker":
        raise Forbidden("只有经办人可以为工作需要查看求职者电话", "only caseworkers reveal a phone, for a stated purpose")
    if purpose not in PURPOSES:
        raise ValidationFailed("请选择查看电话的用途", "choose why you reveal the phone", field="purpose")
    if purpose == "other" and not note.strip():
        raise ValidationFailed("用途为“其他”时请写明原因", "say why when the purpose is 'other'", field="note")
    profile = profiles.get_profile(session, actor, profile_id)  # the caseworker's district, or 404
    used = reveals_today(session, actor)
    if used >= REVEALS_PER_DAY:
        raise TooManyRequests(f"每位经办人每天最多查看 {REVEALS_PER_DAY} 个电话号码，今天已用完，请明天再试",
                              f"a caseworker may reveal {REVEALS_PER_DAY} phone numbers a day; today's are used, "
                              "try tomorrow", field="purpose")
    session.add(ContactLog(profile_id=profile.id, viewer_id=actor.id, kind="phone", purpose=purpose, note=note))
    session.flush()
    return {"profile_id": profile.id, "name": profile.name, "phone": cipher.decrypt(profile.phone_enc) or "",
            "purpose": purpose, "purpose_zh": PURPOSES[purpose][0], "purpose_en": PURPOSES[purpose][1],
            "reveals_left_today": REVEALS_PER_DAY - used - 1}


def _local_midnight_utc(now: dt.datetime) -> dt.datetime:
    day = clock.local_date(now)
    return dt.datetime.combine(day, dt.time(0), tzinfo=clock.TZ).astimezone(dt.timezone.utc).replace(tzinfo=None)


def reveals_today(session: Session, actor: User) -> int:
    """Phone reveals by ``actor`` since Fushun's midnight (the rows are counted under a lock of
    nothing: two reveals at the same instant may both pass at the limit, which costs one number)."""
    since = _local_midnight_utc(clock.now_utc())
    return session.scalar(select(func.count()).select_from(ContactLog).where(
        ContactLog.viewer_id == actor.id, ContactLog.kind == "phone", ContactLog.at >= since)) or 0


def log_for_person(session: Session, profile: Profile) -> list[dict]:
    """Who opened this person's profile or phone, when and why: for the person's data download."""
    out = []
    for log in session.scalars(select(ContactLog).where(ContactLog.profile_id == profile.id).order_by(ContactLog.id)):
        zh, en = PURPOSES.get(log.purpose, ("申请岗位后由招聘单位查看", "the employer you applied to"))
        out.append({"at": log.at.isoformat(), "local_time": clock.local_time(log.at, "%Y-%m-%d %H:%M"),
                    "what": "phone" if log.kind == "phone" else "profile_and_phone",
                    "who": log.viewer.display_name if log.viewer else "",
                    "role": log.viewer.role if log.viewer else "",
                    "organisation": log.organisation.name if log.organisation else "",
                    "application_id": log.application_id, "purpose": log.purpose,
                    "purpose_zh": zh, "purpose_en": en, "note": log.note})
    return out
