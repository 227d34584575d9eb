"""One contract for every search backend (see conftest: embedded in memory, embedded
on a file, and Elasticsearch when ELASTICSEARCH_URL is set)."""
from __future__ import annotations

import datetime as dt

import pytest

from search import Document, Query, Range, SearchResult
from tests.search import corpus

D = dt.date


def ids(backend, text="", **kw) -> list[str]:
    kw.setdefault("mode", "lexical")
    kw.setdefault("per_page", 50)
    return backend.search(Query(kw.pop("doc_type", "posting"), text, **kw)).ids


# ------------------------------------------------------------------ Chinese text
@pytest.mark.parametrize("text, expected", [
    ("焊工", "p-weld"),     # in the skills (电焊工 title, 焊接 text): two-character query
    ("会计", "p-acct"),
    ("軟件工程師", "p-soft"),  # traditional query, simplified text
    ("ＪＡＶＡ", "p-soft"),    # full-width Latin
    ("数控车床", "p-cnc"),
    ("DCS内操", "p-dcs"),
    ("dcs内操", "p-dcs"),
    ("养老护理员", "p-care"),
    ("B2驾照", "p-driv"),
])
def test_chinese_queries_find_the_posting(loaded, text, expected):
    found = ids(loaded, text)
    assert found and found[0] == expected, found


def test_two_character_query_does_not_match_unrelated_postings(loaded):
    assert set(ids(loaded, "焊工")) == {"p-weld"}
    assert set(ids(loaded, "会计")) == {"p-acct", "p-acct-intern"}


@pytest.mark.parametrize("text, expected", [
    ("前台", "p-recp"),   # posting says 接待
    ("司机", "p-driv"),   # posting says 驾驶员
    ("保洁", "p-clean"),  # posting says 清洁
])
def test_synonyms_expand_the_query(loaded, text, expected):
    assert expected in ids(loaded, text)


@pytest.mark.parametrize("text, expected", [("kuaiji", "p-acct"), ("hangong", "p-weld"), ("yanglaohuliyuan", "p-care")])
def test_pinyin_without_tones_finds_the_posting(loaded, text, expected):
    assert ids(loaded, text)[:1] == [expected]


def test_one_character_query_falls_back(loaded):
    assert "p-weld" in ids(loaded, "焊")


def test_title_match_ranks_above_text_mention(loaded):
    found = ids(loaded, "会计")
    assert found[0] == "p-acct"  # title 会计, above 财务助理 (会计 only in its text)


def test_words_in_any_order_and_relaxation(loaded):
    assert ids(loaded, "望花区 焊工") == [] or "p-weld" in ids(loaded, "焊工 氩弧焊")
    assert ids(loaded, "焊工 氩弧焊") == ["p-weld"]
    res = loaded.search(Query("posting", "我想找一份会计的工作", mode="lexical"))
    assert res.ids and res.ids[0] in {"p-acct", "p-acct-intern"}


def test_nonsense_finds_nothing(loaded):
    res = loaded.search(Query("posting", "量子色动力学", mode="lexical"))
    assert res.ids == [] and res.total == 0


def test_doc_types_are_separate(loaded):
    assert set(ids(loaded, "会计", doc_type="profile")) == {"s-2"}
    assert "s-1" not in ids(loaded, "电焊")


# ------------------------------------------------------------------ filters
def test_term_filter(loaded):
    assert set(ids(loaded, filters={"district": "望花区"})) == {"p-weld", "p-cnc", "p-exp"}
    assert set(ids(loaded, "会计", filters={"kind": "internship"})) == {"p-acct-intern"}


def test_any_of_filter(loaded):
    assert set(ids(loaded, filters={"employer_type": ["soe", "social_org"]})) == {"p-driv", "p-dcs", "p-care", "p-acct-intern"}


def test_missing_value_filters(loaded):
    assert set(ids(loaded, filters={"target_group": ["registered_unemployed", None], "kind": "public_welfare"})) == {"p-clean"}
    open_to_all = set(ids(loaded, filters={"target_group": None}))
    assert "p-recp" not in open_to_all and "p-weld" in open_to_all
    assert set(ids(loaded, filters={"target_group": [None, "graduate_2026"]})) == {d.id for d in corpus.postings()} - {"p-clean"}


