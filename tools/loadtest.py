"""Load test: 100,000 postings and 100,000 profiles behind a real server, driven by wrk.

    python -m tools.loadtest seed --instance /tmp/lt [--database-url URL] [--postings N] [--profiles N]
    python -m tools.loadtest run  --instance /tmp/lt [--database-url URL] [--connections 10,50,100] [--duration 20]

``seed`` writes synthetic Chinese postings and profiles (job words from the national
occupation classification, districts, skills) in bulk, then builds the search index and
the ranking pools through the app's own code. Embeddings: encoding 200,000 texts with the
bundled model takes about 1.5 hours on this machine, so ``seed`` puts random unit vectors
for these synthetic texts into the encoder's cache instead; every *query* at run time is
still encoded by the real model (cache misses), so request latency includes real encoding.

``run`` starts ``flask serve`` (its default: one process per core, 8 threads each) on 127.0.0.1, warms the ranking pools,
then for each endpoint and each connection count runs wrk (bounded: ``--duration`` seconds
each, loopback only) and prints requests/s, p50/p95/p99 and errors, with the server's peak
memory, as a table and as JSON (``--json``).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
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

ROOT = Path(__file__).resolve().parent.parent
WRK_LUA = r'''
local paths = {}
local token = os.getenv("LT_TOKEN")
for line in io.lines(os.getenv("LT_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i + 1
  local headers = {}
  if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
  return wrk.format("GET", paths[(i % #paths) + 1], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.stderr:write(string.format('LTJSON {"requests": %d, "duration_us": %d, "p50_ms": %.2f, "p95_ms": %.2f, ' ..
    '"p99_ms": %.2f, "non2xx": %d, "errors": %d}\n', summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
'''


def _env(args) -> dict:
    env = dict(os.environ, MARKETPLACE_INSTANCE_DIR=args.instance, MARKETPLACE_ENV="development")
    if args.database_url:
        env["MARKETPLACE_DATABASE_URL"] = args.database_url
    return env


def _app(args):
    os.environ.update(_env(args))

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
                                 birth_on=__import__("datetime").date(rng.randint(1966, 2004), rng.randint(1, 12), 1),
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


def _rss_peak_mb(pid: int) -> float:
    """Peak resident memory of the server: the process and its worker processes, each
    at its own peak, added up (an upper bound on what they held at any one time)."""
    total = 0.0
    for p in [pid] + child_pids(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def child_pids(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def free_port() -> int:
    """A loopback port nobody listens on, for a server started a moment later. It is picked
    below the kernel's ephemeral range (32768 and up on Linux), where the client side of
    ordinary outgoing connections (to PostgreSQL, Redis, ...) would otherwise take it in
    between and make the server's bind fail."""
    for _ in range(200):
        port = random.randint(20000, 32000)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def _serve(args):
    """``flask serve`` on a free loopback port (``args.port`` if set); yields (base URL, process)."""
    port = args.port or free_port()
    log = open(Path(args.instance) / "server.log", "w")
    cmd = [sys.executable, "-m", "flask", "--app", "marketplace", "serve", "--port", str(port),
           "--threads", str(args.threads)] + (["--workers", str(args.workers)] if args.workers else [])
    server = subprocess.Popen(cmd, cwd=ROOT, env=_env(args), stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            if server.poll() is not None:
                raise SystemExit(f"the server stopped; see {log.name}")
            try:
                urllib.request.urlopen(base + "/api/v1/health", timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        yield base, server
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def run(args) -> None:
    with _serve(args) as (base, server):
        token = _token(base, "graduate")
        hr_token = _token(base, "employer")
        me = json.load(urllib.request.urlopen(urllib.request.Request(base + "/api/v1/profiles/me", headers={
            "Authorization": f"Bearer {token}"})))["id"]
        rng = random.Random(3)
        occupations = [json.loads(line)["name"] for line in
                       (ROOT / "marketplace/data/occupations-2022.jsonl").open(encoding="utf-8")]
        popular = ["焊工", "会计", "护士", "保安", "司机", "数控车床", "仓库管理", "销售", "客服", "电工", "厨师", "保洁",
                   "软件工程师", "養老護理員", "前台", "教师", "快递员", "装配工", "质检", "文员"]

        def query():
            # half the searches are the popular words, half spread over 1,639 occupation
            # names: most of those are asked once, as in a real query log's long tail
            return rng.choice(popular) if rng.random() < 0.5 else rng.choice(occupations)

        paths = {
            "search_api": [f"/api/v1/search/postings?q={urllib.parse.quote(query())}&page={rng.randint(1, 2)}"
                           for _ in range(3000)],
            "recommendations_api": [f"/api/v1/profiles/{me}/recommendations?page={rng.randint(1, 5)}" for _ in range(100)],
            "posting_page": [f"/postings/{rng.randint(1, args.postings)}" for _ in range(500)],
            "search_page": [f"/postings?q={urllib.parse.quote(query())}" for _ in range(3000)],
        }
        tokens = {"recommendations_api": token}
        t0 = time.time()
        # several at once, twice, so that every server process builds its ranking pools
        # and loads its index before anything is measured
        def warm(path):
            urllib.request.urlopen(urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"}),
                                   timeout=600).read()

        only = set(args.only.split(",")) if args.only else set(paths)
        warm_paths = [paths["search_api"][0]] + ([paths["recommendations_api"][0]] if "recommendations_api" in only else [])
        with ThreadPoolExecutor(8) as pool:
            for _ in range(2):
                list(pool.map(warm, warm_paths * 4))
        print(f"warm-up {time.time() - t0:.1f}s", flush=True)
        results: dict = {}
        for name, plist in paths.items():
            if name not in only:
                continue
            for conns in args.connections:
                _drain(base)  # requests still queued from the previous run would skew this one
                results.setdefault(name, {})[str(conns)] = _wrk(base, plist, tokens.get(name, ""), conns, args.duration)
                r = results[name][str(conns)]
                print(f"{name:22s} c={conns:<4d} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:7.1f}  p95 {r['p95_ms']:7.1f}  "
                      f"p99 {r['p99_ms']:7.1f} ms  errors {r['errors'] + r['non2xx']}", flush=True)
        results["server_peak_rss_mb"] = round(_rss_peak_mb(server.pid), 1)
        results["server_processes"] = max(1, len(child_pids(server.pid)))
        results["database"] = "postgresql" if (args.database_url or "").startswith("postgresql") else "sqlite"
        print(f"server peak RSS {results['server_peak_rss_mb']} MB")
        if args.json:
            print(json.dumps(results))
        del hr_token


def _drain(base: str) -> None:
    """Wait until the server answers a trivial request quickly again."""
    for _ in range(120):
        t = time.time()
        urllib.request.urlopen(base + "/api/v1/health", timeout=60).read()
        if time.time() - t < 0.05:
            return
        time.sleep(1)


def _token(base: str, username: str) -> str:
    req = urllib.request.Request(base + "/api/v1/auth/token", data=json.dumps(
        {"username": username, "password": "demo12345"}).encode(), headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))["token"]


def _wrk(base: str, paths: list[str], token: str, conns: int, duration: int) -> dict:
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "paths.txt").write_text("\n".join(paths) + "\n")
        (Path(d) / "lt.lua").write_text(WRK_LUA)
        out = subprocess.run(["wrk", "-t2", f"-c{conns}", f"-d{duration}s", "--timeout", "10s", "-s",
                              str(Path(d) / "lt.lua"), base], capture_output=True, text=True,
                             env=dict(os.environ, LT_PATHS=str(Path(d) / "paths.txt"), LT_TOKEN=token),
                             timeout=duration + 60)
    line = next(l for l in out.stderr.splitlines() if l.startswith("LTJSON "))
    r = json.loads(line[7:])
    r["rps"] = round(r["requests"] / (r["duration_us"] / 1e6), 1)
    return r


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
    rp.add_argument("--connections", type=lambda s: [int(x) for x in s.split(",")], default=[50])
    rp.add_argument("--duration", type=int, default=20)
    rp.add_argument("--threads", type=int, default=8)
    rp.add_argument("--workers", type=int, default=0, help="server processes (default: flask serve's own default)")
    rp.add_argument("--port", type=int, default=8765)
    rp.add_argument("--json", action="store_true")
    rp.add_argument("--only", default="", help="comma-separated endpoints (search_api, recommendations_api, "
                                                "posting_page, search_page)")
    args = p.parse_args(argv)
    (seed if args.cmd == "seed" else run)(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
