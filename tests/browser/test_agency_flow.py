"""An HR agency's staff member on a phone: finds a person, follows the "introduce" link,
records the introduction to another employer's posting, sees it listed, and finds the demo
hire its earlier introduction brought about offered on its referral-claim page (R7).
Screenshots in artifacts/screenshots/agency-*.png."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from marketplace import clock
from marketplace.core.models import Application, Posting
from marketplace.internships.models import Introduction
from tests.browser.conftest import login, shot

pytestmark = pytest.mark.browser


def test_agency_introduces_a_person_and_sees_the_hire_to_claim(live_server, page):
    base, app = live_server
    login(page, base, "agency")
    page.goto(base + "/people")
    link = page.locator("[data-test=introduce-link]").first
    assert "推荐到岗位" in link.inner_text()
    link.click()
    page.wait_for_load_state()
    profile_id = int(re.search(r"profile_id=(\d+)", page.url).group(1))
    assert page.locator("input[name=profile_id]").input_value() == str(profile_id)
    with app.extensions["db"].unit_of_work() as s:
        taken = set(s.scalars(select(Application.posting_id).where(Application.profile_id == profile_id))) | set(
            s.scalars(select(Introduction.posting_id).where(Introduction.profile_id == profile_id)))
        posting = next(p for p in s.scalars(select(Posting).where(Posting.kind == "job").order_by(Posting.id))
                       if p.id not in taken and p.is_open(clock.today()))
        title = posting.title
        posting_id = posting.id
    page.fill("input[name=posting_id]", "")
    page.click("[data-test=introduce]")  # the browser itself asks for the posting number
    assert page.locator("input[name=posting_id]:invalid").count() == 1
    page.fill("input[name=posting_id]", str(posting_id))
    page.fill("textarea[name=note]", "做过相关工作，通勤方便")
    shot(page, "agency-01-introduce-form")
    page.click("[data-test=introduce]")
    page.wait_for_load_state()
    assert "推荐已登记" in page.locator(".flash").inner_text()
    row = page.locator("tr[data-introduction]", has_text=title).first
    assert "尚未因此推荐提出申请" in row.inner_text()
    hired = page.locator("[data-test=outcome]", has_text="已录用")
    assert hired.count() == 1  # the demo introduction that led to a hire
    shot(page, "agency-02-introductions")

    hired.locator("a").click()  # the agency's own referral-claim page (issue 16), at that hire
    page.wait_for_load_state()
    assert "/agency/claims" in page.url
    offer = page.locator("[data-offer]").first
    assert "·" in offer.locator("h3").inner_text() and offer.locator("[data-test=reason]").inner_text()
    shot(page, "agency-03-referral-claim")
