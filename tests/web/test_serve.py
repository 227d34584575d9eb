"""``flask serve`` as a city would run it: several worker processes (gunicorn) on a
multi-core machine, each building its own app after the fork. A real server, real
processes, the real database file."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tools.loadtest import child_pids, free_port

ROOT = Path(__file__).resolve().parents[2]


def _serve(tmp_path, *args: str, pass_fds=()) -> tuple[subprocess.Popen, str]:
    """``flask serve`` on a fresh instance in ``tmp_path``, once it answers. Fresh processes
    import the app on a 2-core machine that may be busy with other work: allow minutes, but
    fail at once, with the server's own words, if it exits instead of answering."""
    env = dict(os.environ, MARKETPLACE_INSTANCE_DIR=str(tmp_path), MARKETPLACE_ENV="development")
    env.pop("MARKETPLACE_DATABASE_URL", None)
    flask = [sys.executable, "-m", "flask", "--app", "marketplace"]
    subprocess.run(flask + ["db-upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(flask + ["serve", "--port", str(port), *args], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, pass_fds=pass_fds)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240
    while True:
        try:
            urllib.request.urlopen(base + "/api/v1/health", timeout=2).close()
            return server, base
        except OSError:
            if server.poll() is not None:
                pytest.fail(f"flask serve exited with {server.returncode} before answering:\n" + server.stdout.read())
            if time.monotonic() > deadline:
                server.kill()
                server.wait()
                pytest.fail("flask serve did not answer within 240 s:\n" + server.stdout.read())
            time.sleep(0.5)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="counts worker processes through /proc (Linux)")
def test_serve_with_two_processes_answers_and_stops_cleanly(tmp_path):
    server, base = _serve(tmp_path, "--workers", "2", "--threads", "2")
    try:
        # every worker answers (each request may land on either; all must succeed)
        for _ in range(6):
            with urllib.request.urlopen(base + "/api/v1/search/postings?q=%E4%BC%9A%E8%AE%A1", timeout=30) as r:
                assert r.status == 200 and json.load(r)["total"] == 0
        assert len(child_pids(server.pid)) == 2
        with pytest.raises(urllib.error.HTTPError) as bad:
            urllib.request.urlopen(base + "/api/v1/search/postings?kind=nonsense", timeout=30)
        assert bad.value.code == 422
        bad.value.close()
        # a request line over gunicorn's limit: refused before the app, still in the API's JSON shape
        with pytest.raises(urllib.error.HTTPError) as long_line:
            urllib.request.urlopen(base + "/api/v1/search/postings?q=" + "x" * 5000, timeout=30)
        assert long_line.value.code == 400 and long_line.value.headers["Content-Type"].startswith("application/json")
        assert json.load(long_line.value)["error"]["code"] == "request_line_too_long"
    finally:
        server.send_signal(signal.SIGINT)
        out, _ = server.communicate(timeout=30)
    assert server.returncode == 0, out
    assert "2 process(es)" in out and "Traceback" not in out


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="counts descriptors through /proc (Linux)")
def test_one_process_server_keeps_answering_with_over_1024_files_open(tmp_path):
    """A server process holds a SQLite connection per thread to each of its files, its
    snapshots and a socket per client. waitress's default select() cannot watch a descriptor
    numbered 1,024 or more: the server died ("filedescriptor out of range in select()") once it
    had that many open. Here it starts with 1,100 descriptors already taken, so its listening
    socket and every connection get numbers above 1,024."""
    import resource  # noqa: PLC0415

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1400:
        pytest.skip(f"the hard limit on open files ({hard}) leaves no room above 1,024")
    if soft != resource.RLIM_INFINITY and soft < 1400:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1400, hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        server, base = _serve(tmp_path, "--workers", "1", "--threads", "4", pass_fds=held)
    finally:
        for fd in held:
            os.close(fd)
    try:
        assert len(list(Path(f"/proc/{server.pid}/fd").iterdir())) > 1100
        # and it raised its own soft limit to the hard one (65,536 at most), leaving room for more
        limits = Path(f"/proc/{server.pid}/limits").read_text().splitlines()
        server_soft = next(line for line in limits if line.startswith("Max open files")).split()[3]
        assert server_soft == "unlimited" or int(server_soft) >= min(65536, 10**9 if hard == resource.RLIM_INFINITY
                                                                     else hard)
        for _ in range(5):
            with urllib.request.urlopen(base + "/api/v1/search/postings?q=%E4%BC%9A%E8%AE%A1", timeout=30) as r:
                assert r.status == 200 and json.load(r)["total"] == 0
    finally:
        server.send_signal(signal.SIGINT)
        out, _ = server.communicate(timeout=30)
    assert "Traceback" not in out, out
