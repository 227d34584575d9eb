"""A caseworker corrects a person's welfare records (issue 15, section 1 "Profiles"): an
unemployment registration's dates and status, a hard-to-employ status's dates and state.
Every correction names its reason and is audited with the changed fields' before and after
(``action="correct"``); the person is told (``welfare_record_corrected``) and sees the list
of corrections on their own page (``corrections_for_person``).

Readings (**[choice]**):

* A registration's date may move within the bounds a desk registration has (not after
  today, not more than ten years back); its end date lies between its registration date and
  today and needs one of the end reasons; emptying the end date reopens it, refused while
  another registration of the person is open (a person has one open registration).
* The profile's ``registered_unemployed`` category follows the corrected registration, and
  the profile is re-indexed after the commit (matching and R8 read the new facts).
* A hard-to-employ status's grant date cannot be after today; an end date needs the reason
  it ended and lies between the grant and today; clearing it restores the status, refused
  while another status of the person is in force.
* A correction that changes nothing is refused (nothing to audit, nobody to tell).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.core import audit
from marketplace.core.models import AuditEntry, Profile, User
from marketplace.db import after_commit
from marketplace.errors import Conflict, ValidationFailed
from marketplace.notifications import notify
from marketplace.policy import add_months
from marketplace.welfare import (
    notices,  # noqa: F401  (registers the kind told here)
    rechecks,
)
from marketplace.welfare.common import served_row
from marketplace.welfare.models import HardToEmployStatus, Registration
from marketplace.welfare.registrations import _mirror_category, _reg_summary, open_registration

#: the corrected fields as a person reads them
FIELD_NAMES = {"registered_on": ("登记日期", "registration date"), "ended_on": ("注销日期", "end date"),
               "end_reason": ("注销原因", "reason it ended"),
               "flexible_or_self_employed": ("灵活就业或自主创业", "flexible or self-employment"),
               "granted_on": ("认定日期", "date granted"), "note": ("认定依据", "ground"),
               "revoked_on": ("终止日期", "date it ended"), "revoked_reason": ("终止原因", "reason it ended")}
RECORD_NAMES = {"registration": ("失业登记", "unemployment registration"),
                "hard_to_employ": ("就业困难人员认定", "hard-to-employ status")}


def _changed(before: dict, after: dict) -> list[str]:
    return [k for k in after if before.get(k) != after[k]]


def _told(session: Session, profile: Profile, entity: str, row_id: int, changed: list[str], reason: str) -> None:
    if profile.user_id is None:
        return
    rz, re_ = RECORD_NAMES[entity]
    zh = "、".join(FIELD_NAMES[k][0] for k in changed)
    en = ", ".join(FIELD_NAMES[k][1] for k in changed)
    stamp = clock.now_utc().strftime("%Y%m%d%H%M%S%f")
    notify(session, profile.user_id, "welfare_record_corrected", f"{entity}:{row_id}:corrected:{stamp}",
           f"经办人员更正了您的{rz}：{zh}，理由：{reason}", f"A caseworker corrected your {re_}: {en}; reason: {reason}",
           "/welfare/me")


def _check_end(start: dt.date, end: dt.date, today: dt.date, field: str, outside: tuple[str, str],
               reason_field: str, reason_given: bool, ask_reason: tuple[str, str]) -> None:
    """A corrected end date lies between the record's start and today, and says why it ended."""
    if not start <= end <= today:
        raise ValidationFailed(*outside, field=field)
    if not reason_given:
        raise ValidationFailed(*ask_reason, field=reason_field)


def _record(session: Session, actor: User, profile: Profile, entity: str, row_id: int, before: dict, after: dict,
            changed: list[str], reason: str) -> None:
    """Audit the changed fields' before and after, re-index the person after the commit, tell them."""
    session.flush()
    audit.record(session, actor, entity, row_id, "correct", before={k: before[k] for k in changed},
                 after={k: after[k] for k in changed}, reason=reason)
    after_commit(session, "marketplace.index_profile", profile.id)
    _told(session, profile, entity, row_id, changed, reason)


