"""Applications and their stages.

Stages move forward only: applied → screening → interview → offer → hired; an employer
may skip stages (e.g. straight to interview) and may reject an open application; the
person may withdraw an open one. ``hired``, ``rejected`` and ``withdrawn`` are final.
Every move is kept with who, when and why. Hiring never exceeds the posting's
headcount: the posting row is locked while the hires are counted.

Eligibility (R1, R8, R14; docs/eligibility.md) is asked of ``core.eligibility`` and nowhere
else: applying (and accepting an invitation) is judged on that date and the decision kept on
the application; an invitation is refused for someone who could not apply; the hire is
judged again on its date and refused, with the reason and any change since the application,
so an ineligible person never takes one of the post's places.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from marketplace import clock, hooks, policies
from marketplace import policy as pol
from marketplace.core import audit, eligibility, notices, postings, verification
from marketplace.core.models import OPEN_STAGES, Application, ApplicationEvent, Posting, Profile, User
from marketplace.core.postings import get_posting, own_posting
from marketplace.core.profiles import can_view, get_profile, my_profile, visible_profiles
from marketplace.errors import Conflict, Forbidden, NotEligible, NotFound, ValidationFailed
from marketplace.notifications.service import notify

FORWARD = ("applied", "screening", "interview", "offer", "hired")

def target_group_problem(profile: Profile, target_group: str | None,
                         on: dt.date | None = None) -> tuple[str, str] | None:
    """R14 alone (the fairs' interview requests): None when the person may apply to a post for
    ``target_group`` (or it has none), else the engine's reason (zh, en), from
    ``core.eligibility`` like every other path."""
    if not target_group:
        return None
    on = on or clock.today()
    facts = eligibility.decide_people(None, [profile], on)[profile.id]
    v = eligibility.verdict(facts, "job", target_group)
    return None if v.allowed else v.reason


def apply(session: Session, actor: User, posting_id: int, note: str = "", today: dt.date | None = None) -> Application:
    """A person applies; the post's rules (R1, R8, R14) are judged on the application date from
    the records that day (``core.eligibility``), a refusal says why and what the person may
    apply for instead, and the decision is kept on the application."""
    if actor.role != "person":
        raise Forbidden("只有求职者可以申请岗位", "only job seekers can apply")
    profile = my_profile(session, actor)
    if profile is None:
        raise Conflict("请先填写个人档案再申请", "please complete your profile before applying", field="profile")
    posting = get_posting(session, actor, posting_id)
    today = today or clock.today()
    if not posting.is_open(today):
        raise Conflict("该岗位目前不接受申请", "this posting is not accepting applications now", field="posting")
    verdict = eligibility.for_posting(session, profile, posting, today)
    if not verdict.allowed:
        raise eligibility.refusal(verdict)
    taken = Conflict("您已申请过该岗位", "you have already applied to this posting", field="posting")
    app = _create(session, actor, posting, profile, "applied", note, taken, "create")
    eligibility.record(app, verdict)
    notices.application_received(session, app)
    return app


def _create(session: Session, actor: User, posting: Posting, profile: Profile, stage: str, note: str,
            taken: Conflict, action: str) -> Application:
    """A new application at ``stage`` with its first history event; ``taken`` is raised when
    the person already has one for this posting — found by a lookup, or, for a
    double-submitted form, by the unique (posting, profile) constraint."""
    if session.scalar(select(Application.id).where(Application.posting_id == posting.id,
                                                   Application.profile_id == profile.id)):
        raise taken
    app = Application(posting_id=posting.id, profile_id=profile.id, stage=stage, note=note)
    app.events.append(ApplicationEvent(from_stage=None, to_stage=stage, actor_id=actor.id, note=note))
    session.add(app)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise taken from None
    audit.record(session, actor, "application", app.id, action, after={"stage": stage})
    return app


def invite(session: Session, actor: User, posting_id: int, profile_id: int, note: str = "",
           today: dt.date | None = None) -> Application:
    """An employer invites a person it may see to its open posting; the person answers."""
    posting = own_posting(session, actor, posting_id)
    profile = get_profile(session, actor, profile_id)
    if not posting.is_open(today or clock.today()):
        raise Conflict("该岗位未发布或已截止，不能邀请", "the posting is not open; publish it first", field="posting")
    verdict = eligibility.for_posting(session, profile, posting, today or clock.today())
    if not verdict.allowed:  # an employer may not invite someone who could not apply
        raise eligibility.refusal(verdict, field="profile")
    taken = Conflict("此人已在该岗位的申请或邀请中", "this person already applied or was invited", field="profile")
    app = _create(session, actor, posting, profile, "invited", note, taken, "invite")
    notices.stage_changed(session, app, actor, None, "invited", note)
    return app


def _visible(session: Session, actor: User, app: Application) -> bool:
    if actor.role == "admin":
        return True
    if actor.role == "person":
        return app.profile.user_id == actor.id
    if actor.role in ("employer", "agency"):
        return app.posting.organisation_id == actor.organisation_id
    if actor.role == "caseworker":
        return can_view(session, actor, app.profile)
    return False


def get_application(session: Session, actor: User, application_id: int) -> Application:
    verification.require_verified(actor)  # applicants are people: not for an unverified organisation
    app = session.get(Application, application_id)
    if app is None or not _visible(session, actor, app):
        raise NotFound("申请", "application")
    return app


def move_stage(session: Session, actor: User, application_id: int, stage: str, note: str = "") -> Application:
    app = get_application(session, actor, application_id)
    current = app.stage
    if current not in OPEN_STAGES:
        current_zh = {"hired": "已入职", "rejected": "未通过", "withdrawn": "已撤回"}.get(current, current)
        raise Conflict(f"申请已处于最终状态（{current_zh}），不能再更改", f"the application is final ({current}) and "
                       "cannot change", field="stage")
    if actor.role == "person":
        if not (stage == "withdrawn" or (current == "invited" and stage == "applied")):
            raise Forbidden("求职者可以接受邀请或撤回申请", "a job seeker can accept an invitation or withdraw")
    elif actor.role in ("employer", "agency"):
        if stage == "withdrawn":
            raise Forbidden("只有求职者本人可以撤回申请", "only the applicant can withdraw")
        if current == "invited":
            raise Conflict("已邀请，正在等待求职者答复", "invited: waiting for the person to answer", field="stage")
        if stage in FORWARD and FORWARD.index(stage) <= FORWARD.index(current):
            raise Conflict(f"申请只能向前推进：当前为 {current}", f"applications only move forward; it is at {current}",
                           field="stage")
    else:
        raise Forbidden()
    today = clock.today()
    if current == "invited" and stage == "applied":
        # accepting an invitation is the application: judged, and kept, on that date
        verdict = eligibility.for_application(session, app, today)
        if not verdict.allowed:
            raise eligibility.refusal(verdict, field="stage")
        eligibility.record(app, verdict)
    if stage == "hired":
        # the hire is judged on its own date: an ineligible person does not take a place
        verdict = eligibility.for_application(session, app, today)
        if not verdict.allowed:
            raise eligibility.refusal(verdict, field="stage", before=eligibility.recorded(app))
        eligibility.record(app, verdict, "hire")
    withdrawal = None
    if current == "offer" and stage == "rejected":
        withdrawal = _soe_offer_withdrawal(session, app, note)
    if stage == "hired":
        posting = session.get(Posting, app.posting_id, with_for_update=True)
        hired = session.scalar(select(func.count()).select_from(Application).where(
            Application.posting_id == posting.id, Application.stage == "hired"))
        if hired >= posting.headcount:
            raise Conflict(f"该岗位的 {posting.headcount} 个名额已满", f"all {posting.headcount} places of this "
                           "posting are filled", field="stage")
    app.stage = stage
    app.events.append(ApplicationEvent(from_stage=current, to_stage=stage, actor_id=actor.id, note=note))
    if stage == "hired":
        hooks.hired.send(session, application=app, actor=actor, on=today)
    session.flush()
    audit.record(session, actor, "application", app.id, "stage", before={"stage": current}, after={"stage": stage},
                 reason=note)
    notices.stage_changed(session, app, actor, current, stage, note)
    if current == "invited" and stage == "applied":
        notices.application_received(session, app)  # an accepted invitation is an application
    if withdrawal is not None:
        # R13: an SOE's withdrawn offer to a graduate is reported, with its reason
        audit.record(session, actor, "application", app.id, "soe_offer_withdrawal", before={"stage": current},
                     after={"stage": stage, "rule": "R13", "reportable": True,
                            "organisation_id": app.posting.organisation_id}, reason=note)
    return app


def to_graduate(profile: Profile, on: dt.date) -> bool:
    """R13's "a graduate" (**[choice]**): a graduating-year graduate by category, or a college
    graduate (大专 or above) who graduated this year or in the two years before."""
    if any(c.category == "graduating_year_graduate" for c in profile.categories):
        return True
    return (profile.education or 0) >= 4 and profile.graduation_year is not None \
        and on.year - 2 <= profile.graduation_year <= on.year


def _soe_offer_withdrawal(session: Session, app: Application, note: str):
    """R13 on moving an offer to rejected: an SOE withdrawing an offer to a graduate must give
    a reason (the note); returns the engine's decision when the withdrawal is reportable."""
    on = clock.today()
    policy = policies.in_force(on)
    posting = app.posting
    graduate = postings.aimed_at_graduates(posting, policy, on) or to_graduate(app.profile, on)
    decision = pol.check_soe_offer_withdrawal(policy, employer_is_soe=posting.organisation.org_type == "soe",
                                              to_graduate=graduate, reason=note, on=on)
    if not decision.allowed:
        raise NotEligible(decision.reason_zh, decision.reason_en, field="note")
    return decision if decision.details.get("reportable") else None


# --- corrections (issue 15): reversing a stage move, withdrawing --------------------------
# (kept apart from the forward moves above; the contact work adds interviews and messages
# elsewhere in this module)

STAGE_ZH = {"invited": "已邀请", "applied": "已申请", "screening": "筛选中", "interview": "面试", "offer": "已录用通知",
            "hired": "已入职", "rejected": "未通过", "withdrawn": "已撤回"}  # as marketplace.web.forms names them


#: the note of a reversal's event begins with it (``reversible_to`` walks back over them)
REVERSAL_MARK = "撤销 / reversed"


def reversible_to(app: Application) -> str | None:
    """The stage the last move came from, when an employer may undo it: the last event was an
    employer's move (not the person's withdrawal or acceptance) out of a stage it can return to."""
    if app.stage in ("withdrawn", "invited", "applied"):
        return None
    moves: list[ApplicationEvent] = []  # forward moves still in force: a reversal takes the last one off
    for e in app.events:
        if e.note.startswith(REVERSAL_MARK):
            if moves:
                moves.pop()
        else:
            moves.append(e)
    if not moves or moves[-1].to_stage != app.stage or moves[-1].from_stage in (None, "invited"):
        return None
    return moves[-1].from_stage


def reverse_stage(session: Session, actor: User, application_id: int, reason: str) -> Application:
    """An employer undoes its last stage move — 已入职 and 未录用 included — with a reason.

    A hire is reversed only when nothing rests on it: the areas name what must be corrected
    first (``hooks.hire_reversal_blockers``: internships' agreement and claims) and the
    reversal is refused with those reasons. A reversed hire sends ``hooks.hire_reversed``: the
    areas undo what ``hired`` caused (welfare reopens the registration, fairs the booth's
    outcome); the place it took on the posting is free again since hires are counted by stage.
    The person is told; the audit keeps before, after and the reason."""
    if actor.role not in ("employer", "agency"):
        raise Forbidden("只有用人单位可以撤销状态变更", "only the employer can reverse a stage move")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("撤销须说明理由", "a reversal needs a reason", field="reason")
    app = get_application(session, actor, application_id)
    session.refresh(app, with_for_update=True)
    current = app.stage
    target = reversible_to(app)
    if target is None:
        raise Conflict(f"当前状态（{STAGE_ZH.get(current, current)}）没有可撤销的变更",
                       f"there is no move to reverse at this stage ({current})", field="stage")
    today = clock.today()
    if current == "hired":
        blockers = [b for answer in hooks.ask(hooks.hire_reversal_blockers, session, application=app)
                    for b in answer]
        if blockers:
            raise Conflict("不能撤销入职：" + "；".join(zh for zh, _ in blockers),
                           "the hire cannot be reversed: " + "; ".join(en for _, en in blockers), field="stage")
    app.stage = target
    app.events.append(ApplicationEvent(from_stage=current, to_stage=target, actor_id=actor.id,
                                       note=f"{REVERSAL_MARK}: {reason}"))
    if current == "hired":
        hooks.hire_reversed.send(session, application=app, actor=actor, on=today, to_stage=target, reason=reason)
    session.flush()
    audit.record(session, actor, "application", app.id, "stage_reversed", before={"stage": current},
                 after={"stage": target}, reason=reason)
    if app.profile.user_id:
        title = app.posting.title
        notify(session, app.profile.user_id, "stage_reversed", f"application:{app.id}:reversed:{len(app.events)}",
               f"您申请的“{title}”状态由{STAGE_ZH.get(current, current)}改回{STAGE_ZH.get(target, target)}：{reason}",
               f"Your application to \"{title}\" went back from {current} to {target}: {reason}",
               "/me/applications")
    return app


def applications_for(actor: User, posting_id: int | None = None, stage: str | None = None):
    """The applications the actor may list: a person's own, an employer's postings'."""
    stmt = select(Application).order_by(Application.id.desc())
    if actor.role == "person":
        stmt = stmt.join(Profile).where(Profile.user_id == actor.id)
    elif actor.role in ("employer", "agency"):
        verification.require_verified(actor)
        stmt = stmt.join(Posting).where(Posting.organisation_id == actor.organisation_id)
    elif actor.role == "caseworker":
        stmt = stmt.join(Profile).where(visible_profiles(actor))
    elif actor.role != "admin":
        raise Forbidden()
    if posting_id is not None:
        stmt = stmt.where(Application.posting_id == posting_id)
    if stage:
        stmt = stmt.where(Application.stage == stage)
    return stmt


def application_to_dict(app: Application, view: dict | None = None) -> dict:
    """An application for the API, with ``eligibility``: the decision of the application date,
    the later one that counts now and any change between them (``eligibility.application_view``)."""
    if view is None:
        view = eligibility.application_views(object_session(app), [app], clock.today())[app.id]
    return {
        "id": app.id, "stage": app.stage, "note": app.note, "created_at": app.created_at.isoformat(),
        "posting": {"id": app.posting.id, "title": app.posting.title, "kind": app.posting.kind,
                    "organisation": app.posting.organisation.name},
        "profile": {"id": app.profile.id, "name": app.profile.name, "district": app.profile.district,
                    "education": app.profile.education, "skills": list(app.profile.skills)},
        "history": [{"from": e.from_stage, "to": e.to_stage, "actor_id": e.actor_id, "at": e.at.isoformat(),
                     "note": e.note} for e in app.events],
        "eligibility": view,
    }
