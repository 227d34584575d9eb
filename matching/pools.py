"""Columnar, vectorised views of many postings or many profiles.

A pool holds, per document, the numbers the ranker needs as numpy arrays (education level,
district, age, category bits, desired salary, ...) and the document's character-bigram sets as
sparse CSC matrices (rows = documents or their skill phrases, columns = bigram ids). Feature
computation for one query document against a whole pool is then a handful of vector operations
and "column sums" (``colsum``): the count, for each row, of the query's bigrams it holds.
"""
from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy import sparse

import chinese
from matching import features as F

# words that say nothing about the skill ("有效低压电工作业证" → 低压电工)
_GENERIC = re.compile(r"有效|证书|作业|资格|操作|经验|及以上|以上|熟练|熟悉|能力|基础|相关|专业")


class Vocab:
    """Character bigram → column id; shared by the pools of one ranker."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def add(self, toks) -> np.ndarray:
        ids = self.ids
        toks = toks if isinstance(toks, list) else list(toks)
        got = list(map(ids.get, toks))  # most tokens are known: looked up without a Python loop
        if None in got:
            got = [ids.setdefault(t, len(ids)) for t in toks]
        return np.array(got, dtype=np.int32)

    def get(self, toks) -> np.ndarray:
        ids = self.ids
        return np.fromiter((ids[t] for t in toks if t in ids), dtype=np.int32)

    def __len__(self) -> int:
        return len(self.ids)

    def frozen(self) -> "FrozenVocab":
        return FrozenVocab(self)


class FrozenVocab:
    """A read-only view for one-off query documents: known bigrams get their ids, unknown ones
    get fresh ids past the end (they cannot match anything indexed), and the shared vocabulary
    does not grow with every request."""

    def __init__(self, base: Vocab) -> None:
        self.base = base.ids
        self.extra: dict[str, int] = {}

    def _known(self, toks: list) -> list:
        """Base ids of ``toks`` (None or -1 where unknown); a mapped vocabulary looks them up at once."""
        look = getattr(self.base, "lookup", None)
        return look(toks).tolist() if look is not None else [self.base.get(t) for t in toks]

    def add(self, toks) -> np.ndarray:
        toks, out = list(toks), []
        for t, i in zip(toks, self._known(toks)):
            if i is None or i < 0:
                i = self.extra.setdefault(t, len(self.base) + len(self.extra))
            out.append(i)
        return np.array(out, dtype=np.int32)

    def get(self, toks) -> np.ndarray:
        toks = list(toks)
        return np.array([i for i in self._known(toks) if i is not None and i >= 0], dtype=np.int32)

    def __len__(self) -> int:
        return len(self.base) + len(self.extra)


def grams(text: str) -> list[str]:
    return list(dict.fromkeys(chinese.bigrams(chinese.normalize(text))))


def expanded(text: str) -> str:
    """Text plus every synonym of the synonym groups it touches (看大门 → 门卫 保安 …)."""
    text = chinese.normalize(text)
    return text + " " + " ".join(chinese.expand(text))


def phrase_grams(phrase: str) -> list[str]:
    return list(_phrase_grams(phrase))


@functools.lru_cache(maxsize=8192)  # skill and licence phrases recur across many documents
def _phrase_grams(phrase: str) -> tuple[str, ...]:
    core = _GENERIC.sub(" ", chinese.normalize(phrase))
    g = grams(core)
    return tuple(g or grams(phrase))


class SetMatrix:
    """Rows of bigram-id sets (CSC over columns), each row with an owner document and a length."""

    def __init__(self, rows: list[np.ndarray], owners: Sequence[int], ncols: int, weights: list[np.ndarray] | None = None):
        self.owner = np.asarray(owners, dtype=np.int32)
        self.length = np.array([len(r) for r in rows], dtype=np.float32)
        nnz = int(self.length.sum())
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(self.length.astype(np.int64), out=indptr[1:])
        indices = np.concatenate(rows) if nnz else np.zeros(0, dtype=np.int32)
        data = np.concatenate(weights).astype(np.float32) if weights is not None and nnz else np.ones(nnz, dtype=np.float32)
        csr = sparse.csr_matrix((data, indices, indptr), shape=(len(rows), max(ncols, 1)))
        csr.sum_duplicates()
        self.csc = csr.tocsc()
        self.nrows = len(rows)
        #: every entry is 1 (a set, not weights): column sums are plain counts
        self.binary = weights is None

    def colsum(self, cols: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """For each row, the sum of its entries in ``cols`` (× ``weights``): |row ∩ cols| for sets."""
        csc = self.csc
        keep = cols < csc.shape[1]
        cols = cols[keep]
        if len(cols) == 0:
            return np.zeros(self.nrows, dtype=np.float32)
        starts, ends = csc.indptr[cols].tolist(), csc.indptr[cols + 1].tolist()
        ind = csc.indices
        # concatenating the column slices (views) is cheaper than building a gather index
        idx = np.concatenate([ind[a:b] for a, b in zip(starts, ends)])
        if len(idx) == 0:
            return np.zeros(self.nrows, dtype=np.float32)
        if self.binary and weights is None:
            return np.bincount(idx, minlength=self.nrows).astype(np.float32)
        data = csc.data
        if weights is None:
            vals = np.concatenate([data[a:b] for a, b in zip(starts, ends)])
        else:
            w = weights[keep].astype(np.float32).tolist()
            vals = np.concatenate([data[a:b] * wi for a, b, wi in zip(starts, ends, w)])
        return np.bincount(idx, weights=vals, minlength=self.nrows).astype(np.float32)


def group_key(code: str) -> str:
    """An R14 group's key in the bit registry, apart from the declared categories'."""
    return f"group:{code}"


def _cat_bits(cats, registry: dict[str, int]) -> int:
    m = 0
    for c in cats:
        if c not in registry:
            registry[c] = len(registry)
        m |= 1 << registry[c]
    return m


def occupation_number(code: str | None) -> int:
    """A classification code ("4-12-01-01") as one integer (4120101): its minor group is
    ``n // 100``, its middle group ``n // 10000``; -1 when absent or not of that shape."""
    parts = (code or "").strip().split("-")
    if len(parts) != 4 or not all(x.isdigit() for x in parts):
        return -1
    a, b, c, d = (int(x) for x in parts)
    return ((a * 100 + b) * 100 + c) * 100 + d


