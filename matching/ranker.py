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

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from matching import features as F
from matching.encoder import Encoder, get_encoder
from matching.explain import explain_pair, ineligible_reasons
from matching.features import FEATURES, FI, Explanation  # noqa: F401  (the ranker's public names)
from matching.pools import PostingPool, ProfilePool, Vocab, posting_occupation_text, profile_occupation_text

WEIGHTS_FILE = Path(__file__).with_name("data") / "weights.json"


def load_weights(path: str | Path | None = None, key: str = "weights") -> np.ndarray:
    """Weights (in FEATURES order) from a weights file; ``key`` "prior" gives the hand-set start."""
    d = json.loads(Path(path or WEIGHTS_FILE).read_text(encoding="utf-8"))
    w = d[key]
    return np.array([float(w.get(f, 0.0)) for f in FEATURES], dtype=np.float32)


# ----------------------------------------------------------------- results


@dataclass
class RankedItem:
    id: str
    rank: int
    score: float
    eligible: bool
    #: why not eligible (codes with zh/en text), empty when eligible
    ineligible: list[dict] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict)
    explanation: Explanation | None = None


@dataclass
class RankedPage:
    items: list[RankedItem]
    total: int          # number of ranked (eligible) candidates
    offset: int
    limit: int
    excluded: int = 0   # candidates removed by hard filters

    def to_dict(self) -> dict:
        """Plain JSON-ready data (for the API)."""
        return dataclasses.asdict(self)


# ----------------------------------------------------------------- features


def _pick(arr, i):
    return arr if i is None else arr[i]


def eligibility(PP: PostingPool, pi, SP: ProfilePool, si) -> dict[str, np.ndarray]:
    """Boolean arrays (True = passes) for each hard filter; one of ``pi``/``si`` is an index."""
    kind = _pick(PP.kind, pi)
    out = {
        "open": _pick(PP.open, pi),
        # the engine's R1 / R8 / R14 decisions, received on ProfileData
        "internship": (kind != 1) | _pick(SP.intern_ok, si),
        "public_welfare": (kind != 2) | _pick(SP.welfare_ok, si),
    }
    tgt = _pick(PP.target, pi)
    out["target_group"] = (tgt == 0) | ((_pick(SP.groups, si) & tgt) != 0)
    age = _pick(SP.age, si).astype(np.int32)
    g = _pick(SP.gender, si)
    amax = np.where(g == 1, _pick(PP.age_max_m, pi), np.where(g == 2, _pick(PP.age_max_f, pi),
                    np.maximum(_pick(PP.age_max_m, pi), _pick(PP.age_max_f, pi))))
    out["age"] = (age < 0) | ((age >= _pick(PP.age_min, pi)) & (age <= amax))
    pg = _pick(PP.gender, pi)
    out["gender"] = (pg == 0) | (g == 0) | (pg == g)
    shape = _shape(PP, pi, SP, si)
    return {k: np.broadcast_to(v, shape) for k, v in out.items()}


def _shape(PP, pi, SP, si):
    return (len(PP),) if pi is None else (len(SP),)


def _coverage_one_query(query_rows: list[np.ndarray], cand_m, frac: float = 0.5) -> np.ndarray:
    """For phrases of the query document, per candidate: how many phrases it holds."""
    hits = np.zeros(cand_m.nrows, dtype=np.float32)
    for row in query_rows:
        if len(row) == 0:
            continue
        need = max(1, int(np.ceil(frac * len(row) - 1e-9)))
        hits += cand_m.colsum(row) >= need
    return hits


def _coverage_many_phrases(phrase_m, query_set: np.ndarray, n_owners: int, frac: float = 0.5) -> np.ndarray:
    """Phrases of many candidates vs one query set: per candidate, how many of its phrases it holds."""
    if phrase_m.nrows == 0:
        return np.zeros(n_owners, dtype=np.float32)
    c = phrase_m.colsum(query_set)
    need = np.maximum(1, np.ceil(frac * phrase_m.length - 1e-9))
    ok = (c >= need) & (phrase_m.length > 0)
    return np.bincount(phrase_m.owner, weights=ok.astype(np.float32), minlength=n_owners).astype(np.float32)


