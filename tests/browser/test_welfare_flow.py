"""A caseworker on a phone places a tier-1 person (near retirement, lower match score)
ahead of a higher-scoring tier-2 person on a public-welfare post (R9), then looks at
the desk and the monitoring dashboard. Screenshots in artifacts/screenshots/."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import SHOTS, shot

pytestmark = pytest.mark.browser


def login(page, base, username, password="demo12345"):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("[data-test=login]")
    page.wait_for_load_state()


def test_caseworker_places_tier_one_ahead_of_higher_scoring_tier_two(live_server, page):
    base, _app = live_server
    login(page, base, "caseworker")
    page.goto(base + "/welfare/posts")
    assert page.locator("[data-test=post-totals]").is_visible()
    shot(page, "welfare-01-posts")
    row = page.locator("tr", has_text="环卫保洁员")
    row.locator("a.button").click()
    page.wait_for_load_state()
    first, third = page.locator("[data-test=rank-1]"), page.locator("[data-test=rank-3]")
    assert "周玉珍" in first.inner_text() and "第1层级" in first.inner_text()
    assert "孙建国" in third.inner_text() and "第2层级" in third.inner_text()
    # the match score is the matching ranker's: the tier-2 person fits the post better
    score = [float(re.search(r"匹配度 (-?[\d.]+)", r.inner_text()).group(1)) for r in (first, third)]
    assert score[0] < score[1]
    assert "优先层级较低" in third.locator("[data-test=reason]").inner_text()
    shot(page, "welfare-02-queue")

    first.locator("summary").click()
    first.locator("select[name=fund]").select_option("employment_subsidy_fund")
    shot(page, "welfare-03-place-form")
    first.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "已安置到岗位" in page.locator(".flash").inner_text()
    assert "周玉珍" not in page.locator("[data-test=queue]").inner_text()
    assert "马秀云" in page.locator("[data-test=rank-1]").inner_text()
    shot(page, "welfare-04-placed")

    page.goto(base + "/welfare/desk")
    assert page.locator("[data-test=my-people]").is_visible()
    shot(page, "welfare-05-desk")
    page.locator("[data-test=my-people] a", has_text="孙建国").click()
    page.wait_for_load_state()
    assert "认定为就业困难人员" in page.locator("#hte").inner_text()
    shot(page, "welfare-05b-person")

    page.goto(base + "/welfare/dashboard")
    assert page.locator("svg[role=img]").count() >= 6
    assert int(page.locator("[data-test=registered]").inner_text()) >= 10
    shot(page, "welfare-06-dashboard")
    for chart in ("by-group", "by-district", "by-month", "postings-industry"):
        page.locator(f"[data-chart={chart}]").screenshot(path=str(SHOTS / f"welfare-06-chart-{chart}.png"))
    page.goto(base + "/welfare/dashboard?lang=en")
    shot(page, "welfare-07-dashboard-en")
