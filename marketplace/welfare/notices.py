"""The welfare area's notification kinds, and the caseworker's follow-up notices: once a
month each caseworker is told how many of their follow-ups are due this month and (when
there are any) how many from past months are overdue. Run by the daily follow-up task; the
dedupe keys name the month, so a rerun tells nobody twice."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.notifications import notify, register
from marketplace.welfare.common import _month
from marketplace.welfare.models import FollowUp

register("follow_up_due", "本月待回访", "Follow-ups due this month", ("app", "email"))
register("follow_up_overdue", "回访已逾期", "Follow-ups overdue", ("app", "email"))

DESK = "/welfare/desk"


def tell_caseworkers(session: Session, today: dt.date) -> int:
    month = _month(today)
    told = 0
    due = session.execute(select(FollowUp.assigned_to_id, func.count()).where(
        FollowUp.month == month, FollowUp.contacted_on.is_(None), FollowUp.assigned_to_id.is_not(None))
        .group_by(FollowUp.assigned_to_id)).all()
    for uid, n in due:
        told += notify(session, uid, "follow_up_due", f"follow_up_due:{month}",
                       f"本月（{month}）您有 {n} 位登记失业人员需要电话回访", f"{n} follow-up calls are due this month ({month})",
                       DESK)
    overdue = session.execute(select(FollowUp.assigned_to_id, func.count()).where(
        FollowUp.month < month, FollowUp.contacted_on.is_(None), FollowUp.assigned_to_id.is_not(None))
        .group_by(FollowUp.assigned_to_id)).all()
    for uid, n in overdue:
        told += notify(session, uid, "follow_up_overdue", f"follow_up_overdue:{month}",
                       f"您有 {n} 项以前月份的回访尚未完成，已逾期", f"{n} follow-ups from earlier months are overdue",
                       DESK)
    return told

# issue 15: a caseworker's correction of a registration or a hard-to-employ status (``corrections``)
register("welfare_record_corrected", "就业登记信息已更正", "Employment record corrected", ("app", "sms", "email"))