OCC_SLOTS = 3  # occupation codes kept per person (wanted and past jobs as the record lists them)


BM25_K1, BM25_B = 1.2, 0.75


def bm25_counts(texts, vocab: Vocab):
    """Per-document bigram ids, their term frequencies and the document's length in bigrams."""
    rows, tfs, lens = [], [], []
    for t in texts:
        c = Counter(chinese.bigrams(t))
        rows.append(vocab.add(c.keys()))
        tfs.append(np.fromiter(c.values(), dtype=np.float32, count=len(c)))
        lens.append(sum(c.values()))
    return rows, tfs, lens


def bm25_weight(tf, dl, avg: float):
    return tf * (BM25_K1 + 1) / (tf + BM25_K1 * (1 - BM25_B + BM25_B * dl / avg))


def bm25_rows(texts, vocab: Vocab):
    """Per-document (bigram ids, BM25 document-side weights) of ``texts`` (any iterable; one
    document's tokens are held at a time, which keeps building 100k profiles light)."""
    rows, tfs, lens = bm25_counts(texts, vocab)
    avg = max(float(np.mean(lens)), 1.0) if lens else 1.0
    return rows, [bm25_weight(tf, dl, avg) for tf, dl in zip(tfs, lens)], tfs, lens


def _group(owner: np.ndarray, n: int) -> list[np.ndarray]:
    """Row indices per owner (owner arrays are sorted by construction)."""
    bounds = np.searchsorted(owner, np.arange(n + 1))
    return [np.arange(bounds[i], bounds[i + 1]) for i in range(n)]


class Pool:
    """Common parts of the posting and profile pools."""

    def skills_of(self, i: int) -> np.ndarray:
        return self._skills_of[i]

    def lics_of(self, i: int) -> np.ndarray:
        return self._lics_of[i]

    ids: list[str]

    def __len__(self) -> int:
        return len(self.ids)

    def _finish_text(self, texts: list[str], vocab: Vocab) -> None:
        rows, ws, self._bm25_tf, self._bm25_len = bm25_rows(texts, vocab)
        self._bm25_rows, self._bm25_ws = rows, ws
        self.query_ids = rows  # unique bigram ids of each text, used when this doc is the query

    def idf(self) -> np.ndarray:
        """BM25 idf per vocabulary column over this pool's documents."""
        n = len(self)
        df = np.diff(self.bm25.csc.indptr).astype(np.float32)
        return np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)


