"""Correcting a fair before it starts (issue 15): the organiser edits its name, day, mode,
venue, description and time slots, or cancels a booth; every change audited with before,
after and the reason.

* A fair that has started (its day has come) no longer changes; a new day is never in the
  past; slots are in order and never overlap (``schemas._check_slots``).
* A confirmed interview whose slot an edit removes goes back to a request (the next
  allocation round places it again) and its holder is told; interviews in slots that stay
  keep their time (their slot number follows the label).
* A cancelled booth's interview requests and confirmed interviews are cancelled and each
  person is told, so they can ask another booth.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.core import audit
from marketplace.core.models import Profile, User
from marketplace.errors import Conflict, NotFound, ValidationFailed
from marketplace.fairs import notices  # noqa: F401  (registers the kinds told here)
from marketplace.fairs.booths import EMPLOYER_ROLES, ORGANISER_ROLES, own_fair
from marketplace.fairs.bus import publish_after_commit
from marketplace.fairs.models import Booth, Fair, Interview
from marketplace.notifications.service import notify

FIELDS = ("name", "mode", "held_on", "venue", "slots", "description")


def _values(fair: Fair) -> dict:
    return {k: (getattr(fair, k).isoformat() if k == "held_on" else
                list(getattr(fair, k)) if k == "slots" else getattr(fair, k)) for k in FIELDS}


def _not_started(fair: Fair) -> None:
    if fair.held_on <= clock.today():
        raise Conflict("招聘会已开始或已举办，不能再修改", "the fair has started or taken place; it no longer changes",
                       field="held_on")


def _tell(session: Session, profile_id: int, kind: str, key: str, zh: str, en: str, link: str) -> None:
    user_id = session.scalar(select(Profile.user_id).where(Profile.id == profile_id))
    if user_id:
        notify(session, user_id, kind, key, zh, en, link)


def edit_fair(session: Session, actor: User, fair_id: int, data, reason: str = "") -> Fair:
    """The organiser corrects a fair that has not started (``data``: a ``FairIn``)."""
    fair = own_fair(session, actor, fair_id, lock=True)
    _not_started(fair)
    if data.held_on < clock.today():
        raise ValidationFailed("招聘会日期不能早于今天", "the fair's day cannot be in the past", field="held_on")
    if data.mode in ("onsite", "both") and not data.venue:
        raise ValidationFailed("现场招聘会须填写场地", "an on-site fair needs a venue", field="venue")
    before = _values(fair)
    old_slots, new_slots = list(fair.slots), list(data.slots)
    fair.name, fair.mode, fair.held_on, fair.venue = data.name, data.mode, data.held_on, data.venue
    fair.slots, fair.description, fair.current_slot = new_slots, data.description, 0
    moved_back = 0
    stamp = clock.now_utc().strftime("%Y%m%d%H%M%S%f")
    for iv in session.scalars(select(Interview).where(Interview.fair_id == fair.id, Interview.slot.is_not(None),
                                                      Interview.status == "confirmed")):
        label = old_slots[iv.slot] if iv.slot < len(old_slots) else None
        if label in new_slots:
            iv.slot = new_slots.index(label)
            continue
        iv.status, iv.slot = "requested", None  # back into the allocation
        moved_back += 1
        _tell(session, iv.profile_id, "fair_slot_removed", f"fair:{fair.id}:slot_removed:{iv.id}:{stamp}",
              f"招聘会“{fair.name}”的面试时段{label}已取消，您的面试请求将重新安排",
              f"The interview slot {label} at \"{fair.name}\" was removed; your request will be placed again",
              f"/me/fairs/{fair.id}")
    after = _values(fair)
    changed = [k for k in FIELDS if before[k] != after[k]]
    session.flush()
    audit.record(session, actor, "fair", fair.id, "edit", before={k: before[k] for k in changed},
                 after={**{k: after[k] for k in changed}, "interviews_back_to_requests": moved_back}, reason=reason)
    publish_after_commit(session, fair.id, {"type": "fair"})
    return fair


def cancel_booth(session: Session, actor: User, fair_id: int, booth_id: int, reason: str) -> Booth:
    """The organiser (or the booth's own employer) cancels a booth before the fair, with the
    reason; the people with an interview request or a confirmed interview there are told."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("取消展位须说明理由", "a cancellation needs a reason", field="reason")
    if actor.role in ORGANISER_ROLES:
        fair = own_fair(session, actor, fair_id, lock=True)
        booth = session.get(Booth, booth_id)
    elif actor.role in EMPLOYER_ROLES:
        fair = session.get(Fair, fair_id)
        booth = session.get(Booth, booth_id)
        if booth is not None and booth.organisation_id != actor.organisation_id:
            booth = None
    else:
        raise NotFound("展位", "booth")
    if fair is None or booth is None or booth.fair_id != fair.id:
        raise NotFound("展位", "booth")
    _not_started(fair)
    if booth.status == "cancelled":
        return booth
    before = booth.status
    booth.status, booth.decision_note = "cancelled", reason
    booth.decided_at = clock.now_utc()
    told = 0
    for iv in session.scalars(select(Interview).where(Interview.booth_id == booth.id,
                                                      Interview.status.in_(("requested", "confirmed")))):
        iv.status, iv.slot, iv.note = "cancelled", None, f"展位取消 / booth cancelled: {reason}"
        told += 1
        _tell(session, iv.profile_id, "fair_booth_cancelled", f"fair:{fair.id}:booth_cancelled:{booth.id}:{iv.id}",
              f"招聘会“{fair.name}”的展位“{booth.organisation.name}”已取消（{reason}），您可以向其他展位申请面试",
              f"The booth of {booth.organisation.name} at \"{fair.name}\" was cancelled ({reason}); you can ask "
              "another booth for an interview", f"/me/fairs/{fair.id}")
    session.flush()
    audit.record(session, actor, "fair_booth", booth.id, "cancel", before={"status": before},
                 after={"status": "cancelled", "people_told": told}, reason=reason)
    publish_after_commit(session, fair.id, {"type": "booth", "booth": booth.id})
    return booth
