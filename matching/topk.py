"""One query document against a pool: hard filters, an optional cheap retrieval step, the full
features on what is left, the score, the page and its reasons.

Shared by the in-memory ``Ranker`` and the memory-mapped snapshot ranker (``store``).

**Cheap retrieval** (``retrieve_k``): the top K candidates by e5 cosine UNION the top K by BM25
(both restricted to the rows the hard filters and ``candidates`` let through), and the full
feature ranker on those only. ``total`` still counts every eligible row (the hard filters are
cheap array comparisons). A retrieved row's score is exactly its full-ranking score: the BM25
feature is normalised by the maximum over the whole pool, as the full ranking does.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from matching import features as F
from matching.explain import explain_pair, ineligible_reasons
from matching.features import FEATURES, FI, Explanation
from matching.pairs import PRUNE_DF, _pick, common_pruned, eligibility, pair_features

#: Default K of the cheap retrieval step (``retrieve_k``). Measured 2026-12-07 (issue 18) on the
#: shared 2-core machine, K from 50, 100, 200, 400, 800:
#: - both graded sets (``python -m matching.evaluate FILE --retrieve-k 5,10,20,50``): nDCG@10
#:   unchanged from K = 10 up in both directions (dev 0.9237 / 0.9198, second set 0.9478 /
#:   0.9000); with 60 postings and 40 people they cannot tell larger Ks apart;
#: - the synthetic pool of ``matching.bench`` (random unit vectors, so the cosine list is noise
#:   and the BM25 and cheap-score lists do the work), top 20 of eight posts against the full
#:   ranking, 100,000 people: overlap@20 0.78 / 0.91 / 0.96 / 0.99 / 1.00 (worst post 0.50 /
#:   0.70 / 0.75 / 0.95 / 1.00), mean top-20 score short of the full one by 0.044 / 0.011 /
#:   0.004 / 0.0001 / 0; CPU per ranking with reasons 42 / 41 / 40-49 / 45-55 / 72 ms against
#:   59-73 ms for the full ranking. 400 is the smallest K with every post's overlap >= 0.95.
RETRIEVE_K = 400

#: phrase matrices: one row per phrase, ``owner`` the document's row
_PHRASES = ("skill_m", "lic_m")


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


def score(weights: np.ndarray, X: np.ndarray, mode: str = "system") -> np.ndarray:
    if mode == "system":
        # X is column-major: X.T is contiguous, so this is one fast matrix-vector product
        return weights @ X.T
    if mode == "lexical":
        return X[:, FI["lex"]].copy()
    if mode == "vector":
        return X[:, FI["cos"]].copy()
    raise ValueError(f"mode must be system, lexical or vector, not {mode!r}")


def lex_raw(PP, pi, SP, si, idf_post, idf_prof, prune_df: float = PRUNE_DF, decide_on=None) -> np.ndarray:
    """BM25 of the query document against every candidate, before normalisation: the same
    computation as ``pair_features``' lexical feature. ``decide_on``: the pool whose
    documents decide which common bigrams are left out (``common_pruned``; default the
    candidates' own: a delta passes its snapshot's)."""
    if pi is not None:
        q = PP.query_ids[pi]
        idf = idf_prof if idf_prof is not None else SP.idf()
        q = common_pruned(q[q < len(idf)], SP if decide_on is None else decide_on, prune_df)
        return SP.bm25.colsum(q, idf[q])
    q = SP.query_ids[si]
    idf = idf_post if idf_post is not None else PP.idf()
    q = common_pruned(q[q < len(idf)], PP if decide_on is None else decide_on, prune_df)
    return PP.bm25.colsum(q, idf[q])


def _top(idx: np.ndarray, s: np.ndarray, k: int) -> np.ndarray:
    if len(idx) <= k:
        return idx
    v = s[idx]
    return idx[np.argpartition(-v, k - 1)[:k]]


def cheap_scores(ranker, PP, pi, SP, si, lex: np.ndarray, lex_max: float, cos: np.ndarray) -> np.ndarray:
    """A few terms of the linear score over every candidate, each one or two array operations:
    cosine, BM25, the post title in the wanted jobs, education below the minimum (waivers
    left out), commute, pay below the wish, experience years, and the hub discount. The skill,
    licence, major and place terms (the costly ones) are left to the full ranker."""
    w, post_q = ranker.weights, pi is not None
    g = lambda a: _pick(a, pi)  # noqa: E731  posting attribute
    h = lambda a: _pick(a, si)  # noqa: E731  profile attribute
    s = w[FI["cos"]] * cos + w[FI["lex"]] * (lex / lex_max)
    if post_q:
        t = PP.title_sets[pi]
        td = SP.desired_m.colsum(t) / max(len(t), 1)
    else:
        td = PP.title_m.colsum(SP.desired_sets[si]) / np.maximum(PP.title_m.length, 1)
    s += w[FI["title_desired"]] * td
    s += w[FI["edu_below"]] * (h(SP.edu) < g(PP.edu_min))
    s += w[FI["commute"]] * np.minimum(1.0, F.commute_matrix()[h(SP.district), g(PP.district)])
    want, smax = h(SP.desired_salary), g(PP.salary_max)
    with np.errstate(invalid="ignore", divide="ignore"):
        short = np.nan_to_num(np.clip((want - smax) / want, 0, 1), nan=0.0)
    s += w[FI["salary_short"]] * np.where(g(PP.kind) == 1, 0.0, short)
    pexp = g(PP.exp_years)
    s += w[FI["exp_gap"]] * ((pexp > 0) & (h(SP.exp_years) < pexp))
    s += w[FI["hub"]] * (SP.hub if post_q else PP.hub)
    return s


def retrieve(PP, pi, SP, si, masks: Sequence[np.ndarray], k: int, idf_post, idf_prof,
             lex: np.ndarray | None = None, ranker=None, lex_max: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Rows (sorted) of the top ``k`` by cosine, the top ``k`` by BM25 and (given the ranker)
    the top ``k`` by ``cheap_scores`` within each mask, and the raw BM25 of every row (``lex``
    when already computed)."""
    post_q = pi is not None
    C, qv = (SP, PP.vectors[pi]) if post_q else (PP, SP.vectors[si])
    cos = np.asarray(C.vectors @ np.asarray(qv, dtype=np.float32))
    if lex is None:
        lex = lex_raw(PP, pi, SP, si, idf_post, idf_prof)
    scores = [cos, lex]
    if ranker is not None:
        top = lex_max if lex_max is not None else max(float(lex.max(initial=0.0)), 1e-6)
        scores.append(cheap_scores(ranker, PP, pi, SP, si, lex, top, cos))
    picked = []
    for m in masks:
        idx = np.flatnonzero(m)
        picked += [_top(idx, s, k) for s in scores]
    rows = np.unique(np.concatenate(picked)) if picked else np.zeros(0, dtype=np.int64)
    return rows, lex


