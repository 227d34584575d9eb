"""Every benchmark runs, at a tiny size, in the normal suite, so none can rot unnoticed.

Each is run as a user runs it (``python -m ...``, a fresh process) and its JSON is checked
for the figures it promises; no timing is asserted (the machines are shared). The load test
seeds a small instance and drives a real server with wrk (Debian's ``wrk``, which
``scripts/test.sh`` installs); without wrk it is skipped, with the reason.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _run(*argv: str, env: dict | None = None, timeout: int = 600, logs: Path | None = None) -> dict:
    proc = subprocess.run([sys.executable, "-m", *argv], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env=env)
    if proc.returncode != 0 and logs is not None:  # the server's own traceback says why it answered 500
        server_logs = "".join(f"\n--- {p.name} ---\n{p.read_text(errors='replace')[-6000:]}"
                              for p in sorted(logs.glob("server*.log")))
        pytest.fail(proc.stdout[-3000:] + proc.stderr[-3000:] + server_logs)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _is_positive_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0


def test_matching_bench_reports_ranking_latency_and_memory():
    out = _run("matching.bench", "--sizes", "2000", "--repeat", "2", "--encode-texts", "4", "--json")
    size = out["2000"]
    for key in ("p50_ms", "p95_ms", "bruteforce_p50_ms", "bruteforce_p95_ms", "ratio_p95"):
        assert _is_positive_number(size[key]), key
    assert size["p50_ms"] <= size["p95_ms"]
    assert _is_positive_number(out["encode_texts_per_s"]) and _is_positive_number(out["peak_rss_mb"])
    # the pool-building figures (issue 18): checked wherever the bench reports them
    for key in ("build_s", "build_cpu_s", "build_peak_rss_mb", "rss_after_map_mb", "rss_after_map_rss_mb",
                "rk_p95_ms"):
        assert _is_positive_number(size[key]), key
    # 2,000 people are one chunk: built in the bench's build process, no worker started
    assert size["build_workers"] >= 1 and size["build_worker_peak_rss_mb"] == 0


def test_search_bench_reports_every_query_kind():
    out = _run("search.bench", "--sizes", "500", "--queries", "10", "--json")
    size = out["500"]
    for kind in ("lexical", "lexical_filtered", "vector", "hybrid", "hybrid_filtered", "hybrid_facets"):
        assert _is_positive_number(size[kind]["p95_ms"]) and size[kind]["n"] == 10, kind
    assert _is_positive_number(size["index_docs_per_s"]) and _is_positive_number(size["peak_rss_mb"])
    assert size["disk_bytes"] > 0


def test_fair_bench_checks_people_in_and_allocates_interviews():
    out = _run("matching.fair_bench", "--people", "200", "--booths", "20", "--postings", "60", "--timed", "20",
               "--json")
    assert _is_positive_number(out["checkin_update_p95_ms"]) and out["allocation_round_s"] >= 0
    assert out["people"] == 200 and out["booths"] == 20
    assert 0 < out["interviews_assigned"] <= out["seats"] and out["requests"] == 600
    assert _is_positive_number(out["peak_rss_mb"])


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (Debian: apt-get install wrk; "
                                                        "scripts/test.sh installs it)")
@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="reads PSS from /proc/<pid>/smaps_rollup (Linux)")
def test_loadtest_seeds_serves_and_reports_every_endpoint(tmp_path):
    env = dict(os.environ)
    env.pop("MARKETPLACE_DATABASE_URL", None)  # the instance's own SQLite file
    instance = str(tmp_path / "lt")
    seeded = subprocess.run([sys.executable, "-m", "tools.loadtest", "seed", "--instance", instance,
                             "--postings", "300", "--profiles", "300"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=600)
    assert seeded.returncode == 0, seeded.stdout[-3000:] + seeded.stderr[-3000:]
    assert "300 postings indexed" not in seeded.stdout and "postings indexed" in seeded.stdout  # demo ones too
    out = _run("tools.loadtest", "run", "--instance", instance, "--duration", "2", "--connections", "2",
               "--workers-list", "1", "--people", "20", "--ranked-postings", "10", "--json",
               "--only", "search_api,recommendations_api,candidates_api,posting_page,search_page", env=env,
               logs=Path(instance))
    assert out["database"] == "sqlite" and list(out["runs"]) == ["1"]
    run = out["runs"]["1"]
    expected = {"search_api", "posting_page", "search_page", "recommendations_api_cold", "recommendations_api_warm",
                "candidates_api_cold", "candidates_api_warm"}
    assert set(run["endpoints"]) == expected
    for name, by_conns in run["endpoints"].items():
        r = by_conns["2"]
        assert r["requests"] > 0 and _is_positive_number(r["rps"]), name
        assert r["errors"] == 0 and r["non2xx"] == 0, (name, r)
        assert r["p50_ms"] <= r["p95_ms"] <= r["p99_ms"], name
    # many distinct people, each asked once per pass: the warm pass asks the same ones again
    cold, warm = run["endpoints"]["recommendations_api_cold"]["2"], run["endpoints"]["recommendations_api_warm"]["2"]
    assert cold["paths"] == cold["distinct"] == cold["requested"] == cold["requests"] == 20
    assert warm["distinct"] == warm["requests"] == 20
    assert run["endpoints"]["candidates_api_cold"]["2"]["distinct"] == 10
    assert out["ids_reused_across_cold_passes"] == []
    # memory: PSS over the server's processes (one here), and the over-counting peak RSS beside it
    assert _is_positive_number(run["server_pss_mb"]) and len(run["server_processes"]) == 1
    assert run["server_peak_rss_mb_overcount"] >= run["server_pss_mb"]
