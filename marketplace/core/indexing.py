"""Keeping the search index in step with the database.

Only published (and closed, so they can be found as closed) postings and published
(consenting) profiles are indexed; anything else is removed from the index. Every
function here is idempotent: running it twice leaves the same index.

Embeddings: the same vectors matching ranks with (``matching.embed_postings`` /
``embed_profiles``: postings as e5 passages, profiles as e5 queries), cached by text hash.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.core import recommend
from marketplace.core.matchdata import posting_data, profile_data
from marketplace.core.models import Posting, Profile
from matching import embed_postings, embed_profiles
from matching.documents import posting_document as build_posting_document
from matching.documents import profile_document as build_profile_document


def posting_document(p: Posting, vector=None):
    """The search document of a posting: matching's one builder over the one converter."""
    return build_posting_document(posting_data(p, clock.today()), vector)


def profile_document(p: Profile, vector=None):
    return build_profile_document(profile_data(p, clock.today(), {}), vector)


def _posting_vectors(rows, encoder):
    """The vectors matching ranks with (see ``matching.embed_postings``), so the search
    index and the ranker share one embedding and one cache entry per text."""
    today = clock.today()
    return embed_postings([posting_data(p, today) for p in rows], encoder)


def _profile_vectors(rows, encoder):
    # text only: the engine's decisions do not enter the embedded text
    today = clock.today()
    return embed_profiles([profile_data(p, today, {}) for p in rows], encoder)


def index_posting(session: Session, backend, encoder, posting_id: int) -> str:
    p = session.get(Posting, posting_id)
    if p is None or p.status == "draft":
        backend.delete("posting", [str(posting_id)])
        return "removed"
    vec = _posting_vectors([p], encoder)[0] if encoder is not None else None
    backend.index([posting_document(p, vec)])
    return "indexed"


def index_profile(session: Session, backend, encoder, profile_id: int) -> str:
    p = session.get(Profile, profile_id)
    # the person's standing may have changed outside the profile row (e.g. a hard-to-employ
    # grant queues this reindex): rankings rebuild their people pool with the new decisions
    recommend.note_profile_change(profile_id)
    if p is None or not p.published:
        backend.delete("profile", [str(profile_id)])
        return "removed"
    vec = _profile_vectors([p], encoder)[0] if encoder is not None else None
    backend.index([profile_document(p, vec)])
    return "indexed"


def reindex(session: Session, backend, encoder, doc_type: str, batch: int = 64, progress=None) -> int:
    """Rebuild one document type from the database, in batches (embeddings batched too)."""
    if doc_type == "posting":
        rows = list(session.scalars(select(Posting).where(Posting.status != "draft").order_by(Posting.id)))
        make, enc = posting_document, ((lambda chunk: _posting_vectors(chunk, encoder)) if encoder else None)
    else:
        rows = list(session.scalars(select(Profile).where(Profile.published.is_(True)).order_by(Profile.id)))
        make, enc = profile_document, ((lambda chunk: _profile_vectors(chunk, encoder)) if encoder else None)

    def docs():
        for i in range(0, len(rows), batch):
            chunk = rows[i:i + batch]
            vecs = enc(chunk) if enc else [None] * len(chunk)
            for r, v in zip(chunk, vecs):
                yield make(r, v)
            if progress:
                progress(min(i + batch, len(rows)), len(rows))

    return backend.rebuild(doc_type, docs())
