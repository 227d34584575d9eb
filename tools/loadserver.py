"""What the load tests share: a real server on loopback, wrk runs, the server's memory.

``serve(args)`` starts ``flask serve`` (``args.workers`` processes, ``args.threads`` threads
each; one process is waitress, more are gunicorn's master and workers) and stops it with
SIGINT. ``wrk(...)`` runs wrk (loopback only, bounded) with a Lua script that splits the
path list between wrk's threads (thread t of n takes paths t, t+n, t+2n, ...), so no two
threads send the same path, and reports per-thread how many requests each sent. Two ways of
going through the list:

* ``once=False``: two threads, each cycling through its share for ``duration`` seconds;
* ``once=True``: one thread (its connections share one queue, so none runs dry while others
  still have work) sends each path exactly once, then idles (the Lua ``delay`` hook parks a
  connection with nothing left to send); when all answers are in, wrk is stopped with SIGINT
  (it then reports as if its time were up, so requests/s is over the time the pass really
  took). ``duration`` is only a cap.

Memory: ``pss_mb`` sums the proportional set size (``Pss`` of ``/proc/<pid>/smaps_rollup``)
over the server and all its descendants: pages shared between processes (a memory-mapped
file, the copy-on-write pages of a fork) count once in total, which is what the machine
actually holds. ``rss_peak_mb`` sums each process's own peak RSS (``VmHWM``): shared pages
are counted in every process that maps them, so it over-counts.
"""
from __future__ import annotations

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
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRK_THREADS = 2

WRK_LUA = r'''
local paths, threads = {}, {}
local token = os.getenv("LT_TOKEN")
local stride = tonumber(os.getenv("LT_STRIDE") or "2")
local once = os.getenv("LT_ONCE") == "1"
local done_file = os.getenv("LT_DONE")
for line in io.lines(os.getenv("LT_PATHS")) do paths[#paths + 1] = line end
function setup(thread)
  thread:set("tid", #threads)
  threads[#threads + 1] = thread
end
local reqs = {}
sent, answered, reserved, share = 0, 0, 0, 0
function init(args)
  local headers = {}
  if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
  for k = tid + 1, #paths, stride do reqs[#reqs + 1] = wrk.format("GET", paths[k], headers) end
  share = #reqs
end
request = function()
  -- wrk calls request() once on its first thread before the run, to check the script: with
  -- `once`, that call comes before any delay() and is not a request sent
  if once and reserved == 0 then return reqs[1] end
  sent = sent + 1
  if once and sent > share then return reqs[share] end  -- only after a reconnect: repeat, counted
  return reqs[((sent - 1) % share) + 1]
end
if once then
  -- called before every request: a connection with nothing left to send waits (an hour; the
  -- run is stopped long before) instead of sending a path a second time
  delay = function()
    reserved = reserved + 1
    if reserved <= share then return 0 end
    return 3600000
  end
  response = function(status, headers, body)
    answered = answered + 1
    if answered == share and done_file then
      local f = io.open(done_file, "a"); f:write("done\n"); f:close()
    end
  end
end
done = function(summary, latency, requests)
  local e, per = summary.errors, {}
  for _, t in ipairs(threads) do per[#per + 1] = string.format("[%d, %d]", t:get("sent"), t:get("share")) end
  io.stderr:write(string.format('LTJSON {"requests": %d, "duration_us": %d, "p50_ms": %.2f, "p95_ms": %.2f, ' ..
    '"p99_ms": %.2f, "non2xx": %d, "errors": %d, "threads": [%s]}\n', summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout, table.concat(per, ", ")))
end
'''


