"""A newcomer's first visit, in a real browser on a phone-sized screen: an employer
publishes an internship, a graduate applies, the employer sees the application and
moves it to interview."""
from __future__ import annotations

import pytest

from tests.browser.conftest import login, shot
from tests.browser_fixtures import nav_click

pytestmark = pytest.mark.browser



def logout(page):
    nav_click(page, "[data-test=logout]")
    page.wait_for_load_state()


def test_publish_apply_and_move_to_interview(live_server, page):
    base, _app = live_server
    page.goto(base + "/")
    assert page.locator("h1").inner_text() == "在抚顺找工作"
    assert page.locator(".card").count() >= 10
    shot(page, "01-home")

    login(page, base, "employer")
    page.goto(base + "/employer/postings/new")
    page.select_option("select[name=kind]", "internship")
    assert page.locator("fieldset[data-kind=public_welfare]").is_hidden()
    page.fill("input[name=title]", "数据分析见习生")
    page.fill("textarea[name=description]", "协助整理业务数据，制作周报和图表，参与数据清洗。")
    page.fill("input[name=skills]", "Excel、Python、数据清洗")
    page.select_option("select[name=education_min]", "4")
    page.fill("input[name=salary_min]", "1800")
    page.fill("input[name=salary_max]", "2600")
    page.fill("input[name=period_months]", "6")
    page.fill("input[name=stipend]", "1800")
    shot(page, "02-new-internship-form")
    page.click("[data-test=save-posting]")
    assert page.locator("[data-test=posting-status]").inner_text() == "已发布"
    posting_url = page.url
    posting_id = posting_url.rstrip("/").split("/")[-1]
    shot(page, "03-published")
    logout(page)

    login(page, base, "graduate")
    page.goto(f"{base}/postings/{posting_id}")
    assert "数据分析见习生" in page.locator("h1").inner_text()
    page.fill("textarea[name=note]", "我学过Python，希望参加见习。")
    page.click("[data-test=apply]")
    assert "已申请" in page.locator("[data-test=applied]").inner_text()
    shot(page, "04-applied")
    page.goto(base + "/me/applications")
    assert page.locator("tr", has_text="数据分析见习生").locator("[data-test=stage]").inner_text() == "已申请"
    logout(page)

    login(page, base, "employer")
    page.goto(posting_url)
    row = page.locator("tr[data-application]")
    assert row.count() == 1
    row.locator("select[name=stage]").select_option("interview")
    row.locator("[data-test=move]").click()
    page.wait_for_load_state()
    assert page.locator("tr[data-application] [data-test=stage]").inner_text() == "面试"
    shot(page, "05-moved-to-interview")


def test_a_bad_form_shows_the_reason_in_english_too(live_server, page):
    base, _app = live_server
    login(page, base, "employer")
    page.goto(base + "/employer/postings/new?lang=en")
    page.select_option("select[name=kind]", "job")
    page.fill("input[name=title]", "Welder")
    page.fill("textarea[name=description]", "Weld steel structures according to drawings.")
    page.fill("input[name=salary_min]", "9000")
    page.fill("input[name=salary_max]", "4000")
    page.click("[data-test=save-posting]")
    assert "the lowest salary must not be above the highest" in page.locator("[data-error=salary_min]").inner_text()
    shot(page, "06-form-error-en")
