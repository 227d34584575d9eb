"""In a real browser at phone width (390x844): an employer sees the bell with the unread
count in the navigation, opens the centre, opens one notification (it goes to its link and
the count drops) and marks all read. Screenshots: artifacts/screenshots/notifications-*.png."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace import create_app
from marketplace.cli import upgrade_database
from marketplace.core import demo
from marketplace.core.models import User
from marketplace.notifications import notify
from tests.browser_fixtures import login, serving, shot

pytestmark = pytest.mark.browser


def test_bell_at_phone_width(browser, tmp_path):
    app = create_app({"ENV": "testing", "INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "browser-test-secret"})
    upgrade_database(app)
    with app.extensions["db"].unit_of_work() as s:
        demo.load(s, app.extensions["cipher"])
        hr = s.scalar(select(User).where(User.username == "employer"))
        for i, title in enumerate(("焊工", "仓库管理员", "数控车工"), 1):
            notify(s, hr.id, "application_received", f"browser:{i}", f"“{title}”收到一份新的申请",
                   f"a new application for “{title}”", "/employer")
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(10000)
    try:
        with serving(app) as base:
            login(page, base, "employer")
            page.goto(f"{base}/employer")
            assert page.inner_text("[data-test=bell-count]") == "3"
            box = page.locator("[data-test=bell]").bounding_box()
            assert box is not None and box["x"] + box["width"] <= 390  # on the screen, not pushed off it
            shot(page, "notifications-bell-phone")
            page.click("[data-test=bell]")
            page.wait_for_load_state()
            assert page.locator("[data-test=notification]").count() == 3
            assert "数控车工" in page.locator("[data-test=notification]").first.inner_text()
            shot(page, "notifications-centre-phone")
            page.locator("[data-test=open]").first.click()
            page.wait_for_load_state()
            assert page.url.endswith("/employer")
            assert page.inner_text("[data-test=bell-count]") == "2"
            page.click("[data-test=bell]")
            page.click("[data-test=read-all]")
            page.wait_for_load_state()
            assert page.locator("[data-test=bell-count]").count() == 0
            assert page.locator("li.unread").count() == 0
            shot(page, "notifications-read-phone")
    finally:
        ctx.close()