def wrk(base: str, paths: list[str], token: str, conns: int, duration: int, *, once: bool = False,
        lua: str | None = None, timeout_s: int = 10) -> dict:
    """One wrk run; returns requests, rps, p50/p95/p99 (ms), non2xx, errors and, for this
    module's script, ``requested`` (requests sent) and ``distinct`` (different paths among
    them) plus ``sent_paths`` (the paths sent, in the order of the list; ``once`` runs).
    ``lua``: another script printing the same LTJSON line (``tools.loadtest_fairs``)."""
    threads = 1 if once else WRK_THREADS
    if len(paths) < threads:
        raise ValueError(f"wrk needs at least {threads} paths, one per thread")
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "paths.txt").write_text("\n".join(paths) + "\n")
        (Path(d) / "lt.lua").write_text(lua or WRK_LUA)
        done = Path(d) / "done"
        env = dict(os.environ, LT_PATHS=str(Path(d) / "paths.txt"), LT_TOKEN=token, LT_STRIDE=str(threads),
                   LT_ONCE="1" if once else "0", LT_DONE=str(done))
        proc = subprocess.Popen(["wrk", f"-t{threads}", f"-c{conns}", f"-d{duration}s", "--timeout",
                                 f"{timeout_s}s", "-s", str(Path(d) / "lt.lua"), base],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        deadline = time.monotonic() + duration + 60
        while once and proc.poll() is None and time.monotonic() < deadline:
            if done.exists() and done.read_text().count("done") >= threads:
                proc.send_signal(signal.SIGINT)  # every thread has all its answers: end the pass now
                break
            time.sleep(0.05)
        try:
            _, err = proc.communicate(timeout=max(5.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    line = next((ln for ln in err.splitlines() if ln.startswith("LTJSON ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no result:\n{err[-2000:]}")
    r = json.loads(line[7:])
    r["rps"] = round(r["requests"] / (r["duration_us"] / 1e6), 1)
    per_thread = r.pop("threads", None)
    if per_thread is not None:
        r["requested"] = sum(s for s, _ in per_thread)
        r["distinct"] = sum(min(s, n) for s, n in per_thread)
        if once:
            r["sent_paths"] = [p for t, (s, _) in enumerate(per_thread) for p in paths[t::threads][:s]]
    return r


# --- the server ---------------------------------------------------------------------------------------

def server_env(args) -> dict:
    env = dict(os.environ, MARKETPLACE_INSTANCE_DIR=args.instance, MARKETPLACE_ENV="development")
    if args.database_url:
        env["MARKETPLACE_DATABASE_URL"] = args.database_url
    return env


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


#: the instance's caches shared by a server's processes (search results, query vectors, ranked
#: pages): they outlive a server, so a run would start warm from the one before it
SHARED_CACHES = ("search-cache.db", "query-vectors.db", "rank-cache.db")


def clear_caches(instance) -> None:
    """Remove the shared cache files, so that a fresh server starts as cold as a new one."""
    for name in SHARED_CACHES:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                (Path(instance) / (name + suffix)).unlink()


@contextlib.contextmanager
def serve(args, log_name: str = "server.log"):
    """``flask serve`` on a free loopback port (``args.port`` if set), its shared caches removed
    first unless ``args.keep_caches``; yields (base URL, process)."""
    port = args.port or free_port()
    if not getattr(args, "keep_caches", False):
        clear_caches(args.instance)
    log = open(Path(args.instance) / log_name, "w")
    cmd = [sys.executable, "-m", "flask", "--app", "marketplace", "serve", "--port", str(port),
           "--threads", str(args.threads)] + (["--workers", str(args.workers)] if args.workers else [])
    server = subprocess.Popen(cmd, cwd=ROOT, env=server_env(args), stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(480):
            if server.poll() is not None:
                raise SystemExit(f"the server stopped; see {log.name}")
            try:
                urllib.request.urlopen(base + "/api/v1/health", timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise SystemExit(f"the server did not answer within 4 minutes; see {log.name}")
        yield base, server
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def drain(base: str) -> None:
    """Wait until the server answers a trivial request quickly again."""
    for _ in range(120):
        t = time.time()
        urllib.request.urlopen(base + "/api/v1/health", timeout=60).read()
        if time.time() - t < 0.05:
            return
        time.sleep(1)


def token(base: str, username: str) -> str:
    req = urllib.request.Request(base + "/api/v1/auth/token", data=json.dumps(
        {"username": username, "password": "demo12345"}).encode(), headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))["token"]


# --- its memory ---------------------------------------------------------------------------------------

def child_pids(pid: int) -> list[int]:
    """The processes ``pid`` started, from any of its threads."""
    out: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                out += [int(x) for x in (task / "children").read_text().split()]
    except OSError:
        return []
    return sorted(set(out))


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (gunicorn's master and its workers)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(child_pids(p))
    return out


def _status_kb(pid: int, path: str, field: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/{path}").read_text().splitlines():
            if line.startswith(field + ":"):
                return float(line.split()[1])
    except OSError:
        pass
    return 0.0


def pss_mb(pid: int) -> dict:
    """The server's memory now: PSS summed over its processes (each shared page counted
    once in total), with each process's own PSS and RSS."""
    procs = [{"pid": p, "pss_mb": round(_status_kb(p, "smaps_rollup", "Pss") / 1024, 1),
              "rss_mb": round(_status_kb(p, "smaps_rollup", "Rss") / 1024, 1)} for p in process_tree(pid)]
    return {"total_pss_mb": round(sum(p["pss_mb"] for p in procs), 1), "processes": procs}


def rss_peak_mb(pid: int) -> float:
    """Peak resident memory of the server: the process and its worker processes, each
    at its own peak, added up (an upper bound: pages shared between processes count in each)."""
    return sum(_status_kb(p, "status", "VmHWM") for p in process_tree(pid)) / 1024


def cpu_seconds(pid: int) -> dict[int, float]:
    """CPU time used so far (user + system) by each process of the server."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for p in process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            out[p] = (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return out


def wait_idle(pid: int, limit_s: float = 900, busy: float = 0.1) -> float:
    """Wait until no process of the server uses more than ``busy`` of a core over a second
    (a pool still being built in a worker, or rebuilt in a thread); returns the seconds waited."""
    t0 = time.time()
    before = cpu_seconds(pid)
    while time.time() - t0 < limit_s:
        time.sleep(1)
        now = cpu_seconds(pid)
        if all(now[p] - before.get(p, 0) < busy for p in now):
            break
        before = now
    return time.time() - t0