def pair_features(PP: PostingPool, pi, SP: ProfilePool, si, idf_post=None, idf_prof=None, prune_df: float = 0.5) -> np.ndarray:
    """Feature matrix (candidates × FEATURES) for one post ``pi`` vs all profiles, or one
    profile ``si`` vs all posts (the other index is None)."""
    post_q = pi is not None
    n = len(SP) if post_q else len(PP)
    # column-major: each feature is written as one contiguous column
    X = np.zeros((n, len(FEATURES)), dtype=np.float32, order="F")
    # semantic
    if post_q:
        X[:, FI["cos"]] = SP.vectors @ PP.vectors[pi]
    else:
        X[:, FI["cos"]] = PP.vectors @ SP.vectors[si]
    # lexical BM25 (query = the fixed document's bigrams)
    if post_q:
        q = PP.query_ids[pi]
        idf = idf_prof if idf_prof is not None else SP.idf()
        q = q[q < len(idf)]
        df_share = np.diff(SP.bm25.csc.indptr)[q] / max(len(SP), 1)
        q = q[df_share <= prune_df] if len(SP) > 1000 else q
        lex = SP.bm25.colsum(q, idf[q])
    else:
        q = SP.query_ids[si]
        idf = idf_post if idf_post is not None else PP.idf()
        q = q[q < len(idf)]  # bigrams the posts never use cannot score
        lex = PP.bm25.colsum(q, idf[q])
    X[:, FI["lex"]] = lex / max(float(lex.max(initial=0.0)), 1e-6)
    # skills and titles
    if post_q:
        rows = [PP.skill_rows[k] for k in PP.skills_of(pi)]
        X[:, FI["skill_cov"]] = _coverage_one_query(rows, SP.full_m) / max(len(rows), 1)
        X[:, FI["pskill_cov"]] = _coverage_many_phrases(SP.skill_m, PP.full_sets[pi], n) / np.maximum(SP.n_skills, 1)
        tl = max(len(PP.title_sets[pi]), 1)
        X[:, FI["title_desired"]] = SP.desired_m.colsum(PP.title_sets[pi]) / tl
        X[:, FI["title_exp"]] = SP.exp_m.colsum(PP.title_sets[pi]) / tl
        X[:, FI["major"]] = SP.major_m.colsum(PP.req_sets[pi]) / np.maximum(SP.major_m.length, 1)
        lic_rows = [PP.lic_rows[k] for k in PP.lics_of(pi)]
        lic_missing = (len(lic_rows) - _coverage_one_query(lic_rows, SP.exp_m)) / max(len(lic_rows), 1)
        waiver_dom = SP.exp_m.colsum(PP.waiver_sets[pi]) > 0
    else:
        X[:, FI["skill_cov"]] = _coverage_many_phrases(PP.skill_m, SP.full_sets[si], n) / np.maximum(PP.n_skills, 1)
        rows = [SP.skill_rows[k] for k in SP.skills_of(si)]
        X[:, FI["pskill_cov"]] = _coverage_one_query(rows, PP.full_m) / max(len(rows), 1)
        X[:, FI["title_desired"]] = PP.title_m.colsum(SP.desired_sets[si]) / np.maximum(PP.title_m.length, 1)
        X[:, FI["title_exp"]] = PP.title_m.colsum(SP.exp_sets[si]) / np.maximum(PP.title_m.length, 1)
        X[:, FI["major"]] = PP.req_m.colsum(SP.major_sets[si]) / max(len(SP.major_sets[si]), 1)
        held = _coverage_many_phrases(PP.lic_m, SP.exp_sets[si], n)
        lic_missing = (PP.n_lic - held) / np.maximum(PP.n_lic, 1)
        waiver_dom = PP.waiver_m.colsum(SP.exp_sets[si]) > 0
    X[:, FI["lic_missing"]] = lic_missing
    # structured
    g = lambda a: _pick(a, pi)  # noqa: E731  posting attribute
    h = lambda a: _pick(a, si)  # noqa: E731  profile attribute
    edu, edu_min = h(SP.edu), g(PP.edu_min)
    waived = (g(PP.waiver_level) <= edu) & (h(SP.exp_years) >= g(PP.waiver_years)) & waiver_dom
    X[:, FI["edu_below"]] = (edu < edu_min) & ~waived
    cm = F.commute_matrix()
    commute = cm[h(SP.district), g(PP.district)]
    dt_ = F.districts()
    bonus = g(PP.shuttle) & (commute >= dt_["far_below"])
    # a written wish the post meets (home-based work, lodging): the commute no longer matters
    wish_met = (g(PP.offers_home) & h(SP.wants_home)) | (g(PP.offers_lodging) & h(SP.wants_lodging))
    X[:, FI["home_lodging"]] = wish_met
    X[:, FI["commute"]] = np.where(wish_met, 1.0, np.minimum(1.0, commute + bonus * dt_["shuttle_bonus"]))
    nd = len(F.districts()["districts"])
    pd_ = g(PP.district).astype(np.int64)
    bit = np.where(pd_ < nd, np.left_shift(np.int64(1), np.minimum(pd_, 62)), 0)
    mask = h(SP.place_mask)
    near = SP.place_near[:, PP.district[pi]] if post_q else SP.place_near[si, PP.district]
    X[:, FI["place"]] = np.where(mask != 0, np.where((mask & bit) != 0, 1.0, near - 1.0), 0.0)
    X[:, FI["local_miss"]] = g(PP.local_only) & (h(SP.district) != g(PP.district))
    want, smax = h(SP.desired_salary), g(PP.salary_max)
    with np.errstate(invalid="ignore", divide="ignore"):
        short = np.clip((want - smax) / want, 0, 1)
    short = np.nan_to_num(short, nan=0.0)
    kind = g(PP.kind)
    intern_counts = (want > 1.5 * smax) & ~h(SP.accepts_intern)
    X[:, FI["salary_short"]] = np.where(kind == 1, np.where(intern_counts, short, 0.0), short)
    pexp = g(PP.exp_years)
    X[:, FI["exp_gap"]] = (pexp > 0) & (h(SP.exp_years) < pexp)
    X[:, FI["shift_conflict"]] = np.maximum(g(PP.night) * h(SP.no_night), g(PP.livein) & h(SP.no_livein))
    X[:, FI["prefers"]] = (g(PP.prefers) & h(SP.cats)) != 0
    X[:, FI["tier1"]] = (kind == 2) & h(SP.tier1)
    X[:, FI["kind_intern"]] = kind == 1
    X[:, FI["kind_pw"]] = kind == 2
    X[:, FI["fresh"]] = 0.5 * g(PP.fresh) + 0.5 * h(SP.fresh)
    X[:, FI["occ_fit"]] = occupation_fit(PP.occ[pi] if post_q else PP.occ, SP.occ if post_q else SP.occ[si])
    X[:, FI["hub"]] = SP.hub if post_q else PP.hub
    return X


