"""Units under the backends: query analysis, fusion, config strings, bench corpus."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import search
from search import Query, Range, SearchUnavailable, analysis, bench, fusion
from search.cache import LRU
from search.elastic import ElasticsearchBackend
from search.embedded import EmbeddedBackend
from search.embedded_query import fts_expression


def test_short_terms_stay_whole_with_synonyms():
    aq = analysis.analyze_query("前台")
    assert [t.text for t in aq.terms] == ["前台"]
    assert "接待" in aq.terms[0].alternatives


def test_long_query_is_cut_and_filler_dropped():
    aq = analysis.analyze_query("我想找一份数控车床操作工的工作")
    texts = [t.text for t in aq.terms]
    assert "数控车床" in texts and "我" not in texts and "工作" not in texts
    assert aq.relaxable


def test_traditional_and_full_width_queries_are_normalised():
    assert analysis.analyze_query("軟件工程師").terms[0].text == "软件工程师"
    assert analysis.analyze_query("ＪＡＶＡ").terms[0].text == "java"
    assert analysis.analyze_query("c++ 开发").terms[0].text == "c++"


def test_fts_expression_is_phrases_of_pairs():
    expr = fts_expression(analysis.analyze_query("会计").terms)
    assert '"会计"' in expr
    assert fts_expression(analysis.analyze_query("焊").terms) == '("焊" *)'
    assert fts_expression([analysis.Term('a"b', ['a"b'])]) == '("a ""b")' or '"' in expr


def test_rrf_equal_weights_is_classic_rrf():
    fused = fusion.fuse([("a", 9.0), ("b", 5.0)], [("b", 0.9), ("c", 0.8)], method="rrf", vector_weight=0.5)
    assert [k for k, *_ in fused] == ["b", "a", "c"]
    b = fused[0]
    assert b[2:] == (2, 1)
    assert b[1] == pytest.approx(0.5 / 62 + 0.5 / 61)


def test_vector_weight_moves_the_balance():
    lex, vec = [("a", 9.0), ("b", 5.0)], [("b", 0.9), ("a", 0.1)]
    assert fusion.fuse(lex, vec, vector_weight=0.9)[0][0] == "b"
    assert fusion.fuse(lex, vec, vector_weight=0.1)[0][0] == "a"
    assert fusion.fuse(lex, vec, method="blend", vector_weight=0.9)[0][0] == "b"
    with pytest.raises(ValueError):
        fusion.fuse(lex, vec, vector_weight=1.5)
    with pytest.raises(ValueError):
        fusion.fuse(lex, vec, method="magic")


def test_get_backend_config_strings(tmp_path):
    b = search.get_backend()
    assert isinstance(b, EmbeddedBackend) and b.path == ":memory:"
    b.close()
    b = search.get_backend(f"embedded:{tmp_path / 'x.db'}", vector_weight=0.6)
    assert b.path.endswith("x.db") and b.vector_weight == 0.6
    b.close()
    with pytest.raises(ValueError):
        search.get_backend("solr")


def test_bench_corpus_is_varied_and_deterministic():
    a, b = bench.generate(50), bench.generate(50)
    assert [d.text for d in a] == [d.text for d in b]
    assert len({d.title for d in a}) > 30
    assert all(len(d.vector) == 384 for d in a)


def test_unreachable_elasticsearch_raises_search_unavailable():
    """A real client against a closed port (no fake server): callers can degrade."""
    b = search.get_backend("elasticsearch", url="http://127.0.0.1:9", max_retries=0, request_timeout=2)
    with pytest.raises(SearchUnavailable):
        b.search(Query("posting", "会计"))
    assert b.health()["ok"] is False
    b.close()


def test_elasticsearch_mapping_and_filters():
    b = ElasticsearchBackend("http://127.0.0.1:9", analyzer="cjk")
    m = b.mapping("posting")["mappings"]["properties"]
    assert m["vector"] == {"type": "dense_vector", "dims": 384, "index": True, "similarity": "cosine",
                           "index_options": {"type": "hnsw", "m": 16, "ef_construction": 100}}
    assert m["title"]["analyzer"] == "cjk" and m["title"]["fields"]["chars"]["analyzer"] == "standard"
    assert m["education_min"]["type"] == "long" and m["close_on"]["type"] == "date"
    assert ElasticsearchBackend("http://127.0.0.1:9", analyzer="ik").mapping("profile")["mappings"]["properties"][
        "title"]["analyzer"] == "ik_max_word"
    clauses = b.filter_clauses({"salary_max": Range(gte=4000), "target_group": [None, "veteran"]})
    assert clauses[0] == {"range": {"salary_max": {"gte": 4000}}}
    assert {"terms": {"target_group": ["veteran"]}} in clauses[1]["bool"]["should"]
    b.close()


def test_search_imports_no_web_orm_or_matching():
    """search takes and returns dataclasses: it must not pull in Flask, SQLAlchemy,
    marketplace or matching (DESIGN.md, direction of imports)."""
    code = (
        "import sys, search, search.embedded, search.elastic, search.bench, search.fusion_eval\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'marketplace', 'matching')]\n"
        "print(','.join(bad))"
    )

    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == ""


def test_the_per_process_lru_keeps_the_most_recently_used_and_drops_the_stale():
    lru = LRU(2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1  # "a" is now the most recently used: "b" goes first
    lru.put("c", 3)
    assert (lru.get("b"), lru.get("a"), lru.get("c"), len(lru)) == (None, 1, 3, 2)
    assert lru.get("b", "absent") == "absent"
    lru.put("c", 0)  # a falsy value is still kept
    assert lru.get("c") == 0
    # stale: the least recently used go while the predicate says so, the newest stays
    lru.put("d", 4, stale=lambda v: v < 4)
    assert (lru.get("a"), lru.get("c"), lru.get("d"), len(lru)) == (None, None, 4, 1)
    lru.clear()
    assert len(lru) == 0
    nothing = LRU(0)
    nothing.put("a", 1)
    assert nothing.get("a") is None and len(nothing) == 0
