"""A snapshot plus what changed since it was built: new, edited, closed and deleted documents.

The delta is a small in-memory pool over the snapshot's frozen vocabulary (bigrams the
snapshot never saw get fresh ids past its end, shared by the delta's documents and the
queries against it), the snapshot's idf and weights. A query is ranked against the snapshot
without the removed (and the delta's) ids and against the delta, and the two pages are merged
by score. The BM25 feature is normalised by the larger of the two pools' maxima, so scores
from either side compare as one pool's would; the delta's hub scores are averaged over the
same reference sample the snapshot's were, and centred by the snapshot's mean.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

import numpy as np

from matching import features as F
from matching.features import FI
from matching.pairs import pair_features
from matching.pools import FrozenVocab, PostingPool, ProfilePool, bm25_weight
from matching.topk import RankedPage, lex_raw, rank_query


class _Layered(Mapping):
    """The snapshot's bigram ids, then the delta's own (fresh ids past the snapshot's)."""

    def __init__(self, base: Mapping, extra: dict[str, int]):
        self.base, self.extra = base, extra

    def __getitem__(self, k):
        v = self.base.get(k)
        if v is None:
            return self.extra[k]
        return v

    def get(self, k, default=None):
        v = self.base.get(k)
        return self.extra.get(k, default) if v is None else v

    def __contains__(self, k) -> bool:
        return k in self.base or k in self.extra

    def lookup(self, keys: list) -> np.ndarray:
        look = getattr(self.base, "lookup", None)
        out = look(keys) if look is not None else np.array([self.base.get(k, -1) for k in keys], dtype=np.int64)
        for j in np.flatnonzero(out < 0).tolist():
            out[j] = self.extra.get(keys[j], -1)
        return out

    def __len__(self) -> int:
        return len(self.base) + len(self.extra)

    def __iter__(self):
        yield from self.base
        yield from self.extra


class _DeltaVocab:
    def __init__(self, base_vocab):
        self.building = FrozenVocab(base_vocab)     # grows only while the delta's pools are built
        self.ids = _Layered(base_vocab.ids, self.building.extra)

    def __len__(self) -> int:
        return len(self.ids)

    def frozen(self) -> FrozenVocab:
        return FrozenVocab(self)


class _Side:
    """Ids, rows and kinds of a snapshot side and its delta together (removed ids left out of ``index``)."""

    def __init__(self, base, delta, removed: np.ndarray):
        self.base, self.delta, self.removed = base, delta, removed
        self.ids = _Concat(base.ids, delta.ids)
        self.index = _Index(base.index, delta.index, removed, len(base))
        if hasattr(base, "kind"):
            self.kind = np.concatenate([np.asarray(base.kind), delta.kind])

    def __len__(self) -> int:
        return len(self.ids)


class _Concat(Sequence):
    def __init__(self, a, b):
        self.a, self.b = a, b

    def __len__(self) -> int:
        return len(self.a) + len(self.b)

    def __getitem__(self, i):
        i = int(i)
        return self.a[i] if i < len(self.a) else self.b[i - len(self.a)]

    def __iter__(self) -> Iterator[str]:
        yield from self.a
        yield from self.b


class _Index(Mapping):
    def __init__(self, base: Mapping, delta: Mapping, removed: np.ndarray, offset: int):
        self.base, self.delta, self.removed, self.offset = base, delta, removed, offset

    def __getitem__(self, k):
        if k in self.delta:
            return self.offset + self.delta[k]
        i = self.base[k]
        if self.removed[i]:
            raise KeyError(k)
        return i

    def __contains__(self, k) -> bool:
        try:
            self[k]
        except KeyError:
            return False
        return True

    def __len__(self) -> int:
        return len(self.base) - int(self.removed.sum()) + len(self.delta)

    def __iter__(self):
        yield from (k for k in self.base if not self.removed[self.base[k]])
        yield from self.delta


def _removed_mask(pool, ids: set[str]) -> np.ndarray:
    mask = np.zeros(len(pool), dtype=bool)
    idx = pool.index
    rows = idx.rows_of(ids) if hasattr(idx, "rows_of") else [idx[i] for i in ids if i in idx]
    mask[np.asarray(rows, dtype=np.int64)] = True
    return mask


def _merge(pages: list[RankedPage], offset: int, limit: int, include_ineligible: bool) -> RankedPage:
    total = sum(p.total for p in pages)
    good = sorted((it for p in pages for it in p.items if it.eligible), key=lambda it: -it.score)
    bad = sorted((it for p in pages for it in p.items if not it.eligible), key=lambda it: -it.score)
    items = good[offset: offset + limit]
    for r, it in enumerate(items, start=offset + 1):
        it.rank = r
    if include_ineligible and len(items) < limit:
        start = max(0, offset - total)
        more = bad[start: start + limit - len(items)]
        for k, it in enumerate(more):
            it.rank = total + start + k + 1
        items = items + more
    return RankedPage(items=items, total=total, offset=offset, limit=limit, excluded=sum(p.excluded for p in pages))


class DeltaRanker:
    """``Snapshot.with_delta``'s ranker: the same ranking methods as the snapshot's."""

    def __init__(self, base, postings: list[F.PostingData], posting_vectors: np.ndarray, profiles: list[F.ProfileData],
                 profile_vectors: np.ndarray, removed_postings: Iterable[str], removed_profiles: Iterable[str],
                 hub_ref: dict):
        self.base = base
        self.today, self.weights, self.encoder = base.today, base.weights, base.encoder
        self.idf_post, self.idf_prof = base.idf_post, base.idf_prof
        self.cat_registry = dict(base.cat_registry)
        self.vocab = _DeltaVocab(base.vocab)
        self.d_postings = PostingPool(postings, posting_vectors, self.vocab.building, self.today, self.cat_registry)
        self.d_profiles = ProfilePool(profiles, profile_vectors, self.vocab.building, self.today, self.cat_registry)
        for pool, base_pool in ((self.d_postings, base.postings), (self.d_profiles, base.profiles)):
            # BM25 document weights with the snapshot's mean document length, not the delta's
            pool._bm25_ws = [bm25_weight(tf, dl, base_pool.avgdl) for tf, dl in zip(pool._bm25_tf, pool._bm25_len)]
            pool.build_matrices()
        rm_post = set(removed_postings) | set(self.d_postings.ids)
        rm_prof = set(removed_profiles) | set(self.d_profiles.ids)
        self.rm_post = _removed_mask(base.postings, rm_post)
        self.rm_prof = _removed_mask(base.profiles, rm_prof)
        self.postings = _Side(base.postings, self.d_postings, self.rm_post)
        self.profiles = _Side(base.profiles, self.d_profiles, self.rm_prof)
        self._hub(hub_ref)

    def _hub(self, hub_ref: dict) -> None:
        w = self.weights.copy()
        w[FI["hub"]] = 0.0
        for side, pool, qcls in (("postings", self.d_postings, ProfilePool), ("profiles", self.d_profiles, PostingPool)):
            ref = hub_ref.get(side)
            if ref is None or not len(pool):
                continue
            Q = qcls(list(ref.docs), np.asarray(ref.vectors, dtype=np.float32), self.vocab.frozen(), self.today,
                     dict(self.cat_registry))
            acc = np.zeros(len(pool), dtype=np.float64)
            for j in range(len(Q)):
                args = (pool, None, Q, j) if side == "postings" else (Q, j, pool, None)
                X = pair_features(*args, self.idf_post, self.idf_prof)
                raw = self._lex(*args)
                X[:, FI["lex"]] = raw / max(float(ref.lexmax[j]), float(raw.max(initial=0.0)), 1e-6)
                acc += w @ X.T
            pool.hub = (acc / max(len(Q), 1) - ref.mean).astype(np.float32)

    def _lex(self, PP, pi, SP, si) -> np.ndarray:
        """Raw BM25 of a delta pool, its common-bigram pruning decided over the snapshot's pool."""
        return lex_raw(PP, pi, SP, si, self.idf_post, self.idf_prof,
                       decide_on=self.base.postings if pi is None else self.base.profiles)

    def score(self, X: np.ndarray, mode: str = "system") -> np.ndarray:
        return self.base.score(X, mode)

    def _encoder(self):
        return self.base._encoder()

    def _both(self, base_args, delta_args, *, offset, limit, include_ineligible, **kw) -> RankedPage:
        lb, ld = lex_raw(*base_args, self.idf_post, self.idf_prof), self._lex(*delta_args)
        top = max(float(lb.max(initial=0.0)), float(ld.max(initial=0.0)), 1e-6)
        excl = self.rm_post if base_args[1] is None else self.rm_prof
        want = offset + limit
        pages = [rank_query(self, *base_args, offset=0, limit=want, include_ineligible=include_ineligible,
                            exclude=excl, lex=(lb, top), **kw),
                 rank_query(self, *delta_args, offset=0, limit=want, include_ineligible=include_ineligible,
                            lex=(ld, top), **kw)]
        return _merge(pages, offset, limit, include_ineligible)

    def rank_postings_for(self, profile: F.ProfileData, vector=None, *, mode: str = "system", offset: int = 0,
                          limit: int = 20, include_ineligible: bool = False, explain: bool = True,
                          candidates: Sequence[str] | None = None, retrieve_k: int | None = None) -> RankedPage:
        if vector is None:
            from matching.ranker import embed_profiles  # noqa: PLC0415  (only without a stored vector)
            vector = embed_profiles([profile], self._encoder())[0]
        SP = ProfilePool([profile], np.asarray(vector, dtype=np.float32).reshape(1, -1), self.vocab.frozen(),
                         self.today, dict(self.cat_registry))
        return self._both((self.base.postings, None, SP, 0), (self.d_postings, None, SP, 0), mode=mode,
                          offset=offset, limit=limit, include_ineligible=include_ineligible, explain=explain,
                          candidates=candidates, retrieve_k=retrieve_k)

    def rank_profiles_for(self, posting: F.PostingData, vector=None, *, mode: str = "system", offset: int = 0,
                          limit: int = 20, include_ineligible: bool = False, explain: bool = True,
                          candidates: Sequence[str] | None = None, retrieve_k: int | None = None) -> RankedPage:
        if vector is None:
            from matching.ranker import embed_postings  # noqa: PLC0415  (only without a stored vector)
            vector = embed_postings([posting], self._encoder())[0]
        PP = PostingPool([posting], np.asarray(vector, dtype=np.float32).reshape(1, -1), self.vocab.frozen(),
                         self.today, dict(self.cat_registry))
        return self._both((PP, 0, self.base.profiles, None), (PP, 0, self.d_profiles, None), mode=mode,
                          offset=offset, limit=limit, include_ineligible=include_ineligible, explain=explain,
                          candidates=candidates, retrieve_k=retrieve_k)

    def _doc(self, side: str, doc_id: str):
        d, b, rm = (self.d_profiles, self.base.profiles, self.rm_prof) if side == "profiles" else \
            (self.d_postings, self.base.postings, self.rm_post)
        if doc_id in d.index:
            i = d.index[doc_id]
            return d.items[i], d.vectors[i]
        i = b.index[doc_id]
        if rm[i]:
            raise KeyError(doc_id)
        return b.items[i], b.vectors[i]

    def rank_postings(self, profile_id: str, **kw) -> RankedPage:
        return self.rank_postings_for(*self._doc("profiles", profile_id), **kw)

    def rank_profiles(self, posting_id: str, **kw) -> RankedPage:
        return self.rank_profiles_for(*self._doc("postings", posting_id), **kw)
