"""The scale-out path: rank the search backend's top K instead of a pool of everything.

Taken when a pool would be larger than ``MARKETPLACE_RANKER_POOL_MAX`` rows (default
300,000) or when the search backend is Elasticsearch (``uses_search``): no server process
then holds a pool. A request retrieves the ``MARKETPLACE_RANKER_SEARCH_K`` best documents
by the backend's hybrid search (``matching.retrieval.search_candidates``: lexical over
character pairs and the e5 vector, fused), reads those rows, and ranks them with a
``matching.Ranker`` built for just them, its vectors read from the encoder's store (the
indexing task stored them; nothing is encoded here but a text the store has not seen) and
its hub scores from the other side's cached sample. ``python -m matching.evaluate FILE
--search-candidates K`` measures what this composition loses (README, "Scale-out").

What differs from the full pool: ``total`` counts the matches among the K retrieved, not in
the whole city; and people are retrieved from the search index, which holds those who
consented to be found, so the posting's applicants are added to the candidates by hand and a
caseworker's unpublished people are not offered (the caseworker finds them by search).
"""
from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from marketplace.core.matchdata import posting_data, profiles_data
from marketplace.core.models import Application, Posting, Profile
from marketplace.core.rank_pools import cached_reference
from matching import ProfileData, Ranker, embed_postings, embed_profiles
from matching.retrieval import search_candidates

DIM = 384


def uses_search(rt, pool_size: int) -> bool:
    """Whether a pool of ``pool_size`` rows is ranked over search candidates instead."""
    cfg = rt.config
    return cfg.SEARCH_BACKEND == "elasticsearch" or pool_size > cfg.RANKER_POOL_MAX


def _k(rt) -> int:
    return max(1, int(rt.config.RANKER_SEARCH_K))


def _empty():
    return np.zeros((0, DIM), dtype=np.float32)


def postings_for(session: Session, rt, profile: ProfileData, today: dt.date, *, kind: str | None, offset: int,
                 limit: int, include_ineligible: bool):
    """A person's ranked page over the search backend's top K open postings."""
    vector = embed_profiles([profile], rt.encoder)[0]
    filters = {"status": "published", **({"kind": kind} if kind else {})}
    ids = search_candidates(rt.backend, "posting", profile.desired, vector, _k(rt), filters)
    rows = [p for p in session.scalars(select(Posting).options(selectinload(Posting.organisation))
                                       .where(Posting.id.in_([int(i) for i in ids if i.isdigit()]))
                                       .order_by(Posting.id)) if p.is_open(today)]
    posts = [posting_data(p, today) for p in rows]
    ranker = Ranker(posts, [], encoder=rt.encoder, today=today, posting_vectors=embed_postings(posts, rt.encoder),
                    profile_vectors=_empty())
    people, vectors = cached_reference(session, rt, "profiles", today)
    ranker.set_hub_reference(profiles=people, profile_vectors=vectors)
    return ranker.rank_postings_for(profile, offset=offset, limit=limit, include_ineligible=include_ineligible)


def profiles_for(session: Session, rt, posting: Posting, visible, today: dt.date, *, district: str | None,
                 offset: int, limit: int, include_ineligible: bool, policy=None):
    """A posting's ranked page over the search backend's top K people, restricted to
    ``visible`` (a select of the ids the reader may see ranked) and with the posting's
    applicants added."""
    pd = posting_data(posting, today)
    vector = embed_postings([pd], rt.encoder)[0]
    filters = {"district": district} if district else {}
    ids = search_candidates(rt.backend, "profile", f"{pd.title} {' '.join(pd.skills)}", vector, _k(rt), filters)
    applied = select(Application.profile_id).where(Application.posting_id == posting.id)
    wanted = {int(i) for i in ids if i.isdigit()} | set(session.scalars(applied))
    allowed = select(Profile).options(selectinload(Profile.categories)).where(
        Profile.id.in_(visible), Profile.id.in_(sorted(wanted)))
    if district:
        allowed = allowed.where(Profile.district == district)
    rows = list(session.scalars(allowed.order_by(Profile.id)))
    people = profiles_data(session, rows, today, policy)
    ranker = Ranker([], people, encoder=rt.encoder, today=today, posting_vectors=_empty(),
                    profile_vectors=embed_profiles(people, rt.encoder))
    posts, vectors = cached_reference(session, rt, "postings", today)
    ranker.set_hub_reference(postings=posts, posting_vectors=vectors)
    return ranker.rank_profiles_for(pd, offset=offset, limit=limit, include_ineligible=include_ineligible)
