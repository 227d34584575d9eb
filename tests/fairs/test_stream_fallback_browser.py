"""In a real browser: when the server's event streams are full, a live page is refused (503 with
Retry-After), polls its fragment every 5 s instead, tries the stream again later, and once the
stream is back it stops polling and follows the events. The page's clock is Playwright's, so
the 5 s polls and the 30 s retry happen when the test says so."""
from __future__ import annotations

import json
import urllib.request

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.fairs import checkin
from marketplace.fairs.models import FairRegistration
from marketplace.fairs.pages import stream_slots
from tests.browser_fixtures import CHROMIUM, login, serving  # noqa: F401  (the browser fixture is global)
from tests.fairs.test_streams import _until_streams_end, demo_server  # noqa: F401  (demo_server: a fixture)

pytestmark = pytest.mark.browser
LIVE_MS = 8000


def _check_in(base: str, app, fid: int, token: str, reg) -> None:
    req = urllib.request.Request(f"{base}/api/v1/fairs/{fid}/checkins", method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        data=json.dumps({"token": checkin.checkin_token(app.config["SECRET_KEY"], reg)}).encode())
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 201


def test_refused_live_page_polls_then_returns_to_the_stream(demo_server, browser):  # noqa: F811

    app, fid = demo_server
    with app.extensions["db"].unit_of_work() as s:
        waiting = list(s.scalars(select(FairRegistration).where(FairRegistration.fair_id == fid,
                                                                FairRegistration.checked_in_at.is_(None))
                                 .order_by(FairRegistration.id).limit(2)))
        s.expunge_all()
        arrived = s.query(FairRegistration).filter(FairRegistration.fair_id == fid,
                                                   FairRegistration.checked_in_at.is_not(None)).count()
    assert len(waiting) == 2
    cfg = app.config["MARKETPLACE"]
    cfg.FAIR_STREAM_MAX = 1
    app.config["FAIR_STREAM_SECONDS"] = 5  # so that the page's stream has ended when the test server stops
    slots = stream_slots(app)
    assert slots.take(1)  # another phone holds the one stream this server allows
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        with serving(app, threads=8) as base:
            with urllib.request.urlopen(urllib.request.Request(
                    f"{base}/api/v1/auth/token", data=json.dumps({"username": "organiser", "password": "demo12345"})
                    .encode(), headers={"Content-Type": "application/json"}), timeout=30) as r:
                token = json.load(r)["token"]
            page = ctx.new_page()
            page.set_default_timeout(15000)
            page.clock.install()
            login(page, base, "organiser")
            partial_fetches = []
            page.on("request", lambda r: partial_fetches.append(r.url) if "partial=1" in r.url else None)
            with page.expect_response(lambda r: "/events" in r.url) as refused:
                page.goto(f"{base}/fairs/{fid}/board")
            assert refused.value.status == 503 and refused.value.headers["retry-after"] == "30"
            count = page.locator("[data-test=board-checked-in]")
            expect(count).to_have_text(str(arrived))

            # refused: the page polls; a check-in shows within one 5 s poll
            _check_in(base, app, fid, token, waiting[0])
            page.clock.run_for(5500)
            expect(count).to_have_text(str(arrived + 1), timeout=LIVE_MS)

            # the other phone leaves; the page tries the stream again after 30 s (±25 %)
            slots.give()
            with page.expect_response(lambda r: "/events" in r.url) as reopened:
                page.clock.run_for(40000)
            assert reopened.value.status == 200
            page.clock.run_for(1000)
            # live again: no more polling (the 30 s safety net, and a catch-up when a 5 s stream
            # ends and reopens, may each fetch once in these 20 s) ...
            partial_fetches.clear()
            page.clock.run_for(20000)
            assert len(partial_fetches) <= 2, partial_fetches  # polling would be 4
            # ... and a check-in reaches the page through the stream, without advancing the clock
            _check_in(base, app, fid, token, waiting[1])
            expect(count).to_have_text(str(arrived + 2), timeout=LIVE_MS)
            ctx.close()
            assert _until_streams_end(app) == 0
    finally:
        app.config.pop("FAIR_STREAM_SECONDS")
        cfg.FAIR_STREAM_MAX = 0
        if slots.open:
            slots.open = 0
