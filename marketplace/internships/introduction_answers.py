"""The person's answer to an agency's introduction (R7): given by the person on the site
(``answer``), or told to a caseworker by phone or at the desk and recorded by them
(``answer_for``). Only an accepted introduction, accepted no later than the person's first
approach to the posting, counts for the agency (``introductions``); the answer can change
until that approach and stands from then on. Every answer is audited with how it was given
and who recorded it."""
from __future__ import annotations

from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.core import audit
from marketplace.core.models import User
from marketplace.core.profiles import can_view
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.internships.introductions import approaches
from marketplace.internships.models import Introduction
from marketplace.notifications import notify


def answer(session: Session, actor: User, introduction_id: int, to: str) -> Introduction:
    """The person accepts or declines an introduction of themselves. The answer may change
    until their first approach to the posting and stands from then on (it decided whether
    the introduction brought the approach about); every answer is audited."""
    if to not in ("accepted", "declined"):
        raise ValidationFailed("答复只能是接受或拒绝", "the answer is accept or decline", field="answer")
    intro = session.get(Introduction, introduction_id, with_for_update=True)
    if actor.role != "person" or intro is None or intro.profile.user_id != actor.id:
        raise NotFound("推荐记录", "introduction")
    if intro.answer == to:
        return intro
    approached = approaches(session, [(intro.profile_id, intro.posting_id)])
    if approached:
        raise Conflict("您已自行应聘该岗位（申请或在招聘会上约面试），此推荐的答复已不能更改",
                       "you approached this posting yourself already (applied, or asked for an interview at a fair): "
                       "the answer to this introduction can no longer change", field="answer")
    _set_answer(session, actor, intro, to, "online")
    return intro


#: how a person may tell a caseworker their answer (``answer_for``), as the records name it
CHANNELS = {"phone": ("电话", "by phone"), "in_person": ("当面", "in person")}
#: every way an answer can have been given, for the lists ("" while unanswered)
VIA_NAMES = {"online": ("本人在线答复", "answered online"), "phone": ("本人电话答复，经办人员记录", "told a caseworker by phone"),
             "in_person": ("本人当面答复，经办人员记录", "told a caseworker in person"), "": ("", "")}


def answer_for(session: Session, actor: User, introduction_id: int, to: str, channel: str, note: str) -> Introduction:
    """A caseworker records the answer a person gave them by phone or at the desk (people
    without a smartphone, or who cannot read the page, answer that way).

    Readings (**[choice]**): the answer is the person's, so the same rules hold as for
    their own (it may change until their first approach to the posting, and stands from
    then on); it is stamped with the time the caseworker records it, never a time they type
    (the order of acceptance and approach decides an agency's subsidy); the caseworker names
    how the person answered (``channel``) and writes a note of it (who they spoke to, when),
    both audited; only staff who serve the person (their district's caseworkers, the admin)
    may record it, never for themselves; the person is told, with the way back to change it
    themselves."""
    if actor.role not in ("caseworker", "admin"):
        raise Forbidden("只有经办人员可以代为记录本人的答复", "only caseworkers record an answer a person gave them")
    if to not in ("accepted", "declined"):
        raise ValidationFailed("答复只能是接受或拒绝", "the answer is accept or decline", field="answer")
    if channel not in CHANNELS:
        raise ValidationFailed("请选择本人答复的方式：电话或当面", "choose how the person answered: by phone or in person",
                               field="channel")
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("请记录本人答复的情况（如通话时间、本人原话）", "write down how the person answered (e.g. "
                               "when you spoke, what they said)", field="note")
    intro = session.get(Introduction, introduction_id, with_for_update=True)
    if intro is None or not can_view(session, actor, intro.profile) or intro.profile.user_id == actor.id:
        raise NotFound("推荐记录", "introduction")
    if approaches(session, [(intro.profile_id, intro.posting_id)]):
        raise Conflict("本人已自行应聘该岗位（申请或在招聘会上约面试），此推荐的答复已不能更改",
                       "the person approached this posting themselves already (applied, or asked for an interview "
                       "at a fair): the answer to this introduction can no longer change", field="answer")
    if intro.answer == to and intro.answered_via == channel:
        return intro
    _set_answer(session, actor, intro, to, channel, note)
    if intro.profile.user_id:
        zh, en = CHANNELS[channel]
        verb_zh, verb_en = ("接受", "accepted") if to == "accepted" else ("拒绝", "declined")
        stamp = intro.answered_at.strftime("%Y%m%d%H%M%S%f")
        notify(session, intro.profile.user_id, "introduction", f"introduction:{intro.id}:recorded:{stamp}",
               f"经办人员根据您{zh}的答复，记录您{verb_zh}了{intro.organisation.name}推荐的岗位：{intro.posting.title}。"
               "如与您的意思不符，请在“我的推荐”中更改，或联系经办人员。",
               f"A caseworker recorded, as you told them {en}, that you {verb_en} {intro.organisation.name}'s "
               f"introduction to {intro.posting.title}. If that is not what you meant, change it under My "
               "introductions or call the caseworker.", link="/me/introductions")
    return intro


def _set_answer(session: Session, actor: User, intro: Introduction, to: str, via: str, note: str = "") -> None:
    before = {"answer": intro.answer, "answered_at": intro.answered_at and intro.answered_at.isoformat(),
              "answered_via": intro.answered_via}
    intro.answer, intro.answered_at, intro.answered_via, intro.answered_by_id = to, clock.now_utc(), via, actor.id
    session.flush()
    audit.record(session, actor, "introduction", intro.id, to, before=before,
                 after={"answer": to, "answered_at": intro.answered_at.isoformat(), "answered_via": via},
                 reason=note)
