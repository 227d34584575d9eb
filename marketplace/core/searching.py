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
from dataclasses import dataclass, field

from sqlalchemy import Row, bindparam, or_, select
from sqlalchemy.orm import Session, selectinload

from marketplace import clock
from marketplace.core.models import EDUCATION_LEVELS, KINDS, Organisation, Posting, Profile, User
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
    #: the facet counts to compute (of POSTING_FACETS): counting costs a pass over every
    #: match, so a caller asks only for those it shows (the postings page: kind, district)
    facets: tuple[str, ...] = ()


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


def facets_arg(raw: str | None, known: tuple[str, ...] = POSTING_FACETS) -> tuple[str, ...]:
    """The API's ``facets`` parameter: absent or ``all``/``1`` → every facet of ``known`` (as
    before the parameter existed), ``0``/``none`` → none, else comma-separated names."""
    if raw is None or raw.strip().lower() in ("1", "all", "true"):
        return known
    if raw.strip().lower() in ("", "0", "none", "false"):
        return ()
    names = tuple(dict.fromkeys(n.strip() for n in raw.split(",") if n.strip()))
    if not set(names) <= set(known):
        raise ValidationFailed(f"分面统计只能是 {', '.join(known)}、all 或 0",
                               f"facets must be all, 0, or among {', '.join(known)}", field="facets")
    return names


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
    if not set(req.facets) <= set(POSTING_FACETS):
        raise ValidationFailed(f"分面统计只能是 {', '.join(POSTING_FACETS)}",
                               f"facets must be among {', '.join(POSTING_FACETS)}", field="facets")
    try:
        filters = _posting_filters(req, today)

        def run(page: int):
            return rt.search(Query("posting", req.q, filters=filters, facets=list(req.facets), sort=req.sort,
                                   page=page, per_page=req.per_page, min_similarity=SIMILARITY_THRESHOLD),
                             vector_fn=lambda: rt.query_vector(req.q))
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


# The result list's rows: one Core select of the columns a card shows (the API's card is
# ``postings.posting_to_dict``'s, which a test holds equal) and the organisation's three,
# never ORM objects with their relationships. Status and dates come with them, so the
# database, not the index, decides what is open.
_CARD_COLUMNS = (Posting.id, Posting.kind, Posting.title, Posting.description, Posting.requirements, Posting.skills,
                 Posting.education_min, Posting.salary_min, Posting.salary_max, Posting.headcount, Posting.district,
                 Posting.target_group, Posting.hiring_conditions, Posting.for_graduates, Posting.open_on,
                 Posting.close_on, Posting.status, Posting.period_months, Posting.stipend, Posting.temporary,
                 Posting.term_months, Posting.occupation_code, Posting.published_at, Posting.updated_at,
                 Organisation.id.label("org_id"), Organisation.name.label("org_name"), Organisation.org_type)


# built once (a bound list of ids): composing a 27-column select per request cost more than running it
_CARDS_QUERY = (select(*_CARD_COLUMNS).join(Organisation, Organisation.id == Posting.organisation_id)
                .where(Posting.id.in_(bindparam("ids", expanding=True))))


def _card(r) -> dict:
    iso = (lambda d: d.isoformat() if d else None)
    return {
        "id": r.id, "kind": r.kind, "title": r.title, "description": r.description, "requirements": r.requirements,
        "skills": list(r.skills or []), "education_min": r.education_min,
        "education_min_name": EDUCATION_LEVELS.get(r.education_min), "salary_min": r.salary_min,
        "salary_max": r.salary_max, "headcount": r.headcount, "district": r.district, "target_group": r.target_group,
        "hiring_conditions": list(r.hiring_conditions or []), "for_graduates": r.for_graduates,
        "open_on": iso(r.open_on), "close_on": iso(r.close_on), "status": r.status,
        "period_months": r.period_months, "stipend": str(r.stipend) if r.stipend is not None else None,
        "temporary": r.temporary, "term_months": r.term_months, "occupation_code": r.occupation_code,
        "organisation": {"id": r.org_id, "name": r.org_name, "org_type": r.org_type},
        "published_at": iso(r.published_at), "updated_at": iso(r.updated_at),
    }


def posting_cards(session: Session, ids: list[int]) -> dict[int, tuple[dict, Row]]:
    """id -> (card, its row: status and dates) for those of ``ids`` that exist, in one light query."""
    if not ids:
        return {}
    rows = session.connection().execute(_CARDS_QUERY, {"ids": list(ids)})  # Core rows, no ORM loading
    return {r.id: (_card(r), r) for r in rows}


def search_posting_cards(session: Session, rt, req: PostingSearch, today: dt.date | None = None) -> SearchPage:
    """Like :func:`search_postings`, with items as API dicts (``postings.posting_to_dict``'s
    fields) read by :func:`posting_cards` (the search API and the postings page)."""
    today = today or clock.today()
    result = _search_posting_index(session, rt, req, today)
    if result is None:
        page = _postings_from_db(session, req)
        page.items = [posting_to_dict(p) for p in page.items]
        return page
    ids = [int(h.id) for h in result.hits]
    found = posting_cards(session, ids)
    items = []
    for i in ids:
        card, r = found.get(i, (None, None))
        # Closing dates pass without an index update: the database decides what is open.
        if card is None or (req.open_only and not Posting.open_by(r.status, r.open_on, r.close_on, today)):
            after_commit(session, "marketplace.index_posting", i)  # stale index entry: fix it
            continue
        items.append(card)
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
                    per_page: int = 20, facets: tuple[str, ...] = PROFILE_FACETS) -> SearchPage:
    """Published (consenting) profiles, for employers, agencies and caseworkers only, and
    of those only the ones the actor may see (``profiles.visible_profiles``, the rule that
    decides a 404 for one record): a caseworker asking for another district finds nobody.
    ``facets``: the counts to compute (each is a pass over every match; the page shows the
    districts only)."""
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
        result = rt.search(Query("profile", q, filters=filters, facets=list(facets), page=page,
                                 per_page=per_page), vector_fn=lambda: rt.query_vector(q))
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
