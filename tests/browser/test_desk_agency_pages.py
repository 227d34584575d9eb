"""Issue 16 in a real browser, on a phone (390×844) and a desktop (1366×900): the demo HR
agency claims its R7 referral subsidy from its own page and the district caseworker finds
the claim in the review queue; the caseworker's one page of a person (sections, the old
address sent there); the walk-in form meeting an ID number on file (a link to the person
in the district, only the district's name for anyone else). Screenshots in
/tmp/shots/b16-desk/."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from marketplace import create_app
from marketplace.app import load_demo_extras
from marketplace.cli import upgrade_database
from marketplace.core import demo
from marketplace.core.models import Application, Profile, User
from marketplace.internships.models import Introduction, SubsidyClaim
from tests.browser_fixtures import login, nav_click, serving

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/b16-desk")
SIZES = {"phone": (390, 844), "desktop": (1366, 900)}


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def desk_server(tmp_path_factory):
    """The demo on a server of its own (the agency's claim changes it). The demo's training
    set moves the 2020 plan into the present, so the demo agency's referral hire (today,
    with the employer's contract and make-up social insurance) is payable under R7 today."""
    app = create_app({"ENV": "testing", "INSTANCE_DIR": str(tmp_path_factory.mktemp("desk")),
                      "SECRET_KEY": "browser-test-secret"})
    upgrade_database(app)
    with app.extensions["db"].unit_of_work() as s:
        demo.load(s, app.extensions["cipher"])
        load_demo_extras(s, app.extensions["cipher"])
        agency = s.scalar(select(User).where(User.username == "agency"))
        intro = s.scalar(select(Introduction).where(Introduction.organisation_id == agency.organisation_id,
                                                    Introduction.answer == "accepted"))
        hire = s.scalar(select(Application).where(Application.profile_id == intro.profile_id,
                                                  Application.posting_id == intro.posting_id))
        info = {"hire": hire.id, "person": s.get(Profile, intro.profile_id).name}
    with serving(app, threads=4) as base:
        yield base, app, info


@pytest.fixture(params=list(SIZES))
def sized(request, browser):
    w, h = SIZES[request.param]
    ctx = browser.new_context(viewport={"width": w, "height": h}, locale="zh-CN")
    pg = ctx.new_page()
    pg.set_default_timeout(10000)
    yield request.param, pg
    ctx.close()


def test_the_agency_claims_its_referral_and_the_caseworker_sees_it(desk_server, sized):
    base, app, info = desk_server
    size, page = sized
    login(page, base, "agency")
    assert "/agency/introductions" in page.url  # the agency's landing page links to its claims
    assert page.locator("[data-test=to-referral-claims] a").count() == 1
    nav_click(page, "[data-test=nav-referral-claims]")
    page.wait_for_load_state()
    assert page.url.endswith("/agency/claims")
    assert page.locator("h1").inner_text() == "职业介绍补贴申领"
    offer = page.locator(f"[data-offer='{info['hire']}']")
    if size == "phone":  # the first size claims; the second finds the claim made
        assert info["person"] in offer.inner_text()
        assert "R7可支付200.00元" in offer.locator("[data-test=would-pay]").inner_text()
        assert page.locator("input[name=monthly_amount], input[name=hire_on]").count() == 0
        shot(page, f"agency-claims-{size}")
        offer.locator("[data-test=referral-claim]").click()
        page.wait_for_load_state()
        assert "已提交" in page.locator(".flash").inner_text()
    assert offer.count() == 0
    row = page.locator("tr[data-claim]").first
    assert "已提交" in row.inner_text() and "200.00" in row.inner_text()
    shot(page, f"agency-claimed-{size}")
    with app.extensions["db"].unit_of_work() as s:
        claim = s.scalar(select(SubsidyClaim).where(SubsidyClaim.application_id == info["hire"],
                                                    SubsidyClaim.kind == "referral_r7"))
        claim_id = claim.id

    login(page, base, "caseworker")
    page.goto(base + "/caseworker/claims")
    card = page.locator(f"[data-claim='{claim_id}']")
    assert "职业介绍补贴（R7）" in card.inner_text() and info["person"] in card.inner_text()
    card.scroll_into_view_if_needed()
    shot(page, f"caseworker-queue-{size}")


def test_the_caseworkers_one_page_of_a_person(desk_server, sized):
    base, app, _info = desk_server
    size, page = sized
    with app.extensions["db"].unit_of_work() as s:
        p = s.scalar(select(Profile).where(Profile.district == "望花区", Profile.user_id.is_not(None))
                     .order_by(Profile.id))
        pid, name = p.id, p.name
    login(page, base, "caseworker")
    page.goto(f"{base}/caseworker/profiles/{pid}")  # an old bookmark
    page.wait_for_load_state()
    assert page.url.endswith(f"/caseworker/people/{pid}")
    assert name in page.locator("[data-test=person-name]").inner_text()
    sections = page.locator("section[data-section]").evaluate_all("els => els.map(e => e.id)")
    for key in ("profile", "categories", "registration", "applications", "internships", "contact", "corrections"):
        assert key in sections
    assert page.locator("[data-test=profile-facts]").is_visible()
    assert not page.locator("[data-test=profile-form]").is_visible()  # folded until a correction is needed
    page.click("[data-test=correct-profile] summary")
    assert page.locator("[data-test=profile-form]").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES[size][0] + 1  # nothing wider than the screen
    shot(page, f"person-page-{size}")
    page.click("[data-test=person-sections] a[href='#contact']")
    assert page.locator("#contact [data-test=reveal-form]").is_visible()


def test_the_walk_in_form_meets_an_id_number_on_file(desk_server, sized):
    base, app, _info = desk_server
    size, page = sized
    cipher = app.extensions["cipher"]
    with app.extensions["db"].unit_of_work() as s:
        mine = s.scalar(select(Profile).where(Profile.district == "望花区", Profile.id_number_enc.is_not(None))
                        .order_by(Profile.id))
        far = s.scalar(select(Profile).where(Profile.district == "顺城区", Profile.id_number_enc.is_not(None))
                       .order_by(Profile.id))
        mine_id, mine_name, mine_no = mine.id, mine.name, cipher.decrypt(mine.id_number_enc)
        far_name, far_no = far.name, cipher.decrypt(far.id_number_enc)
        before = s.query(Profile).count()
    login(page, base, "caseworker")
    for number, case in ((mine_no, "district"), (far_no, "elsewhere")):
        page.goto(base + "/caseworker/profiles/new")
        page.fill("input[name=name]", "赵来访")
        page.fill("input[name=id_number]", number)
        page.fill("input[name=birth_on]", f"{number[6:10]}-{number[10:12]}-{number[12:14]}")  # as on the card
        page.fill("input[name=major]", "会计")
        page.click("[data-test=save-profile]")
        page.wait_for_load_state()
        error = page.locator("[data-test=error-message]")
        assert page.locator("input[name=major]").input_value() == "会计"  # the typed form is kept
        if case == "district":
            link = error.locator("[data-test=existing-person]")
            assert mine_name in error.inner_text() and link.get_attribute("href") == f"/caseworker/people/{mine_id}"
        else:
            assert "顺城区" in error.inner_text() and far_name not in page.content()
            assert error.locator("a").count() == 0
        error.scroll_into_view_if_needed()
        shot(page, f"walk-in-{case}-{size}")
    link = page  # follow the in-district link once, on the last size
    if size == "desktop":
        page.goto(base + f"/caseworker/people/{mine_id}")
        assert mine_name in link.locator("[data-test=person-name]").inner_text()
    with app.extensions["db"].unit_of_work() as s:
        assert s.query(Profile).count() == before  # nothing created
