"""Search that tells the truth (issue 17): ``total`` counts the postings that match the query,
not the catalogue; ``exact_total`` those with its words or their synonyms, shown first; a query
nothing fits says so; facets count the matches; a page past the last shows the last; pay can
filter and sort."""
from __future__ import annotations

import re


def shop_and_others(make):
    posts = [
        make.posting(title="药店营业员", description="负责药品销售、陈列、医保刷卡收银。", skills=["药品销售", "收银"],
                     salary_min=2800, salary_max=3800),
        make.posting(title="服装导购员", description="负责门店服装销售、搭配推荐和会员维护。", skills=["服装销售"],
                     salary_min=2800, salary_max=5000),
        make.posting(title="电商客服打包员", description="负责网店在线客服回复、售后处理，订单打包发货。",
                     skills=["在线客服", "打包发货"], salary_min=3000, salary_max=4000),
        make.posting(title="电焊工", salary_min=5000, salary_max=7500),
        make.posting(title="总账会计", description="负责公司账务处理和报税。", skills=["做账", "报税"], salary_min=4000,
                     salary_max=6000),
        make.posting(title="幼儿教师", description="负责幼儿园小班教学与一日保育。", skills=["教师资格证"],
                     salary_min=3000, salary_max=4000),
    ]
    make.index(*posts)
    return posts


def test_salesperson_finds_shop_assistants_first_and_counts_only_matches(client, make):
    shop_and_others(make)
    r = client.get("/api/v1/search/postings?q=售货员").json
    titles = [i["title"] for i in r["items"]]
    assert r["exact_total"] == 2 and set(titles[:2]) == {"药店营业员", "服装导购员"}  # synonyms: 营业员/导购
    if "电商客服打包员" in titles:
        assert titles.index("电商客服打包员") >= 2  # an online-service job, at most related, below them
    assert r["total"] < 6 and "电焊工" not in titles and "总账会计" not in titles
    assert sum(r["facets"]["kind"].values()) == r["total"]  # facets count the matching postings
    assert sum(r["facets"]["district"].values()) == r["total"]


def test_a_query_nothing_fits_says_so(client, make):
    shop_and_others(make)
    r = client.get("/api/v1/search/postings?q=理发师").json
    assert r["exact_total"] == 0 and "幼儿教师" not in [i["title"] for i in r["items"]][:1]
    html = client.get("/postings?q=理发师&lang=zh").get_data(as_text=True)
    assert "没有找到与「理发师」匹配的岗位" in html
    if r["items"]:  # anything shown is said to be related, under its own heading
        assert 'data-test="related"' in html and html.index('data-test="no-match"') < html.index('data-test="related"')
    html = client.get("/postings?q=营业员&lang=zh").get_data(as_text=True)
    assert "没有找到" not in html and "药店营业员" in html


def test_facets_change_with_the_query(client, make):
    shop_and_others(make)
    everything = client.get("/api/v1/search/postings").json
    weld = client.get("/api/v1/search/postings?q=焊工").json
    assert everything["total"] >= 6 and weld["exact_total"] == 1
    assert sum(weld["facets"]["kind"].values()) == weld["total"] < everything["total"]


def test_a_page_past_the_last_shows_the_last(client, make):
    org = make.org()
    make.index(*[make.posting(organisation=org, title=f"电焊工{i}") for i in range(25)])
    r = client.get("/api/v1/search/postings?page=999").json
    assert r["page"] == 2 and len(r["items"]) == r["total"] - 20 > 0
    html = client.get("/postings?page=999").get_data(as_text=True)
    assert re.search(r"<span>2 / 2</span>", html) and "999 / " not in html


def test_salary_filter_and_sort_by_pay(client, make):
    shop_and_others(make)
    r = client.get("/api/v1/search/postings?sort=pay").json
    pay = [i["salary_max"] for i in r["items"]]
    assert pay == sorted(pay, reverse=True) and pay[0] == 7500
    r = client.get("/api/v1/search/postings?salary_min=5000&sort=pay").json
    assert [i["title"] for i in r["items"]] == ["电焊工", "总账会计", "服装导购员"]
    r = client.get("/api/v1/search/postings?q=营业员 导购&sort=pay")  # relaxed: any of the words
    assert r.status_code == 200
    bad = client.get("/api/v1/search/postings?sort=cheapest")
    assert bad.status_code == 422 and "sort" in bad.get_data(as_text=True)
    html = client.get("/postings?salary_min=5000&sort=pay").get_data(as_text=True)
    assert "电焊工" in html and "药店营业员" not in html
