"""Search as people meet it through the API and pages: a published posting is found
right after the request (the index task runs after the commit), closing or withdrawing
consent removes it, profile search is for employers and caseworkers only, and a broken
search backend degrades to a database query with a notice instead of failing."""
from __future__ import annotations

import pytest

from marketplace.config import Config
from marketplace.runtime import Runtime
from search import Query, get_backend
from tests.web.test_pages import login


def posting_body(**kw):
    body = {"kind": "job", "title": "數控車床操作工", "description": "负责汽车零部件数控车削加工，按图纸调用程序、对刀。",
            "skills": ["数控车床", "FANUC"], "district": "望花区", "salary_min": 4500, "salary_max": 6500}
    body.update(kw)
    return body


def titles(r):
    assert r.status_code == 200, r.json
    return [i["title"] for i in r.json["items"]]


def test_published_postings_are_found_and_closed_ones_disappear(client, make):
    hr = make.user("employer")
    h = make.token(hr)
    written = "數控車床操作工"  # the title is kept as the employer wrote it (issue 16); the index is normalised
    pid = client.post("/api/v1/postings", json=posting_body(), headers=h).json["id"]
    assert written not in titles(client.get("/api/v1/search/postings?q=数控车床"))  # draft
    client.post(f"/api/v1/postings/{pid}/publish", headers=h)
    assert titles(client.get("/api/v1/search/postings?q=數控車床"))[0] == written  # traditional query
    assert titles(client.get("/api/v1/search/postings?q=数控车床"))[0] == written  # simplified query
    r = client.get("/api/v1/search/postings?q=车床&kind=job&district=望花区")
    assert titles(r)[0] == written and r.json["facets"]["kind"]["job"] >= 1
    assert written not in titles(client.get("/api/v1/search/postings?q=车床&district=新抚区"))
    client.post(f"/api/v1/postings/{pid}/close", headers=h)
    assert written not in titles(client.get("/api/v1/search/postings?q=数控车床"))


def test_two_character_queries_and_synonyms(client, make):
    a = make.posting(title="酒店前台接待", description="负责入住登记、退房结算与宾客咨询。", skills=["接待"])
    b = make.posting(title="电焊工", description="负责钢结构焊接。", skills=["焊接"])
    make.index(a, b)
    assert titles(client.get("/api/v1/search/postings?q=焊工"))[0] == "电焊工"
    assert titles(client.get("/api/v1/search/postings?q=前台"))[0] == "酒店前台接待"
    assert titles(client.get("/api/v1/search/postings?q=接待员"))[0] == "酒店前台接待"


def test_profile_search_respects_consent(client, make):
    hr = make.user("employer")
    person = make.user("person")
    me = make.token(person)
    body = {"name": "赵磊", "gender": "男", "birth_on": "1995-01-01", "district": "望花区", "education": 3,
            "skills": ["电焊", "氩弧焊"], "desired_jobs": "焊工", "summary": "十年电焊经验", "published": True}
    assert client.put("/api/v1/profiles/me", json=body, headers=me).status_code == 200
    found = client.get("/api/v1/search/profiles?q=焊工", headers=make.token(hr)).json
    assert [p["name"] for p in found["items"]] == ["赵磊"]
    assert found["facets"]["district"] == {"望花区": 1} and "education" in found["facets"]  # every count by default
    lean = client.get("/api/v1/search/profiles?q=焊工&facets=district", headers=make.token(hr)).json
    assert lean["facets"] == {"district": {"望花区": 1}} and [p["name"] for p in lean["items"]] == ["赵磊"]
    assert client.get("/api/v1/search/profiles?q=焊工&facets=0", headers=make.token(hr)).json["facets"] == {}
    bad = client.get("/api/v1/search/profiles?q=焊工&facets=salary", headers=make.token(hr))
    assert bad.status_code == 422 and bad.json["error"]["field"] == "facets"
    assert client.put("/api/v1/profiles/me", json=dict(body, published=False), headers=me).status_code == 200
    assert client.get("/api/v1/search/profiles?q=焊工", headers=make.token(hr)).json["items"] == []
    assert client.get("/api/v1/search/profiles?q=焊工", headers=me).status_code == 403


@pytest.fixture
def broken_search(app, tmp_path):
    """A real embedded index whose file is then corrupted on disk (a real fault)."""
    good = app.extensions["runtime"]
    rt = Runtime(Config.from_env(ENV="testing", INSTANCE_DIR=str(tmp_path)))
    rt._encoder = good.encoder
    rt.backend.count("posting")
    rt.close()
    (tmp_path / "search.db").write_bytes(b"this is not a database" * 100)
    app.extensions["runtime"] = rt
    yield rt
    app.extensions["runtime"] = good


def test_a_broken_search_backend_degrades_to_the_database_with_a_notice(client, make, broken_search):
    make.posting(title="仓库管理员", description="负责出入库登记和盘点。")
    r = client.get("/api/v1/search/postings?q=仓库")
    assert r.status_code == 200 and r.json["degraded"] is True and "unavailable" in r.json["notice"]["en"]
    assert titles(r) == ["仓库管理员"]
    page = client.get("/postings?q=仓库")
    assert page.status_code == 200 and "搜索服务暂时不可用" in page.text and "仓库管理员" in page.text


