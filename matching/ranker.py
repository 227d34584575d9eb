"""Ranking both ways: postings for a person, people for a posting.

Pipeline per query: hard filters (post open; the policy engine's R1 internship, R8
public-welfare and R14 target-group decisions, received on ``ProfileData``; age and gender
limits read from the requirement text) → feature arrays for every remaining candidate (``pair_features``) → a linear score with
weights from ``data/weights.json`` (fitted by ``python -m matching.tune``, see there) → sort →
reasons for the returned page only (``explain``).

The feature code is vectorised over candidates, so the same path ranks 60 postings in the
evaluation and 100,000 profiles in the benchmark.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from matching import features as F
from matching import topk
from matching.encoder import Encoder, get_encoder
from matching.features import FEATURES, FI, Explanation  # noqa: F401  (the ranker's public names)
from matching.pairs import OCC_LEVELS, eligibility, occupation_fit, pair_features  # noqa: F401  (re-exported)
from matching.pools import PostingPool, ProfilePool, Vocab, posting_occupation_text, profile_occupation_text
from matching.topk import RankedItem, RankedPage  # noqa: F401  (the ranker's public names)

WEIGHTS_FILE = Path(__file__).with_name("data") / "weights.json"


def load_weights(path: str | Path | None = None, key: str = "weights") -> np.ndarray:
    """Weights (in FEATURES order) from a weights file; ``key`` "prior" gives the hand-set start."""
    d = json.loads(Path(path or WEIGHTS_FILE).read_text(encoding="utf-8"))
    w = d[key]
    return np.array([float(w.get(f, 0.0)) for f in FEATURES], dtype=np.float32)


HUB_SAMPLE = 64    # documents of the other side a hub score is averaged over
HUB_MIN_OTHERS = 20  # fewer documents on the other side: no hub scores (too few to tell a hub from a fit)


def _sample(n: int, k: int = HUB_SAMPLE) -> np.ndarray:
    """A fixed, evenly spaced sample of ``k`` of ``n`` indices (all when ``n <= k``)."""
    return np.unique(np.linspace(0, n - 1, min(k, n)).astype(np.int64)) if n else np.zeros(0, dtype=np.int64)


def hub_sample(n: int) -> list[int]:
    """Positions (in a pool's order) of the documents a hub score is averaged over: what a
    caller with a one-sided ranker loads and passes to ``Ranker.set_hub_reference``, so the
    reference is the same sample a two-sided ranker would take of the whole pool."""
    return [int(i) for i in _sample(n)]


def hub_scores(ranker: "Ranker") -> tuple[np.ndarray, np.ndarray]:
    """Hubness of every posting and every person: the mean score (the ranker's weights without
    the hub term) of the document against a sample of the other side's pool, minus the pool's
    mean. A generic post ("储备干部, 多岗位轮岗": no requirement anyone misses, every
    soft-skill word) scores fairly well against everyone, and so comes into many people's top
    ten without fitting any of them; likewise a person who names no occupation. The ranker
    subtracts half of the hub score: the ``hub`` weight −0.5 is CSLS's, whose score
    2·s(x, y) − r(x) − r(y) ranks, for one query x, as s(x, y) − 0.5·r(y). The mean runs over
    every pair, eligible or not: it describes the document, not who may apply."""
    PP, SP = ranker.postings, ranker.profiles
    w = ranker.weights.copy()
    w[FI["hub"]] = 0.0

    def centred(n_cand: int, n_other: int, features) -> np.ndarray:
        if n_cand == 0 or n_other < HUB_MIN_OTHERS:
            return np.zeros(n_cand, dtype=np.float32)
        acc = np.zeros(n_cand, dtype=np.float64)
        idx = _sample(n_other)
        for j in idx:
            acc += w @ features(int(j)).T
        m = acc / len(idx)
        return (m - m.mean()).astype(np.float32)

    post = centred(len(PP), len(SP), lambda j: pair_features(PP, None, SP, j, ranker.idf_post, ranker.idf_prof))
    prof = centred(len(SP), len(PP), lambda j: pair_features(PP, j, SP, None, ranker.idf_post, ranker.idf_prof))
    return post, prof


# ----------------------------------------------------------------- vectors


def _mix() -> float:
    return float(json.loads(WEIGHTS_FILE.read_text(encoding="utf-8")).get("embedding_mix", {}).get("occupation", 0.0))


def _mixed(full: np.ndarray, occ: np.ndarray, b: float) -> np.ndarray:
    m = full + b * occ
    return (m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def embed_postings(postings: Sequence[F.PostingData], encoder: Encoder) -> np.ndarray:
    """One vector per post: its full text mixed with its occupation (title and skills), both as
    e5 passages, renormalised. Store this vector (e.g. in the search index); it is what ranking uses.
    One vector per document keeps ranking a single matrix-vector product; the mix weight
    (``embedding_mix`` in weights.json) was chosen by cross-validation like the other weights."""
    if not postings:
        return np.zeros((0, encoder.dim or 384), dtype=np.float32)
    full = encoder.encode([p.text() for p in postings], "passage")
    occ = encoder.encode([posting_occupation_text(p) for p in postings], "passage")
    return _mixed(full, occ, _mix())


def embed_profiles(profiles: Sequence[F.ProfileData], encoder: Encoder) -> np.ndarray:
    """One vector per person: full text mixed with the wanted occupations and skills, as e5 queries."""
    if not profiles:
        return np.zeros((0, encoder.dim or 384), dtype=np.float32)
    full = encoder.encode([p.text() for p in profiles], "query")
    occ = encoder.encode([profile_occupation_text(p) for p in profiles], "query")
    return _mixed(full, occ, _mix())


# ----------------------------------------------------------------- ranker


def _query_pool(pool_cls, docs, vectors, ranker: "Ranker"):
    """Documents that are not in the ranker's pools, as queries: a pool over a read-only view
    of the ranker's vocabulary and categories."""
    return pool_cls(list(docs), np.asarray(vectors, dtype=np.float32).reshape(len(docs), -1), ranker.vocab.frozen(),
                    ranker.today, dict(ranker.cat_registry))


def _one(pool_cls, doc, vector, ranker: "Ranker"):
    return _query_pool(pool_cls, [doc], vector, ranker)


class Ranker:
    """Holds indexed postings and profiles (vectors, columns, bigram matrices) and ranks both ways.

    ``today`` is the caller's business date, for ages and recency (the app passes
    ``marketplace.clock.today()``, the evaluation the file's ``reference_date``). ``weights`` defaults to ``data/weights.json``.
    """

    def __init__(self, postings: Sequence[F.PostingData] = (), profiles: Sequence[F.ProfileData] = (), *,
                 encoder: Encoder | None = None, today: dt.date, weights=None,
                 posting_vectors: np.ndarray | None = None, profile_vectors: np.ndarray | None = None):
        self.today = today
        self.encoder = encoder
        if weights is None:
            weights = load_weights()
        elif isinstance(weights, Mapping):  # {"cos": 4.0, ...}; features not named weigh 0
            weights = [float(weights.get(f, 0.0)) for f in FEATURES]
        self.weights = np.asarray(weights, dtype=np.float32)
        self.vocab = Vocab()
        self.cat_registry: dict[str, int] = {}
        postings, profiles = list(postings), list(profiles)
        if posting_vectors is None:
            posting_vectors = embed_postings(postings, self._encoder())
        if profile_vectors is None:
            profile_vectors = embed_profiles(profiles, self._encoder())
        self.postings = PostingPool(postings, posting_vectors, self.vocab, self.today, self.cat_registry)
        self.profiles = ProfilePool(profiles, profile_vectors, self.vocab, self.today, self.cat_registry)
        self.postings.build_matrices()
        self.profiles.build_matrices()
        self.idf_post = self.postings.idf()
        self.idf_prof = self.profiles.idf()
        # hub scores need both sides (evaluation, fairs, placements); a one-sided ranker has none
        self.postings.hub, self.profiles.hub = hub_scores(self)

    def _encoder(self) -> Encoder:
        if self.encoder is None:
            self.encoder = get_encoder()
        return self.encoder

    # -- scoring
    def features_for_posting(self, pi: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        X = pair_features(self.postings, pi, self.profiles, None, self.idf_post, self.idf_prof)
        return X, eligibility(self.postings, pi, self.profiles, None)

    def features_for_profile(self, si: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        X = pair_features(self.postings, None, self.profiles, si, self.idf_post, self.idf_prof)
        return X, eligibility(self.postings, None, self.profiles, si)

    def score(self, X: np.ndarray, mode: str = "system") -> np.ndarray:
        return topk.score(self.weights, X, mode)

    def rank_postings_for(self, profile: F.ProfileData, vector=None, *, mode: str = "system", offset: int = 0,
                          limit: int = 20, include_ineligible: bool = False, explain: bool = True,
                          candidates: Sequence[str] | None = None, retrieve_k: int | None = None) -> RankedPage:
        """Postings for a person who is not in this ranker's profile pool (e.g. a profile being
        edited, or when the ranker holds only postings). The posting pool is reused as is.
        ``retrieve_k``: rank only the cheap top K (``matching.topk``)."""
        if vector is None:
            vector = embed_profiles([profile], self._encoder())[0]
        return topk.rank_query(self, self.postings, None, _one(ProfilePool, profile, vector, self), 0, mode=mode,
                               offset=offset, limit=limit, include_ineligible=include_ineligible, explain=explain,
                               candidates=candidates, retrieve_k=retrieve_k)

    def rank_profiles_for(self, posting: F.PostingData, vector=None, *, mode: str = "system", offset: int = 0,
                          limit: int = 20, include_ineligible: bool = False, explain: bool = True,
                          candidates: Sequence[str] | None = None, retrieve_k: int | None = None) -> RankedPage:
        """People for a post that is not in this ranker's posting pool (e.g. a draft post, or when
        the ranker holds only profiles). The profile pool is reused as is."""
        if vector is None:
            vector = embed_postings([posting], self._encoder())[0]
        return topk.rank_query(self, _one(PostingPool, posting, vector, self), 0, self.profiles, None, mode=mode,
                               offset=offset, limit=limit, include_ineligible=include_ineligible, explain=explain,
                               candidates=candidates, retrieve_k=retrieve_k)

    def set_hub_reference(self, *, postings: Sequence[F.PostingData] = (), posting_vectors=None,
                          profiles: Sequence[F.ProfileData] = (), profile_vectors=None) -> None:
        """Hub scores for a one-sided ranker (the app's recommendations hold only postings, or
        only people): ``profiles`` (with their vectors) stand for the people the postings are
        ranked for, ``postings`` for the posts people are ranked for; a sample of a few dozen
        of the other side is enough (``HUB_SAMPLE`` are used). Without a reference of at least
        ``HUB_MIN_OTHERS`` documents the ranker's hub scores stay as they are."""
        w = self.weights.copy()
        w[FI["hub"]] = 0.0
        if len(profiles) >= HUB_MIN_OTHERS and len(self.postings):
            ref = [profiles[int(j)] for j in _sample(len(profiles))]
            vecs = np.asarray(profile_vectors, dtype=np.float32)[_sample(len(profiles))]
            SP = _query_pool(ProfilePool, ref, vecs, self)
            m = np.mean([w @ pair_features(self.postings, None, SP, j, self.idf_post, self.idf_prof).T
                         for j in range(len(SP))], axis=0)
            self.postings.hub = (m - m.mean()).astype(np.float32)
        if len(postings) >= HUB_MIN_OTHERS and len(self.profiles):
            ref = [postings[int(j)] for j in _sample(len(postings))]
            vecs = np.asarray(posting_vectors, dtype=np.float32)[_sample(len(postings))]
            PP = _query_pool(PostingPool, ref, vecs, self)
            m = np.mean([w @ pair_features(PP, j, self.profiles, None, self.idf_post, self.idf_prof).T
                         for j in range(len(PP))], axis=0)
            self.profiles.hub = (m - m.mean()).astype(np.float32)

    def posting_scores_for(self, profiles: Sequence[F.ProfileData], vectors) -> np.ndarray:
        """Scores of every posting of the pool for each of ``profiles`` (people not in the
        profile pool), one row per person in pool order, ``-inf`` where a hard filter excludes
        the pair: what ``rank_postings_for`` ranks, without building pages or reasons."""
        rows = np.full((len(profiles), len(self.postings.ids)), -np.inf, dtype=np.float64)
        if not len(profiles) or not len(self.postings.ids):
            return rows
        SP, PP = _query_pool(ProfilePool, profiles, vectors, self), self.postings
        for si in range(len(SP)):
            X = pair_features(PP, None, SP, si, self.idf_post, self.idf_prof)
            ok = np.logical_and.reduce(list(eligibility(PP, None, SP, si).values()))
            rows[si, ok] = self.score(X)[ok]
        return rows

    def rank_postings(self, profile_id: str, *, mode: str = "system", offset: int = 0, limit: int = 20,
                      include_ineligible: bool = False, explain: bool = True,
                      candidates: Sequence[str] | None = None, retrieve_k: int | None = None) -> RankedPage:
        """Postings for one person, best first. ``candidates`` restricts to those ids (e.g. from
        ``matching.retrieval.search_candidates``); ``include_ineligible`` appends the posts the
        hard filters removed, after the ranked ones, with the reasons; ``retrieve_k`` ranks
        only the cheap top K (``matching.topk``), ``total`` still counting every eligible post."""
        return topk.rank_query(self, self.postings, None, self.profiles, self.profiles.index[profile_id], mode=mode,
                               offset=offset, limit=limit, include_ineligible=include_ineligible, explain=explain,
                               candidates=candidates, retrieve_k=retrieve_k)

    def rank_profiles(self, posting_id: str, *, mode: str = "system", offset: int = 0, limit: int = 20,
                      include_ineligible: bool = False, explain: bool = True,
                      candidates: Sequence[str] | None = None, retrieve_k: int | None = None) -> RankedPage:
        """People for one post, best first (same options as ``rank_postings``)."""
        return topk.rank_query(self, self.postings, self.postings.index[posting_id], self.profiles, None, mode=mode,
                               offset=offset, limit=limit, include_ineligible=include_ineligible, explain=explain,
                               candidates=candidates, retrieve_k=retrieve_k)


def rank_postings_for_profile(profile: F.ProfileData, postings: Sequence[F.PostingData], *, today: dt.date,
                              encoder: Encoder | None = None, offset: int = 0, limit: int = 20,
                              include_ineligible: bool = False, mode: str = "system") -> RankedPage:
    """Postings ranked for one person (hard filters, features, reasons). Builds a one-off index;
    for many queries keep a ``Ranker``."""
    r = Ranker(postings, [profile], encoder=encoder, today=today)
    return r.rank_postings(profile.id, offset=offset, limit=limit, include_ineligible=include_ineligible, mode=mode)


def rank_profiles_for_posting(posting: F.PostingData, profiles: Sequence[F.ProfileData], *, today: dt.date,
                              encoder: Encoder | None = None, offset: int = 0, limit: int = 20,
                              include_ineligible: bool = False, mode: str = "system") -> RankedPage:
    """People ranked for one post."""
    r = Ranker([posting], profiles, encoder=encoder, today=today)
    return r.rank_profiles(posting.id, offset=offset, limit=limit, include_ineligible=include_ineligible, mode=mode)
