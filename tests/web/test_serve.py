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


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="counts worker processes through /proc (Linux)")
def test_serve_with_two_processes_answers_and_stops_cleanly(tmp_path):
    env = dict(os.environ, MARKETPLACE_INSTANCE_DIR=str(tmp_path), MARKETPLACE_ENV="development")
    env.pop("MARKETPLACE_DATABASE_URL", None)
    flask = [sys.executable, "-m", "flask", "--app", "marketplace"]
    subprocess.run(flask + ["db-upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(flask + ["serve", "--port", str(port), "--workers", "2", "--threads", "2"], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        # Four fresh processes import the app on a 2-core machine that may be busy with
        # other work: allow minutes, but fail at once, with the server's own words, if it
        # exits instead of answering.
        deadline = time.monotonic() + 240
        while True:
            try:
                urllib.request.urlopen(base + "/api/v1/health", timeout=2).close()
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(f"flask serve exited with {server.returncode} before answering:\n"
                                + server.stdout.read())
                if time.monotonic() > deadline:
                    server.kill()
                    server.wait()
                    pytest.fail("flask serve did not answer within 240 s:\n" + server.stdout.read())
                time.sleep(0.5)
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