def _subset_colsum(m, rows: np.ndarray, nrows: int, cache: dict, cols, weights):
    """``m.colsum`` for some rows only: from the rows themselves when the matrix has them
    (a snapshot's), else the full column sums, indexed."""
    csr = getattr(m, "rows", None)
    cols = np.asarray(cols)
    if csr is None or weights is not None or not m.binary or len(np.unique(cols)) != len(cols):
        return m.colsum(cols, weights)[rows]
    # Whichever reads fewer entries: the columns' (mapped, every row) or the rows' own (read
    # from the file once per request and matrix, then kept in ``cache``). A few rare bigrams
    # (a title, a skill) touch less than a thousand rows' whole sets.
    indptr = m.csc.indptr
    keep = cols[cols < len(indptr) - 1]
    by_cols = int((indptr[keep + 1] - indptr[keep]).sum()) if len(keep) else 0
    by_rows = len(cache["g"][0]) if "g" in cache else int((csr.indptr[rows + 1] - csr.indptr[rows]).sum())
    if by_cols <= by_rows:
        return m.colsum(cols)[rows]
    if "g" not in cache:
        cache["g"] = csr.gather(rows)
    ind, own = cache["g"]
    return np.bincount(own[np.isin(ind, cols)], minlength=nrows).astype(np.float32)


