"""The search API under load (issue 18): a query's embedding is computed once per machine
and reused by every process, facet counts are computed only when asked for, and the
result list is read as light rows that say exactly what the posting's own card says."""
from __future__ import annotations

import threading

from marketplace.core import searching
from marketplace.core.postings import posting_to_dict
from marketplace.runtime import Runtime
from search.base import Query


def test_facets_are_computed_only_when_asked_for(client, make):
    make.index(make.posting(title="电焊工", description="负责钢结构焊接。", district="望花区"))
    every = client.get("/api/v1/search/postings?q=焊工").json["facets"]  # the default, as before
    assert set(every) == set(searching.POSTING_FACETS) and every["district"] == {"望花区": 1}
    assert client.get("/api/v1/search/postings?q=焊工&facets=0").json["facets"] == {}
    assert set(client.get("/api/v1/search/postings?q=焊工&facets=kind,district").json["facets"]) == {"kind", "district"}
    r = client.get("/api/v1/search/postings?q=焊工&facets=salary")
    assert r.status_code == 422 and r.json["error"]["field"] == "facets"
    spec = client.get("/api/v1/openapi.json").json["paths"]["/api/v1/search/postings"]["get"]
    assert "facets" in {p["name"] for p in spec["parameters"]}


def test_the_postings_page_asks_for_the_facets_it_shows(client, make):
    make.index(make.posting(title="电焊工", description="负责钢结构焊接。", district="望花区"))
    page = client.get("/postings?q=焊工")
    assert page.status_code == 200 and "电焊工" in page.text and "望花区 1" in page.text


def test_a_result_card_says_what_the_postings_own_card_says(client, make, db):
    post = make.posting(title="锅炉工", description="负责锅炉运行。", skills=["司炉证"], kind="internship",
                        period_months=6, stipend=1800)
    make.index(post)
    item = client.get("/api/v1/search/postings?q=锅炉工").json["items"][0]
    db.refresh(post)
    own = client.get(f"/api/v1/postings/{post.id}").json
    assert {k: v for k, v in item.items() if k != "eligibility"} == posting_to_dict(post)
    assert item["title"] == own["title"] and item["stipend"] == own["stipend"]


def test_a_query_is_encoded_once_per_machine_and_once_per_process_at_a_time(app, make):
    rt = app.extensions["runtime"]
    make.index(make.posting(title="挖掘机司机", description="操作挖掘机完成土方作业。"))
    cache = rt._vector_cache()
    before = dict(cache.hits)
    vectors = []
    threads = [threading.Thread(target=lambda: vectors.append(rt.query_vector("开挖掘机的"))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert cache.hits["computed"] - before["computed"] == 1  # four requests at once, one run of the model
    assert all((v == vectors[0]).all() for v in vectors)
    other = Runtime(rt.config)  # another server process on the same instance folder
    try:
        other._encoder = rt.encoder
        again = other.query_vector("开挖掘机的")
        assert other._vector_cache().hits == {"memory": 0, "shared": 1, "computed": 0}
        assert (again == vectors[0]).all()
    finally:
        other.close()


def test_a_query_vector_is_not_written_to_the_documents_embedding_store(app):
    """A search's query is kept in the shared query-vector cache only: writing every new query
    to the documents' embeddings.db was a commit under that file's one write lock."""
    rt = app.extensions["runtime"]
    store = rt.encoder.store
    before = store.count()
    v = rt.query_vector("会开叉车的仓库管理员")
    assert v.shape == (rt.encoder.dim,) and abs(float((v * v).sum()) - 1.0) < 1e-4
    assert store.count() == before


def test_expired_search_results_leave_the_process(app, make, monkeypatch):
    """This process keeps a search result only while it may be used (SEARCH_CACHE_SECONDS):
    a long tail of searches does not pile up (~25 KB each)."""
    rt = app.extensions["runtime"]
    make.index(make.posting(title="电焊工", description="负责钢结构焊接。"))
    now = [1000.0]
    monkeypatch.setattr("marketplace.runtime.time.monotonic", lambda: now[0])
    rt.invalidate()
    rt.search(Query("posting", "电焊"), vector_fn=lambda: rt.query_vector("电焊"))
    rt.search(Query("posting", "焊工"), vector_fn=lambda: rt.query_vector("焊工"))
    assert len(rt._cache) == 2
    now[0] += rt.config.SEARCH_CACHE_SECONDS + 1
    result = rt.search(Query("posting", "钢结构"), vector_fn=lambda: rt.query_vector("钢结构"))
    assert result.hits and len(rt._cache) == 1  # only the new one: the two expired ones were dropped
