"""Composition with ``search``: first-stage candidates from the search backend, then ranking.

For pools too large to score exhaustively (or when the app already keeps everything in the
search index), retrieve a few hundred candidates with the backend's hybrid search (lexical over
character pairs + vectors, fused) and pass their ids to ``Ranker.rank_postings`` /
``rank_profiles`` as ``candidates=``. The ranker alone is exhaustive and fast enough for 100k
candidates (see ``matching.bench``), so this is optional.

Documents come from ``matching.documents`` (re-exported here), the one builder production
indexing uses too, with the vectors of ``embed_postings`` / ``embed_profiles``.
"""
from __future__ import annotations

from collections.abc import Sequence

from matching.documents import posting_document, profile_document
from search import Query

__all__ = ["posting_document", "profile_document", "search_candidates"]


def search_candidates(backend, doc_type: str, text: str, vector: Sequence[float] | None, k: int = 200,
                      filters: dict | None = None) -> list[str]:
    """Ids of the top ``k`` documents of ``doc_type`` by the backend's hybrid search."""
    ids: list[str] = []
    page = 1
    while len(ids) < k:
        per = min(1000, k - len(ids))
        res = backend.search(Query(doc_type, text=text, filters=filters or {}, mode="hybrid", page=page, per_page=per,
                                   query_vector=None if vector is None else [float(x) for x in vector]))
        ids.extend(h.id for h in res.hits)
        if len(res.hits) < per:
            break
        page += 1
    return ids
