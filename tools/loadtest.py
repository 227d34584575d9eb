"""Load test: 100,000 postings and 100,000 profiles behind a real server, driven by wrk.

    python -m tools.loadtest seed --instance /tmp/lt [--database-url URL] [--postings N] [--profiles N]
    python -m tools.loadtest run  --instance /tmp/lt [--database-url URL] [--connections 10,50] [--duration 20]
        [--workers N | --workers-list 1,2,4] [--people 1000] [--ranked-postings 300] [--pass-limit 300]
        [--only search_api,recommendations_api,...] [--threads 8] [--json]

``seed`` writes synthetic Chinese postings and profiles (job words from the national
occupation classification, districts, skills) in bulk, then builds the search index
through the app's own code. Embeddings: encoding 200,000 texts with the
bundled model takes about 1.5 hours on this machine, so ``seed`` puts random unit vectors
for these synthetic texts into the encoder's cache instead; every *query* at run time is
still encoded by the real model (cache misses), so request latency includes real encoding.
PostgreSQL: give both commands the same ``--database-url`` of a database of its own, e.g.
``createdb -h 127.0.0.1 -U postgres loadtest`` then
``--database-url postgresql+psycopg://postgres@127.0.0.1:5432/loadtest`` (the instance folder
still holds the search index and the encoder's cache); ``seed`` migrates it and writes there.

``run`` starts a fresh ``flask serve`` (``--threads`` 8 per process) on a free loopback port for
each process count of ``--workers-list``, the instance's shared cache files removed first (search
results, query vectors, ranked pages; ``--keep-caches`` keeps them), so no run is warmed by the one
before it (or once, with ``--workers``, default: the server's
own default), warms it up, and for each endpoint and each connection count (default 10 and 50)
runs wrk (two threads, loopback only) and prints requests/s, p50/p95/p99 and errors:

* ``search_api``, ``posting_page``, ``search_page``: ``--duration`` seconds each, cycling
  through 3,000 searches (half popular words, half the long tail of occupation names) or 500
  posting pages;
* ``recommendations_api_cold`` / ``_warm``: ``GET /api/v1/profiles/<id>/recommendations`` as the
  admin (who may rank for anyone; a caseworker only for their district) for ``--people``
  (1,000) distinct people in random order, each asked exactly once per pass (one wrk thread
  hands the list out to its connections, each path once, then they wait; the pass ends when
  all are answered, capped at ``--pass-limit`` s). Cold: people no server of this run was asked about before (warm-up uses
  others, set aside; each cold pass takes new ones, so seed at least
  ``(1 + connection counts x process counts) x --people`` profiles or the report says which
  ids came round again). Warm: a second pass over the people the cold pass asked about;
* ``candidates_api_cold`` / ``_warm`` (only when named in ``--only``: before issue 18's
  pool snapshots the first candidates request in each process builds the people pool, which
  asks the welfare area three questions per person: over 15 minutes at 20,000 people on a
  busy 2-core machine): the
  same for ``GET /api/v1/postings/<id>/candidates`` over ``--ranked-postings`` (300) distinct
  postings.

Each row reports requests sent and distinct paths among them. After the run the server's memory
is read: PSS summed over all its processes (gunicorn's master and workers) from
``/proc/<pid>/smaps_rollup``, each shared page counted once, which is what the machine holds;
and, labelled as an over-count, the peak RSS of each process added up (shared pages counted
in every process). One table (a column group per process count) and, with ``--json``, one JSON
object: ``{"database", "profiles", "published_postings", "connections", "duration_s",
"runs": {"<workers>": {"endpoints": {"<name>": {"<connections>": {"rps", "p50_ms", "p95_ms",
"p99_ms", "requests", "errors", "non2xx", "requested", "distinct", "paths"}}},
"server_pss_mb", "server_processes", "server_peak_rss_mb_overcount", "warmup_s"}},
"ids_reused_across_cold_passes"}``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from sqlalchemy import insert, select

from marketplace import clock, create_app
from marketplace.cli import upgrade_database
from marketplace.core import demo, indexing
from marketplace.core.models import DISTRICTS, Organisation, Posting, Profile, User
from marketplace.core.recommend import posting_data, profile_data
from matching.encoder import text_key
from matching.pools import posting_occupation_text, profile_occupation_text
from tools.loadserver import child_pids, drain, free_port, pss_mb, rss_peak_mb, serve, server_env, token, wait_idle, wrk

__all__ = ["seed", "run", "prime_embeddings", "child_pids", "free_port"]  # the last two: tests/web/test_serve.py

ROOT = Path(__file__).resolve().parent.parent


def _app(args):
    os.environ.update(server_env(args))

    return create_app()


def seed(args) -> None:
    app = _app(args)
    upgrade_database(app)
    rng = random.Random(7)
    occupations = [json.loads(line) for line in (ROOT / "marketplace/data/occupations-2022.jsonl").open(encoding="utf-8")]
    words = ["沟通能力", "吃苦耐劳", "团队合作", "电脑操作", "驾驶证", "夜班", "五险一金", "包吃住", "通勤车", "有经验优先",
             "持证上岗", "责任心强", "普通话", "Excel", "CAD", "叉车证", "电工证", "焊工证", "健康证", "教师资格证"]
    with app.app_context():
        today = clock.today()  # the installation's business date (its pin, if any)
    t0 = time.time()
    with app.extensions["db"].unit_of_work() as s:
        demo.load(s, app.extensions["cipher"])
        hr = s.scalar(select(User).where(User.username == "employer"))
        orgs = [o.id for o in s.scalars(select(Organisation))]
        for start in range(0, args.postings, 5000):
            rows = []
            for i in range(start, min(start + 5000, args.postings)):
                occ = rng.choice(occupations)
                skills = rng.sample(words, 4)
                lo = rng.randrange(2500, 9000, 100)
                rows.append(dict(organisation_id=rng.choice(orgs), created_by_id=hr.id, kind=rng.choice(
                    ["job"] * 8 + ["internship", "public_welfare"]), title=occ["name"],
                    description=f"{occ['minor_name']}相关工作，负责{occ['name']}日常工作。" + "、".join(skills),
                    requirements=f"{occ['middle_name']}经验优先", skills=skills, education_min=rng.randint(0, 5),
                    salary_min=lo, salary_max=lo + rng.randrange(500, 4000, 100), headcount=rng.randint(1, 10),
                    district=rng.choice(DISTRICTS), status="published", open_on=today, close_on=None,
                    period_months=6, stipend=1500, temporary=False, term_months=12,
                    published_at=clock.now_utc()))
            for r in rows:
                if r["kind"] != "internship":
                    r["period_months"] = r["stipend"] = None
                if r["kind"] != "public_welfare":
                    r["temporary"] = r["term_months"] = None
            s.execute(insert(Posting), rows)
        for start in range(0, args.profiles, 5000):
            rows = []
            for i in range(start, min(start + 5000, args.profiles)):
                occ = rng.choice(occupations)
                rows.append(dict(name=f"测试{i}", gender=rng.choice("男女"),
                                 birth_on=dt.date(rng.randint(1966, 2004), rng.randint(1, 12), 1),
                                 district=rng.choice(DISTRICTS), education=rng.randint(1, 6),
                                 skills=rng.sample(words, 3) + [occ["name"]], desired_jobs=occ["name"],
                                 summary=f"做过{occ['minor_name']}相关工作", experience="", published=True,
                                 desired_places=[], occupation_codes=[]))
            s.execute(insert(Profile), rows)
    print(f"rows written in {time.time() - t0:.0f}s", flush=True)

    rt = app.extensions["runtime"]
    enc = rt.encoder

    t0 = time.time()
    with app.extensions["db"].unit_of_work(write=False) as s:
        for model, conv, texts_of, role in (
                (Posting, lambda p: posting_data(p, today), lambda d: [d.text(), posting_occupation_text(d)], "passage"),
                (Profile, lambda p: profile_data(p, today, {}), lambda d: [d.text(), profile_occupation_text(d)], "query")):
            keys = []
            for row in s.scalars(select(model)):
                keys.extend(text_key(t, role) for t in texts_of(conv(row)))
            prime_embeddings(enc, keys)
    print(f"embedding cache primed in {time.time() - t0:.0f}s", flush=True)
    t0 = time.time()
    with app.extensions["db"].unit_of_work(write=False) as s:
        for doc_type in ("posting", "profile"):
            n = indexing.reindex(s, rt.backend, enc, doc_type, batch=2000)
            print(f"{n} {doc_type}s indexed", flush=True)
    print(f"search index built in {time.time() - t0:.0f}s", flush=True)


def prime_embeddings(enc, keys: list[str], dim: int = 384) -> None:
    """Random unit vectors for these synthetic texts in the encoder's cache (encoding them
    for real would take hours here); queries at run time are still encoded by the model."""
    for i in range(0, len(keys), 20000):
        chunk = keys[i:i + 20000]
        v = np.random.default_rng(i).standard_normal((len(chunk), dim)).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        enc.store.put_many(enc.model_id, dict(zip(chunk, v)))


# --- run -------------------------------------------------------------------------------------------

POPULAR = ["焊工", "会计", "护士", "保安", "司机", "数控车床", "仓库管理", "销售", "客服", "电工", "厨师", "保洁",
           "软件工程师", "養老護理員", "前台", "教师", "快递员", "装配工", "质检", "文员"]
RANKED = {"recommendations_api": "/api/v1/profiles/{}/recommendations", "candidates_api": "/api/v1/postings/{}/candidates"}
ENDPOINTS = ("search_api", "recommendations_api", "candidates_api", "posting_page", "search_page")
DEFAULT = ("search_api", "recommendations_api", "posting_page", "search_page")  # candidates_api: with --only


class Plan:
    """What is requested, decided once for all the servers of one ``run``: the duration
    runs' path lists, and for each ranked endpoint its ids in random order, the first few
    kept for warming up (never measured) and the rest handed out to the cold passes, each
    pass taking ids no earlier pass took (no server of this run has seen them, even one
    whose cache outlived a restart)."""

    def __init__(self, args):
        app = _app(args)
        with app.extensions["db"].unit_of_work(write=False) as s:
            profiles = list(s.scalars(select(Profile.id).order_by(Profile.id)))
            postings = list(s.scalars(select(Posting.id).where(Posting.status == "published").order_by(Posting.id)))
        rng = random.Random(3)
        occupations = [json.loads(line)["name"] for line in
                       (ROOT / "marketplace/data/occupations-2022.jsonl").open(encoding="utf-8")]

        def query():
            # half the searches are the popular words, half spread over 1,639 occupation
            # names: most of those are asked once, as in a real query log's long tail
            return rng.choice(POPULAR) if rng.random() < 0.5 else rng.choice(occupations)

        self.paths = {
            "search_api": [f"/api/v1/search/postings?q={urllib.parse.quote(query())}&page={rng.randint(1, 2)}"
                           for _ in range(3000)],
            "posting_page": [f"/postings/{rng.choice(postings)}" for _ in range(500)],
            "search_page": [f"/postings?q={urllib.parse.quote(query())}" for _ in range(3000)],
        }
        self.counts = {"profiles": len(profiles), "published_postings": len(postings)}
        self.size = {"recommendations_api": args.people, "candidates_api": args.ranked_postings}
        self.ids, self.warm, self.spent, self.wrapped = {}, {}, {}, set()
        for name, ids in (("recommendations_api", profiles), ("candidates_api", postings)):
            rng.shuffle(ids)
            keep = min(40, max(2, len(ids) // 10))
            self.warm[name], self.ids[name], self.spent[name] = ids[:keep], ids[keep:], []

    def cold(self, name: str) -> list[str]:
        """The next ``size`` ids no pass asked for yet; when they are used up, the spent ones
        come round again (reported in ``ids_reused_across_cold_passes``: seed more)."""
        n = self.size[name]
        if len(self.ids[name]) < n:
            self.wrapped.add(name)
            self.ids[name], self.spent[name] = self.ids[name] + self.spent[name], []
        take, self.ids[name] = self.ids[name][:n], self.ids[name][n:]
        self.spent[name] += take
        return [RANKED[name].format(i) for i in take]


def run(args) -> None:
    plan = Plan(args)
    only = [e for e in ENDPOINTS if e in (args.only.split(",") if args.only else DEFAULT)]
    report = {"database": "postgresql" if (args.database_url or "").startswith("postgresql") else "sqlite",
              **plan.counts, "connections": args.connections, "duration_s": args.duration, "runs": {}}
    for workers in args.workers_list or [args.workers]:
        args.workers = workers
        report["runs"][str(workers or "default")] = _measure(args, plan, only)
    report["ids_reused_across_cold_passes"] = sorted(plan.wrapped)
    print(_table(report), flush=True)
    if args.json:
        print(json.dumps(report))


def _measure(args, plan: Plan, only: list[str]) -> dict:
    """One fresh server with ``args.workers`` processes: warm it, run every endpoint at every
    connection count, then read its memory."""
    out: dict = {"endpoints": {}}
    with serve(args, f"server-w{args.workers or 'default'}.log") as (base, server):
        admin = token(base, "admin")  # may rank for anyone (a caseworker only for their district)
        t0 = time.time()
        _warm_up(base, admin, plan, only, server)
        out["warmup_s"] = round(time.time() - t0, 1)
        print(f"[{args.workers or 'default'} worker(s)] warm-up {out['warmup_s']}s", flush=True)
        for name in only:
            for conns in args.connections:
                if name in RANKED:
                    cold = plan.cold(name)
                    r = _wrk_pass(args, base, cold, admin, conns, f"{name}_cold", out)
                    warm = random.Random(conns).sample(r["sent_paths"], len(r["sent_paths"]))
                    _wrk_pass(args, base, warm, admin, conns, f"{name}_warm", out)
                else:
                    _wrk_pass(args, base, plan.paths[name], "", conns, name, out)
        mem = pss_mb(server.pid)
        out["server_pss_mb"] = mem["total_pss_mb"]
        out["server_processes"] = mem["processes"]
        out["server_peak_rss_mb_overcount"] = round(rss_peak_mb(server.pid), 1)
        print(f"[{args.workers or 'default'} worker(s)] server PSS {out['server_pss_mb']} MB over "
              f"{len(mem['processes'])} process(es); peak RSS summed {out['server_peak_rss_mb_overcount']} MB "
              "(an over-count: shared pages counted in every process)", flush=True)
    return out


def _wrk_pass(args, base: str, paths: list[str], tok: str, conns: int, name: str, out: dict) -> dict:
    drain(base)  # requests still queued from the previous run would skew this one
    once = name.endswith(("_cold", "_warm"))
    r = wrk(base, paths, tok, conns, args.pass_limit if once else args.duration, once=once,
            timeout_s=30 if once else 10)
    r["paths"] = len(paths)
    out["endpoints"].setdefault(name, {})[str(conns)] = {k: v for k, v in r.items() if k != "sent_paths"}
    print(f"[{args.workers or 'default'}] {name:26s} c={conns:<4d} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:7.1f}  "
          f"p95 {r['p95_ms']:7.1f}  p99 {r['p99_ms']:7.1f} ms  errors {r['errors'] + r['non2xx']}  "
          f"({r['requested']} sent, {r['distinct']} distinct of {len(paths)})", flush=True)
    return r


def _warm_up(base: str, admin: str, plan: Plan, only: list[str], server) -> None:
    """Rounds of concurrent requests (searches, and rankings for the people and postings set
    aside for warming up: never measured), each followed by a wait until every server process
    is idle, until two rounds in a row are quick: every process has then built its pools and
    loaded its index before anything is measured. (Which process answers is the server's
    choice: a burst of several requests per process per kind makes each very likely to get some.)"""
    processes = max(1, len(child_pids(server.pid)))
    kinds = [[(p, "") for p in plan.paths["search_api"][:50]]]
    kinds += [[(RANKED[name].format(i), admin) for i in plan.warm[name]] for name in RANKED if name in only]
    k, quick = 0, 0

    def get(item):
        path, tok = item
        try:
            urllib.request.urlopen(urllib.request.Request(base + path, headers={"Authorization": f"Bearer {tok}"}),
                                   timeout=1800).read()
        except urllib.error.HTTPError as e:
            raise SystemExit(f"warm-up: {path} answered {e.code}: {e.read()[:500]!r} (the server's log has why)") from e

    with ThreadPoolExecutor(4 * processes) as pool:
        for _ in range(10):
            batch = [kind[(k + j) % len(kind)] for kind in kinds for j in range(2 * processes)]
            k += 2 * processes
            t = time.time()
            list(pool.map(get, batch))
            took = time.time() - t
            idle = wait_idle(server.pid)
            print(f"  warm-up round: {len(batch)} requests in {took:.1f}s, then {idle:.0f}s until the server "
                  "was idle", flush=True)
            quick = quick + 1 if took < 3 and idle < 3 else 0
            if quick == 2:
                break
    rss = ", ".join(f"{p['rss_mb']:.0f}" for p in pss_mb(server.pid)["processes"])
    print(f"  after warm-up, RSS MB of each process: {rss}", flush=True)


def _table(report: dict) -> str:
    """One table: a row per endpoint and connection count, a column group per worker count."""
    runs = report["runs"]
    head = f"{'endpoint':26s} {'c':>4s}" + "".join(f" | {'w=' + w + ' req/s':>11s} {'p50':>7s} {'p95':>7s} {'p99':>7s} "
                                                  f"{'err':>4s}" for w in runs)
    lines = [head, "-" * len(head)]
    names = [n for r in runs.values() for n in r["endpoints"]]
    for name in dict.fromkeys(names):
        for conns in report["connections"]:
            cells = ""
            for r in runs.values():
                m = r["endpoints"].get(name, {}).get(str(conns))
                cells += (f" | {m['rps']:11.1f} {m['p50_ms']:7.1f} {m['p95_ms']:7.1f} {m['p99_ms']:7.1f} "
                          f"{m['errors'] + m['non2xx']:4d}" if m else " | " + " " * 40)
            lines.append(f"{name:26s} {conns:4d}{cells}")
    for label, key in (("server PSS MB, all processes", "server_pss_mb"),
                       ("peak RSS MB summed (over-count)", "server_peak_rss_mb_overcount"), ("warm-up s", "warmup_s")):
        lines.append(f"{label:31s}" + "".join(f" | {r[key]:11.1f} {'':30s}" for r in runs.values()))
    lines.append(f"{'server processes':31s}" + "".join(f" | {len(r['server_processes']):11d} {'':30s}"
                                                       for r in runs.values()))
    return "\n".join(lines) + f"\n(database: {report['database']}; times in ms; *_cold/*_warm: each id once per pass)"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("seed", "run"):
        sp = sub.add_parser(name)
        sp.add_argument("--instance", required=True)
        sp.add_argument("--database-url", default="")
        sp.add_argument("--postings", type=int, default=100000)
        sp.add_argument("--profiles", type=int, default=100000)
    rp = sub.choices["run"]
    ints = lambda s: [int(x) for x in s.split(",") if x.strip()]  # noqa: E731
    rp.add_argument("--connections", type=ints, default=[10, 50], help="wrk connections (default 10,50)")
    rp.add_argument("--duration", type=int, default=20, help="seconds per duration run (default 20)")
    rp.add_argument("--threads", type=int, default=8)
    rp.add_argument("--keep-caches", action="store_true",
                    help="keep the shared cache files (search results, query vectors, ranked pages) of an earlier run")
    rp.add_argument("--workers", type=int, default=0, help="server processes (default: flask serve's own default)")
    rp.add_argument("--workers-list", type=ints, default=None,
                    help="measure with each of these process counts (e.g. 1,2,4), a fresh server each, one table")
    rp.add_argument("--people", type=int, default=1000,
                    help="distinct people per recommendations pass (default 1000; each cold pass takes new ones)")
    rp.add_argument("--ranked-postings", type=int, default=300,
                    help="distinct postings per candidates pass (default 300)")
    rp.add_argument("--pass-limit", type=int, default=300, help="cap in seconds on one cold or warm pass (default 300)")
    rp.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    rp.add_argument("--json", action="store_true")
    rp.add_argument("--only", default="", help="comma-separated endpoints: " + ", ".join(ENDPOINTS) +
                    " (default: all but candidates_api)")
    args = p.parse_args(argv)
    (seed if args.cmd == "seed" else run)(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
