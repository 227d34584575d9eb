"""Job fairs: live matching after each check-in, and interview-slot allocation.

Pure: plain values in, plain values out; no Flask, ORM or session (import-linter holds this).

Live matching (``FairMatcher``)
-------------------------------
A fair's ranker holds only the fair's postings (the booths' postings, ~1,000 at most). A
check-in adds one person: that person is scored against the fair's postings once (one
feature pass over the posting pool, ~20 ms for 1,000 postings) and the scores are kept, so

* the person's ranked booths and postings are read from their row of scores, and
* every booth's ranked people are its postings' columns over the checked-in people, which
  changed only by the new person's entry.

Nothing else is rescored. Reasons (Chinese and English) are computed for the page shown.

Slot allocation (``allocate``)
------------------------------
Each round assigns requested interviews to booth slots: a booth holds at most ``capacity[b][s]``
interviews in slot ``s`` (recruiters × interviews per recruiter, minus interviews already
confirmed there), a person has at most one interview per slot and only in slots they are there
for, and confirmed interviews are never moved: they enter only as occupied capacity.

**Choice: min-cost flow for which requests are served, then slots by per-slot matchings.**
Picking slots for all requests at once is a three-index assignment (request × slot, with both
person-slot and booth-slot limits), which is NP-hard in general, so an exact solver would not
meet the 2-second round for 5,000 people. Its relaxation that forgets *which* slot — every
person may take as many interviews as they have free slots, every booth as many as it has free
seats over the day — is a bipartite b-matching, i.e. a min-cost flow
(source → person [free slots] → request [1, cost −quality] → booth [free seats] → sink). Its
constraint matrix is totally unimodular, so the LP's vertex optimum (HiGHS dual simplex) is
integral and *exactly* optimal for the relaxation: its value is an upper bound on any feasible
allocation. The chosen requests then get slots slot by slot, each slot a bipartite matching
(again a TU linear programme) that serves first the people and booths with the fewest slots left
for what they still need (the König edge-colouring argument: serving the tightest vertices in
every colour class is what lets a bipartite multigraph be coloured with its maximum degree).
When every chosen request gets a slot — almost always; the tests measure how often — the
allocation reaches the upper bound and is therefore *optimal*; otherwise the few left over stay
``requested`` and are reported as ``unplaced``. Deferred acceptance was rejected: its
stability guarantee is for one-to-many markets with fixed capacities, and with slots on both
sides a stable assignment need not exist; quality-maximising is what the organiser asked for.

The tests check with hypothesis: capacity, no double booking, confirmed never moved, each
request at most once, availability; and against brute force on small random instances:
never above the optimum, equal to it whenever nothing is unplaced.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import coo_matrix

from matching.ranker import Ranker, embed_profiles

# --------------------------------------------------------------------------- allocation


@dataclass(frozen=True)
class Request:
    """An interview wanted between a person and a booth; ``quality`` > 0 (higher is better)."""

    id: Hashable
    person: Hashable
    booth: Hashable
    quality: float = 1.0


@dataclass(frozen=True)
class Confirmed:
    """An interview already confirmed in a slot; it is never moved."""

    id: Hashable
    person: Hashable
    booth: Hashable
    slot: int


@dataclass
class Allocation:
    assigned: dict = field(default_factory=dict)      # request id -> slot
    unplaced: list = field(default_factory=list)      # chosen by the flow but no slot found this round
    total: float = 0.0                                # sum of quality of assigned requests
    bound: float = 0.0                                # the relaxation's optimum (an upper bound)

    @property
    def optimal(self) -> bool:
        """True when the allocation reaches the upper bound, hence is optimal."""
        return not self.unplaced and abs(self.total - self.bound) <= 1e-6 * max(1.0, self.bound)


def _lp_select(weights: np.ndarray, rows_a: np.ndarray, cap_a: np.ndarray, rows_b: np.ndarray,
               cap_b: np.ndarray) -> np.ndarray:
    """Maximise weights·x over the bipartite b-matching polytope (x in [0,1], Σ over each
    a-node ≤ cap_a, Σ over each b-node ≤ cap_b). TU, so the vertex the dual simplex returns
    is integral. Returns a boolean mask of chosen edges."""
    n = len(weights)
    if n == 0:
        return np.zeros(0, dtype=bool)
    from scipy.optimize import linprog  # noqa: PLC0415  (heavy: scipy.optimize, only when allocating)

    na, nb = len(cap_a), len(cap_b)
    cols = np.arange(n)
    A = coo_matrix((np.ones(2 * n), (np.concatenate([rows_a, na + rows_b]), np.concatenate([cols, cols]))),
                   shape=(na + nb, n)).tocsr()
    b = np.concatenate([cap_a, cap_b]).astype(float)
    res = linprog(-weights, A_ub=A, b_ub=b, bounds=(0, 1), method="highs-ds")
    if res.status != 0:  # cannot happen for a bounded feasible LP (x = 0 is feasible); be safe
        raise RuntimeError(f"allocation LP failed: {res.message}")
    x = res.x > 0.5
    # Guard: a non-vertex answer would be fractional; repair by dropping over-capacity edges.
    load_a = np.bincount(rows_a[x], minlength=na)
    load_b = np.bincount(rows_b[x], minlength=nb)
    if (load_a > cap_a).any() or (load_b > cap_b).any():
        x[:] = False
        load_a[:] = 0
        load_b[:] = 0
        for j in np.argsort(-res.x, kind="stable"):
            if res.x[j] > 1e-9 and load_a[rows_a[j]] < cap_a[rows_a[j]] and load_b[rows_b[j]] < cap_b[rows_b[j]]:
                x[j] = True
                load_a[rows_a[j]] += 1
                load_b[rows_b[j]] += 1
    return x


def allocate(requests: Sequence[Request], capacity: dict[Hashable, Sequence[int]], confirmed: Iterable[Confirmed] = (),
             available: dict[Hashable, Iterable[int]] | None = None, slots: Iterable[int] | None = None) -> Allocation:
    """One allocation round.

    ``capacity[booth][s]``: interviews the booth can hold in slot ``s`` in all (confirmed ones
    included). ``available[person]``: slots the person can attend (default: every slot in
    ``slots``, or every slot of the booth). ``slots``: the slots open to this round (e.g. those
    not yet begun). Requests for a booth or person pair already confirmed are ignored."""
    n_slots = max((len(c) for c in capacity.values()), default=0)
    open_slots = sorted(set(range(n_slots)) if slots is None else {s for s in slots if 0 <= s < n_slots})
    residual: dict = {b: [int(c) for c in caps] for b, caps in capacity.items()}
    busy: dict = defaultdict(set)
    pairs = set()
    for c in confirmed:
        if c.booth in residual and 0 <= c.slot < len(residual[c.booth]):
            residual[c.booth][c.slot] -= 1
        busy[c.person].add(c.slot)
        pairs.add((c.person, c.booth))

    def person_slots(p) -> list[int]:
        avail = open_slots if available is None or p not in available else sorted(set(available[p]) & set(open_slots))
        return [s for s in avail if s not in busy[p]]

    seen = set()
    reqs: list[Request] = []
    for r in requests:
        key = (r.person, r.booth)
        if key in pairs or key in seen or r.booth not in residual:
            continue
        seen.add(key)
        reqs.append(r)

    people = sorted({r.person for r in reqs}, key=repr)
    free_p = {p: person_slots(p) for p in people}
    free_b = {b: [s for s in open_slots if s < len(caps) and caps[s] > 0] for b, caps in residual.items()}
    # an edge exists only if some slot is free for both
    reqs = [r for r in reqs if set(free_p[r.person]) & set(free_b[r.booth])]
    if not reqs:
        return Allocation()
    p_index = {p: i for i, p in enumerate(sorted({r.person for r in reqs}, key=repr))}
    b_index = {b: i for i, b in enumerate(sorted({r.booth for r in reqs}, key=repr))}
    rows_p = np.array([p_index[r.person] for r in reqs])
    rows_b = np.array([b_index[r.booth] for r in reqs])
    w = np.array([max(float(r.quality), 1e-6) for r in reqs])
    cap_p = np.array([len(free_p[p]) for p in p_index])
    cap_b = np.array([sum(max(residual[b][s], 0) for s in free_b[b]) for b in b_index])
    chosen = _lp_select(w, rows_p, cap_p, rows_b, cap_b)
    bound = float(w[chosen].sum())

    # Phase 2: slots, one bipartite matching per slot, tightest people and booths first.
    n_p, n_b, width = len(p_index), len(b_index), max(open_slots) + 1
    P = np.zeros((n_p, width), dtype=bool)
    for p, k in p_index.items():
        P[k, free_p[p]] = True
    B = np.zeros((n_b, width), dtype=np.int64)
    for b, k in b_index.items():
        for t in free_b[b]:
            B[k, t] = residual[b][t]
    pending = np.flatnonzero(chosen)
    assigned: dict = {}
    for s in open_slots:
        if pending.size == 0:
            break
        cand = pending[P[rows_p[pending], s] & (B[rows_b[pending], s] > 0)]
        if cand.size == 0:
            continue
        need_p = np.bincount(rows_p[pending], minlength=n_p)
        need_b = np.bincount(rows_b[pending], minlength=n_b)
        later_p = np.maximum(P[:, s:].sum(axis=1), 1)
        later_b = np.maximum(B[:, s:].sum(axis=1), 1)
        cp_, cb_ = rows_p[cand], rows_b[cand]
        pw = 1.0 + 4.0 * (need_p[cp_] / later_p[cp_] + need_b[cb_] / later_b[cb_]) + 1e-3 * w[cand]
        up, inv_p = np.unique(cp_, return_inverse=True)
        ub, inv_b = np.unique(cb_, return_inverse=True)
        pick = _lp_select(pw, inv_p.ravel(), np.ones(len(up), dtype=np.int64), inv_b.ravel(), B[ub, s])
        sel = cand[pick]
        P[rows_p[sel], s] = False
        np.subtract.at(B[:, s], rows_b[sel], 1)
        for i in sel.tolist():
            assigned[i] = s
        pending = np.setdiff1d(pending, sel)
    pending = pending.tolist()
    if pending:
        p_left = {p: set(np.flatnonzero(P[k]).tolist()) for p, k in p_index.items()}
        b_left = {b: {t: int(B[k, t]) for t in free_b[b]} for b, k in b_index.items()}

    # Repair: a left-over request may fit after moving one placed request of its booth or person.
    for i in list(pending):  # noqa: B007 (p_left/b_left exist whenever pending is not empty)
        if _repair(i, reqs, assigned, p_left, b_left, open_slots):
            pending.remove(i)
    out = Allocation(assigned={reqs[i].id: s for i, s in assigned.items()}, unplaced=[reqs[i].id for i in pending],
                     bound=bound)
    out.total = float(sum(w[i] for i in assigned))
    return out


def _repair(i, reqs, assigned, p_left, b_left, open_slots) -> bool:
    r = reqs[i]
    for s in open_slots:
        p_free = s in p_left[r.person]
        b_free = b_left[r.booth].get(s, 0) > 0
        if p_free and b_free:
            _place(i, s, reqs, assigned, p_left, b_left)
            return True
        if p_free and s in b_left[r.booth]:
            # booth full at s: move one of its interviews at s to a slot free for both
            for j, t in list(assigned.items()):
                q = reqs[j]
                if t == s and q.booth == r.booth:
                    for u in open_slots:
                        if u != s and u in p_left[q.person] and b_left[q.booth].get(u, 0) > 0:
                            _unplace(j, reqs, assigned, p_left, b_left)
                            _place(j, u, reqs, assigned, p_left, b_left)
                            _place(i, s, reqs, assigned, p_left, b_left)
                            return True
        if b_free and not p_free and s in _person_slots_all(r.person, p_left, assigned, reqs):
            # person busy at s with another booth: move that interview elsewhere
            for j, t in list(assigned.items()):
                q = reqs[j]
                if t == s and q.person == r.person:
                    for u in open_slots:
                        if u != s and u in p_left[q.person] and b_left[q.booth].get(u, 0) > 0:
                            _unplace(j, reqs, assigned, p_left, b_left)
                            _place(j, u, reqs, assigned, p_left, b_left)
                            _place(i, s, reqs, assigned, p_left, b_left)
                            return True
    return False


def _person_slots_all(person, p_left, assigned, reqs) -> set:
    return set(p_left[person]) | {t for j, t in assigned.items() if reqs[j].person == person}


def _place(i, s, reqs, assigned, p_left, b_left) -> None:
    assigned[i] = s
    p_left[reqs[i].person].discard(s)
    b_left[reqs[i].booth][s] -= 1


def _unplace(j, reqs, assigned, p_left, b_left) -> None:
    s = assigned.pop(j)
    p_left[reqs[j].person].add(s)
    b_left[reqs[j].booth][s] += 1


def quality(score: float) -> float:
    """A ranking score as an allocation weight in (0, 1): monotone, so better matches weigh more."""
    return float(1.0 / (1.0 + np.exp(-float(score) / 4.0)))


# --------------------------------------------------------------------------- live matching


@dataclass
class PersonRanking:
    person: str
    postings: list[tuple[str, float]]          # (posting id, score), best first
    booths: list[tuple[Hashable, float, str]]  # (booth, best score, best posting), best first


class FairMatcher:
    """The fair's postings indexed once; people added one at a time at check-in."""

    def __init__(self, postings, booth_of: dict[str, Hashable], *, encoder=None, today: dt.date | None = None,
                 posting_vectors: np.ndarray | None = None):
        self.booth_of = dict(booth_of)
        self.posting_ids = [p.id for p in postings]
        dim = posting_vectors.shape[1] if posting_vectors is not None and len(posting_vectors) else None
        self.ranker = Ranker(postings, [], encoder=encoder, today=today, posting_vectors=posting_vectors,
                             profile_vectors=np.zeros((0, dim or 384), dtype=np.float32))
        self._postings = list(postings)
        self._col = {pid: k for k, pid in enumerate(self.posting_ids)}
        self._booth_cols: dict = defaultdict(list)
        for pid, b in self.booth_of.items():
            if pid in self._col:
                self._booth_cols[b].append(self._col[pid])
        self.people: dict[str, object] = {}          # person id -> ProfileData
        self.vectors: dict[str, np.ndarray] = {}
        self.scores: dict[str, np.ndarray] = {}      # person id -> score per posting (-inf: ineligible)
        self.booth_best: dict = defaultdict(dict)    # booth -> person -> (score, posting id)

    def __contains__(self, person_id: str) -> bool:
        return person_id in self.scores

    def check_in(self, profile, vector: np.ndarray | None = None) -> list:
        """Score one person against the fair's postings; returns the booths whose ranking changed."""
        if vector is None:
            vector = embed_profiles([profile], self.ranker._encoder())[0]
        vectors = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        return self._add([profile], vectors, self._rows([profile], vectors))

    def check_in_many(self, profiles, vectors: np.ndarray) -> None:
        """Many people at once (a process catching up with the hall): the same scores as
        ``check_in`` one by one, with one profile pool for all of them and no ranked pages built."""
        if not len(profiles):
            return
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(profiles), -1)
        self._add(list(profiles), vectors, self._rows(profiles, vectors))

    def _rows(self, profiles, vectors: np.ndarray) -> np.ndarray:
        """Each person's score per posting, in ``posting_ids`` order (-inf: a hard filter
        excludes the pair), as ``Ranker.rank_postings_for`` scores a person not in its pool. The
        ranker's posting pool was built from the same list, so its columns are in that order."""
        return self.ranker.posting_scores_for(list(profiles), vectors)

    def _add(self, profiles, vectors: np.ndarray, rows: np.ndarray) -> list:
        """Keep the people's scores and put them into the booths' rankings (each booth: the
        person's best posting there, where any is eligible). Returns the booths that changed."""
        for prof, vec, row in zip(profiles, vectors, rows):
            self.people[prof.id] = prof
            self.vectors[prof.id] = np.asarray(vec, dtype=np.float32)
            self.scores[prof.id] = row
        ids = [p.id for p in profiles]
        at = np.arange(len(ids))
        changed = []
        for b, cols in self._booth_cols.items():
            sub = rows[:, cols]
            k = np.argmax(sub, axis=1)
            best = sub[at, k]
            ok = np.flatnonzero(np.isfinite(best))
            if len(ok):
                d = self.booth_best[b]
                for i, score, col in zip(ok.tolist(), best[ok].tolist(), k[ok].tolist()):
                    d[ids[i]] = (score, self.posting_ids[cols[col]])
                changed.append(b)
        return changed

    def bulk_check_in(self, profiles, vectors: np.ndarray) -> None:
        """Many people at once (a restart, or a benchmark filling the hall): scored posting by
        posting over all of them, which is faster than one by one. Lexical scores are then
        normalised per posting rather than per person, so scores and orders differ from what
        ``check_in`` gives (the benchmark's filling of the hall); ``check_in_many`` gives the
        same scores as ``check_in``."""
        if not profiles:
            return
        r = Ranker(self._postings, profiles, today=self.ranker.today, weights=self.ranker.weights,
                   posting_vectors=self.ranker.postings.vectors, profile_vectors=np.asarray(vectors, np.float32))
        rows = np.full((len(profiles), len(self.posting_ids)), -np.inf)
        for k in range(len(self.posting_ids)):
            X, elig = r.features_for_posting(k)
            ok = np.logical_and.reduce(list(elig.values()))
            rows[ok, k] = r.score(X)[ok]
        for prof, vec, row in zip(profiles, vectors, rows):
            self.people[prof.id] = prof
            self.vectors[prof.id] = np.asarray(vec, dtype=np.float32)
            self.scores[prof.id] = row
            for b, cols in self._booth_cols.items():
                sub = row[cols]
                j = int(np.argmax(sub))
                if np.isfinite(sub[j]):
                    self.booth_best[b][prof.id] = (float(sub[j]), self.posting_ids[cols[j]])

    def remove(self, person_id: str) -> None:
        self.scores.pop(person_id, None)
        self.people.pop(person_id, None)
        self.vectors.pop(person_id, None)
        for d in self.booth_best.values():
            d.pop(person_id, None)

    def for_person(self, person_id: str, limit: int = 50) -> PersonRanking:
        row = self.scores.get(person_id)
        if row is None:
            return PersonRanking(person_id, [], [])
        ok = np.flatnonzero(np.isfinite(row))
        order = ok[np.lexsort((ok, -row[ok]))][:limit]
        postings = [(self.posting_ids[k], float(row[k])) for k in order]
        booths = []
        for b, cols in self._booth_cols.items():
            sub = row[cols]
            k = int(np.argmax(sub))
            if np.isfinite(sub[k]):
                booths.append((b, float(sub[k]), self.posting_ids[cols[k]]))
        booths.sort(key=lambda t: (-t[1], repr(t[0])))
        return PersonRanking(person_id, postings, booths)

    def for_booth(self, booth, limit: int = 50) -> list[tuple[str, float, str]]:
        """Checked-in people for a booth, best first: (person, best score, posting)."""
        items = sorted(self.booth_best.get(booth, {}).items(), key=lambda kv: (-kv[1][0], kv[0]))
        return [(p, s, post) for p, (s, post) in items[:limit]]

    def score(self, person_id: str, booth) -> tuple[float, str | None]:
        got = self.booth_best.get(booth, {}).get(person_id)
        return got if got else (float("-inf"), None)

    def explain(self, person_id: str, posting_ids: Sequence[str], limit: int = 10):
        """Ranked items with reasons for one person over the given postings."""
        prof = self.people.get(person_id)
        if prof is None or not posting_ids:
            return []
        page = self.ranker.rank_postings_for(prof, self.vectors[person_id], limit=limit, explain=True,
                                             candidates=list(posting_ids))
        return page.items