def test_numeric_range_filters(loaded):
    assert set(ids(loaded, filters={"education_min": Range(lte=2)})) == {"p-weld", "p-driv", "p-clean", "p-care", "p-exp"}
    assert set(ids(loaded, filters={"salary_max": Range(gte=8000, lt=12000)})) == {"p-cnc", "p-dcs", "p-exp"}
    assert set(ids(loaded, filters={"salary_min": Range(gt=5500)})) == {"p-soft", "p-dcs"}


def test_date_range_filters(loaded):
    today = D(2026, 10, 25)
    open_now = set(ids(loaded, filters={"open_on": Range(lte=today), "close_on": Range(gte=today), "status": "published"}))
    assert open_now == {"p-weld", "p-acct", "p-soft", "p-recp", "p-driv", "p-clean", "p-cnc", "p-dcs", "p-care"}


def test_list_and_bool_fields_on_profiles(loaded):
    assert set(ids(loaded, doc_type="profile", filters={"categories": "registered_unemployed"})) == {"s-1", "s-3"}
    assert set(ids(loaded, doc_type="profile", filters={"categories": ["hubei_origin", "veteran"]})) == {"s-2", "s-3"}
    assert set(ids(loaded, doc_type="profile", filters={"published": True, "consent": True})) == {"s-1", "s-2"}
    assert set(ids(loaded, "司机", doc_type="profile", filters={"published": True})) == set()


def test_empty_any_of_matches_nothing(loaded):
    assert ids(loaded, filters={"district": []}) == []


# ------------------------------------------------------------------ facets
def test_facets_count_all_matches(loaded):
    res = loaded.search(Query("posting", facets=["district", "kind", "education_min"], per_page=2))
    assert res.total == len(corpus.POSTINGS) and len(res.hits) == 2
    assert res.facets["district"] == {"望花区": 3, "顺城区": 2, "新抚区": 3, "东洲区": 2, "沈抚示范区": 1, "抚顺县": 1}
    assert res.facets["kind"] == {"job": 9, "internship": 2, "public_welfare": 1}
    assert res.facets["education_min"]["4"] == 4


def test_facets_follow_text_and_filters(loaded):
    res = loaded.search(Query("posting", "会计", facets=["kind", "district"], mode="lexical"))
    assert res.facets["kind"] == {"job": 1, "internship": 1}
    res = loaded.search(Query("posting", filters={"district": "望花区"}, facets=["status"]))
    assert res.facets["status"] == {"published": 2, "closed": 1}
    res = loaded.search(Query("profile", facets=["categories"]))
    assert res.facets["categories"]["registered_unemployed"] == 2


# ------------------------------------------------------------------ sorting, paging
def test_sort_by_date_newest_first(loaded):
    res = loaded.search(Query("posting", sort="date", per_page=50))
    dates = {d.id: d.updated_on for d in corpus.postings()}
    got = [dates[i] for i in res.ids]
    assert got == sorted(got, reverse=True) and len(got) == len(dates)
    res = loaded.search(Query("posting", "会计", sort="date", mode="lexical"))
    assert res.ids == ["p-acct-intern", "p-acct"]


def test_pagination(loaded):
    seen = []
    for page in (1, 2, 3, 4):
        res = loaded.search(Query("posting", sort="date", page=page, per_page=5))
        assert res.total == len(corpus.POSTINGS) and res.page == page
        seen.extend(res.ids)
    assert len(seen) == len(set(seen)) == len(corpus.POSTINGS)
    first = loaded.search(Query("posting", "负责", page=1, per_page=3, mode="lexical"))
    second = loaded.search(Query("posting", "负责", page=2, per_page=3, mode="lexical"))
    assert first.total == second.total >= 6 and not set(first.ids) & set(second.ids)


