"""Ranked pages are kept per (person or posting, pool version, reader's scope) (issue 18,
item 2): what people notice is that a change shows at once, and that nobody is shown a list
computed for a reader who may see other people."""
from __future__ import annotations

import tracemalloc

import pytest

from marketplace.core.models import User
from marketplace.core.rank_cache import PageCache, cache_of
from search.cache import SharedJson

WELD = {"kind": "job", "title": "电焊工", "description": "负责钢结构和压力管道焊接，按图纸施工，需持焊工证。",
        "skills": ["电焊", "氩弧焊"], "district": "望花区"}
COOK = {"kind": "job", "title": "厨师", "description": "负责食堂炒菜和面点制作，保证出餐卫生。",
        "skills": ["炒菜", "面点"], "district": "望花区"}
PERSON = {"name": "赵磊", "gender": "男", "birth_on": "1995-01-01", "district": "望花区", "education": 3,
          "published": True}


def _welder(make, **kw):
    return make.profile(**{"name": "焊工王", "skills": ["电焊", "氩弧焊"], "desired_jobs": "电焊工",
                           "summary": "八年电焊，持焊工证", **kw})


def _cook(make, **kw):
    return make.profile(**{"name": "厨师李", "skills": ["炒菜", "面点"], "desired_jobs": "厨师", "summary": "会做家常菜",
                           **kw})


def _names(client, posting_id, headers) -> list[str]:
    r = client.get(f"/api/v1/postings/{posting_id}/candidates?per_page=20&include_ineligible=1", headers=headers)
    assert r.status_code == 200, r.json
    return [i["profile"]["name"] for i in r.json["items"]]


def _titles(client, profile_id, headers) -> list[str]:
    r = client.get(f"/api/v1/profiles/{profile_id}/recommendations", headers=headers)
    assert r.status_code == 200, r.json
    return [i["posting"]["title"] for i in r.json["items"] if i["eligible"]]


def test_an_edited_postings_candidates_change_at_once(client, make, app):
    org = make.org()
    h = make.token(make.user("employer", organisation=org))
    _welder(make)
    _cook(make)
    post = client.post("/api/v1/postings", json=WELD, headers=h).json
    assert client.post(f"/api/v1/postings/{post['id']}/publish", headers=h).status_code == 200
    cache = cache_of(app.extensions["runtime"])
    assert _names(client, post["id"], h)[0] == "焊工王"
    hits = cache.hits
    assert _names(client, post["id"], h)[0] == "焊工王"
    assert cache.hits == hits + 1  # the same page again: served from the cache
    # the employer turns the posting into a cook's: the cached list is not shown any more
    assert client.put(f"/api/v1/postings/{post['id']}", json=COOK, headers=h).status_code == 200
    assert _names(client, post["id"], h)[0] == "厨师李"


def test_a_persons_edited_profile_changes_their_recommendations(client, make):
    org = make.org()
    make.posting(organisation=org, title="电焊工", skills=["电焊", "氩弧焊"], description=WELD["description"])
    make.posting(organisation=org, title="厨师", skills=["炒菜", "面点"], description=COOK["description"])
    person = make.user("person")
    me = make.token(person)
    body = {**PERSON, "skills": ["电焊", "氩弧焊"], "desired_jobs": "电焊工", "summary": "十年电焊经验"}
    profile = client.put("/api/v1/profiles/me", json=body, headers=me).json
    assert _titles(client, profile["id"], me)[0] == "电焊工"
    assert _titles(client, profile["id"], me)[0] == "电焊工"
    body = {**PERSON, "skills": ["炒菜", "面点"], "desired_jobs": "厨师", "summary": "改行做厨师，会炒菜和面点"}
    assert client.put("/api/v1/profiles/me", json=body, headers=me).status_code == 200
    assert _titles(client, profile["id"], me)[0] == "厨师"


