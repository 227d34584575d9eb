"""The one document builder: the text and fields indexed for search and embedding.

Production indexing (``marketplace.core.indexing``) and the evaluation's search
composition (``matching.evaluate --search-candidates``) both build ``search.Document``
here, from matching's dataclasses (one converter from records to those lives in the app),
so the figure the evaluation prints is the search users get. The vector is the one of
``embed_postings`` / ``embed_profiles``, which ranking uses too.
"""
from __future__ import annotations

from collections.abc import Sequence

from matching import features as F
from search import Document


def _vector(vector: Sequence[float] | None):
    return None if vector is None else [float(x) for x in vector]


def posting_document(p: F.PostingData, vector: Sequence[float] | None = None) -> Document:
    return Document(
        id=p.id, doc_type="posting", title=p.title, skills=list(p.skills),
        text="\n".join(filter(None, [p.description, p.requirements, p.employer])),
        fields={"kind": p.kind, "district": p.district, "education_min": F.edu_level(p.education_min),
                "salary_min": p.salary_min, "salary_max": p.salary_max, "employer_type": p.employer_type,
                "status": p.status, "open_on": p.open_on, "close_on": p.closes_on, "target_group": p.target_group,
                "occupation_code": p.occupation_code, "employer_id": p.employer_id},
        vector=_vector(vector), updated_on=p.published_on)


def profile_document(p: F.ProfileData, vector: Sequence[float] | None = None) -> Document:
    return Document(
        id=p.id, doc_type="profile", title=p.desired, skills=list(p.skills),
        text="\n".join(filter(None, [p.major, p.summary, p.experience])),
        fields={"district": p.district, "education": F.edu_level(p.education),
                "categories": sorted(p.declared_categories or p.categories), "graduation_year": p.graduation_year,
                "published": p.published, "consent": p.published, "desired_salary": p.desired_salary,
                "occupation_code": list(p.occupation_codes)},
        vector=_vector(vector), updated_on=p.updated_on)
