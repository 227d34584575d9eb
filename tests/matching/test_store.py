"""Snapshots of the ranking pools (issue 18): written once, memory-mapped by every process,
swapped atomically, with a per-process delta for what changed since the build.

Small synthetic pools (random unit vectors, no encoder) for the behaviour; the graded sets,
through the real encoder, for "a snapshot ranks exactly as the in-memory ranker".
"""
from __future__ import annotations

import gc
import threading
from pathlib import Path

import numpy as np
import pytest

from matching import evaluate
from matching.bench import TODAY, bench_posting, synthetic_profiles
from matching.features import FI, PostingData, ProfileData
from matching.mapped import LazyDocs
from matching.pairs import pair_features
from matching.ranker import Ranker
from matching.store import current_version, open_snapshot, versions, write_snapshot
from matching.topk import lex_raw
from tests.matching.conftest import DEV_FILE, ROOT

SECOND_FILE = ROOT / "matching" / "data" / "graded-2.json"


def _unit(rng, n, d=384):
    v = rng.standard_normal((n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


JOBS = ["保洁", "保安", "会计", "护士", "司机", "厨师", "收银员", "仓管"]


def _posts(n=24):
    return [bench_posting()] + [
        PostingData(id=f"P{i}", title=f"{JOBS[i % 8]}", description=f"负责{JOBS[i % 8]}工作。",
                    requirements="高中及以上；18-50周岁", skills=[JOBS[i % 8]], district="顺城区", salary_max=5000)
        for i in range(n)]


@pytest.fixture(scope="module")
def pools():
    rng = np.random.default_rng(7)
    profiles, posts = synthetic_profiles(400, seed=3), _posts()
    return posts, _unit(rng, len(posts)), profiles, _unit(rng, len(profiles))


@pytest.fixture(scope="module")
def snap(pools, tmp_path_factory):
    posts, pv, profiles, sv = pools
    root = tmp_path_factory.mktemp("snap")
    write_snapshot(root, postings=iter(posts), posting_vectors=pv, profiles=iter(profiles), profile_vectors=sv,
                   today=TODAY, meta={"watermark": "2021-09-01T00:00:00"})
    return root, open_snapshot(root)


def _same(a, b, tol=1e-5):
    assert [it.id for it in a.items] == [it.id for it in b.items]
    assert (a.total, a.excluded) == (b.total, b.excluded)
    for x, y in zip(a.items, b.items):
        assert abs(x.score - y.score) <= tol and x.eligible == y.eligible
        assert x.ineligible == y.ineligible
        if x.explanation is not None:
            assert (x.explanation.reasons_zh, x.explanation.gaps_en) == (y.explanation.reasons_zh, y.explanation.gaps_en)


def test_a_snapshot_ranks_as_the_in_memory_ranker_with_the_same_reasons(pools, snap):
    posts, pv, profiles, sv = pools
    r = Ranker(posts, profiles, today=TODAY, posting_vectors=pv, profile_vectors=sv)
    m = snap[1].ranker
    assert snap[1].meta == {"watermark": "2021-09-01T00:00:00"} and snap[1].today == TODAY
    for pid in ("BENCH-P", "P3"):
        _same(r.rank_profiles(pid, limit=20, include_ineligible=True), m.rank_profiles(pid, limit=20, include_ineligible=True))
        _same(r.rank_profiles(pid, offset=390, limit=20, include_ineligible=True),
              m.rank_profiles(pid, offset=390, limit=20, include_ineligible=True))
    for sid in ("S5", "S77", "S301"):
        _same(r.rank_postings(sid, limit=30, include_ineligible=True), m.rank_postings(sid, limit=30, include_ineligible=True))
    cands = ["S5", "S6", "S7", "nobody"]
    _same(r.rank_profiles("BENCH-P", candidates=cands), m.rank_profiles("BENCH-P", candidates=cands))
    # the app's way: a document as the query, ranked against the mapped pool
    _same(r.rank_profiles_for(posts[0], pv[0]), m.rank_profiles_for(posts[0], pv[0]))


def _mappings() -> list[tuple[int, int, str]]:
    """This process's file-backed mappings: (start, end, path)."""
    out = []
    for line in Path("/proc/self/maps").read_text().splitlines():
        parts = line.split(maxsplit=5)
        if len(parts) == 6 and parts[5].startswith("/"):
            a, b = parts[0].split("-")
            out.append((int(a, 16), int(b, 16), parts[5]))
    return out


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads /proc/self/maps (Linux)")
def test_the_pools_are_memory_mapped_not_copied_into_the_process(snap):
    root, s = snap
    m = s.ranker
    maps = _mappings()
    for arr in (m.profiles.vectors, m.profiles.age, m.profiles.full_m.csc.indices, m.profiles.bm25.csc.data,
                m.postings.kind, m.idf_prof):
        addr = arr.__array_interface__["data"][0]
        files = [path for a, b, path in maps if a <= addr < b]
        assert files and files[0].startswith(str(s.path)), (addr, files)  # the snapshot's own file's pages
    assert not m.profiles.vectors.flags.writeable
    # documents are decoded one row at a time, ids looked up by binary search
    assert isinstance(m.profiles.items, LazyDocs)
    assert m.profiles.index["S77"] == 77 and "nobody" not in m.profiles.index and m.profiles.ids[77] == "S77"
    assert m.profiles.items[77].id == "S77" and list(m.postings.kind[:2]) == [0, 0]


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="counts /proc/self/fd (Linux)")
def test_an_open_snapshot_holds_a_few_file_descriptors_not_one_per_mapped_array(snap):
    """A server process keeps two snapshots open, three while a new version comes in, beside a
    SQLite connection per thread to each of its files: one descriptor per mapped array (~150
    per snapshot) took it past 1,024, where waitress's select() failed and a process limited to
    1,024 files answered 500."""
    root, _ = snap

    def fds() -> int:
        return len(list(Path("/proc/self/fd").iterdir()))

    before = fds()
    opened = [open_snapshot(root) for _ in range(5)]
    mapped = sum(1 for _, _, path in _mappings() if path.startswith(str(opened[0].path)))
    assert mapped >= 50  # every number of the pools is mapped from its file...
    assert (fds() - before) / len(opened) <= 20  # ...but only the files read with pread stay open (18)
    assert opened[4].ranker.profiles.items[77].id == "S77"
    del opened
    gc.collect()
    assert fds() <= before + 2


def test_the_queries_never_grow_the_shared_vocabulary(snap, pools):
    m = snap[1].ranker
    n = len(m.vocab)
    odd = PostingData(id="Q", title="潜水打捞员", description="水下作业", skills=["潜水证"])
    m.rank_profiles_for(odd, pools[1][0])
    assert len(m.vocab) == n


def test_retrieval_counts_every_eligible_row_and_keeps_the_full_scores(snap):
    m = snap[1].ranker
    full = m.rank_profiles("BENCH-P", limit=20)
    cheap = m.rank_profiles("BENCH-P", limit=20, retrieve_k=50)
    assert cheap.total == full.total and cheap.excluded == full.excluded
    exact = {it.id: it.score for it in full.items}
    for it in cheap.items:  # a retrieved row scores as in the full ranking
        if it.id in exact:
            assert abs(it.score - exact[it.id]) <= 1e-5
    top = m.rank_profiles("BENCH-P", limit=1000, explain=False)
    scores = {it.id: it.score for it in top.items}
    for it in cheap.items:
        assert abs(it.score - scores[it.id]) <= 1e-5
    # K at least the pool: the same ranking
    _same(full, m.rank_profiles("BENCH-P", limit=20, retrieve_k=10_000))
    # ineligible rows come after, with their reasons
    page = m.rank_profiles("BENCH-P", offset=full.total, limit=5, include_ineligible=True, retrieve_k=50)
    assert page.items and not any(it.eligible for it in page.items) and all(it.ineligible for it in page.items)
    # a page the ranked rows fill shows no refused row, so it is the page without them
    assert full.total > 20
    _same(m.rank_profiles("BENCH-P", limit=20, include_ineligible=True, retrieve_k=50), cheap)


def test_a_ranking_during_rebuilds_always_answers_and_then_sees_the_new_version(pools, tmp_path):
    posts, pv, profiles, sv = pools
    root = tmp_path / "pools"
    first = write_snapshot(root, postings=posts, posting_vectors=pv, profiles=profiles[:100], profile_vectors=sv[:100],
                           today=TODAY)
    held = open_snapshot(root)
    (root / "20200101T000000000000Z-dead00.tmp-999999").mkdir()  # a build killed mid-way
    errors, answers, stop = [], [], threading.Event()

    def reader():
        snap = open_snapshot(root)
        while not stop.is_set():
            try:
                if current_version(root) != snap.version:
                    snap = open_snapshot(root)
                page = snap.ranker.rank_profiles_for(posts[0], pv[0], limit=5)
                answers.append((snap.version, len(page.items)))
            except FileNotFoundError:  # a version deleted between reading CURRENT and opening it: read again
                continue
            except Exception as e:  # noqa: BLE001  (the test reports any failure)
                errors.append(repr(e))

    t = threading.Thread(target=reader)
    t.start()
    made = [first]
    for k in range(3):
        made.append(write_snapshot(root, postings=posts, posting_vectors=pv, profiles=profiles[:150 + 50 * k],
                                   profile_vectors=sv[:150 + 50 * k], today=TODAY, keep=2))
    stop.set()
    t.join()
    assert not errors and answers and all(n == 5 for _, n in answers)
    assert current_version(root) == made[-1] and open_snapshot(root).version == made[-1]
    assert len(open_snapshot(root).ranker.profiles) == 250
    assert versions(root) == made[-2:]  # older versions are removed; the one just replaced is kept
    assert not list(root.glob("*.tmp-*"))
    # a process still holding the first version keeps ranking from its mapped files
    assert held.ranker.rank_profiles_for(posts[0], pv[0], limit=5).items
    assert sorted(made) == made  # versions sort by time
    with pytest.raises(FileNotFoundError):
        open_snapshot(tmp_path / "empty")


WELDER = PostingData(id="NEW", title="二保焊电焊工", district="望花区", description="钢结构二保焊焊接。",
                     requirements="18-55周岁", skills=["二保焊", "焊工证"], salary_max=8000)


def _welder_person(profiles):
    return next(p for p in profiles if "焊工证" in p.skills and "二保焊" in p.skills and p.birth_year > 1975)


def test_a_posting_published_after_the_build_is_ranked_at_once_and_a_removed_one_never(pools, snap):
    posts, pv, profiles, sv = pools
    s = snap[1]
    person = _welder_person(profiles)
    i = s.ranker.profiles.index[person.id]
    vec = sv[i]
    before = s.ranker.rank_postings(person.id, limit=50)
    d = s.with_delta(postings=[WELDER], posting_vectors=vec[None, :], removed_postings=["BENCH-P", "P3"])
    page = d.rank_postings(person.id, limit=50)
    ids = [it.id for it in page.items]
    assert ids[0] == "NEW" and "BENCH-P" not in ids and "P3" not in ids
    assert len(ids) == len(set(ids)) and page.total == before.total - 1  # two removed (both eligible), one added
    assert [it.rank for it in page.items] == list(range(1, len(ids) + 1))
    assert "二保焊" in page.items[0].explanation.matched_skills
    # the people side: the new post's candidates come from the mapped profiles
    cands = d.rank_profiles("NEW", limit=5)
    assert cands.items and cands.total == s.ranker.rank_profiles_for(WELDER, vec, limit=5).total
    assert "NEW" in d.postings.index and "P3" not in d.postings.index and d.postings.kind.shape == (len(posts) + 1,)


def test_an_edited_posting_appears_once_with_its_new_text(pools, snap):
    posts, pv, profiles, sv = pools
    s = snap[1]
    person = _welder_person(profiles)
    vec = sv[s.ranker.profiles.index[person.id]]
    edited = PostingData(**{**vars(WELDER), "id": "P3"})  # P3 was a 护士 post; now it asks for welders
    d = s.with_delta(postings=[edited], posting_vectors=vec[None, :], removed_postings=["P3"])
    page = d.rank_postings(person.id, limit=100)
    ids = [it.id for it in page.items]
    assert ids.count("P3") == 1 and ids[0] == "P3"
    assert "二保焊" in page.items[0].explanation.matched_skills
    # paging through the merged list gives each id once
    seen = [it.id for k in range(0, 21, 7) for it in d.rank_postings(person.id, offset=k, limit=7).items]
    assert seen == ids[:21]


def test_a_delta_person_is_found_for_a_post_and_a_deleted_one_is_not(pools, snap):
    posts, pv, profiles, sv = pools
    s = snap[1]
    gone = s.ranker.rank_profiles("BENCH-P", limit=1).items[0].id
    newp = synthetic_profiles(1, seed=99)[0]
    newp.id, newp.skills, newp.birth_year = "NEWP", ["二保焊", "焊工证", "钢结构看图"], 1990
    newp.desired = "电焊工；望花区；6000以上"
    d = s.with_delta(profiles=[newp], profile_vectors=pv[0][None, :], removed_profiles=[gone])
    ids = [it.id for it in d.rank_profiles("BENCH-P", limit=20).items]
    assert ids[0] == "NEWP" and gone not in ids


@pytest.mark.slow
@pytest.mark.parametrize("path", [DEV_FILE, SECOND_FILE], ids=["dev", "second"])
def test_a_snapshot_of_a_graded_set_ranks_exactly_as_the_in_memory_ranker(path, dev_cache, tmp_path):
    d, r = evaluate.build(str(path), cache=dev_cache)
    write_snapshot(tmp_path, postings=r.postings.items, posting_vectors=r.postings.vectors, profiles=r.profiles.items,
                   profile_vectors=r.profiles.vectors, today=r.today)
    m = open_snapshot(tmp_path).ranker
    n_post, n_prof = len(r.postings), len(r.profiles)
    for q in d["qrels"]:
        _same(r.rank_postings(q, limit=n_post, include_ineligible=True),
              m.rank_postings(q, limit=n_post, include_ineligible=True))
    for q in d.get("reverse_qrels", {}):
        _same(r.rank_profiles(q, limit=n_prof, include_ineligible=True),
              m.rank_profiles(q, limit=n_prof, include_ineligible=True))
    a, b = evaluate.run(d, m), evaluate.run(d, r)
    for direction in b:
        for mode in b[direction]:
            assert a[direction][mode] == pytest.approx(b[direction][mode], abs=1e-9)


@pytest.mark.parametrize("workers", [1, 2], ids=["here", "in-worker-processes"])
def test_a_build_in_many_small_chunks_ranks_as_the_in_memory_ranker(pools, tmp_path, monkeypatch, workers):
    from matching import build  # noqa: PLC0415

    monkeypatch.setattr(build, "CHUNK", 37)        # documents per chunk: the vocabulary grows chunk by chunk
    monkeypatch.setattr(build, "SORT_CHUNK", 500)  # entries per counting-sort step
    posts, pv, profiles, sv = pools
    write_snapshot(tmp_path, postings=(p for p in posts), posting_vectors=pv, profiles=(p for p in profiles),
                   profile_vectors=sv, today=TODAY, workers=workers)
    m = open_snapshot(tmp_path).ranker
    r = Ranker(posts, profiles, today=TODAY, posting_vectors=pv, profile_vectors=sv)
    for pid in ("BENCH-P", "P3", "P11"):
        _same(r.rank_profiles(pid, limit=40, include_ineligible=True), m.rank_profiles(pid, limit=40, include_ineligible=True))
    for sid in ("S5", "S120", "S399"):
        _same(r.rank_postings(sid, limit=25, include_ineligible=True), m.rank_postings(sid, limit=25, include_ineligible=True))


def test_a_one_sided_snapshot_carries_the_hub_reference_as_the_apps_ranker_does(pools, tmp_path):
    posts, pv, profiles, sv = pools
    people, pvecs = profiles[:64], sv[:64]
    write_snapshot(tmp_path, postings=posts, posting_vectors=pv, today=TODAY, hub_profiles=people,
                   hub_profile_vectors=pvecs)
    s = open_snapshot(tmp_path)
    r = Ranker(posts, [], today=TODAY, posting_vectors=pv, profile_vectors=np.zeros((0, 384), np.float32))
    r.set_hub_reference(profiles=people, profile_vectors=pvecs)
    assert np.abs(np.asarray(s.ranker.postings.hub) - r.postings.hub).max() < 1e-5
    for p, v in zip(profiles[100:106], sv[100:106]):
        _same(r.rank_postings_for(p, v, limit=10, include_ineligible=True),
              s.ranker.rank_postings_for(p, v, limit=10, include_ineligible=True))
    empty = s.ranker.rank_profiles_for(posts[0], pv[0])
    assert empty.items == [] and empty.total == 0 and len(s.ranker.profiles) == 0
    # a delta posting gets its hub score against the same reference
    d = s.with_delta(postings=[posts[5]], posting_vectors=pv[5][None, :], removed_postings=[posts[5].id])
    assert abs(float(d.d_postings.hub[0]) - float(r.postings.hub[5])) < 1e-4
    _same(r.rank_postings_for(profiles[101], sv[101], limit=10), d.rank_postings_for(profiles[101], sv[101], limit=10))


def test_the_in_memory_ranker_retrieves_the_same_way(pools):
    posts, pv, profiles, sv = pools
    r = Ranker(posts, profiles, today=TODAY, posting_vectors=pv, profile_vectors=sv)
    full = {it.id: it.score for it in r.rank_profiles("BENCH-P", limit=400, explain=False).items}
    cheap = r.rank_profiles("BENCH-P", limit=20, retrieve_k=40)
    assert cheap.total == r.rank_profiles("BENCH-P", limit=1).total
    assert all(abs(it.score - full[it.id]) <= 1e-5 for it in cheap.items)
    page = r.rank_postings("S5", limit=10, retrieve_k=5)  # postings: 25 in the pool, so K=5 retrieves
    assert page.items and all(it.explanation is not None for it in page.items)


def _common_posts(n):
    """``n`` postings that all say 工作 (负责…工作); one in eight is a welder's."""
    return [PostingData(id=f"C{i}", title=JOBS[i % 8] if i % 8 else "电焊工", description=f"负责{JOBS[i % 8]}工作。",
                        skills=[JOBS[i % 8]] if i % 8 else ["电焊"], district="顺城区", salary_max=5000)
            for i in range(n)]


def test_a_bigram_most_postings_hold_is_left_out_of_a_persons_bm25_at_city_scale_and_in_a_delta(tmp_path):
    """BM25 leaves out the query's bigrams that more than half the candidates hold once there
    are more than 1,000 of them (``pairs.common_pruned``): in both directions, in the full
    ranking and the cheap retrieval alike, and a delta's posts are judged on the snapshot's
    pool. A post that shares only 工作 with the person then gets no lexical score, and one
    published after the build gets exactly what it would get in the pool."""
    rng = np.random.default_rng(5)
    person = ProfileData(id="W", skills=["电焊"], experience="在工厂做电焊工作三年", desired="电焊工", district="顺城区",
                         birth_year=1990, education="高中")
    only_common = PostingData(id="ONLY", title="文员", description="工作", district="顺城区", salary_max=5000)

    def lex_of(n):
        posts = _common_posts(n) + [only_common]
        r = Ranker(posts, [person], today=TODAY, posting_vectors=_unit(rng, len(posts)), profile_vectors=_unit(rng, 1))
        raw = lex_raw(r.postings, None, r.profiles, 0, r.idf_post, r.idf_prof)
        full = pair_features(r.postings, None, r.profiles, 0, r.idf_post, r.idf_prof)[:, FI["lex"]]
        j = r.postings.index["ONLY"]
        return raw[j], full[j], raw[r.postings.index["C0"]], r

    small_raw, small_full, _, _ = lex_of(400)
    assert small_raw > 0 and small_full > 0  # a small pool keeps every bigram
    big_raw, big_full, welder_raw, r = lex_of(1200)
    assert big_raw == 0 and big_full == 0 and welder_raw > 0  # 工作 is in every post: it no longer counts

    posts = _common_posts(1200)
    write_snapshot(tmp_path, postings=iter(posts), posting_vectors=_unit(rng, len(posts)), profiles=iter([person]),
                   profile_vectors=_unit(rng, 1), today=TODAY, meta={"watermark": "2021-09-01T00:00:00"})
    s = open_snapshot(tmp_path)
    d = s.with_delta(postings=[only_common], posting_vectors=_unit(rng, 1))
    page = d.rank_postings("W", limit=1300)
    only = next(it for it in page.items if it.id == "ONLY")
    assert only.features["lex"] == 0  # decided over the snapshot's 1,200 posts, not the delta's one