class _SubMatrix:
    def __init__(self, m, rows):
        self.m, self.rows, self._g = m, rows, {}
        self.nrows = len(rows)
        self.length = np.asarray(m.length[rows])
        self.binary = m.binary

    def colsum(self, cols, weights=None):
        return _subset_colsum(self.m, self.rows, self.nrows, self._g, cols, weights)


class _SubPhrases:
    """A phrase matrix restricted to the phrases of some documents (owners renumbered)."""

    def __init__(self, m, rows):
        owner = np.asarray(m.owner)
        lo, hi = np.searchsorted(owner, rows), np.searchsorted(owner, rows + 1)
        lens = (hi - lo).astype(np.int64)
        sel = np.arange(int(lens.sum()), dtype=np.int64) + np.repeat(lo - (np.cumsum(lens) - lens), lens)
        self.m, self.sel, self._g = m, sel.astype(np.int64), {}
        self.owner = np.repeat(np.arange(len(rows), dtype=np.int32), hi - lo)
        self.length = np.asarray(m.length[self.sel])
        self.nrows = len(self.sel)

    def colsum(self, cols, weights=None):
        return _subset_colsum(self.m, self.sel, self.nrows, self._g, cols, weights)


class _FixedLex:
    """The BM25 matrix of a row subset: its column sums were computed by ``retrieve``."""

    def __init__(self, m, lex_rows):
        self.csc, self.lex = m.csc, lex_rows

    def colsum(self, cols, weights=None):
        return self.lex


class RowSubset:
    """The candidate pool restricted to ``rows``: what ``pair_features`` reads, per row."""

    def __init__(self, pool, rows: np.ndarray, lex: np.ndarray):
        self._pool, self._rows, self._n, self._lex = pool, rows, len(pool), lex

    def __len__(self) -> int:
        return len(self._rows)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        v = getattr(self._pool, name)
        if name == "bm25":
            out = _FixedLex(v, self._lex[self._rows])
        elif name in _PHRASES:
            out = _SubPhrases(v, self._rows)
        elif hasattr(v, "colsum"):
            out = _SubMatrix(v, self._rows)
        elif isinstance(v, np.ndarray) and v.ndim and v.shape[0] == self._n:
            out = np.asarray(v[self._rows])
        else:
            out = v
        self.__dict__[name] = out
        return out


def _keep(C, n: int, candidates, exclude) -> np.ndarray | None:
    if candidates is None and exclude is None:
        return None
    keep = np.ones(n, dtype=bool)
    if candidates is not None:
        keep[:] = False
        index = C.index
        if hasattr(index, "rows_of"):
            keep[index.rows_of(candidates)] = True
        elif isinstance(candidates, np.ndarray):
            # an in-memory pool (the delta: a few ids) against a city's candidates, as an array
            ids = list(index)
            keys = np.array(ids, dtype=str) if candidates.dtype.kind == "U" else \
                np.array([int(k) if k.isdecimal() and str(int(k)) == k else -1 for k in ids], dtype=np.int64)
            keep[[index[k] for k, ok in zip(ids, np.isin(keys, candidates)) if ok]] = True
        else:
            keep[[index[c] for c in candidates if c in index]] = True
    if exclude is not None:
        keep &= ~exclude
    return keep


