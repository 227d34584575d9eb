"""The evaluation command on the development set: its output, and floors under its figures."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from matching import evaluate
from matching.tune import cross_validate
from tests.matching.conftest import DEV_FILE, ROOT


@pytest.mark.slow
def test_evaluate_json_on_dev_set_meets_targets(capsys, dev_cache):
    # in-process with a persistent embedding cache; the command line calls the same main()
    assert evaluate.main([str(DEV_FILE), "--json", "--cache", dev_cache]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"profile_to_posting", "posting_to_profile", "gain_over_best_baseline"}
    gain = out.pop("gain_over_best_baseline")
    # hand-set weights, not fitted to this set (issue 17): floors a few points under the figures
    # in matching/README.md, as test_quality_floors holds them for both graded sets
    for direction, target in (("profile_to_posting", 0.89), ("posting_to_profile", 0.89)):
        res = out[direction]
        assert set(res) == {"system", "lexical", "vector"}
        for m in res.values():
            assert set(m) == {"ndcg@10", "mrr", "recall@10"}
        system = res["system"]["ndcg@10"]
        assert system >= target, (direction, res)
        assert system > res["lexical"]["ndcg@10"] and system > res["vector"]["ndcg@10"]
        assert gain[direction] == pytest.approx(system - max(res["lexical"]["ndcg@10"], res["vector"]["ndcg@10"]))


def test_cross_validation_reports_held_out_figures(dev_cache):
    d, ranker = evaluate.build(str(DEV_FILE), cache=dev_cache)
    cv = cross_validate(d, ranker, k=5)
    # honest figures: weights fitted without the evaluated queries still beat both baselines
    assert cv["profile_to_posting"]["ndcg@10"] >= 0.90
    assert cv["posting_to_profile"]["ndcg@10"] >= 0.85


def test_matching_imports_no_web_or_orm():
    code = ("import sys, matching, matching.evaluate, matching.bench, matching.tune; "
            "bad = [m for m in ('flask', 'sqlalchemy', 'marketplace.core', 'marketplace.db', 'marketplace.web') "
            "if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


@pytest.mark.slow
def test_bench_json_shape_on_a_small_pool():
    r = subprocess.run([sys.executable, "-m", "matching.bench", "--json", "--sizes", "2000", "--repeat", "5", "--encode-texts", "4"],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) == {"2000", "encode_texts_per_s", "peak_rss_mb"}
    m = out["2000"]
    assert {"p50_ms", "p95_ms", "bruteforce_p50_ms", "bruteforce_p95_ms", "ratio_p95"} <= set(m)  # the old fields
    # issue 18: a snapshot built in one process, ranked memory-mapped in another
    assert m["build_s"] > 0 and m["build_peak_rss_mb"] > 0 and m["rss_after_map_mb"] > 0 and m["snapshot_mb"] > 0
    assert m["rk_p95_ms"] > 0 and m["retrieve_k"] > 0 and 0 <= m["overlap20_rk"] <= 1 and m["eligible"] > 0
    assert out["encode_texts_per_s"] > 0 and out["peak_rss_mb"] > 0
