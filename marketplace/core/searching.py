"""Search use cases: postings for everyone, profiles for employers and caseworkers.

The search backend answers with ids; the rows come from the database, so a result never
shows a posting that was closed or a profile whose consent was withdrawn since it was
indexed (they are dropped and the index is told to catch up). When the backend is down
the same request is answered by a plain database query, with a notice saying so.
"""
from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from marketplace import clock
from marketplace.core.models import KINDS, Organisation, Posting, Profile, User
from marketplace.core.postings import posting_to_dict, public_postings
from marketplace.core.profiles import index_filters, visible_profiles
from marketplace.db import after_commit, paginate
from marketplace.errors import Forbidden, ValidationFailed
from search import Query, Range, SearchUnavailable

log = logging.getLogger(__name__)

POSTING_FACETS = ("kind", "district", "education_min", "employer_type")
#: A posting found only by meaning counts as a match (``total``, facets, shown as related)
#: at this cosine or more between the query's and the posting's e5 vectors. Calibrated on
#: both graded sets (matching-dev.json and graded-2.json: see search/README.md, "Honest totals").
SIMILARITY_THRESHOLD = 0.90
SORTS = ("relevance", "date", "pay")
PROFILE_FACETS = ("district", "education", "categories")
DEGRADED = ("搜索服务暂时不可用，以下为按时间排列的简单匹配结果",
            "search is temporarily unavailable; showing simple matches, newest first")


@dataclass
class PostingSearch:
    """A validated posting search request (the web layer builds it from the query string)."""
    q: str = ""
    kind: str | None = None
    district: str | None = None
    education_max: int | None = None  # "my education": postings requiring at most this
    salary_min: int | None = None     # postings paying at least this at the top of their range
    employer_type: str | None = None
    target_group: str | None = None
    open_only: bool = True
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20


@dataclass
class SearchPage:
    items: list
    total: int
    page: int
    per_page: int
    facets: dict = field(default_factory=dict)
    degraded: bool = False
    notice: tuple[str, str] | None = None
    ranks: dict = field(default_factory=dict)  # id -> (lexical_rank, vector_rank)
    exact_total: int | None = None  # matching the words or their synonyms; they come first

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first_related(self) -> int | None:
        """Index into ``items`` where related (not exact) results start, or ``None``."""
        if self.exact_total is None:
            return None
        start = (self.page - 1) * self.per_page
        return max(0, min(len(self.items), self.exact_total - start)) if self.exact_total - start < len(self.items) else None


def _posting_filters(req: PostingSearch, today: dt.date) -> dict:
    f: dict = {"status": "published"}
    for name in ("kind", "district", "employer_type", "target_group"):
        value = getattr(req, name)
        if value:
            f[name] = value
    if req.education_max is not None:
        f["education_min"] = Range(lte=req.education_max)
    if req.salary_min is not None:
        f["salary_max"] = Range(gte=req.salary_min)
    return f


