"""Each role's day starts on its own page, on a phone (390×844) and on a desk screen
(1366×900); on the phone the navigation folds into one menu line instead of three rows.
Screenshots: artifacts/screenshots/role-<role>-<width>.png and role-<role>-390-menu.png."""
from __future__ import annotations

import pytest

from tests.browser.conftest import login, shot

pytestmark = pytest.mark.browser

ROLES = [("graduate", "/me/applications"), ("employer", "/employer"), ("agency", "/agency/introductions"),
         ("caseworker", "/welfare/desk"), ("organiser", "/organiser/fairs"), ("admin", "/admin/users")]


@pytest.mark.parametrize("width, height", [(390, 844), (1366, 900)])
@pytest.mark.parametrize("username, landing", ROLES)
def test_each_role_lands_on_its_page(live_server, browser, username, landing, width, height):
    base, _app = live_server
    ctx = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(15000)
    try:
        login(page, base, username)
        assert page.url.split("?")[0] == base + landing, page.url
        assert page.locator("h1").first.is_visible()
        assert page.locator("h1").first.inner_text() not in ("500", "404", "403")
        header = page.locator("header.top").bounding_box()
        if width < 720:
            # folded: the brand and the menu button on one line
            assert header["height"] < 80, header
            assert page.locator("#site-nav").is_hidden()
            shot(page, f"role-{username}-{width}")
            page.click("[data-test=menu-button]")
            assert page.locator("#site-nav").is_visible()
            assert page.locator("[data-test=logout]").is_visible()
            shot(page, f"role-{username}-{width}-menu")
        else:
            assert page.locator("[data-test=menu-button]").is_hidden()
            assert page.locator("#site-nav").is_visible() and page.locator("[data-test=logout]").is_visible()
            shot(page, f"role-{username}-{width}")
    finally:
        ctx.close()