def test_readers_with_different_visibility_never_share_a_cached_list(client, make):
    org = make.org(district="望花区")
    hr = make.user("employer", organisation=org)
    post = make.posting(organisation=org, created_by=hr, title="电焊工", skills=["电焊", "氩弧焊"],
                        description=WELD["description"])
    _welder(make, name="望花焊工", district="望花区")
    _welder(make, name="新抚焊工", district="新抚区")
    hidden = _welder(make, name="未公开焊工", district="望花区", published=False)
    wanghua = make.token(make.user("caseworker", district="望花区"))
    xinfu = make.token(make.user("caseworker", district="新抚区"))
    employer = make.token(hr)
    expected = {"wanghua": {"望花焊工", "未公开焊工"}, "xinfu": {"新抚焊工"}, "employer": {"望花焊工", "新抚焊工"}}
    readers = {"wanghua": wanghua, "xinfu": xinfu, "employer": employer}
    for order in (("wanghua", "xinfu", "employer"), ("employer", "xinfu", "wanghua")):
        for who in order:  # each reader asks the same page of the same posting, in turn
            assert set(_names(client, post.id, readers[who])) == expected[who], who
    # the unpublished person applies: the employer now sees them (their applicant), at once
    me = make.token(make.s.get(User, hidden.user_id))
    r = client.post(f"/api/v1/postings/{post.id}/applications", json={}, headers=me)
    assert r.status_code == 201, r.json
    assert set(_names(client, post.id, employer)) == {"望花焊工", "新抚焊工", "未公开焊工"}
    assert set(_names(client, post.id, xinfu)) == {"新抚焊工"}


@pytest.fixture
def tiny_pool(app, monkeypatch):
    """A pool limit of one row: every ranking goes through the search backend's top K."""
    monkeypatch.setattr(app.config["MARKETPLACE"], "RANKER_POOL_MAX", 1)
    monkeypatch.setattr(app.config["MARKETPLACE"], "RANKER_SEARCH_K", 10)


def test_past_the_pool_limit_rankings_come_from_the_search_candidates(client, make, tiny_pool):
    org = make.org()
    hr = make.user("employer", organisation=org)
    weld = make.posting(organisation=org, created_by=hr, title="电焊工", skills=["电焊", "氩弧焊"],
                        description=WELD["description"])
    cook = make.posting(organisation=org, created_by=hr, title="厨师", skills=["炒菜", "面点"],
                        description=COOK["description"])
    guard = make.posting(organisation=org, created_by=hr, title="保安员", skills=["巡逻", "监控"],
                         description="负责小区巡逻和监控室值守。")
    welder, cook_person = _welder(make), _cook(make)
    make.index(weld, cook, guard, welder, cook_person)
    # a welding post nobody indexed yet: the search path cannot know it (the full pool would rank it)
    make.posting(organisation=org, created_by=hr, title="氩弧焊工", skills=["电焊", "氩弧焊"],
                 description="不锈钢管道氩弧焊，持焊工证。")
    me = make.token(make.s.get(User, welder.user_id))
    titles = _titles(client, welder.id, me)
    assert titles[0] == "电焊工" and "氩弧焊工" not in titles
    assert _titles(client, cook_person.id, make.token(make.s.get(User, cook_person.user_id)))[0] == "厨师"
    assert _names(client, weld.id, make.token(hr))[0] == "焊工王"
    assert _names(client, cook.id, make.token(hr))[0] == "厨师李"
    # an applicant who did not consent to be found is not in the search index, yet the employer sees them
    shy = _cook(make, name="未公开厨师", published=False)
    r = client.post(f"/api/v1/postings/{cook.id}/applications", json={},
                    headers=make.token(make.s.get(User, shy.user_id)))
    assert r.status_code == 201, r.json
    assert "未公开厨师" in _names(client, cook.id, make.token(hr))


def test_a_page_ranked_by_one_process_is_served_by_another(tmp_path):
    """Each server process has its own LRU in front of one shared file: a person asked about
    through process A is a cache hit in process B (two caches over one file stand for the two
    processes), and a file that cannot be read is a miss, never an error."""
    path = tmp_path / "rank-cache.db"
    a, b = PageCache(10, SharedJson(path)), PageCache(10, SharedJson(path))
    page = {"total": 3, "excluded": 0, "items": [{"id": "7", "rank": 1, "score": 0.91, "reasons": {"zh": ["技能相符"]}}]}
    key = ("rec", "42", "digest", ("snapshot", "v1", (3, None)), None, 0, 20, True)
    assert b.get(key) is None
    a.put(key, page)
    assert b.get(key) == page and b.shared_hits == 1
    assert b.get(key) == page and b.hits == 1  # now from B's own LRU
    assert b.get(("rec", "42", "other digest", *key[3:])) is None  # another key: another page
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not a database, " * 100)
    c = PageCache(10, SharedJson(broken))
    assert c.get(key) is None
    c.put(key, page)  # logged, not raised
    assert c.get(key) == page  # its own LRU still works


