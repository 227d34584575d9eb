"""Interviews at a job fair: requests both ways (a person asks a booth, a booth invites a
person), allocation rounds that give requests slots around the confirmed interviews, moving the
hall to the next slot, cancellations (a freed seat goes to a waiting request at once) and
outcomes, which flow into an application on the posting through the applications service.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from marketplace import hooks
from marketplace.core import audit
from marketplace.core.applications import FORWARD, move_stage, target_group_problem
from marketplace.core.models import Application, ApplicationEvent, Posting, Profile, User
from marketplace.core.profiles import my_profile
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.fairs.booths import (
    EMPLOYER_ROLES,
    ORGANISER_ROLES,
    booths_of,
    checked_in_where,
    get_fair,
    my_registration,
    own_booth,
    own_fair,
)
from marketplace.fairs.bus import publish_after_commit
from marketplace.fairs.matchers import matcher
from marketplace.fairs.models import Booth, Fair, FairRegistration, Interview
from matching.fair import Confirmed, Request, allocate, quality


def booth_interviews(session: Session, booth_id: int) -> list[Interview]:
    return list(session.scalars(select(Interview).where(Interview.booth_id == booth_id)
                                .options(joinedload(Interview.profile), joinedload(Interview.posting))
                                .order_by(Interview.slot.is_(None), Interview.slot, Interview.id)))


def person_interviews(session: Session, actor: User, fair_id: int) -> list[Interview]:
    reg = my_registration(session, actor, fair_id)
    if reg is None:
        return []
    return list(session.scalars(select(Interview).where(Interview.fair_id == fair_id,
                                                        Interview.profile_id == reg.profile_id)
                                .order_by(Interview.slot.is_(None), Interview.slot, Interview.id)))


def _upsert_interview(session: Session, actor: User, fair: Fair, booth: Booth, profile_id: int, by: str,
                      encoder) -> Interview:
    if fair.status != "open":
        raise Conflict("该招聘会已结束", "this fair is closed", field="fair")
    if booth.status != "approved":
        raise Conflict("该展位尚未获批", "this booth is not approved", field="booth_id")
    score, posting_id = float("-inf"), None
    if encoder is not None:
        m = matcher(session, encoder, fair)
        score, posting_id = m.score(str(profile_id), booth.id)
    iv = session.scalar(select(Interview).where(Interview.booth_id == booth.id, Interview.profile_id == profile_id)
                        .with_for_update())
    if iv is not None and iv.status in ("requested", "confirmed", "done"):
        return iv
    new = iv is None
    if new:
        iv = Interview(fair_id=fair.id, booth_id=booth.id, profile_id=profile_id, requested_by=by)
    iv.status, iv.slot, iv.requested_by = "requested", None, by
    iv.score = score if score != float("-inf") else -20.0
    iv.posting_id = int(posting_id) if posting_id else (booth.posting_ids[0] if booth.posting_ids else None)
    try:
        with session.begin_nested():  # added inside: begin_nested flushes what is pending first
            if new:
                session.add(iv)
            session.flush()
    except IntegrityError:  # the other side asked at the same moment: one interview, theirs
        return session.scalar(select(Interview).where(Interview.booth_id == booth.id,
                                                      Interview.profile_id == profile_id))
    audit.record(session, actor, "fair_interview", iv.id, "request", after={"by": by})
    publish_after_commit(session, fair.id, {"type": "interview", "booth": booth.id, "profile": profile_id})
    return iv


def request_interview(session: Session, actor: User, encoder, fair_id: int, booth_id: int) -> Interview:
    """A checked-in person asks a booth for an interview."""
    if actor.role != "person":
        raise Forbidden("只有求职者可以申请面试", "only job seekers ask for interviews")
    fair = get_fair(session, actor, fair_id)
    reg = my_registration(session, actor, fair_id)
    if reg is None or reg.checked_in_at is None:
        raise Conflict("请先在入口签到，再申请面试", "check in at the door before asking for interviews", field="fair")
    booth = session.get(Booth, booth_id)
    if booth is None or booth.fair_id != fair.id or booth.status != "approved":
        raise NotFound("展位", "booth")
    posts = list(session.scalars(select(Posting).where(Posting.id.in_(booth.posting_ids or [0]))))
    profile = session.get(Profile, reg.profile_id)
    problems = [target_group_problem(profile, p.target_group) for p in posts]
    if posts and all(problems):
        raise Conflict(*problems[0], field="booth_id")
    return _upsert_interview(session, actor, fair, booth, reg.profile_id, "person", encoder)


def invite(session: Session, actor: User, encoder, fair_id: int, booth_id: int, profile_id: int) -> Interview:
    """A booth invites a checked-in person."""
    booth = own_booth(session, actor, fair_id, booth_id)
    fair = get_fair(session, actor, fair_id)
    reg = session.scalar(select(FairRegistration).where(FairRegistration.fair_id == fair.id,
                                                        FairRegistration.profile_id == profile_id))
    if reg is None or reg.checked_in_at is None:
        raise NotFound("已签到的求职者", "checked-in person")
    return _upsert_interview(session, actor, fair, booth, profile_id, "booth", encoder)


def interview_for(session: Session, actor: User, interview_id: int) -> Interview:
    iv = session.get(Interview, interview_id)
    if iv is None:
        raise NotFound("面试", "interview")
    if actor.role == "person":
        prof = my_profile(session, actor)
        ok = prof is not None and prof.id == iv.profile_id
    elif actor.role in EMPLOYER_ROLES:
        ok = iv.booth.organisation_id == actor.organisation_id
    elif actor.role in ORGANISER_ROLES:
        fair = session.get(Fair, iv.fair_id)
        ok = actor.role == "admin" or fair.organiser_id == actor.id
    else:
        ok = False
    if not ok:
        raise NotFound("面试", "interview")
    return iv


def cancel_interview(session: Session, actor: User, interview_id: int, note: str = "") -> Interview:
    iv = interview_for(session, actor, interview_id)
    if iv.status not in ("requested", "confirmed"):
        raise Conflict("只能取消待安排或已确认的面试", "only requested or confirmed interviews can be cancelled",
                       field="status")
    before = iv.status
    iv.status, iv.note = "cancelled", note
    session.flush()
    audit.record(session, actor, "fair_interview", iv.id, "cancel", before={"status": before, "slot": iv.slot},
                 after={"status": "cancelled"}, reason=note)
    publish_after_commit(session, iv.fair_id, {"type": "interview", "booth": iv.booth_id, "profile": iv.profile_id})
    if before == "confirmed":
        # the freed seat goes to a waiting request at once, around the confirmed interviews
        fair = session.get(Fair, iv.fair_id, with_for_update=True)
        if fair.status == "open" and iv.slot is not None and iv.slot >= fair.current_slot:
            filled = _allocate(session, fair, fair.current_slot)
            audit.record(session, actor, "fair", fair.id, "allocate", after=dict(filled, trigger="cancellation"))
    return iv


def run_allocation(session: Session, actor: User, fair_id: int, from_slot: int | None = None) -> dict:
    """One allocation round: requested interviews of checked-in people get slots from
    ``from_slot`` (default: the slot under way) on; confirmed interviews stay where they are."""
    fair = own_fair(session, actor, fair_id, lock=True)
    n = len(fair.slots)
    start = fair.current_slot if from_slot is None else from_slot
    if not 0 <= start < n:
        raise ValidationFailed(f"时段应在 0 到 {n - 1} 之间", f"the slot must be from 0 to {n - 1}", field="from_slot")
    summary = _allocate(session, fair, start)
    audit.record(session, actor, "fair", fair.id, "allocate", after=summary)
    return summary


def _allocate(session: Session, fair: Fair, start: int) -> dict:
    n = len(fair.slots)
    booths = {b.id: b for b in booths_of(session, fair.id, "approved")}
    present = set(session.scalars(select(FairRegistration.profile_id).where(*checked_in_where(fair.id))))
    ivs = list(session.scalars(select(Interview).where(Interview.fair_id == fair.id,
                                                       Interview.status.in_(("requested", "confirmed")))
                               .with_for_update()))
    confirmed = [Confirmed(i.id, i.profile_id, i.booth_id, i.slot) for i in ivs
                 if i.status == "confirmed" and i.slot is not None]
    requests = [Request(i.id, i.profile_id, i.booth_id, quality(i.score)) for i in ivs
                if i.status == "requested" and i.booth_id in booths and i.profile_id in present]
    capacity = {b.id: [b.capacity] * n for b in booths.values()}
    result = allocate(requests, capacity, confirmed, slots=range(start, n))
    by_id = {i.id: i for i in ivs}
    for iid, slot in result.assigned.items():
        iv = by_id[iid]
        iv.status, iv.slot = "confirmed", slot
    session.flush()
    summary = {"requests": len(requests), "assigned": len(result.assigned), "unplaced": len(result.unplaced),
               "kept": len(confirmed), "from_slot": start, "total_quality": round(result.total, 4),
               "optimal": result.optimal}
    publish_after_commit(session, fair.id, {"type": "allocation", "assigned": len(result.assigned)})
    return summary


def advance_slot(session: Session, actor: User, fair_id: int) -> Fair:
    """Move the hall to the next slot (the board shows the interviews under way)."""
    fair = own_fair(session, actor, fair_id, lock=True)
    if fair.current_slot + 1 >= len(fair.slots):
        raise Conflict("已是最后一个时段", "this is already the last slot", field="slot")
    fair.current_slot += 1
    session.flush()
    audit.record(session, actor, "fair", fair.id, "slot", after={"current_slot": fair.current_slot})
    publish_after_commit(session, fair.id, {"type": "slot", "slot": fair.current_slot})
    return fair


STAGE_FOR = {"intent": "offer", "offer": "offer", "hired": "hired"}


def record_outcome(session: Session, actor: User, interview_id: int, outcome: str, note: str = "") -> Interview:
    """The booth records how an interview went. Intent to hire, offer and hire flow into an
    application on the posting (created if the person had not applied), moved through the
    applications service; an internship hire shows on the employer's internship page as a hire
    awaiting its agreement (R1), which is where the subsidy record starts."""
    iv = interview_for(session, actor, interview_id)
    if actor.role not in EMPLOYER_ROLES:
        raise Forbidden("只有展位单位可以记录面试结果", "only the booth's employer records outcomes")
    if iv.status not in ("confirmed", "done", "requested"):
        raise Conflict("已取消的面试不能记录结果", "a cancelled interview has no outcome", field="status")
    before = {"status": iv.status, "outcome": iv.outcome}
    iv.status, iv.outcome, iv.note = "done", outcome, note
    if outcome in STAGE_FOR and iv.posting_id:
        app = session.scalar(select(Application).where(Application.posting_id == iv.posting_id,
                                                       Application.profile_id == iv.profile_id))
        fair = session.get(Fair, iv.fair_id)
        if app is None:
            app = Application(posting_id=iv.posting_id, profile_id=iv.profile_id, stage="applied",
                              note=f"招聘会：{fair.name}")
            app.events.append(ApplicationEvent(from_stage=None, to_stage="applied", actor_id=actor.id,
                                               note=f"招聘会面试 / fair interview #{iv.id}"))
            session.add(app)
            session.flush()
            audit.record(session, actor, "application", app.id, "create", after={"stage": "applied", "fair": fair.id})
        iv.application_id = app.id
        target = STAGE_FOR[outcome]
        if app.stage in FORWARD and FORWARD.index(app.stage) < FORWARD.index("interview") < FORWARD.index(target):
            move_stage(session, actor, app.id, "interview", f"招聘会面试 / fair interview #{iv.id}")
        if app.stage in FORWARD and FORWARD.index(app.stage) < FORWARD.index(target):
            move_stage(session, actor, app.id, target, note or f"招聘会 / fair: {outcome}")
        if outcome == "hired":
            iv.subsidy_note = _hire_follow_up(session, app, iv.posting)
    session.flush()
    audit.record(session, actor, "fair_interview", iv.id, "outcome", before=before,
                 after={"status": "done", "outcome": outcome})
    publish_after_commit(session, iv.fair_id, {"type": "outcome", "booth": iv.booth_id, "profile": iv.profile_id,
                                               "outcome": outcome})
    return iv


def _hire_follow_up(session: Session, app: Application, posting: Posting) -> str:
    """What a fair hire leads to, for the booth's note: the areas' answers to
    ``hooks.hire_follow_up`` (internships: the agreement that starts the subsidy record, R1);
    without one, the hiring-subsidy claim any hire can carry (R6/R7)."""
    answers = hooks.ask(hooks.hire_follow_up, session, application=app)
    if answers:
        return "; ".join(answers)
    if posting.kind == "internship":
        return "internship hire: no internships area"
    return (f"hire: application #{app.id} can carry a hiring-subsidy claim (R6/R7) with the "
            "contract facts, from the subsidy claims page")


def interview_to_dict(i: Interview, fair: Fair | None = None) -> dict:
    slots = fair.slots if fair is not None else []
    return {"id": i.id, "fair_id": i.fair_id, "booth_id": i.booth_id, "organisation": i.booth.organisation.name,
            "profile_id": i.profile_id, "name": i.profile.name, "posting_id": i.posting_id,
            "posting": i.posting.title if i.posting else None, "requested_by": i.requested_by, "status": i.status,
            "slot": i.slot, "slot_label": slots[i.slot] if i.slot is not None and i.slot < len(slots) else None,
            "score": round(i.score, 3), "outcome": i.outcome, "application_id": i.application_id,
            "subsidy_note": i.subsidy_note}
