"""Composition with ``search``: first-stage candidates from the search backend, then ranking.

For pools too large to score exhaustively (or when the app already keeps everything in the
search index), retrieve a few hundred candidates with the backend's hybrid search (lexical over
character pairs + vectors, fused) and pass their ids to ``Ranker.rank_postings`` /
``rank_profiles`` as ``candidates=``. The ranker alone is exhaustive and fast enough for 100k
candidates (see ``matching.bench``), so this is optional.

``posting_document`` / ``profile_document`` convert matching's dataclasses (with the vectors of
``embed_postings`` / ``embed_profiles``) to ``search.Document`` so both use the same vectors.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matching import features as F
from search import Document, Query


def posting_document(p: F.PostingData, vector: Sequence[float] | None = None):
    fields: dict[str, Any] = {"kind": p.kind, "district": p.district, "education_min": F.edu_level(p.education_min),
                              "salary_min": p.salary_min, "salary_max": p.salary_max, "target_group": p.target_group,
                              "occupation_code": p.occupation_code}
    return Document(id=p.id, doc_type="posting", title=p.title, text=f"{p.description} {p.requirements}",
                    skills=list(p.skills), fields={k: v for k, v in fields.items() if v is not None},
                    vector=None if vector is None else [float(x) for x in vector], updated_on=p.published_on)


def profile_document(p: F.ProfileData, vector: Sequence[float] | None = None):
    fields: dict[str, Any] = {"district": p.district, "education": F.edu_level(p.education),
                              "categories": list(p.categories), "graduation_year": p.graduation_year}
    return Document(id=p.id, doc_type="profile", title=p.desired, text=f"{p.summary} {p.experience} {p.major or ''}",
                    skills=list(p.skills), fields={k: v for k, v in fields.items() if v is not None},
                    vector=None if vector is None else [float(x) for x in vector], updated_on=p.updated_on)


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
