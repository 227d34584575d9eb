"""Saved posting searches and their alerts.

A person saves the search they are looking at (words and the page's filters). Once a day the
``marketplace.saved_search_alerts`` task runs each saved search again and, when postings
published since the person last heard from it match it (its words or their synonyms: the
*exact* matches, never those only related by meaning), notifies them through
``notifications.service.notify`` with a link to the search. At most one alert a day per saved
search: the key carries the date and ``alerted_on`` records it.
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import urlencode

from pydantic import StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.core import searching
from marketplace.core.models import DISTRICTS, KINDS, Posting, SavedSearch, User
from marketplace.core.schemas import Strict
from marketplace.errors import Forbidden, NotFound, ValidationFailed
from marketplace.notifications.service import notify

MAX_PER_PERSON = 20


class SavedSearchIn(Strict):
    """A posting search to be told about: the words and the page's filters."""
    q: Annotated[str, StringConstraints(max_length=100)] = ""
    kind: str | None = None
    district: str | None = None
    education: int | None = None
    salary_min: int | None = None
FILTERS = ("kind", "district", "education", "salary_min")


def _clean_filters(filters: dict) -> dict:
    out: dict = {}
    for name, value in (filters or {}).items():
        if value in (None, ""):
            continue
        if name == "kind":
            if value not in KINDS:
                raise ValidationFailed("岗位类型不正确", "unknown posting kind", field="kind")
        elif name == "district":
            if value not in DISTRICTS:
                raise ValidationFailed("区县不正确", "unknown district", field="district")
        elif name == "education":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 7:
                raise ValidationFailed("学历应为 0 到 7", "education must be 0-7", field="education")
        elif name == "salary_min":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1_000_000:
                raise ValidationFailed("月薪应为 0 到 1000000 之间的整数", "salary_min must be 0-1000000",
                                       field="salary_min")
        else:
            raise ValidationFailed(f"不能按 {name} 保存", f"unknown filter {name}", field=name)
        out[name] = value
    return out


def save(session: Session, actor: User, q: str, filters: dict) -> SavedSearch:
    """Save ``q`` with ``filters`` for ``actor`` (a person); the same search twice is one."""
    if actor is None or actor.role != "person":
        raise Forbidden("只有求职者可以保存搜索", "only job seekers can save searches")
    q = (q or "").strip()
    if len(q) > 100:
        raise ValidationFailed("搜索词最多 100 个字", "q is at most 100 characters", field="q")
    filters = _clean_filters(filters)
    mine = list(session.scalars(select(SavedSearch).where(SavedSearch.user_id == actor.id)))
    for s in mine:
        if s.q == q and s.filters == filters:
            return s
    if len(mine) >= MAX_PER_PERSON:
        raise ValidationFailed(f"最多保存 {MAX_PER_PERSON} 个搜索", f"at most {MAX_PER_PERSON} saved searches",
                               field="q")
    s = SavedSearch(user_id=actor.id, q=q, filters=filters, checked_at=clock.now_utc())
    session.add(s)
    session.flush()
    return s


def saved_for(session: Session, actor: User) -> list[SavedSearch]:
    return list(session.scalars(select(SavedSearch).where(SavedSearch.user_id == actor.id)
                                .order_by(SavedSearch.id.desc())))


def delete(session: Session, actor: User, saved_id: int) -> None:
    s = session.get(SavedSearch, saved_id)
    if s is None or s.user_id != actor.id:
        raise NotFound("保存的搜索", "saved search")
    session.delete(s)
    session.flush()


def link(s: SavedSearch) -> str:
    args = {"q": s.q, **{k: v for k, v in s.filters.items()}, "sort": "date"}
    return "/postings?" + urlencode({k: v for k, v in args.items() if v not in ("", None)})


def to_dict(s: SavedSearch) -> dict:
    return {"id": s.id, "q": s.q, "filters": s.filters, "link": link(s), "created_at": s.created_at.isoformat(),
            "alerted_on": s.alerted_on.isoformat() if s.alerted_on else None}


def _request(s: SavedSearch) -> searching.PostingSearch:
    f = s.filters
    return searching.PostingSearch(q=s.q, kind=f.get("kind"), district=f.get("district"),
                                   education_max=f.get("education"), salary_min=f.get("salary_min"),
                                   sort="date", page=1, per_page=50)


def new_matches(session: Session, rt, s: SavedSearch, today: dt.date) -> list[Posting]:
    """Open postings published since ``s.checked_at`` that match its words (or synonyms)."""
    page = searching.search_postings(session, rt, _request(s), today)
    exact = page.items if page.exact_total is None else page.items[:page.exact_total]
    return [p for p in exact if p.published_at is not None and p.published_at > s.checked_at]


def run_alerts(session: Session, rt, today: dt.date | None = None) -> dict:
    """One pass over every saved search not yet alerted today: notify the person of new
    matching postings. Idempotent (a second run the same day sends nothing)."""
    today = today or clock.today()
    now = clock.now_utc()
    sent = checked = 0
    for s in session.scalars(select(SavedSearch).where((SavedSearch.alerted_on.is_(None))
                                                       | (SavedSearch.alerted_on < today))
                             .order_by(SavedSearch.id)):
        checked += 1
        found = new_matches(session, rt, s, today)
        if not found:
            continue  # nothing new: checked_at stays, so tomorrow still looks back to it
        what = s.q or "所有岗位"
        titles = "、".join(p.title for p in found[:3])
        if notify(session, s.user_id, "saved_search", f"saved_search:{s.id}:{today.isoformat()}",
                  f"「{what}」有 {len(found)} 个新岗位：{titles}{'等' if len(found) > 3 else ''}",
                  f"{len(found)} new posting(s) for “{s.q or 'all postings'}”: {titles}", link(s)):
            sent += 1
        s.alerted_on = today
        s.checked_at = max(now, *(p.published_at for p in found))  # what was told is never told again
    session.flush()
    return {"checked": checked, "sent": sent}
