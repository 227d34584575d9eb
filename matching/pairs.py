"""Features of (posting, profile) pairs, vectorised over the candidates of one query document,
and the hard filters (``eligibility``). Split from ``ranker`` (which re-exports these names);
used by the in-memory ``Ranker``, the memory-mapped snapshot ranker (``store``) and the cheap
retrieval step (``topk``).
"""
from __future__ import annotations

import numpy as np

from matching import features as F
from matching.features import FEATURES, FI
from matching.pools import PostingPool, ProfilePool

#: BM25 leaves out a query's bigrams that more than PRUNE_DF of the candidate documents hold,
#: once there are more than PRUNE_MIN_DOCS of them (``common_pruned``)
PRUNE_DF, PRUNE_MIN_DOCS = 0.5, 1000


def common_pruned(q: np.ndarray, pool, share: float = PRUNE_DF) -> np.ndarray:
    """The query's bigram ids without those found in more than ``share`` of ``pool``'s
    documents, for pools of more than :data:`PRUNE_MIN_DOCS` (smaller ones keep them all).

    Such a bigram (工作, 负责, 经验 in most postings) has a BM25 idf below ln 2 ≈ 0.69 against
    ~5–10 for the words that tell documents apart, so it moves a score little; but its column
    lists most of the pool: on the load test's 100,000 postings a person's ~27 query bigrams
    held ~830,000 entries, ~630,000 of them in the ~6 common ones (a person's BM25 against
    every posting: ~5.4 ms, ~1.3 ms without them). The same rule holds in both directions (a
    posting's text against people, a person's against postings), in the full ranking and in
    the cheap retrieval step alike, and a delta decides it over its snapshot's pool."""
    n = len(pool)
    if n <= PRUNE_MIN_DOCS:
        return q
    df_share = np.diff(pool.bm25.csc.indptr)[q] / n
    return q[df_share <= share]


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


def pair_features(PP: PostingPool, pi, SP: ProfilePool, si, idf_post=None, idf_prof=None,
                  prune_df: float = PRUNE_DF) -> np.ndarray:
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
        q = common_pruned(q[q < len(idf)], SP, prune_df)
        lex = SP.bm25.colsum(q, idf[q])
    else:
        q = SP.query_ids[si]
        idf = idf_post if idf_post is not None else PP.idf()
        q = common_pruned(q[q < len(idf)], PP, prune_df)  # bigrams the posts never use cannot score
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
