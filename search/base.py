"""The search interface: plain dataclasses in, plain dataclasses out.

The services layer converts ORM rows to :class:`Document` and calls a
:class:`SearchBackend`; it never sees SQLite or Elasticsearch. Embeddings are
computed outside (``matching.encoder``) and passed in as ``Document.vector`` and
``Query.query_vector``: no backend loads a model.

Field values (``Document.fields``) are one of

* keyword: ``str`` (or ``list[str]`` for multi-valued fields such as ``categories``),
* number: ``int`` / ``float`` (``bool`` is kept as a keyword ``"true"``/``"false"``),
* date: ``datetime.date`` (a ``datetime`` is truncated to its date),
* ``None`` / absent: the document has no value for the field.

Filters (``Query.filters``, a dict field → condition, all conditions AND-ed):

* ``"district": "顺城区"`` — term (for list fields: the list contains it);
* ``"kind": ["job", "internship"]`` — any of (a ``None`` member also admits
  documents without the field, e.g. ``"target_group": [None, "veteran"]``);
* ``"district": None`` — the field is missing;
* ``"salary_max": Range(gte=4000)``, ``"close_on": Range(gte=date.today())`` —
  numeric or date range, bounds inclusive (``gt``/``lt`` exclusive).

Scores are comparable only within one result. Ranks (``Hit.lexical_rank``,
``Hit.vector_rank``) are 1-based positions in each retriever's own list, or
``None`` when that retriever did not return the document (useful for explanations:
"matched words" vs "similar meaning").
"""
from __future__ import annotations

import abc
import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal, Mapping, Sequence

DocType = Literal["posting", "profile"]
DOC_TYPES: tuple[str, ...] = ("posting", "profile")

#: Education levels used by ``education_min`` (postings) and ``education`` (profiles).
EDUCATION_LEVELS: dict[str, int] = {
    "不限": 0, "小学": 1, "初中": 2, "高中": 3, "中专": 3, "高中/中专": 3, "职高": 3, "技校": 3,
    "大专": 4, "本科": 5, "硕士": 6, "研究生": 6, "博士": 7,
}

#: Filterable/facetable fields per document type and their kind
#: (``keyword``, ``keywords`` (list), ``int``, ``float``, ``date``, ``bool``).
#: Backends accept other fields too (typed from their values); these are the ones
#: the services rely on, and the Elasticsearch mapping is built from them.
FIELD_SCHEMA: dict[str, dict[str, str]] = {
    "posting": {
        "kind": "keyword",             # job | internship | public_welfare
        "district": "keyword",         # 顺城区, 新抚区, ...
        "education_min": "int",        # 0 不限 .. 7 博士 (EDUCATION_LEVELS)
        "salary_min": "int",           # yuan / month
        "salary_max": "int",
        "employer_type": "keyword",    # enterprise | soe | public_institution | social_org
        "status": "keyword",           # draft | published | closed
        "open_on": "date",
        "close_on": "date",
        "target_group": "keyword",     # a profile category, or None for everyone
        "occupation_code": "keyword",  # e.g. 6-18-01-01
        "employer_id": "keyword",
    },
    "profile": {
        "district": "keyword",
        "education": "int",            # EDUCATION_LEVELS
        "categories": "keywords",      # graduate_2021, registered_unemployed, ...
        "graduation_year": "int",
        "published": "bool",
        "consent": "bool",
        "desired_salary": "int",
        "occupation_code": "keywords",
    },
}

SortOrder = Literal["relevance", "date", "pay"]
Mode = Literal["hybrid", "lexical", "vector"]


class SearchError(Exception):
    """Base class of search errors."""


class SearchUnavailable(SearchError):
    """The backend cannot answer now (server down, index missing, file unreadable).

    Callers catch it and degrade to a database query with a notice to the user.
    """


@dataclass(frozen=True)
class Range:
    """A numeric or date range filter; ``None`` bounds are open. ``gte``/``lte`` are
    inclusive, ``gt``/``lt`` exclusive."""

    gte: Any = None
    lte: Any = None
    gt: Any = None
    lt: Any = None

    def bounds(self) -> list[tuple[str, Any]]:
        """The non-empty bounds as (``>=``/``<=``/``>``/``<``, value) pairs."""
        ops = ((">=", self.gte), ("<=", self.lte), (">", self.gt), ("<", self.lt))
        return [(op, v) for op, v in ops if v is not None]


@dataclass
class Document:
    """One searchable posting or profile.

    ``title``, ``skills`` and ``text`` are searched (weights title > skills > text);
    they are normalised (NFKC, simplified) by the backend, so callers may pass raw
    text. ``fields`` hold the filterable/facetable values (see :data:`FIELD_SCHEMA`).
    ``vector`` is the document's embedding (e5 ``passage:``), or ``None``.
    ``updated_on`` orders results when ``Query.sort == "date"`` (newest first).
    """

    id: str
    doc_type: DocType
    title: str = ""
    text: str = ""
    skills: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    vector: Sequence[float] | None = None
    updated_on: _dt.date | _dt.datetime | None = None


