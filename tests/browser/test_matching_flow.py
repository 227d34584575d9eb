"""Matching in a real browser: a graduate reads why postings are recommended; an employer
reads why people are ranked, invites one, and the person accepts."""
from __future__ import annotations

import pytest

from tests.browser.conftest import login, shot
from tests.browser.test_foundation_flow import logout

pytestmark = pytest.mark.browser


def test_recommendations_candidates_and_an_invitation(live_server, page):
    base, _app = live_server
    login(page, base, "p05")
    page.goto(base + "/me/recommendations")
    cards = page.locator("[data-test=recommendation]")
    assert cards.count() >= 3
    assert "学历" in cards.first.locator("[data-test=reasons]").inner_text()
    shot(page, "10-recommendations")
    person_name = page.locator("[data-test=logout]").inner_text()
    logout(page)

    login(page, base, "employer")
    page.goto(base + "/employer")
    page.locator("table.list a").first.click()
    page.click("[data-test=candidates-link]")
    cands = page.locator("[data-test=candidate]")
    assert cands.count() >= 1
    assert cands.first.locator("[data-test=reasons]").inner_text().startswith("✔")
    shot(page, "11-candidates")
    invite = page.locator("[data-test=invite]")
    if invite.count():
        card = page.locator("[data-test=candidate]", has=page.locator("[data-test=invite]")).first
        invited_name = card.locator("h3").inner_text()
        invite.first.click()
        page.wait_for_load_state()
        assert "邀请已发送" in page.locator(".flash").inner_text()
        shot(page, "12-invited")
        assert invited_name
    assert person_name