def correct_registration(session: Session, actor: User, registration_id: int, data,
                         today: dt.date | None = None) -> Registration:
    """``data``: a ``RegistrationCorrectionIn``."""
    today = today or clock.today()
    reg = served_row(session, actor, Registration, registration_id, lambda r: r.district,
                     ("失业登记", "registration"), lock=True)
    if data.registered_on > today or data.registered_on < add_months(today, -120):
        raise ValidationFailed("登记日期不能晚于今天，也不能早于十年前", "the registration date cannot be in the future "
                               "or more than ten years ago", field="registered_on")
    if data.ended_on is not None:
        _check_end(data.registered_on, data.ended_on, today, "ended_on",
                   ("注销日期应在登记日期和今天之间", "the end date must be between the registration date and today"),
                   "end_reason", data.end_reason is not None, ("请选择注销原因", "choose why the registration ended"))
    elif reg.ended_on is not None:
        other = open_registration(session, reg.profile_id)
        if other is not None and other.id != reg.id:
            raise Conflict(f"该人员已有有效的失业登记（#{other.id}），不能重新打开这一条",
                           f"the person has another open registration (#{other.id}); this one cannot be reopened",
                           field="ended_on")
    before = {**_reg_summary(reg), "flexible_or_self_employed": reg.flexible_or_self_employed}
    reg.registered_on, reg.flexible_or_self_employed = data.registered_on, data.flexible_or_self_employed
    if data.ended_on is None:
        reg.ended_on, reg.end_reason, reg.end_note, reg.ended_by_id = None, None, "", None
    else:
        reg.ended_on, reg.end_reason = data.ended_on, data.end_reason
        reg.ended_by_id = reg.ended_by_id if before["ended_on"] else actor.id
    after = {**_reg_summary(reg), "flexible_or_self_employed": reg.flexible_or_self_employed}
    changed = [k for k in _changed(before, after) if k in FIELD_NAMES]
    if not changed:
        raise ValidationFailed("没有需要更正的内容", "nothing was changed", field="registered_on")
    _mirror_category(reg.profile, reg)
    _record(session, actor, reg.profile, "registration", reg.id, before, after, changed, data.reason)
    rechecks.recheck(session, actor, reg.profile, "registration", reg, today)
    return reg


def _hte_values(status: HardToEmployStatus) -> dict:
    return {"granted_on": status.granted_on.isoformat(), "note": status.note,
            "revoked_on": status.revoked_on.isoformat() if status.revoked_on else None,
            "revoked_reason": status.revoked_reason}


def correct_hte(session: Session, actor: User, status_id: int, data, today: dt.date | None = None) -> HardToEmployStatus:
    """``data``: a ``HardToEmployCorrectionIn``."""
    today = today or clock.today()
    status = served_row(session, actor, HardToEmployStatus, status_id, lambda s: s.profile.district,
                        ("就业困难人员身份", "hard-to-employ status"), lock=True)
    if data.granted_on > today:
        raise ValidationFailed("认定日期不能晚于今天", "the date granted cannot be in the future", field="granted_on")
    if status.basis == "registered" and not data.note.strip():
        raise ValidationFailed("请填写认定依据（如认定证明编号）", "give the ground of the registration (e.g. the "
                               "certificate number)", field="note")
    if data.revoked_on is not None:
        _check_end(data.granted_on, data.revoked_on, today, "revoked_on",
                   ("终止日期应在认定日期和今天之间", "the end date must be between the date granted and today"),
                   "revoked_reason", bool(data.revoked_reason.strip()), ("请填写终止原因", "give the reason it ended"))
    elif status.revoked_on is not None:
        other = session.scalar(select(HardToEmployStatus.id).where(
            HardToEmployStatus.profile_id == status.profile_id, HardToEmployStatus.revoked_on.is_(None),
            HardToEmployStatus.id != status.id))
        if other is not None:
            raise Conflict("该人员已有有效的就业困难人员身份，不能恢复这一条", "the person has another hard-to-employ "
                           "status in force; this one cannot be restored", field="revoked_on")
    before = _hte_values(status)
    status.granted_on, status.note = data.granted_on, data.note
    status.revoked_on = data.revoked_on
    status.revoked_reason = data.revoked_reason if data.revoked_on is not None else ""
    after = _hte_values(status)
    changed = _changed(before, after)
    if not changed:
        raise ValidationFailed("没有需要更正的内容", "nothing was changed", field="granted_on")
    _record(session, actor, status.profile, "hard_to_employ", status.id, before, after, changed, data.reason)
    rechecks.recheck(session, actor, status.profile, "hard_to_employ", status, today)
    return status


def corrections_for_person(session: Session, profile_id: int, limit: int = 20) -> list[dict]:
    """The corrections of this person's welfare records, newest first: when, which record,
    each changed field before -> after, and why (for the person's page and the caseworker's)."""
    reg_ids = select(Registration.id).where(Registration.profile_id == profile_id)
    hte_ids = select(HardToEmployStatus.id).where(HardToEmployStatus.profile_id == profile_id)
    rows = session.scalars(select(AuditEntry).where(AuditEntry.action == "correct", or_(
        (AuditEntry.entity == "registration") & AuditEntry.entity_id.in_(reg_ids),
        (AuditEntry.entity == "hard_to_employ") & AuditEntry.entity_id.in_(hte_ids)))
        .order_by(AuditEntry.id.desc()).limit(limit))
    out = []
    for e in rows:
        before, after = e.before or {}, e.after or {}
        out.append({"at": e.at, "record": RECORD_NAMES[e.entity], "record_id": e.entity_id, "reason": e.reason,
                    "changes": [{"zh": FIELD_NAMES.get(k, (k, k))[0], "en": FIELD_NAMES.get(k, (k, k))[1],
                                 "before": before.get(k), "after": after.get(k)} for k in after]})
    return out
