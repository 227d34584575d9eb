"""Search over postings and profiles: one interface, two backends.

    from search import get_backend, Document, Query, Range, SearchUnavailable
    backend = get_backend("embedded", path="instance/search.db")   # or "elasticsearch", url=...
    backend.index([Document(id="12", doc_type="posting", title="焊工", text="...",
                            fields={"district": "望花区", "education_min": 3}, vector=vec)])
    result = backend.search(Query("posting", "焊工", filters={"district": "望花区"},
                                  facets=["kind"], query_vector=qvec))

See :mod:`search.base` for the contract and README.md for the choices made.
"""
from __future__ import annotations

from typing import Any

from search.base import (
    DOC_TYPES,
    EDUCATION_LEVELS,
    FIELD_SCHEMA,
    Document,
    Hit,
    Query,
    Range,
    SearchBackend,
    SearchError,
    SearchResult,
    SearchUnavailable,
)

__all__ = [
    "DOC_TYPES", "EDUCATION_LEVELS", "FIELD_SCHEMA", "Document", "Hit", "Query", "Range",
    "SearchBackend", "SearchError", "SearchResult", "SearchUnavailable", "get_backend",
]


def get_backend(config: str = "embedded", **opts: Any) -> SearchBackend:
    """Build a backend from a config string.

    * ``"embedded"`` or ``"embedded:/path/to/search.db"`` (``path=`` also accepted;
      default ``:memory:``) → :class:`search.embedded.EmbeddedBackend`;
    * ``"elasticsearch"`` (``url=``), or an URL ``"http(s)://host:9200"`` →
      :class:`search.elastic.ElasticsearchBackend` (``index_prefix=``, ...).

    Common options: ``vector_weight`` (0..1, weight of the vector ranking in hybrid
    fusion), ``fusion_method`` (``"rrf"`` or ``"blend"``).
    Raises ``ValueError`` for an unknown config, :class:`SearchUnavailable` when the
    backend cannot be opened or reached.
    """
    config = (config or "embedded").strip()
    kind, _, rest = config.partition(":")
    if kind in ("http", "https"):
        kind, rest = "elasticsearch", config
    if kind == "embedded":
        from search.embedded import EmbeddedBackend  # noqa: PLC0415  (cycle: embedded imports search)

        if rest:
            opts.setdefault("path", rest)
        return EmbeddedBackend(**opts)
    if kind in ("elasticsearch", "es", "elastic"):
        from search.elastic import ElasticsearchBackend  # noqa: PLC0415  (heavy: the elasticsearch client)

        if rest and rest.startswith("//"):
            rest = config.partition(":")[2]
        if rest:
            opts.setdefault("url", rest if "://" in rest else None)
        return ElasticsearchBackend(**opts)
    raise ValueError(f"unknown search backend {config!r}: use 'embedded' or 'elasticsearch'")
