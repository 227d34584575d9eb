"""Slot allocation (matching.fair.allocate): the properties the fair relies on — booth capacity,
one interview per person per slot, confirmed interviews never moved, each request at most once,
only slots a person is there for — and optimality against brute force on small instances."""
from __future__ import annotations

import itertools
import json
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching import fair_bench
from matching.fair import Allocation, Confirmed, Request, allocate


@st.composite
def instances(draw, max_people=5, max_booths=3, max_slots=3):
    n_slots = draw(st.integers(1, max_slots))
    booths = [f"b{i}" for i in range(draw(st.integers(1, max_booths)))]
    people = [f"p{i}" for i in range(draw(st.integers(1, max_people)))]
    capacity = {b: [draw(st.integers(0, 2)) for _ in range(n_slots)] for b in booths}
    confirmed, used_p, used_b = [], set(), {}
    for p in people:
        for b in booths:
            if draw(st.booleans()) and draw(st.booleans()):
                s = draw(st.integers(0, n_slots - 1))
                if (p, s) not in used_p and used_b.get((b, s), 0) < capacity[b][s]:
                    used_p.add((p, s))
                    used_b[(b, s)] = used_b.get((b, s), 0) + 1
                    confirmed.append(Confirmed(f"c-{p}-{b}", p, b, s))
    requests = [Request(f"r-{p}-{b}", p, b, draw(st.floats(0.05, 1.0)))
                for p in people for b in booths if draw(st.booleans())]
    available = {p: set(draw(st.lists(st.integers(0, n_slots - 1), max_size=n_slots))) or set(range(n_slots))
                 for p in people if draw(st.booleans())}
    return requests, capacity, confirmed, available, n_slots


def check_feasible(alloc: Allocation, requests, capacity, confirmed, available, n_slots):
    by_id = {r.id: r for r in requests}
    confirmed_pairs = {(c.person, c.booth) for c in confirmed}
    load = {}
    person_slot = {(c.person, c.slot) for c in confirmed}
    for c in confirmed:
        load[(c.booth, c.slot)] = load.get((c.booth, c.slot), 0) + 1
    assert len(set(alloc.assigned)) == len(alloc.assigned)
    assert not set(alloc.assigned) & set(alloc.unplaced)
    for rid, s in alloc.assigned.items():
        r = by_id[rid]
        assert rid not in {c.id for c in confirmed}, "a confirmed interview was moved"
        assert (r.person, r.booth) not in confirmed_pairs
        assert 0 <= s < n_slots
        if available and r.person in available:
            assert s in available[r.person], "a person was given a slot they are not there for"
        assert (r.person, s) not in person_slot, "double booking of a person"
        person_slot.add((r.person, s))
        load[(r.booth, s)] = load.get((r.booth, s), 0) + 1
    for (b, s), n in load.items():
        assert n <= max(capacity[b][s], sum(1 for c in confirmed if c.booth == b and c.slot == s)), "over capacity"
    assert abs(alloc.total - sum(by_id[i].quality for i in alloc.assigned)) < 1e-9