def _sets(items, vocab: Vocab) -> list[np.ndarray]:
    """Sorted unique bigram ids of each item (an iterable of token lists, consumed lazily)."""
    rows = [vocab.add(x) for x in items]
    if not rows:
        return []
    # one sort of all rows at once, by (row, id), instead of a np.unique per row
    lens = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    flat = np.concatenate(rows)
    owner = np.repeat(np.arange(len(rows), dtype=np.int64), lens)
    order = np.lexsort((flat, owner))
    flat, owner = flat[order], owner[order]
    keep = np.ones(len(flat), dtype=bool)
    keep[1:] = (flat[1:] != flat[:-1]) | (owner[1:] != owner[:-1])
    flat = flat[keep]
    bounds = np.searchsorted(owner[keep], np.arange(len(rows) + 1))
    return [flat[a:b] for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist())]


def posting_occupation_text(p: F.PostingData) -> str:
    """What the post's occupation is, for the second (occupation) embedding."""
    return chinese.normalize(f"{title_core(p.title)}：{'、'.join(p.skills)}")


def profile_occupation_text(p: F.ProfileData) -> str:
    """What the person wants to do (the wish without place and pay), for the occupation embedding."""
    return chinese.normalize(f"{F.occupation_text(p.desired)}：{'、'.join(p.skills)}")


