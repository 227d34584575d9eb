"""What the core tells people, through the shared notifications service: an employer that
an application arrived, a person that their application moved (or an invitation came), an
organisation's staff that the service verified or refused it. The kinds are registered
here, with the core's other modules; each event is one notification per recipient, once
(its dedupe key names the event)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.core.models import Application, Organisation, Posting, Profile, User
from marketplace.notifications import notify, register

STAGE_LABELS = {"invited": ("已邀请", "invited"), "applied": ("已申请", "applied"),
                "screening": ("筛选中", "screening"), "interview": ("面试", "interview"),
                "offer": ("已录用通知", "offer"), "hired": ("已入职", "hired"), "rejected": ("未通过", "not taken"),
                "withdrawn": ("已撤回", "withdrawn")}

register("application_received", "收到新的申请", "New application", ("app", "email"))
register("stage_change", "申请进度更新", "Application update", ("app", "sms", "email"))
register("organisation_verified", "单位已通过审核", "Organisation verified", ("app", "sms", "email"))
register("organisation_refused", "单位审核未通过", "Organisation not verified", ("app", "sms", "email"))
# issue 15: corrections, contact and the policy's outreach (emitted by postings, applications,
# interviews, messages, profiles and outreach; registered here, with the core's other kinds)
register("posting_changed", "申请岗位有变动", "A posting you applied to changed", ("app", "sms", "email"))
register("posting_closed", "申请岗位已停止招聘", "A posting you applied to closed", ("app", "sms", "email"))
register("stage_reversed", "申请进度已更正", "Application stage corrected", ("app", "sms", "email"))
register("interview_proposed", "面试邀请", "Interview proposed", ("app", "sms", "email"))
register("interview_answered", "面试答复", "Interview answered", ("app", "email"))
register("interview_reminder", "明天面试提醒", "Interview tomorrow", ("app", "sms", "email"))
register("application_message", "申请留言", "Message on an application", ("app", "email"))
register("profile_corrected", "档案已更正", "Profile corrected", ("app", "sms", "email"))
register("policy_outreach", "可享受的政策", "A policy you may qualify for", ("app", "sms", "email"))


def staff_of(session: Session, organisation_id: int) -> list[int]:
    """The active accounts of an organisation (its HR staff), who are told what concerns it."""
    return list(session.scalars(select(User.id).where(User.organisation_id == organisation_id,
                                                      User.role.in_(("employer", "agency")),
                                                      User.is_active.is_(True))))


def application_received(session: Session, app: Application) -> None:
    posting = session.get(Posting, app.posting_id)
    for uid in staff_of(session, posting.organisation_id):
        notify(session, uid, "application_received", f"application:{app.id}:received",
               f"“{posting.title}”收到一份新的申请", f"a new application for “{posting.title}”",
               f"/employer/postings/{posting.id}")


def stage_changed(session: Session, app: Application, actor: User, before: str | None, stage: str,
                  note: str = "") -> None:
    """The person is told of every move the employer makes (not of their own)."""
    profile = session.get(Profile, app.profile_id)
    if profile is None or profile.user_id is None or profile.user_id == actor.id:
        return
    posting = session.get(Posting, app.posting_id)
    zh, en = STAGE_LABELS.get(stage, (stage, stage))
    n = len(app.events)
    why_zh, why_en = (f"（说明：{note}）", f" (note: {note})") if note else ("", "")
    if stage == "invited":
        text = (f"{posting.title}：用人单位邀请您申请{why_zh}", f"{posting.title}: the employer invites you to apply{why_en}")
    else:
        text = (f"您申请的“{posting.title}”进度更新为：{zh}{why_zh}",
                f"your application for “{posting.title}” is now: {en}{why_en}")
    notify(session, profile.user_id, "stage_change", f"application:{app.id}:event:{n}", *text, "/me/applications")


def organisation_decided(session: Session, org: Organisation, verified: bool, reason: str = "",
                         request_id: int | None = None) -> None:
    kind = "organisation_verified" if verified else "organisation_refused"
    if verified:
        text = (f"{org.name}已通过公共就业服务机构审核，可以发布岗位", f"{org.name} is verified: you can publish posts")
    else:
        text = (f"{org.name}未通过审核：{reason}。请补充材料后重新申请", f"{org.name} was not verified: {reason}. "
                "Correct the details and ask again")
    for uid in staff_of(session, org.id):
        notify(session, uid, kind, f"organisation:{org.id}:{kind}:{request_id or 0}", *text, "/employer/verification")
register("saved_search", "有新的岗位符合您保存的搜索", "New postings for your saved search", ("app", "email"))