# ------------------------------------------------------------------ writes
def test_update_becomes_visible(loaded):
    d = corpus.postings()[0]
    d.title, d.skills, d.text = "焊接质检员", [], "负责焊缝的外观检查。"
    d.fields = {**d.fields, "district": "顺城区"}
    loaded.index([d])
    assert "p-weld" not in ids(loaded, "氩弧焊")
    assert "p-weld" in ids(loaded, "焊缝")
    assert "p-weld" in ids(loaded, filters={"district": "顺城区"})
    assert "p-weld" not in ids(loaded, filters={"district": "望花区"})
    assert loaded.count("posting") == len(corpus.POSTINGS)  # an upsert, not a second copy


def test_index_twice_is_idempotent(loaded):
    loaded.index(corpus.postings())
    assert loaded.count("posting") == len(corpus.POSTINGS)
    res = loaded.search(Query("posting", facets=["kind"]))
    assert sum(res.facets["kind"].values()) == len(corpus.POSTINGS)


def test_delete_becomes_visible(loaded, embedder):
    assert loaded.delete("posting", ["p-acct", "no-such-id"]) == 1
    assert ids(loaded, "会计") == ["p-acct-intern"]
    q = Query("posting", "会计", mode="vector", query_vector=embedder.query("会计"))
    assert "p-acct" not in loaded.search(q).ids
    assert loaded.count("posting") == len(corpus.POSTINGS) - 1


def test_version_changes_with_every_write_or_is_unknown(loaded):
    """Result caches trust version(): if a backend reports one, every kind of write must
    change it (None means "cannot tell", and caches then rely on their time limit)."""
    seen = [loaded.version()]
    if seen[0] is None:
        pytest.skip(f"{type(loaded).__name__} reports no index version")
    assert loaded.version() == seen[0]  # reading changes nothing
    loaded.index([Document("v-1", "posting", "电工", "维修电工", fields={"kind": "job"})])
    seen.append(loaded.version())
    loaded.delete("posting", ["v-1"])
    seen.append(loaded.version())
    loaded.rebuild("posting", [Document("v-2", "posting", "焊工", "焊接", fields={"kind": "job"})])
    seen.append(loaded.version())
    loaded.clear("profile")
    seen.append(loaded.version())
    assert len(set(seen)) == len(seen), seen


def test_clear_and_rebuild(loaded):
    new = [Document("n-1", "posting", "电工", "维修电工", fields={"kind": "job"})]
    progress = []
    assert loaded.rebuild("posting", new, progress=progress.append) == 1
    assert sum(progress) == 1
    assert ids(loaded, filters={}) == ["n-1"]
    assert loaded.count("profile") == len(corpus.PROFILES)  # other type untouched
    loaded.clear("profile")
    assert loaded.count("profile") == 0


def test_health(loaded):
    h = loaded.health()
    assert h["ok"] is True and h["backend"] in ("embedded", "elasticsearch")


# ------------------------------------------------------------------ vectors, hybrid
@pytest.mark.parametrize("text, expected", [
    ("照看老年人", "p-care"),   # shares no character pair with 养老护理员 posting
    ("给孩子上课", "p-kind"),
    ("写代码", "p-soft"),
])
def test_hybrid_finds_related_postings_sharing_no_words(loaded, embedder, text, expected):
    assert expected not in ids(loaded, text)  # lexical alone misses it
    res = loaded.search(Query("posting", text, query_vector=embedder.query(text), per_page=3))
    assert expected in res.ids
    hit = next(h for h in res.hits if h.id == expected)
    assert hit.vector_rank is not None and hit.lexical_rank is None


def test_hybrid_keeps_exact_matches_on_top(loaded, embedder):
    res = loaded.search(Query("posting", "数控车床", query_vector=embedder.query("数控车床"), per_page=5))
    assert res.hits[0].id == "p-cnc" and res.hits[0].lexical_rank == 1
    assert res.total >= 1 and isinstance(res, SearchResult)