def test_search_input_is_checked(client):
    assert client.get("/api/v1/search/postings?q=" + "长" * 101).status_code == 422
    assert client.get("/api/v1/search/postings?education=9").status_code == 422
    assert client.get("/api/v1/search/postings?sort=random").status_code == 422


def test_people_search_page_for_employers(client, make):
    hr = make.user("employer")
    make.index(make.profile(name="钱多多", skills=["叉车"], desired_jobs="叉车司机", published=True))
    login(client, hr)
    r = client.get("/people?q=叉车")
    assert r.status_code == 200 and "钱多多" in r.text
    person = make.user("person")
    client.get("/logout")
    other = client.application.test_client()
    login(other, person)
    assert other.get("/people?q=叉车").status_code == 403


def test_cached_results_are_retired_by_any_index_write_even_from_another_process(app, make):
    """The result cache: a repeated search is answered from it (this process's copy, or
    the file the server's processes share), but only while the index is unchanged: a
    write made through another backend on the same index file (as another server process
    or a worker would) retires it at once, so nobody sees a stale list."""
    rt = app.extensions["runtime"]
    post = make.posting(title="锅炉工", description="负责锅炉运行、巡检和记录。")
    make.index(post)
    assert rt.search(Query("posting", "锅炉工")).ids == [str(post.id)]
    assert rt.search(Query("posting", "锅炉工")).ids == [str(post.id)]
    other = get_backend("embedded", path=rt.backend.path)  # another process's handle on the same index
    try:
        other.delete("posting", [str(post.id)])
    finally:
        other.close()
    assert rt.search(Query("posting", "锅炉工")).ids == []


def test_the_shared_cache_answers_another_process_with_the_same_index_version(app, make):
    """A second process (here: a second Runtime on the same instance folder) reuses the
    first one's result from the shared file instead of searching again."""
    rt = app.extensions["runtime"]
    post = make.posting(title="锅炉工", description="负责锅炉运行、巡检和记录。")
    make.index(post)
    first = rt.search(Query("posting", "锅炉工"))
    second_process = Runtime(rt.config)
    try:
        calls = []
        real = second_process.backend.search
        second_process.backend.search = lambda q: calls.append(q) or real(q)
        again = second_process.search(Query("posting", "锅炉工"))
        assert again.ids == first.ids == [str(post.id)] and again.total == first.total
        assert calls == []  # answered from the shared file
    finally:
        second_process.close()


def test_the_pages_of_a_search_are_cut_from_one_cached_ranking(app, make):
    """Pages 1, 2 and 3 of a search are cut from one cached ranking: they never repeat or
    skip a posting, and they are exactly what uncached searches return."""
    rt = app.extensions["runtime"]
    for i in range(9):
        make.index(make.posting(title=f"焊工{i}", description="负责焊接作业，持焊工证。"))
    pages = [rt.search(Query("posting", "焊工", per_page=4, page=n)) for n in (1, 2, 3)]
    assert [(p.page, p.per_page, p.total) for p in pages] == [(1, 4, 9), (2, 4, 9), (3, 4, 9)]
    assert [len(p.ids) for p in pages] == [4, 4, 1] and len({i for p in pages for i in p.ids}) == 9
    uncached = [rt.backend.search(Query("posting", "焊工", per_page=4, page=n, query_vector=None)) for n in (1, 2, 3)]
    assert [p.ids for p in pages] == [u.ids for u in uncached]


def test_pages_beyond_the_cached_window_go_to_the_index(app, make):
    rt = app.extensions["runtime"]
    post = make.posting(title="锅炉工", description="负责锅炉运行。")
    make.index(post)
    far = rt.WINDOW  # page WINDOW + 1 with per_page 1 starts past the window
    assert rt.search(Query("posting", "锅炉工", per_page=1, page=1)).ids == [str(post.id)]
    assert rt.search(Query("posting", "锅炉工", per_page=1, page=far + 1)).ids == []


def test_search_results_show_each_postings_current_state_never_a_cached_copy(client, make, db):
    """The search API caches rankings, never rows: a person always sees the posting as it
    is now (its light row is read for every request): its new text after an edit, its
    employer's new name, and nothing once it is closed."""
    post = make.posting(title="锅炉工", description="负责锅炉运行、巡检和记录。")
    make.index(post)
    first = client.get("/api/v1/search/postings?q=锅炉").json["items"]
    assert [(i["title"], i["organisation"]["name"]) for i in first] == [("锅炉工", post.organisation.name)]
    post.description = "负责锅炉运行。夜班补贴。"  # an edit that the index need not know about
    post.organisation.name = "抚顺热电有限公司"
    db.flush()
    again = client.get("/api/v1/search/postings?q=锅炉").json["items"]
    assert again[0]["description"] == "负责锅炉运行。夜班补贴。"
    assert again[0]["organisation"]["name"] == "抚顺热电有限公司"
    post.status = "closed"
    db.flush()
    assert client.get("/api/v1/search/postings?q=锅炉").json["items"] == []
