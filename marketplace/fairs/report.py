"""The post-fair report: attendance by group, and per booth the interviews, intents, offers
and hires within ``HIRE_WINDOW_DAYS`` of the fair; as a dict (page, API) and as CSV.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import spreadsheets
from marketplace.core.models import ApplicationEvent, User
from marketplace.fairs.booths import booths_of, fair_to_dict, own_fair
from marketplace.fairs.models import FairRegistration, Interview

HIRE_WINDOW_DAYS = 30
GROUPS = ("graduating_year_graduate", "registered_unemployed", "veteran", "disabled", "zero_employment_family",
          "landless_farmer", "poverty_registered", "hubei_origin")


def report(session: Session, actor: User, fair_id: int) -> dict:
    """After the fair: attendance by group; per booth interviews, offers and hires within
    30 days of the fair (from the applications the fair's outcomes flowed into)."""
    fair = own_fair(session, actor, fair_id)
    regs = list(session.scalars(select(FairRegistration).where(FairRegistration.fair_id == fair.id)))
    groups = {g: [0, 0] for g in GROUPS + ("other",)}
    for r in regs:
        cats = [c.category for c in r.profile.categories if c.category in GROUPS] or ["other"]
        for c in cats:
            groups[c][0] += 1
            groups[c][1] += r.checked_in_at is not None
    until = dt.datetime.combine(fair.held_on + dt.timedelta(days=HIRE_WINDOW_DAYS), dt.time.max)
    rows = []
    for b in booths_of(session, fair.id, "approved"):
        ivs = list(session.scalars(select(Interview).where(Interview.booth_id == b.id)))
        app_ids = [i.application_id for i in ivs if i.application_id]
        hires = offers = 0
        if app_ids:
            events = list(session.scalars(select(ApplicationEvent).where(
                ApplicationEvent.application_id.in_(app_ids), ApplicationEvent.at <= until)))
            hires = len({e.application_id for e in events if e.to_stage == "hired"})
            offers = len({e.application_id for e in events if e.to_stage in ("offer", "hired")})
        rows.append({"booth_id": b.id, "organisation": b.organisation.name, "place": b.place,
                     "requested": len(ivs), "interviews": sum(i.status in ("confirmed", "done") for i in ivs),
                     "done": sum(i.status == "done" for i in ivs),
                     "intents": sum(i.outcome in ("intent", "offer", "hired") for i in ivs),
                     "offers": offers, "hires_30d": hires})
    return {"fair": fair_to_dict(fair), "registered": len(regs),
            "checked_in": sum(r.checked_in_at is not None for r in regs),
            "groups": [{"group": g, "registered": v[0], "checked_in": v[1]} for g, v in groups.items() if v[0]],
            "booths": rows, "hire_window_days": HIRE_WINDOW_DAYS}


def report_csv(rep: dict) -> str:
    """The report as CSV; an organisation's name is text it typed, neutralised
    (``marketplace.spreadsheets``)."""
    header = ["section", "name", "registered", "checked_in", "requested", "interviews", "intents", "offers",
              "hires_30d"]
    rows = [["group", g["group"], g["registered"], g["checked_in"], "", "", "", "", ""] for g in rep["groups"]]
    rows += [["booth", b["organisation"], "", "", b["requested"], b["interviews"], b["intents"], b["offers"],
              b["hires_30d"]] for b in rep["booths"]]
    return spreadsheets.csv_text(header, rows, bom=True)  # BOM: Excel opens Chinese CSV correctly