def _search_posting_index(session: Session, rt, req: PostingSearch, today: dt.date):
    """The backend's answer, or ``None`` when the backend is down or broken (``rt`` holds
    ``backend`` and ``encoder``; they are reached inside the guard, so a backend that
    cannot even open degrades too)."""
    if req.kind is not None and req.kind not in KINDS:
        raise ValidationFailed("岗位类型不正确", "unknown posting kind", field="kind")
    if req.sort not in SORTS:
        raise ValidationFailed("排序方式不正确", "sort must be relevance, date or pay", field="sort")
    try:
        filters = _posting_filters(req, today)

        def run(page: int):
            return rt.search(Query("posting", req.q, filters=filters, facets=POSTING_FACETS, sort=req.sort,
                                   page=page, per_page=req.per_page, min_similarity=SIMILARITY_THRESHOLD),
                             vector_fn=lambda: rt.encoder.encode_queries([req.q])[0])
        result = run(req.page)
        last = max(1, -(-result.total // req.per_page))
        if req.page > last:  # a page past the last shows the last
            req.page = last
            result = run(last)
        return result
    except Exception as exc:  # the backend is down or broken: degrade, never fail the page
        if not isinstance(exc, (SearchUnavailable, OSError)) and not _looks_unavailable(exc):
            raise
        log.warning("search unavailable, answering from the database: %s", exc)
        return None


def search_postings(session: Session, rt, req: PostingSearch, today: dt.date | None = None) -> SearchPage:
    """Postings matching ``req``, as ORM rows (for pages)."""
    today = today or clock.today()
    result = _search_posting_index(session, rt, req, today)
    if result is None:
        return _postings_from_db(session, req)
    ids = [int(h.id) for h in result.hits]
    rows = {p.id: p for p in session.scalars(select(Posting).options(selectinload(Posting.organisation))
                                             .where(Posting.id.in_(ids)))} if ids else {}
    items = []
    for i in ids:
        p = rows.get(i)
        # Closing dates pass without an index update: the database decides what is open.
        if p is None or (req.open_only and not p.is_open(today)):
            after_commit(session, "marketplace.index_posting", i)  # stale index entry: fix it
            continue
        items.append(p)
    return SearchPage(items, result.total, req.page, req.per_page, result.facets,
                      ranks={int(h.id): (h.lexical_rank, h.vector_rank) for h in result.hits},
                      exact_total=result.exact_total)


# Each posting's API card (``posting_to_dict``), kept per process and used only while the
# posting's ``updated_at`` is unchanged; status, dates and the organisation are read fresh
# for every request. Searching then reads one light row per result instead of loading ORM
# rows and their organisations (the search API's most frequent cost under load).
_CARDS: OrderedDict = OrderedDict()
_CARDS_LOCK = threading.Lock()
CARDS_MAX = 20000


def search_posting_cards(session: Session, rt, req: PostingSearch, today: dt.date | None = None) -> SearchPage:
    """Like :func:`search_postings`, with items as API dicts (``postings.posting_to_dict``)."""
    today = today or clock.today()
    result = _search_posting_index(session, rt, req, today)
    if result is None:
        page = _postings_from_db(session, req)
        page.items = [posting_to_dict(p) for p in page.items]
        return page
    ids = [int(h.id) for h in result.hits]
    fresh = {r.id: r for r in session.execute(
        select(Posting.id, Posting.updated_at, Posting.status, Posting.open_on, Posting.close_on,
               Organisation.id.label("org_id"), Organisation.name.label("org_name"), Organisation.org_type)
        .join(Organisation, Organisation.id == Posting.organisation_id).where(Posting.id.in_(ids)))} if ids else {}
    with _CARDS_LOCK:
        cards = {i: c[1] for i in fresh if (c := _CARDS.get(i)) is not None and c[0] == fresh[i].updated_at}
    missing = [i for i in fresh if i not in cards]
    if missing:
        for p in session.scalars(select(Posting).options(selectinload(Posting.organisation))
                                 .where(Posting.id.in_(missing))):
            cards[p.id] = posting_to_dict(p)
        with _CARDS_LOCK:
            for i in missing:
                if i in cards:
                    _CARDS[i] = (fresh[i].updated_at, cards[i])
                    _CARDS.move_to_end(i)
            while len(_CARDS) > CARDS_MAX:
                _CARDS.popitem(last=False)
    items = []
    for i in ids:
        r = fresh.get(i)
        if r is None or i not in cards or (req.open_only and not Posting.open_by(r.status, r.open_on, r.close_on,
                                                                                  today)):
            after_commit(session, "marketplace.index_posting", i)  # stale index entry: fix it
            continue
        items.append(dict(cards[i], status=r.status, open_on=r.open_on.isoformat() if r.open_on else None,
                          close_on=r.close_on.isoformat() if r.close_on else None,
                          organisation={"id": r.org_id, "name": r.org_name, "org_type": r.org_type}))
    return SearchPage(items, result.total, req.page, req.per_page, result.facets,
                      ranks={int(h.id): (h.lexical_rank, h.vector_rank) for h in result.hits},
                      exact_total=result.exact_total)


def _looks_unavailable(exc: Exception) -> bool:
    return isinstance(exc, sqlite3.Error)


def _postings_from_db(session: Session, req: PostingSearch) -> SearchPage:
    stmt = public_postings(kind=req.kind, district=req.district, q=req.q or None, education_max=req.education_max)
    if req.salary_min is not None:
        stmt = stmt.where(Posting.salary_max >= req.salary_min)
    if req.sort == "pay":
        stmt = stmt.order_by(None).order_by(Posting.salary_max.desc().nulls_last(), Posting.id.desc())
    items, total = paginate(session, stmt, req.page, req.per_page)
    last = max(1, -(-total // req.per_page))
    if req.page > last:
        req.page = last
        items, total = paginate(session, stmt, last, req.per_page)
    return SearchPage(items, total, req.page, req.per_page, degraded=True, notice=DEGRADED, exact_total=total)


def search_profiles(session: Session, rt, actor: User, q: str = "", district: str | None = None,
                    education_min: int | None = None, category: str | None = None, page: int = 1,
                    per_page: int = 20) -> SearchPage:
    """Published (consenting) profiles, for employers, agencies and caseworkers only, and
    of those only the ones the actor may see (``profiles.visible_profiles``, the rule that
    decides a 404 for one record): a caseworker asking for another district finds nobody."""
    if actor is None or actor.role not in ("employer", "agency", "caseworker", "admin"):
        raise Forbidden("只有用人单位和经办人可以搜索求职者", "only employers and caseworkers can search people")
    scope = index_filters(actor)
    if scope is None or (district and scope.get("district", district) != district):
        return SearchPage([], 0, page, per_page)
    try:
        filters: dict = {**scope, "published": True}
        if district:
            filters["district"] = district
        if education_min is not None:
            filters["education"] = Range(gte=education_min)
        if category:
            filters["categories"] = category
        result = rt.search(Query("profile", q, filters=filters, facets=PROFILE_FACETS, page=page,
                                 per_page=per_page), vector_fn=lambda: rt.encoder.encode_queries([q])[0])
    except Exception as exc:
        if not isinstance(exc, (SearchUnavailable, OSError)) and not _looks_unavailable(exc):
            raise
        log.warning("search unavailable, answering from the database: %s", exc)
        stmt = (select(Profile).where(Profile.published.is_(True), visible_profiles(actor))
                .order_by(Profile.updated_at.desc()))
        if district:
            stmt = stmt.where(Profile.district == district)
        if education_min is not None:
            stmt = stmt.where(Profile.education >= education_min)
        if q:
            stmt = stmt.where(or_(Profile.desired_jobs.contains(q), Profile.summary.contains(q)))
        items, total = paginate(session, stmt, page, per_page)
        return SearchPage(items, total, page, per_page, degraded=True, notice=DEGRADED)
    ids = [int(h.id) for h in result.hits]
    rows = {p.id: p for p in session.scalars(select(Profile).where(Profile.id.in_(ids)))} if ids else {}
    visible = set(session.scalars(select(Profile.id).where(Profile.id.in_(ids), visible_profiles(actor)))) if ids else set()
    items = []
    for i in ids:
        p = rows.get(i)
        if p is None or not p.published:
            after_commit(session, "marketplace.index_profile", i)
            continue
        if i in visible:
            items.append(p)
    return SearchPage(items, result.total, page, per_page, result.facets)
