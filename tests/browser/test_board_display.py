"""Issue 16, in a real browser on the demo data: the demo organiser makes the hall display link
on its page (on a phone, 390×844, and a desk screen, 1366×900), a screen opens it without
logging in at 1920×1080 and at 3840×2160 (device scale 1): no navigation, numbers large
enough to read across the hall, the board filling the screen on both, only masked names of
the demo people (never their names, ID numbers or phones); revoking the link turns the open
screen into the "no longer valid" page at its next refresh.
Screenshots: /tmp/shots/b16-board/."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from marketplace.core.models import Profile
from marketplace.documents import mask_name
from marketplace.fairs.demo import NAME as DEMO_FAIR
from marketplace.fairs.models import Fair, FairRegistration
from tests.browser.conftest import login

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/b16-board")


def snap(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def demo_fair(app) -> tuple[int, list[dict]]:
    cipher = app.extensions["cipher"]
    with app.extensions["db"].unit_of_work() as s:
        fair_id = s.scalar(select(Fair.id).where(Fair.name == DEMO_FAIR))
        people = [{"name": p.name, "id_number": cipher.decrypt(p.id_number_enc), "phone": cipher.decrypt(p.phone_enc),
                   "checked_in": at is not None}
                  for p, at in s.execute(select(Profile, FairRegistration.checked_in_at)
                                         .join(FairRegistration, FairRegistration.profile_id == Profile.id)
                                         .where(FairRegistration.fair_id == fair_id))]
    return fair_id, people


def fits(page) -> dict:
    return page.evaluate("""() => ({w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight,
                                    vw: window.innerWidth, vh: window.innerHeight})""")


def test_the_hall_display_fills_1080p_and_4k_screens_and_stops_when_revoked(live_server, browser):
    base, app = live_server
    fair_id, people = demo_fair(app)
    assert len([p for p in people if p["checked_in"]]) >= 3
    links = {}
    for width, height in ((390, 844), (1366, 900)):
        ctx = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        page = ctx.new_page()
        page.set_default_timeout(15000)
        try:
            login(page, base, "organiser")
            page.goto(f"{base}/organiser/fairs/{fair_id}")
            if width == 390:  # the hall gets interviews under way: an allocation round from the fair's page
                page.click("[data-test=allocate]")
                page.wait_for_load_state()
            page.click("[data-test=display-link]")
            assert page.locator("h1").first.inner_text() == "大屏展示链接"
            page.click("[data-test=make-link]")
            page.wait_for_load_state()
            url = page.locator("[data-test=display-url]").input_value()
            assert "/fairs/hall/" in url and page.locator("[data-test=display-link-live]").is_visible()
            size = fits(page)
            assert size["w"] <= size["vw"], size  # nothing wider than a phone
            snap(page, f"link-page-{width}")
            links[width] = url
        finally:
            ctx.close()
    url = links[1366]  # the second link replaced the first
    seen = {}
    for width, height in ((1920, 1080), (3840, 2160)):
        ctx = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1, locale="zh-CN")
        page = ctx.new_page()
        page.set_default_timeout(15000)
        try:
            r = page.goto(links[390])
            assert r.status == 410 and "此展示链接已失效" in page.content()
            r = page.goto(url)
            assert r.status == 200 and r.headers["referrer-policy"] == "no-referrer"
            assert page.locator("nav").count() == 0 and page.locator("header.top").count() == 0
            assert page.locator("[data-test=menu-button]").count() == 0 and page.locator("form").count() == 0
            text = page.locator("body").inner_text()
            for p in people:
                assert p["name"] not in text, p["name"]
                assert p["id_number"] and p["id_number"] not in text and p["id_number"][-4:] not in text
                assert p["phone"] and p["phone"] not in text and p["phone"][-4:] not in text
            arrived = page.locator("[data-test=display-latest] .who").all_inner_texts()
            assert arrived and set(arrived) <= {mask_name(p["name"]) for p in people if p["checked_in"]}
            assert page.locator("[data-test=display-now] .who").count() >= 1  # the allocation round's first slot
            assert page.locator("[data-test=display-legend]").is_visible()
            number = page.locator("[data-test=display-checked-in]")
            px = float(number.evaluate("e => getComputedStyle(e).fontSize").removesuffix("px"))
            seen[width] = px
            assert px >= 40 * width / 1920, (width, px)
            # the board fills the screen, and nothing runs off it
            size = fits(page)
            assert size["w"] <= size["vw"] and size["h"] <= size["vh"], size
            legend = page.locator("[data-test=display-legend]").bounding_box()
            assert height * 0.95 <= legend["y"] + legend["height"] <= height, legend  # at the foot, on screen
            panels = page.locator(".hall-panels").bounding_box()
            assert panels["y"] + panels["height"] >= height * 0.85, panels  # no empty band above the legend
            snap(page, f"display-{width}x{height}")
        finally:
            ctx.close()
    assert seen[3840] >= 1.9 * seen[1920], seen  # the 4K screen shows the same board at twice the size
    # revoked while a screen shows it: the screen says so at its next refresh (every 5 s)
    screen_ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    org_ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    try:
        screen = screen_ctx.new_page()
        screen.goto(url)
        org = org_ctx.new_page()
        login(org, base, "organiser")
        org.goto(f"{base}/organiser/fairs/{fair_id}/display")
        org.click("[data-test=revoke-link]")
        org.wait_for_load_state()
        assert org.locator("[data-test=display-link-none]").is_visible()
        screen.wait_for_selector("[data-test=display-gone]", timeout=20000)
        assert "请向招聘会组织者索取新的链接" in screen.locator("body").inner_text()
        snap(screen, "display-gone-1920")
    finally:
        screen_ctx.close()
        org_ctx.close()