def test_vector_mode_honours_filters(loaded, embedder):
    qv = embedder.query("照顾老人")
    res = loaded.search(Query("posting", mode="vector", query_vector=qv, filters={"district": "望花区"}, per_page=10))
    assert set(res.ids) <= {"p-weld", "p-cnc", "p-exp"} and res.ids
    res = loaded.search(Query("posting", mode="vector", query_vector=qv, per_page=1))
    assert res.ids == ["p-care"] and res.hits[0].vector_rank == 1


def test_hybrid_with_filters_and_facets(loaded, embedder):
    qv = embedder.query("会计")
    res = loaded.search(Query("posting", "会计", query_vector=qv, filters={"kind": "job"}, facets=["kind"]))
    assert res.ids[0] == "p-acct"
    assert set(res.facets["kind"]) == {"job"}
    assert res.facets["kind"]["job"] == res.total


def test_hybrid_without_vector_is_lexical(loaded):
    assert ids(loaded, "会计", mode="hybrid")[0] == "p-acct"


def test_document_without_vector_is_still_found_lexically(loaded, embedder):
    loaded.index([Document("p-novec", "posting", "锅炉工", "司炉，持证上岗。", fields={"kind": "job"})])
    assert ids(loaded, "锅炉") == ["p-novec"]
    res = loaded.search(Query("posting", "锅炉", query_vector=embedder.query("锅炉"), per_page=50))
    assert "p-novec" in res.ids


# ------------------------------------------------------------------ bad input
def test_bad_input_is_refused(loaded):
    with pytest.raises(ValueError):
        loaded.search(Query("company", "会计"))
    with pytest.raises(ValueError):
        loaded.search(Query("posting", "会计", sort="salary"))
    with pytest.raises(ValueError):
        loaded.search(Query("posting", "会计", page=0))
    with pytest.raises(ValueError):
        loaded.search(Query("posting", mode="vector"))
    with pytest.raises(ValueError):
        loaded.index([Document("x", "posting", "会计", vector=[1.0, 0.0])])  # 2 dims, index has 384


# ------------------------------------------------------------------ honest totals (issue 17)
def test_exact_total_counts_word_matches_and_they_come_first(loaded, embedder):
    """``exact_total`` counts documents with the words (or their synonyms); a vector
    candidate below ``min_similarity`` is not a match; matches come first in every order."""
    text = "会计"
    for sort in ("relevance", "date", "pay"):
        res = loaded.search(Query("posting", text, query_vector=embedder.query(text), min_similarity=0.99,
                                  sort=sort, facets=["kind"], per_page=50))
        assert res.exact_total == 2 and res.total == 2, (sort, res.total)
        assert set(res.ids[:2]) == {"p-acct", "p-acct-intern"}
        assert sum(res.facets["kind"].values()) == 2  # facets count the matching documents only
    # without a threshold every vector candidate counts (the old, dishonest total)
    res = loaded.search(Query("posting", text, query_vector=embedder.query(text), per_page=50))
    assert res.exact_total == 2 and res.total > 2


def test_no_matching_word_gives_exact_total_zero(loaded, embedder):
    text = "理发师"
    res = loaded.search(Query("posting", text, query_vector=embedder.query(text), min_similarity=0.99))
    assert res.exact_total == 0 and res.total == 0 and res.ids == []
    res = loaded.search(Query("posting", text, query_vector=embedder.query(text), min_similarity=0.0))
    assert res.exact_total == 0 and res.total == len(res.ids) > 0  # related by meaning only


def test_relaxed_matches_are_related_not_exact(loaded):
    res = loaded.search(Query("posting", "会计 飞行员", mode="lexical"))
    assert res.notes == ["relaxed"] and res.exact_total == 0 and res.total >= 1


def test_sort_by_pay_highest_first(loaded):
    res = loaded.search(Query("posting", sort="pay", per_page=50))
    pay = {d.id: d.fields.get("salary_max") for d in corpus.postings()}
    got = [pay[i] for i in res.ids]
    assert got == sorted(got, reverse=True) and res.exact_total == res.total == len(pay)
    with pytest.raises(ValueError):
        loaded.search(Query("profile", sort="pay"))