class PostingPool(Pool):
    def __init__(self, postings: Sequence[F.PostingData], vectors: np.ndarray, vocab: Vocab, today: dt.date, cat_registry: dict[str, int]):
        self.items = list(postings)
        self.ids = [p.id for p in self.items]
        self.index = {pid: i for i, pid in enumerate(self.ids)}
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n = len(self.items)
        self.limits = [F.parse_limits(p) for p in self.items]
        texts = [p.text() for p in self.items]
        self._finish_text(texts, vocab)
        kinds = {"job": 0, "internship": 1, "public_welfare": 2}
        self.kind = np.array([kinds.get(p.kind, 0) for p in self.items], dtype=np.int8)
        self.edu_min = np.array([F.edu_level(p.education_min) for p in self.items], dtype=np.int8)
        nd = len(F.districts()["districts"])
        self.district = np.array([(F.district_index(p.district) % (nd + 1)) for p in self.items], dtype=np.int8)
        self.salary_max = np.array([p.salary_max or p.salary_min or np.nan for p in self.items], dtype=np.float32)
        self.open = np.array([p.is_open and (p.closes_on is None or p.closes_on >= today) for p in self.items], dtype=bool)
        self.fresh = np.array([
            math.exp(-max(0, (today - p.published_on).days) / 60.0) if p.published_on else 0.0 for p in self.items
        ], dtype=np.float32)
        big = 200
        L = self.limits
        self.age_min = np.array([l.age_min or 0 for l in L], dtype=np.int16)
        self.age_max_m = np.array([min(l.age_max or big, l.age_max_by_gender.get("男", big)) for l in L], dtype=np.int16)
        self.age_max_f = np.array([min(l.age_max or big, l.age_max_by_gender.get("女", big)) for l in L], dtype=np.int16)
        self.gender = np.array([{"男": 1, "女": 2}.get(l.gender or "", 0) for l in L], dtype=np.int8)
        self.exp_years = np.array([l.exp_years for l in L], dtype=np.float32)
        self.night = np.array([l.night for l in L], dtype=bool)
        self.livein = np.array([l.livein for l in L], dtype=bool)
        self.local_only = np.array([l.local_only for l in L], dtype=bool)
        self.shuttle = np.array([l.shuttle for l in L], dtype=bool)
        self.prefers = np.array([_cat_bits(l.prefers, cat_registry) for l in L], dtype=np.int64)
        self.target = np.array([_cat_bits([group_key(p.target_group)], cat_registry) if p.target_group else 0
                                for p in self.items], dtype=np.int64)
        self.occ = np.array([occupation_number(p.occupation_code) for p in self.items], dtype=np.int64)
        full = [f"{p.description} {p.requirements} {p.title}" for p in self.items]
        self.offers_home = np.array([bool(F._HOME_OFFER_RE.search(t)) for t in full], dtype=bool)
        self.offers_lodging = np.array([bool(F._LODGING_OFFER_RE.search(t)) for t in full], dtype=bool)
        #: hub score (mean score against the other side's pool, centred), set by ranker.hub_scores
        self.hub = np.zeros(n, dtype=np.float32)
        self.waiver_years = np.array([l.waiver[0] if l.waiver else np.inf for l in L], dtype=np.float32)
        self.waiver_level = np.array([l.waiver[2] if l.waiver else 99 for l in L], dtype=np.int8)
        # bigram sets
        self.full_sets = _sets((grams(expanded(t)) for t in texts), vocab)
        self.req_sets = _sets((grams(f"{p.requirements} {p.description}") for p in self.items), vocab)
        self.title_sets = _sets((grams(title_core(p.title)) for p in self.items), vocab)
        self.waiver_sets = _sets((phrase_grams(l.waiver[1]) if l.waiver else [] for l in L), vocab)
        sk_rows, sk_own, lic_rows, lic_own = [], [], [], []
        for i, p in enumerate(self.items):
            for s in p.skills:
                sk_rows.append(np.unique(vocab.add(phrase_grams(s)))); sk_own.append(i)
            for lic in L[i].licences:
                lic_rows.append(np.unique(vocab.add(phrase_grams(lic)))); lic_own.append(i)
        self.skill_phrases = [s for p in self.items for s in p.skills]
        self.skill_rows = sk_rows
        self.skill_owner = np.array(sk_own, dtype=np.int32)
        self.n_skills = np.bincount(self.skill_owner, minlength=n).astype(np.float32)
        self.lic_rows = lic_rows
        self.lic_owner = np.array(lic_own, dtype=np.int32)
        self._skills_of = _group(self.skill_owner, n)
        self._lics_of = _group(self.lic_owner, n)
        self.n_lic = np.bincount(self.lic_owner, minlength=n).astype(np.float32)
        self.vocab = vocab

    def build_matrices(self) -> None:
        V = len(self.vocab)
        n = len(self)
        self.full_m = SetMatrix(self.full_sets, range(n), V)
        self.req_m = SetMatrix(self.req_sets, range(n), V)
        self.title_m = SetMatrix(self.title_sets, range(n), V)
        self.skill_m = SetMatrix(self.skill_rows, self.skill_owner, V)
        self.lic_m = SetMatrix(self.lic_rows, self.lic_owner, V)
        self.waiver_m = SetMatrix(self.waiver_sets, range(n), V)
        self.bm25 = SetMatrix(self._bm25_rows, range(n), V, self._bm25_ws)


def title_core(title: str) -> str:
    """A post title without bracketed notes and programme words (（公益性岗位）, 见习, （临时）)."""
    t = re.sub(r"[（(][^）)]*[）)]", "", chinese.normalize(title))
    return re.sub(r"见习|实习|临时|季节性", "", t) or title