def _realistic_page(n: int) -> dict:
    """A first page as ``core.recommend`` caches it: 20 posts, each with its reasons and gaps."""
    return {"total": 80_000 + n, "excluded": 0, "items": [
        {"id": str(100_000 + n * 20 + r), "rank": r + 1, "score": round(0.9 - r / 100, 4), "eligible": True,
         "matched_skills": ["电焊", f"氩弧焊{r}"], "missing_skills": [f"二氧化碳保护焊{n}"],
         "reasons": {"zh": [f"职位名称与您想做的工作相符：电焊工{n}", f"技能相符：电焊、氩弧焊{r}", "工作地点在您所在的望花区"],
                     "en": [f"The job title matches the work you want: 电焊工{n}", f"Skills match: 电焊, 氩弧焊{r}",
                            "The workplace is in your district, 望花区"]},
         "gaps": {"zh": [f"缺少技能：二氧化碳保护焊{n}"], "en": [f"Missing skill: 二氧化碳保护焊{n}"]},
         "reason_codes": ["title_desired", "skills", "district"], "gap_codes": ["missing_skills"]}
        for r in range(20)]}


def test_a_full_page_cache_holds_its_pages_compactly_and_each_hit_is_a_fresh_copy():
    """A server process's LRU, full after a day of rankings, must not be what the process's
    memory grows by: as Python objects 2,000 such pages took 85 MB; kept as their JSON text,
    25 MB. A hit is the page as it was put, and changing what a request was
    given does not change what the next one gets."""
    cache = PageCache(2000)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for n in range(2000):
        cache.put(("rec", n), _realistic_page(n))  # each request's page, which only the cache keeps
    held_mb = (tracemalloc.get_traced_memory()[0] - before) / 2**20
    tracemalloc.stop()
    assert held_mb < 40, f"2,000 cached pages held {held_mb:.0f} MB"
    got = cache.get(("rec", 7))
    assert got == _realistic_page(7)
    got["items"].clear()
    assert cache.get(("rec", 7)) == _realistic_page(7)


def test_the_people_a_reader_may_see_are_kept_per_version_and_never_cross_postings(client, make, app):
    """Whom a reader may see is read once per people-pool version and kept (``_visible_ids``):
    an applicant of one posting is never a candidate of the same employer's other posting, and
    a person who withdraws consent or moves district leaves the lists at once, and one who
    consents joins them at once."""
    org = make.org(district="望花区")
    hr = make.user("employer", organisation=org)
    weld = make.posting(organisation=org, created_by=hr, title="电焊工", skills=["电焊", "氩弧焊"],
                        description=WELD["description"])
    pipe = make.posting(organisation=org, created_by=hr, title="管道焊工", skills=["电焊", "氩弧焊"],
                        description="压力管道焊接，持焊工证。")
    open_ = _welder(make, name="公开焊工", district="望花区")
    shy = _welder(make, name="未公开焊工", district="望花区", published=False)
    employer, wanghua = make.token(hr), make.token(make.user("caseworker", district="望花区"))
    assert set(_names(client, weld.id, employer)) == {"公开焊工"}
    r = client.post(f"/api/v1/postings/{weld.id}/applications", json={},
                    headers=make.token(make.s.get(User, shy.user_id)))
    assert r.status_code == 201, r.json
    assert set(_names(client, weld.id, employer)) == {"公开焊工", "未公开焊工"}
    assert set(_names(client, pipe.id, employer)) == {"公开焊工"}  # applied to the other posting only
    assert set(_names(client, pipe.id, wanghua)) == {"公开焊工", "未公开焊工"}
    me = make.token(make.s.get(User, open_.user_id))
    mine = client.get("/api/v1/profiles/me", headers=me).json
    body = {k: mine[k] for k in ("name", "gender", "birth_on", "district", "education", "skills", "desired_jobs",
                                 "summary")}
    assert client.put("/api/v1/profiles/me", json={**body, "published": False}, headers=me).status_code == 200
    assert set(_names(client, pipe.id, employer)) == set()
    assert client.put("/api/v1/profiles/me", json={**body, "published": False, "district": "新抚区"},
                      headers=me).status_code == 200
    assert set(_names(client, pipe.id, wanghua)) == {"未公开焊工"}
    # and one who consents to be found joins the employer's lists at once
    later = _welder(make, name="后来公开焊工", district="新抚区", published=False)
    assert set(_names(client, pipe.id, employer)) == set()
    me = make.token(make.s.get(User, later.user_id))
    mine = client.get("/api/v1/profiles/me", headers=me).json
    assert client.put("/api/v1/profiles/me", json={**{k: mine[k] for k in body}, "published": True},
                      headers=me).status_code == 200
    assert set(_names(client, pipe.id, employer)) == {"后来公开焊工"}
