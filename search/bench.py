"""Benchmark of a search backend on synthetic Chinese postings.

    python -m search.bench [--json] [--sizes 10000,100000] [--backend embedded] [--queries 200]

For each corpus size (each in a fresh child process, so that ``peak_rss_mb`` is that
size's own): generate postings from the occupation classification (titles, duties,
requirements, districts, salaries, dates), attach random 384-dimensional unit vectors
(embedding time is excluded by design), index them into a fresh index in a temporary
folder, then time queries: ``lexical``, ``vector``, ``hybrid`` (both), and
``hybrid_filtered`` (district + maximum education + status), plus
``hybrid_facets`` (hybrid with three facet counts). Prints a table, or with
``--json`` one JSON object keyed by corpus size.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from search import get_backend
from search.base import Document, Query, Range

DIM = 384
DISTRICTS = ["顺城区", "新抚区", "望花区", "东洲区", "抚顺县", "新宾满族自治县", "清原满族自治县", "沈抚示范区"]
STREETS = ["河北街道", "将军街道", "葛布街道", "新华街道", "雷锋街道", "和平街道", "拉古街道", "章党镇", "石文镇", "前甸镇"]
EDU = ["不限", "小学", "初中", "高中/中专", "大专", "本科", "硕士", "博士"]
KINDS = ["job"] * 7 + ["internship"] * 2 + ["public_welfare"]
EMP_TYPES = ["enterprise"] * 6 + ["soe", "soe", "public_institution", "social_org"]
STATUS = ["published"] * 8 + ["closed", "draft"]
ORG_WORDS = ["恒远", "华信", "石化", "北方", "新城", "宏达", "辽东", "东方", "永安", "金石", "鑫源", "天成", "国泰", "盛达",
             "安泰", "龙凤", "浑河", "雷锋", "青松", "汇丰"]
ORG_KINDS = ["机械制造", "汽车零部件", "化工", "物业服务", "餐饮管理", "商贸", "物流", "医疗器械", "软件科技", "建筑工程",
             "养老服务", "教育咨询", "酒店管理", "电力设备", "食品加工"]
DUTIES = ["负责设备日常点检和保养", "按图纸和工艺要求完成生产任务", "做好交接班记录", "遵守安全操作规程", "协助主管完成日常工作",
          "负责客户接待和咨询", "完成领导交办的其他工作", "负责现场卫生和5S管理", "参与质量问题分析与改进", "负责数据录入与报表整理",
          "维护客户关系，完成销售目标", "负责物料出入库管理", "定期巡检并记录运行参数", "负责车辆调度与安全行驶", "为老人提供生活照料",
          "负责班级教学和学生管理", "负责网络和服务器维护", "编写技术文档", "配合财务做好核算工作", "负责门岗值守和巡逻",
          "负责厨房备餐和出品", "负责病区护理和输液", "操作叉车完成装卸", "负责线上店铺运营和直播带货", "负责焊接和打磨"]
REQS = ["有相关工作经验者优先", "身体健康，能吃苦耐劳", "能适应倒班", "持相关证书上岗", "熟练使用办公软件", "有驾照优先",
        "沟通能力强，有团队精神", "责任心强，服从安排", "应届毕业生亦可", "退役军人优先", "就业困难人员优先", "年龄45岁以下"]
BENEFITS = ["五险一金", "包吃住", "提供工作餐", "有通勤车", "带薪年假", "节日福利", "夜班补贴", "全勤奖", "定期体检", "绩效奖金"]
SKILLS = ["电焊", "氩弧焊", "数控车床", "CAD制图", "PLC编程", "叉车证", "电工证", "会计证", "Excel", "用友财务软件", "Java",
          "Python", "MySQL", "驾驶证B2", "普通话", "英语四级", "教师资格证", "护士资格证", "养老护理员证", "厨师证", "健康证",
          "收银", "仓库管理", "客户服务", "直播带货", "短视频剪辑", "设备维修", "质量检验", "化验分析", "DCS操作", "钳工",
          "焊工证", "保安员证", "消防设施操作员", "测量放线", "钢筋绑扎", "水暖维修", "家政服务", "育婴", "销售技巧"]
SHORT_QUERIES = ["焊工", "会计", "电工", "司机", "护士", "保安", "厨师", "保洁", "前台", "仓管", "叉车", "销售", "文员", "客服",
                 "数控车床", "养老护理员", "DCS内操", "软件工程师", "幼儿教师", "快递员", "化验员", "质检员", "收银员", "普工"]


def _occupations() -> list[dict]:
    here = Path(__file__).resolve().parent.parent
    for p in (here / "marketplace" / "data" / "occupations-2022.jsonl", here.parent / "shared" / "data" / "occupations-2022.jsonl"):
        if p.exists():
            return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [{"code": f"X-{i}", "name": q, "minor_name": q} for i, q in enumerate(SHORT_QUERIES)]


def generate(n: int, seed: int = 7, dim: int = DIM) -> list[Document]:
    """``n`` synthetic postings with random unit vectors (deterministic for a seed)."""
    rnd = random.Random(seed)
    occ = [o for o in _occupations() if not o["code"].startswith("1-")]
    vecs = np.random.default_rng(seed).standard_normal((n, dim), dtype=np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    base = dt.date(2026, 1, 1)
    docs = []
    for i in range(n):
        o = rnd.choice(occ)
        name = o["name"]
        kind = rnd.choice(KINDS)
        title = name + ("（见习）" if kind == "internship" else "（公益性岗位）" if kind == "public_welfare" else "")
        district = rnd.choice(DISTRICTS)
        edu = rnd.choice([0, 0, 2, 3, 3, 4, 4, 5, 6])
        smin = rnd.randrange(1900, 9000, 100)
        smax = smin + rnd.randrange(0, 5000, 100)
        employer = f"抚顺{rnd.choice(ORG_WORDS)}{rnd.choice(ORG_KINDS)}有限公司"
        duties = "；".join(rnd.sample(DUTIES, rnd.randint(2, 4)))
        reqs = "，".join(rnd.sample(REQS, rnd.randint(1, 3)))
        text = (
            f"{employer}招聘{name}{rnd.randint(1, 20)}名，工作地点{district}{rnd.choice(STREETS)}。"
            f"岗位职责：{duties}，从事{o.get('minor_name', name)}相关工作。任职要求：{EDU[edu]}及以上学历，{reqs}。"
            f"薪资{smin}-{smax}元/月，{'、'.join(rnd.sample(BENEFITS, 3))}。"
        )
        opened = base + dt.timedelta(days=rnd.randrange(0, 330))
        docs.append(
            Document(
                id=f"b{i}",
                doc_type="posting",
                title=title,
                text=text,
                skills=rnd.sample(SKILLS, rnd.randint(2, 5)),
                fields={
                    "kind": kind, "district": district, "education_min": edu, "salary_min": smin, "salary_max": smax,
                    "employer_type": rnd.choice(EMP_TYPES), "status": rnd.choice(STATUS),
                    "open_on": opened, "close_on": opened + dt.timedelta(days=rnd.choice([30, 60, 90, 180])),
                    "target_group": rnd.choice([None] * 8 + ["graduate_2026", "registered_unemployed"]),
                    "occupation_code": o["code"],
                },
                vector=vecs[i],
                updated_on=opened,
            )
        )
    return docs


def _queries(docs: list[Document], k: int, seed: int = 11) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for _ in range(k):
        r = rnd.random()
        if r < 0.4:
            out.append(rnd.choice(SHORT_QUERIES))
        elif r < 0.8:
            out.append(rnd.choice(docs).title.split("（")[0])
        else:
            out.append(f"{rnd.choice(SHORT_QUERIES)} {rnd.choice(DISTRICTS)}")
    return out


def _stats(ms: list[float]) -> dict:
    a = np.array(ms)
    return {"p50_ms": round(float(np.percentile(a, 50)), 2), "p95_ms": round(float(np.percentile(a, 95)), 2),
            "mean_ms": round(float(a.mean()), 2), "n": len(ms)}


def run_one(n: int, backend: str = "embedded", n_queries: int = 200, seed: int = 7, **opts) -> dict:
    """Index ``n`` postings into a fresh backend and time queries; returns the figures."""
    t0 = time.perf_counter()
    docs = generate(n, seed)
    gen_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp:
        path = os.path.join(tmp, "search.db")
        if backend == "embedded":
            b = get_backend("embedded", path=path, **opts)
        else:
            b = get_backend(backend, index_prefix=f"bench-{os.getpid()}", **opts)
        try:
            t0, c0 = time.perf_counter(), time.process_time()
            b.index(docs)
            if hasattr(b, "optimize"):
                b.optimize()
            index_s, index_cpu_s = time.perf_counter() - t0, time.process_time() - c0
            queries = _queries(docs, n_queries)
            qrng = np.random.default_rng(seed + 1)
            qvecs = qrng.standard_normal((n_queries, DIM), dtype=np.float32)
            qvecs /= np.linalg.norm(qvecs, axis=1, keepdims=True)
            del docs
            if hasattr(b, "warm_up"):
                b.warm_up()  # jieba, OpenCC, vector cache: what a worker does at start
            b.search(Query("posting", "焊工"))
            b.search(Query("posting", mode="vector", query_vector=qvecs[0]))
            filters = lambda i: {  # noqa: E731
                "district": DISTRICTS[i % len(DISTRICTS)], "education_min": Range(lte=4), "status": "published"}
            cases = {
                "lexical": lambda i: Query("posting", queries[i], mode="lexical"),
                "lexical_filtered": lambda i: Query("posting", queries[i], mode="lexical", filters=filters(i)),
                "vector": lambda i: Query("posting", mode="vector", query_vector=qvecs[i]),
                "hybrid": lambda i: Query("posting", queries[i], query_vector=qvecs[i]),
                "hybrid_filtered": lambda i: Query("posting", queries[i], query_vector=qvecs[i], filters=filters(i)),
                "hybrid_facets": lambda i: Query("posting", queries[i], query_vector=qvecs[i],
                                                 facets=["district", "kind", "education_min"]),
            }
            out: dict = {"docs": n, "generate_s": round(gen_s, 2), "index_s": round(index_s, 2),
                         "index_docs_per_s": round(n / index_s, 1),
                         # per second of this process's CPU: what the machine's load does not distort
                         "index_docs_per_cpu_s": round(n / index_cpu_s, 1)}
            zero = 0
            for name, make in cases.items():
                ms = []
                for i in range(n_queries):
                    q = make(i)
                    t0 = time.perf_counter()
                    res = b.search(q)
                    ms.append((time.perf_counter() - t0) * 1000)
                    if name == "lexical" and not res.hits:
                        zero += 1
                out[name] = _stats(ms)
            out["lexical_zero_hit_queries"] = zero
            # the vector snapshot folder included (search.vecfiles)
            out["disk_bytes"] = sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file())
            out["pss_after_mb"] = _pss_mb()
        finally:
            b.close()
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    # the machines are shared: say how busy this one was while it measured
    out["load_avg_1m_at_end"] = round(os.getloadavg()[0], 2)
    out["cpus"] = os.cpu_count()
    return out


def _pss_mb() -> float | None:
    """This process's proportional set size now: memory-mapped pages shared with other
    processes count in part (the vector snapshot), unlike in the peak RSS."""
    try:
        for line in Path(f"/proc/{os.getpid()}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _table(results: dict) -> str:
    cols = ["lexical", "lexical_filtered", "vector", "hybrid", "hybrid_filtered", "hybrid_facets"]
    lines = [f"{'docs':>8} {'index/s':>9} " + " ".join(f"{c + ' p50/p95':>26}" for c in cols) + f" {'disk MB':>8} {'RSS MB':>7}"]
    for size, r in results.items():
        cells = " ".join(f"{r[c]['p50_ms']:>12.1f}/{r[c]['p95_ms']:<13.1f}" for c in cols)
        lines.append(f"{size:>8} {r['index_docs_per_s']:>9.0f} {cells} {r['disk_bytes'] / 1e6:>8.1f} {r['peak_rss_mb']:>7.0f}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m search.bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000", help="comma-separated corpus sizes (default 10000,100000)")
    ap.add_argument("--queries", type=int, default=200, help="queries per case (default 200)")
    ap.add_argument("--backend", default="embedded", help="embedded (default) or elasticsearch (uses ELASTICSEARCH_URL)")
    ap.add_argument("--json", action="store_true", help="print one JSON object keyed by corpus size")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child process: one size, JSON out
    args = ap.parse_args(argv)
    opts = {}
    if args.backend.startswith("elastic"):
        opts["url"] = os.environ.get("ELASTICSEARCH_URL")
    if args.one:
        print(json.dumps(run_one(args.one, args.backend, args.queries, **opts)))
        return 0
    results = {}
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        if not args.json:
            print(f"… {size} documents", file=sys.stderr, flush=True)
        proc = subprocess.run(
            [sys.executable, "-m", "search.bench", "--one", str(size), "--queries", str(args.queries), "--backend", args.backend],
            capture_output=True, text=True, check=False,
        )
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return proc.returncode
        results[str(size)] = json.loads(proc.stdout.strip().splitlines()[-1])
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
    else:
        print(_table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