@dataclass
class Query:
    """A search request.

    ``text`` may be empty (browse: everything matching the filters, newest first).
    ``mode``: ``hybrid`` fuses lexical and vector rankings (falls back to whichever
    side is available when ``text`` or ``query_vector`` is missing); ``lexical`` and
    ``vector`` use one side only. ``query_vector`` is the e5 ``query:`` embedding of
    ``text``. ``facets`` names fields to count values of over all matching documents.
    ``page`` is 1-based.
    """

    doc_type: DocType
    text: str = ""
    filters: Mapping[str, Any] = field(default_factory=dict)
    facets: Sequence[str] = ()
    sort: SortOrder = "relevance"
    page: int = 1
    per_page: int = 20
    mode: Mode = "hybrid"
    query_vector: Sequence[float] | None = None
    #: vector candidates count (in ``total``) and show only at this cosine or more: a
    #: meaning close enough to call a match (``tools.search_quality.SIMILARITY_THRESHOLD``,
    #: calibrated on both graded sets). ``None``: every vector candidate (the old way).
    min_similarity: float | None = None

    def validate(self) -> None:
        """Raise ``ValueError`` for a request no backend can answer."""
        if self.doc_type not in DOC_TYPES:
            raise ValueError(f"doc_type must be one of {DOC_TYPES}, not {self.doc_type!r}")
        if self.sort not in ("relevance", "date", "pay"):
            raise ValueError(f"sort must be 'relevance', 'date' or 'pay', not {self.sort!r}")
        if self.sort == "pay" and self.doc_type != "posting":
            raise ValueError("sort 'pay' is for postings")
        if self.mode not in ("hybrid", "lexical", "vector"):
            raise ValueError(f"mode must be hybrid, lexical or vector, not {self.mode!r}")
        if self.page < 1 or not 1 <= self.per_page <= 1000:
            raise ValueError("page must be >= 1 and per_page in 1..1000")
        for name, cond in self.filters.items():
            if isinstance(cond, Range) and not cond.bounds():
                raise ValueError(f"empty range for {name}")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass
class Hit:
    """One result: the document id, its fused score, and its 1-based rank in the
    lexical and vector lists (``None`` when that side did not return it)."""

    id: str
    score: float
    lexical_rank: int | None = None
    vector_rank: int | None = None


@dataclass
class SearchResult:
    """A page of hits. ``total`` counts all matching documents (lexical matches plus
    vector candidates not matched lexically, after filters). ``facets`` maps each
    requested field to {value: count} over those documents (numbers and dates as
    their string form, booleans as ``"true"``/``"false"``). ``notes`` says what the
    backend did that a user may notice (e.g. ``"relaxed"``: no document had every
    word, so documents with any word are shown).

    ``exact_total`` counts the documents matching the query's words (every term, each
    term or one of its synonyms); with ``Query.min_similarity`` set (the app's searches)
    they come first in every sort order, so hits at
    positions ``>= exact_total`` (0-based over all pages) are *related*: found by
    meaning (a vector at ``Query.min_similarity`` or more) or by some of the words
    (``"relaxed"``). ``total`` counts both. Without query text both are the browse count."""

    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 20
    notes: list[str] = field(default_factory=list)
    exact_total: int | None = None

    @property
    def ids(self) -> list[str]:
        return [h.id for h in self.hits]


class SearchBackend(abc.ABC):
    """A search index over postings and profiles.

    All methods are safe to call from several threads. Writes are upserts keyed by
    (``doc_type``, ``id``) and idempotent, so an indexing task may run twice. After
    ``index``/``delete`` return, searches see the change. Every method raises
    :class:`SearchUnavailable` when the backend cannot be reached; ``ValueError``
    for bad input.

    Fusion: ``hybrid`` takes the best ``depth`` (default 100) of each side and
    combines them in Python (:func:`search.fusion.fuse`): ``fusion_method`` ``"blend"``
    (default: min-max normalised scores, ``w*vector + (1-w)*lexical``) or ``"rrf"``
    (weighted reciprocal rank fusion); ``vector_weight`` (``w``, default 0.5) is a
    constructor option of every backend.
    """

    name: str = "abstract"

    @abc.abstractmethod
    def index(self, docs: Iterable[Document]) -> int:
        """Insert or replace ``docs`` (any mix of types, any number: bulk). Returns
        the number written."""

    @abc.abstractmethod
    def delete(self, doc_type: DocType, ids: Iterable[str]) -> int:
        """Remove documents; unknown ids are ignored. Returns the number removed."""

    @abc.abstractmethod
    def search(self, query: Query) -> SearchResult:
        """Run ``query`` (see :class:`Query`)."""

    @abc.abstractmethod
    def count(self, doc_type: DocType) -> int:
        """Number of indexed documents of ``doc_type``."""

    @abc.abstractmethod
    def clear(self, doc_type: DocType | None = None) -> None:
        """Remove every document (of ``doc_type``, or of all types)."""

    @abc.abstractmethod
    def rebuild(self, doc_type: DocType, docs: Iterable[Document], progress=None) -> int:
        """Replace all documents of ``doc_type`` with ``docs`` without downtime:
        searches see the old index until the new one is complete. ``progress`` is
        called with the running count now and then (e.g. a tqdm ``update``-like
        callback taking the number of documents just written)."""

    @abc.abstractmethod
    def health(self) -> dict[str, Any]:
        """``{"ok": bool, "backend": name, ...details}``; never raises."""

    def version(self) -> str | None:
        """A token that changes whenever the index changes (any write, by any process),
        so that cached results can be checked cheaply; ``None`` when the backend cannot
        tell (cached results then live only for their time limit)."""
        return None

    def get_ids(self, doc_type: DocType) -> set[str]:  # pragma: no cover - optional
        """All indexed ids of ``doc_type`` (for reconciliation jobs)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release connections. The backend is unusable afterwards."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def as_date(value: Any) -> _dt.date | None:
    """``date``/``datetime``/ISO string → ``date`` (``None`` stays ``None``)."""
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    return _dt.date.fromisoformat(str(value)[:10])