def brute_force(requests, capacity, confirmed, available, n_slots) -> float:
    confirmed_pairs = {(c.person, c.booth) for c in confirmed}
    reqs = []
    seen = set()
    for r in requests:
        if (r.person, r.booth) not in confirmed_pairs and (r.person, r.booth) not in seen:
            seen.add((r.person, r.booth))
            reqs.append(r)
    best = 0.0
    options = []
    for r in reqs:
        slots = [s for s in range(n_slots) if not available or r.person not in available or s in available[r.person]]
        options.append([None] + slots)
    for choice in itertools.product(*options):
        load = {}
        ps = {(c.person, c.slot) for c in confirmed}
        for c in confirmed:
            load[(c.booth, c.slot)] = load.get((c.booth, c.slot), 0) + 1
        ok, total = True, 0.0
        for r, s in zip(reqs, choice):
            if s is None:
                continue
            if (r.person, s) in ps:
                ok = False
                break
            ps.add((r.person, s))
            load[(r.booth, s)] = load.get((r.booth, s), 0) + 1
            if load[(r.booth, s)] > capacity[r.booth][s]:
                ok = False
                break
            total += r.quality
        if ok:
            best = max(best, total)
    return best


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(instances())
def test_allocation_is_feasible_and_never_beats_the_optimum(inst):
    requests, capacity, confirmed, available, n_slots = inst
    alloc = allocate(requests, capacity, confirmed, available)
    check_feasible(alloc, requests, capacity, confirmed, available, n_slots)
    if len(requests) <= 7:
        opt = brute_force(requests, capacity, confirmed, available, n_slots)
        assert alloc.total <= opt + 1e-7 <= alloc.bound + 2e-7
        if alloc.optimal:
            assert abs(alloc.total - opt) < 1e-7, "reached the bound, so it must be the optimum"


def test_allocation_is_optimal_on_almost_every_random_instance():
    rng = random.Random(7)
    optimal = hits = 0
    for _ in range(150):
        n_slots = rng.randint(1, 3)
        booths = [f"b{i}" for i in range(rng.randint(1, 3))]
        people = [f"p{i}" for i in range(rng.randint(1, 4))]
        capacity = {b: [rng.randint(0, 2) for _ in range(n_slots)] for b in booths}
        requests = [Request(f"{p}{b}", p, b, rng.random() + 0.01) for p in people for b in booths
                    if rng.random() < 0.6][:7]
        alloc = allocate(requests, capacity)
        opt = brute_force(requests, capacity, [], {}, n_slots)
        hits += 1
        optimal += abs(alloc.total - opt) < 1e-7
    assert optimal / hits >= 0.97, f"optimal on {optimal} of {hits}"


def test_confirmed_interviews_are_never_moved_when_a_late_arrival_reruns_allocation():
    capacity = {"A": [1, 1], "B": [1, 1]}
    first = allocate([Request("x", "p1", "A", 0.9), Request("y", "p2", "A", 0.5)], capacity)
    assert len(first.assigned) == 2
    confirmed = [Confirmed(rid, r.person, r.booth, first.assigned[rid])
                 for rid, r in (("x", Request("x", "p1", "A")), ("y", Request("y", "p2", "A")))]
    # a late arrival wants A too (higher quality than both): A is full, nothing moves
    second = allocate([Request("z", "p3", "A", 1.0), Request("w", "p3", "B", 0.2)], capacity, confirmed)
    assert "z" not in second.assigned and set(second.assigned) == {"w"}
    # a cancellation frees A's slot for the late arrival, around the remaining confirmed one
    third = allocate([Request("z", "p3", "A", 1.0)], capacity, confirmed[:1])
    assert third.assigned == {"z": first.assigned["y"]}


def test_capacity_counts_recruiters_and_a_person_never_has_two_interviews_at_once():
    capacity = {"A": [2], "B": [1]}
    alloc = allocate([Request(i, p, b, 1.0) for i, (p, b) in enumerate(
        [("p1", "A"), ("p2", "A"), ("p3", "A"), ("p1", "B")])], capacity)
    assert len(alloc.assigned) == 3  # two at A (two recruiters) and one at B
    slots_of_p1 = [s for i, s in alloc.assigned.items() if i in (0, 3)]
    assert len(slots_of_p1) <= 1  # one slot only: p1 cannot be at A and B together
    assert sum(1 for i in alloc.assigned if i in (0, 1, 2)) <= 2


def test_the_benchmark_command_prints_the_agreed_json(capsys):
    assert fair_bench.main(["--json", "--people", "120", "--booths", "12", "--postings", "40", "--timed", "20"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"checkin_update_p95_ms", "allocation_round_s", "interviews_assigned", "peak_rss_mb"} <= set(out)
    assert out["interviews_assigned"] > 0 and out["checkin_update_p95_ms"] > 0