#: occupation fit by the classification's hierarchy: same occupation, same minor group, same middle group
OCC_LEVELS = (1.0, 0.7, 0.4)


def occupation_fit(post_occ, person_occ) -> np.ndarray:
    """Best hierarchy level between a post's occupation code and a person's (up to
    ``pools.OCC_SLOTS``) codes, as numbers from ``pools.occupation_number`` (-1 absent).
    One side is a single document, the other an array of candidates."""
    post_occ = np.asarray(post_occ, dtype=np.int64)
    person_occ = np.asarray(person_occ, dtype=np.int64)
    a = post_occ[..., None] if post_occ.ndim else post_occ          # (n, 1) or scalar
    b = person_occ                                                   # (n, K) or (K,)
    ok = (a >= 0) & (b >= 0)
    fit = np.where(a == b, OCC_LEVELS[0], np.where(a // 100 == b // 100, OCC_LEVELS[1],
                   np.where(a // 10000 == b // 10000, OCC_LEVELS[2], 0.0)))
    fit = np.where(ok, fit, 0.0)
    return fit.max(axis=-1).astype(np.float32) if fit.ndim else np.float32(fit)


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


def _rank_for_profile(self: "Ranker", profile: F.ProfileData, vector=None, *, mode: str = "system",
                      offset: int = 0, limit: int = 20, include_ineligible: bool = False, explain: bool = True,
                      candidates: Sequence[str] | None = None) -> RankedPage:
    """Postings for a person who is not in this ranker's profile pool (e.g. a profile being
    edited, or when the ranker holds only postings). The posting pool is reused as is."""
    if vector is None:
        vector = embed_profiles([profile], self._encoder())[0]
    SP = _one(ProfilePool, profile, vector, self)
    PP = self.postings
    X = pair_features(PP, None, SP, 0, self.idf_post, self.idf_prof)
    elig = eligibility(PP, None, SP, 0)
    fn = (lambda j, x: explain_pair(PP, j, SP, 0, x)) if explain else (lambda j, x: None)
    return self._rank(X, elig, PP.ids, mode, offset, limit, include_ineligible, fn, candidates, PP.index,
                      lambda j: SP.items[0])


def _rank_for_posting(self: "Ranker", posting: F.PostingData, vector=None, *, mode: str = "system",
                      offset: int = 0, limit: int = 20, include_ineligible: bool = False, explain: bool = True,
                      candidates: Sequence[str] | None = None) -> RankedPage:
    """People for a post that is not in this ranker's posting pool (e.g. a draft post, or when
    the ranker holds only profiles). The profile pool is reused as is."""
    if vector is None:
        vector = embed_postings([posting], self._encoder())[0]
    PP = _one(PostingPool, posting, vector, self)
    SP = self.profiles
    X = pair_features(PP, 0, SP, None, self.idf_post, self.idf_prof)
    elig = eligibility(PP, 0, SP, None)
    fn = (lambda j, x: explain_pair(PP, 0, SP, j, x)) if explain else (lambda j, x: None)
    return self._rank(X, elig, SP.ids, mode, offset, limit, include_ineligible, fn, candidates, SP.index,
                      lambda j: SP.items[j])


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
        if mode == "system":
            # X is column-major: X.T is contiguous, so this is one fast matrix-vector product
            return self.weights @ X.T
        if mode == "lexical":
            return X[:, FI["lex"]].copy()
        if mode == "vector":
            return X[:, FI["cos"]].copy()
        raise ValueError(f"mode must be system, lexical or vector, not {mode!r}")

    def _rank(self, X, elig, ids, mode, offset, limit, include_ineligible, explain_fn, candidates=None, index=None,
              person_of=None):
        ok = np.logical_and.reduce(list(elig.values())) if mode == "system" else np.ones(len(ids), dtype=bool)
        keep = np.ones(len(ids), dtype=bool)
        if candidates is not None:
            keep[:] = False
            keep[[index[c] for c in candidates if c in index]] = True
            ok = ok & keep
        cand = np.flatnonzero(ok)
        total = len(cand)
        want = offset + limit
        s = self.score(X, mode)
        order_src = s[cand]
        if want < len(cand):
            part = np.argpartition(-order_src, want - 1)[:want]
            top = cand[part[np.lexsort((cand[part], -order_src[part]))]]
        else:
            top = cand[np.lexsort((cand, -order_src))]
        page = list(top[offset:want])
        items = []
        for r, j in enumerate(page, start=offset + 1):
            items.append(RankedItem(id=ids[j], rank=r, score=float(s[j]), eligible=True,
                                    features={f: float(X[j, k]) for k, f in enumerate(FEATURES)},
                                    explanation=explain_fn(j, X[j])))
        if include_ineligible and len(items) < limit:
            bad = np.flatnonzero(~ok & keep)
            bad = bad[np.lexsort((bad, -s[bad]))]
            start = max(0, offset - total)
            for k, j in enumerate(bad[start: start + limit - len(items)]):
                items.append(RankedItem(id=ids[j], rank=total + start + k + 1, score=float(s[j]), eligible=False,
                                        ineligible=ineligible_reasons({n: bool(v[j]) for n, v in elig.items()},
                                                                      person_of(j) if person_of else None),
                                        features={f: float(X[j, q]) for q, f in enumerate(FEATURES)},
                                        explanation=explain_fn(j, X[j])))
        return RankedPage(items=items, total=total, offset=offset, limit=limit, excluded=int(keep.sum()) - total)

    rank_postings_for = _rank_for_profile

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
    rank_profiles_for = _rank_for_posting

    def rank_postings(self, profile_id: str, *, mode: str = "system", offset: int = 0, limit: int = 20,
                      include_ineligible: bool = False, explain: bool = True,
                      candidates: Sequence[str] | None = None) -> RankedPage:
        """Postings for one person, best first. ``candidates`` restricts to those ids (e.g. from
        ``matching.retrieval.search_candidates``); ``include_ineligible`` appends the posts the
        hard filters removed, after the ranked ones, with the reasons."""
        si = self.profiles.index[profile_id]
        X, elig = self.features_for_profile(si)
        fn = (lambda j, x: explain_pair(self.postings, j, self.profiles, si, x)) if explain else (lambda j, x: None)
        return self._rank(X, elig, self.postings.ids, mode, offset, limit, include_ineligible, fn, candidates,
                          self.postings.index, lambda j: self.profiles.items[si])

    def rank_profiles(self, posting_id: str, *, mode: str = "system", offset: int = 0, limit: int = 20,
                      include_ineligible: bool = False, explain: bool = True,
                      candidates: Sequence[str] | None = None) -> RankedPage:
        """People for one post, best first (same options as ``rank_postings``)."""
        pi = self.postings.index[posting_id]
        X, elig = self.features_for_posting(pi)
        fn = (lambda j, x: explain_pair(self.postings, pi, self.profiles, j, x)) if explain else (lambda j, x: None)
        return self._rank(X, elig, self.profiles.ids, mode, offset, limit, include_ineligible, fn, candidates,
                          self.profiles.index, lambda j: self.profiles.items[j])


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