def rank_query(ranker, PP, pi, SP, si, *, mode: str = "system", offset: int = 0, limit: int = 20,
               include_ineligible: bool = False, explain: bool = True, candidates: Sequence[str] | None = None,
               retrieve_k: int | None = None, exclude: np.ndarray | None = None,
               lex: tuple[np.ndarray, float] | None = None) -> RankedPage:
    """Rank the candidates (profiles when ``pi`` is given, postings when ``si`` is) for the one
    query document. ``exclude``: a boolean mask of candidate rows to leave out entirely
    (rows a delta replaces); ``lex``: the raw BM25 of every candidate and the maximum to
    normalise it by (a snapshot and its delta share one)."""
    post_q = pi is not None
    C = SP if post_q else PP
    n = len(C)
    elig = eligibility(PP, pi, SP, si)
    ok = np.logical_and.reduce(list(elig.values())) if mode == "system" else np.ones(n, dtype=bool)
    keep = _keep(C, n, candidates, exclude)
    if keep is not None:
        ok = ok & keep
    total = int(ok.sum())
    excluded = (n if keep is None else int(keep.sum())) - total
    if retrieve_k and mode == "system" and n > retrieve_k:
        # The rows the hard filters refused follow all ``total`` ranked ones, so a page shows
        # them only when it reaches past the ranked ones: only then are they retrieved.
        shown_refused = include_ineligible and offset + limit > total
        masks = [ok] + ([~ok & (True if keep is None else keep)] if shown_refused else [])
        rows, raw = retrieve(PP, pi, SP, si, masks, int(retrieve_k), ranker.idf_post, ranker.idf_prof,
                             None if lex is None else lex[0], ranker, None if lex is None else lex[1])
        sub = RowSubset(C, rows, raw)
        X = pair_features(PP, pi, sub, None, ranker.idf_post, ranker.idf_prof) if post_q else \
            pair_features(sub, None, SP, si, ranker.idf_post, ranker.idf_prof)
        top = max(float(raw.max(initial=0.0)), 1e-6) if lex is None else lex[1]
        X[:, FI["lex"]] = raw[rows] / top
        ok_l = ok[rows]
        keep_l = None if keep is None else keep[rows]
    else:
        rows = None
        X = pair_features(PP, pi, SP, si, ranker.idf_post, ranker.idf_prof)
        if lex is not None:
            X[:, FI["lex"]] = lex[0] / lex[1]
        ok_l, keep_l = ok, keep
    s = ranker.score(X, mode)
    glob = (lambda j: int(j)) if rows is None else (lambda j: int(rows[j]))  # noqa: E731

    def explain_fn(j, x):
        if not explain:
            return None
        return explain_pair(PP, pi, SP, j, x) if post_q else explain_pair(PP, j, SP, si, x)

    def person_of(j):
        return SP.items[j] if post_q else SP.items[si]

    ids = C.ids
    cand = np.flatnonzero(ok_l)
    want = offset + limit
    order_src = s[cand]
    if want < len(cand):
        part = np.argpartition(-order_src, want - 1)[:want]
        top = cand[part[np.lexsort((cand[part], -order_src[part]))]]
    else:
        top = cand[np.lexsort((cand, -order_src))]
    items = []
    for r, j in enumerate(top[offset:want].tolist(), start=offset + 1):
        g = glob(j)
        items.append(RankedItem(id=ids[g], rank=r, score=float(s[j]), eligible=True,
                                features={f: float(X[j, k]) for k, f in enumerate(FEATURES)},
                                explanation=explain_fn(g, X[j])))
    if include_ineligible and len(items) < limit:
        bad = np.flatnonzero(~ok_l & (True if keep_l is None else keep_l))
        bad = bad[np.lexsort((bad, -s[bad]))]
        start = max(0, offset - total)
        for k, j in enumerate(bad[start: start + limit - len(items)].tolist()):
            g = glob(j)
            items.append(RankedItem(id=ids[g], rank=total + start + k + 1, score=float(s[j]), eligible=False,
                                    ineligible=ineligible_reasons({nm: bool(v[g]) for nm, v in elig.items()},
                                                                  person_of(g)),
                                    features={f: float(X[j, q]) for q, f in enumerate(FEATURES)},
                                    explanation=explain_fn(g, X[j])))
    return RankedPage(items=items, total=total, offset=offset, limit=limit, excluded=excluded)