class ProfilePool(Pool):
    def __init__(self, profiles: Sequence[F.ProfileData], vectors: np.ndarray, vocab: Vocab, today: dt.date, cat_registry: dict[str, int]):
        self.items = list(profiles)
        self.ids = [p.id for p in self.items]
        self.index = {pid: i for i, pid in enumerate(self.ids)}
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n = len(self.items)
        texts = [p.text() for p in self.items]
        self._finish_text(texts, vocab)
        cats = [F.person_categories(p) for p in self.items]
        self.cats = np.array([_cat_bits(c, cat_registry) for c in cats], dtype=np.int64)
        # the engine's decisions, as received (None: no decision, so not eligible / no priority)
        self.intern_ok = np.array([p.internship_eligible is True for p in self.items], dtype=bool)
        self.welfare_ok = np.array([p.public_welfare_eligible is True for p in self.items], dtype=bool)
        self.tier1 = np.array([p.priority_tier == 1 for p in self.items], dtype=bool)
        self.groups = np.array([_cat_bits([group_key(g) for g in p.target_groups], cat_registry)
                                for p in self.items], dtype=np.int64)
        self.edu = np.array([F.edu_level(p.education) for p in self.items], dtype=np.int8)
        nd = len(F.districts()["districts"])
        self.district = np.array([(F.district_index(p.district) % (nd + 1)) for p in self.items], dtype=np.int8)
        ages = [F.age_on(p, today) for p in self.items]
        self.age = np.array([a if a is not None else -1 for a in ages], dtype=np.int16)
        self.gender = np.array([{"男": 1, "女": 2}.get(p.gender or "", 0) for p in self.items], dtype=np.int8)
        self.desired_salary = np.array([
            p.desired_salary if p.desired_salary else (F.parse_desired_salary(p.desired) or np.nan) for p in self.items
        ], dtype=np.float32)
        occ = np.full((n, OCC_SLOTS), -1, dtype=np.int64)
        for i, p in enumerate(self.items):
            codes = [c for c in dict.fromkeys([*(p.occupation_codes or []), p.occupation_code]) if c]
            nums = [x for x in (occupation_number(c) for c in codes) if x >= 0][:OCC_SLOTS]
            occ[i, :len(nums)] = nums
        self.occ = occ
        wish = [f"{p.desired} {p.summary}" for p in self.items]
        self.wants_home = np.array([bool(F._HOME_WANT_RE.search(t)) for t in wish], dtype=bool)
        self.wants_lodging = np.array([bool(F._LODGING_WANT_RE.search(t)) for t in wish], dtype=bool)
        self.hub = np.zeros(n, dtype=np.float32)
        self.accepts_intern = np.array(["见习" in p.desired or "实习" in p.desired for p in self.items], dtype=bool)
        self.exp_years = np.array([F.experience_years(f"{p.experience} {p.summary}") for p in self.items], dtype=np.float32)
        self.place_mask = np.array([F.desired_districts(F.desired_clause(p.desired)) for p in self.items], dtype=np.int64)
        # best commute fit from any wanted district to each district (rows: people; last column: unknown)
        cm = F.commute_matrix()
        nd = len(F.districts()["districts"])
        near = np.zeros((n, nd + 1), dtype=np.float32)
        for i, m in enumerate(self.place_mask.tolist()):
            wanted = [d for d in range(nd) if m >> d & 1]
            if wanted:
                near[i] = cm[wanted].max(axis=0)
        self.place_near = near
        both = [f"{p.desired} {p.summary} {p.experience}" for p in self.items]
        self.no_night = np.array([F.night_refusal(t) for t in both], dtype=np.float32)
        self.no_livein = np.array([bool(F._LIVEIN_NO_RE.search(t)) for t in both], dtype=bool)
        self.fresh = np.array([
            math.exp(-max(0, (today - p.updated_on).days) / 90.0) if p.updated_on else 0.0 for p in self.items
        ], dtype=np.float32)
        self.full_sets = _sets((grams(expanded(t)) for t in texts), vocab)
        self.desired_sets = _sets((grams(expanded(p.desired)) for p in self.items), vocab)
        self.major_sets = _sets((grams(p.major or "") for p in self.items), vocab)
        self.exp_sets = _sets((grams(expanded(f"{p.experience} {' '.join(p.skills)} {p.summary}")) for p in self.items), vocab)
        sk_own = [i for i, p in enumerate(self.items) for _ in p.skills]
        self.skill_rows = _sets((phrase_grams(s) for p in self.items for s in p.skills), vocab)
        self.skill_owner = np.array(sk_own, dtype=np.int32)
        self.n_skills = np.bincount(self.skill_owner, minlength=n).astype(np.float32)
        self._skills_of = _group(self.skill_owner, n)
        self.vocab = vocab

    def build_matrices(self) -> None:
        V = len(self.vocab)
        n = len(self)
        self.full_m = SetMatrix(self.full_sets, range(n), V)
        self.desired_m = SetMatrix(self.desired_sets, range(n), V)
        self.major_m = SetMatrix(self.major_sets, range(n), V)
        self.skill_m = SetMatrix(self.skill_rows, self.skill_owner, V)
        self.exp_m = SetMatrix(self.exp_sets, range(n), V)
        self.bm25 = SetMatrix(self._bm25_rows, range(n), V, self._bm25_ws)
