"""The fairs area's answers to other areas' questions (``marketplace.hooks``), connected by
``marketplace.app.connect_hooks``."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.core import audit
from marketplace.fairs.models import Booth, Fair, Interview


def first_approaches(session: Session, pairs, **_) -> dict[tuple[int, int], dt.datetime]:
    """``hooks.first_approaches``: for (profile_id, posting_id) pairs, when the person first
    asked for an interview about that posting at a job fair booth (pairs never asked about
    are left out)."""
    pairs = {(int(pr), int(po)) for pr, po in pairs}
    if not pairs:
        return {}
    profile_ids = {pr for pr, _ in pairs}
    posting_ids = {po for _, po in pairs}
    rows = session.execute(
        select(Interview.profile_id, Interview.posting_id, func.min(Interview.created_at))
        .where(Interview.profile_id.in_(profile_ids), Interview.posting_id.in_(posting_ids))
        .group_by(Interview.profile_id, Interview.posting_id))
    return {(pr, po): at for pr, po, at in rows if (pr, po) in pairs}


#: the booth's outcome that matches the stage a reversed hire went back to
_OUTCOME_FOR_STAGE = {"offer": "offer", "interview": "intent"}


def on_hire_reversed(session: Session, application, actor=None, on=None, to_stage: str = "", reason: str = "",
                     **_) -> None:
    """``hooks.hire_reversed``: a fair interview whose outcome made this hire no longer counts
    as a hire (the fair's report counts hires from outcomes): its outcome follows the stage
    the application went back to (offer, intent, or none), and the hire's subsidy note goes."""
    for iv in session.scalars(select(Interview).where(Interview.application_id == application.id,
                                                      Interview.outcome == "hired")):
        before = {"outcome": iv.outcome}
        iv.outcome, iv.subsidy_note = _OUTCOME_FOR_STAGE.get(to_stage), ""
        audit.record(session, actor, "fair_interview", iv.id, "hire_reversed", before=before,
                     after={"outcome": iv.outcome}, reason=reason)


def employer_today(session: Session, organisation_id: int, today: dt.date, **_) -> list[dict]:
    """For the employer's landing page: its confirmed fair interviews today."""
    n = session.scalar(select(func.count()).select_from(Interview).join(Booth, Interview.booth_id == Booth.id)
                       .join(Fair, Booth.fair_id == Fair.id)
                       .where(Booth.organisation_id == organisation_id, Fair.held_on == today,
                              Interview.status == "confirmed"))
    if not n:
        return []
    return [{"zh": "今天的招聘会面试", "en": "fair interviews today", "count": n, "endpoint": "fairs.employer_fairs",
             "urgent": True}]
