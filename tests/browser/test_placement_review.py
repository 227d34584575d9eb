"""In Debian chromium: a caseworker corrects the date a hard-to-employ status was granted to
after the day the person started on a public-welfare post; the placement shows it awaits
review (the engine's reason), the desk lists it, and the caseworker keeps it with the reason.
Phone (390x844) and desktop (1366x900): artifacts/screenshots/review-*.png."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from marketplace import clock, create_app
from marketplace.cli import upgrade_database
from marketplace.core.models import Organisation, Posting, Profile, User
from marketplace.welfare import hard_to_employ, placements, registrations
from marketplace.welfare.models import Placement
from tests.browser_fixtures import login, serving, shot

pytestmark = pytest.mark.browser
SIZES = {"phone": (390, 844), "desktop": (1366, 900)}


@pytest.fixture(scope="module")
def review_server(tmp_path_factory):
    app = create_app({"ENV": "testing", "INSTANCE_DIR": str(tmp_path_factory.mktemp("live-review")),
                      "SECRET_KEY": "browser-test-secret"})
    upgrade_database(app)
    pw = generate_password_hash("demo12345", method="pbkdf2:sha256:1000")
    today = clock.today()
    with app.app_context(), app.extensions["db"].unit_of_work() as s:
        org = Organisation(name="望花区社区服务中心", district="望花区", credit_code="12210400000000088X",
                           org_type="public_institution", verification_status="verified")
        s.add(org)
        s.flush()
        cw = User(username="cw-r", password_hash=pw, display_name="钱经办", role="caseworker", district="望花区")
        s.add(cw)
        s.flush()
        post = Posting(organisation_id=org.id, created_by_id=cw.id, kind="public_welfare", status="published",
                       title="社区保洁", description="负责社区公共区域保洁。", skills=["保洁"], district="望花区",
                       headcount=2, term_months=12, temporary=False)
        person = Profile(name="孙安置", gender="男", birth_on=dt.date(1975, 3, 1), district="望花区", education=2,
                         skills=["保洁"])
        s.add_all([post, person])
        s.flush()
        registrations.register(s, cw, profile_id=person.id, basis="residence", district="望花区",
                               registered_on=today - dt.timedelta(days=60), today=today - dt.timedelta(days=60))
        status = hard_to_employ.grant_hte(s, cw, person.id, "registered", note="认定证明 2020-001",
                                          today=today - dt.timedelta(days=60))
        pl = placements.place(s, cw, post.id, person.id, fund="employment_subsidy_fund", today=today - dt.timedelta(days=30))
        info = {"profile_id": person.id, "status_id": status.id, "placement_id": pl.id}
    with serving(app, threads=4) as base:
        yield base, app, info


def test_a_correction_puts_the_placement_up_for_review_and_the_caseworker_keeps_it(review_server, page):
    base, app, info = review_server
    today = clock.today()
    login(page, base, "cw-r")
    page.goto(f"{base}/caseworker/people/{info['profile_id']}")
    box = page.locator(f"[data-test=correct-hte-{info['status_id']}]")
    box.locator("summary").click()
    box.locator("input[name=granted_on]").fill((today - dt.timedelta(days=10)).isoformat())
    box.locator("input[name=reason]").fill("认定日期录入有误，以认定证明为准")
    box.locator("button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"{base}/caseworker/people/{info['profile_id']}#placements")
    review = page.locator("[data-test=placement-review]")
    assert "不在就业困难人员认定有效期内" in review.inner_text()
    for label, (w, h) in SIZES.items():
        page.set_viewport_size({"width": w, "height": h})
        page.reload()
        page.locator("[data-test=placement-review]").scroll_into_view_if_needed()
        page.screenshot(path=f"artifacts/screenshots/review-01-person-{label}.png")
    page.goto(f"{base}/welfare/desk")
    assert "社区保洁" in page.locator("[data-test=to-review]").inner_text()
    shot(page, "review-02-desk-desktop")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/caseworker/people/{info['profile_id']}#placements")
    page.locator("[data-test=placement-review] input[name=reason]").fill("上岗时另有认定材料，已复核")
    page.locator("[data-test=keep-placement]").click()
    page.wait_for_load_state()
    assert page.locator("[data-test=placement-review]").count() == 0
    assert "已保留该安置" in page.content()
    with app.app_context(), app.extensions["db"].unit_of_work(write=False) as s:
        assert s.scalar(select(Placement.review).where(Placement.id == info["placement_id"])) == {}
        assert s.scalar(select(User.id).where(User.username == "cw-r")) is not None
