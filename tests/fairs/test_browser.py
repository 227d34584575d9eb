"""In a real browser (Debian chromium; one browser context per person, as on their own phones or
desks): an organiser creates a fair, two employers apply for booths and are approved, three
people register and show their QR codes, the desk checks them in, rankings appear live on the
people's and booths' pages, people ask booths and a booth invites, the organiser runs an
allocation round, a booth records an intent to hire, and the hall board follows along without
reloading. Screenshots go to artifacts/screenshots/fairs-*.png."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from marketplace import clock, create_app
from marketplace.app import load_demo_extras
from marketplace.cli import upgrade_database
from marketplace.core import demo, recommend
from marketplace.core.models import Posting, Profile, User
from matching.fair import FairMatcher
from tests.browser_fixtures import CHROMIUM, login, serving, shot  # noqa: F401  (the browser fixture is global)

pytestmark = pytest.mark.browser
LIVE_MS = 8000  # "within a second" in the app; generous here for a loaded two-core machine


@pytest.fixture(scope="module")
def fair_server(tmp_path_factory):

    instance = tmp_path_factory.mktemp("live-fairs")
    app = create_app({"ENV": "testing", "INSTANCE_DIR": str(instance), "SECRET_KEY": "browser-test-secret"})
    upgrade_database(app)
    today = clock.today()
    with app.extensions["db"].unit_of_work() as s:
        demo.load(s, app.extensions["cipher"])
        load_demo_extras(s, app.extensions["cipher"])
        a = s.scalar(select(User).where(User.username == "employer"))
        posts_a = list(s.scalars(select(Posting).where(Posting.organisation_id == a.organisation_id,
                                                       Posting.status == "published").order_by(Posting.id).limit(2)))
        b = None
        for hr in s.scalars(select(User).where(User.username.like("hr%")).order_by(User.id)):
            posts_b = list(s.scalars(select(Posting).where(Posting.organisation_id == hr.organisation_id,
                                                           Posting.status == "published", Posting.kind == "job")
                                     .order_by(Posting.id).limit(2)))
            if posts_b:
                b = hr
                break
        # three people who match both booths (and warm the encoder's cache for the app)
        posts = [recommend.posting_data(p, today) for p in posts_a + posts_b]
        booth_of = {p.id: ("A" if k < len(posts_a) else "B") for k, p in enumerate(posts)}
        enc = app.extensions["runtime"].encoder
        m = FairMatcher(posts, booth_of, encoder=enc, today=today)
        chosen = []
        for prof in s.scalars(select(Profile).join(User, User.id == Profile.user_id)
                              .where(User.role == "person").order_by(Profile.id).limit(30)):
            m.check_in(recommend.profile_data(prof, today))
            if {bb for bb, _, _ in m.for_person(str(prof.id)).booths} == {"A", "B"}:
                chosen.append(s.get(User, prof.user_id).username)
            if len(chosen) == 3:
                break
        assert len(chosen) == 3, chosen
        info = {"a": a.username, "b": b.username, "a_post": posts_a[0].id, "b_post": posts_b[0].id,
                "people": chosen, "a_org": a.organisation.name, "b_org": b.organisation.name}
    with serving(app, threads=32) as base:
        yield base, app, info



def test_two_booths_three_people_live(fair_server, browser):  # noqa: F811
    base, app, info = fair_server
    contexts = []

    def new_page(width=412, height=915):
        ctx = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        contexts.append(ctx)
        pg = ctx.new_page()
        pg.set_default_timeout(15000)
        return pg

    try:
        org = new_page(1280, 900)
        login(org, base, "organiser")
        org.goto(f"{base}/organiser/fairs")
        org.fill("input[name=name]", "浏览器测试双选会")
        org.fill("input[name=held_on]", clock.today().isoformat())
        org.fill("input[name=venue]", "抚顺市人力资源市场")
        org.fill("input[name=slots]", "09:00-09:30, 09:30-10:00, 10:00-10:30")
        org.click("[data-test=new-fair] button[type=submit]")
        fair_url = org.url
        fid = int(fair_url.rstrip("/").split("/")[-1])
        shot(org, "fairs-01-created")

        booths = {}
        for key, user, post in (("a", info["a"], info["a_post"]), ("b", info["b"], info["b_post"])):
            pg = new_page(1024, 900)
            login(pg, base, user)
            pg.goto(f"{base}/employer/fairs")
            sec = pg.locator(f"section[data-fair='{fid}']")
            sec.locator(f"input[name=posting_id][value='{post}']").check()
            sec.locator("input[name=recruiters]").fill("1")
            sec.locator("[data-test=apply-booth] button[type=submit]").click()
            expect(pg.locator(f"section[data-fair='{fid}'] [data-test=booth-status]")).to_have_text("待审核")
            booths[key] = pg
        shot(booths["a"], "fairs-02-booth-applied")

        org.goto(fair_url)
        for n in range(2):
            org.locator("[data-test=booths] tr", has=org.locator("[data-test=approve]")).first.locator(
                "input[name=place]").fill(f"A{n + 1}")
            org.locator("[data-test=approve]").first.click()
        expect(org.locator("[data-test=booths] .booth-approved")).to_have_count(2)
        shot(org, "fairs-03-booths-approved")

        for pg in booths.values():
            pg.goto(f"{base}/employer/fairs")
            pg.locator(f"section[data-fair='{fid}'] [data-test=booth-link]").click()
            expect(pg.locator("[data-test=people]")).to_contain_text("还没有人签到")

        people = []
        for username in info["people"]:
            pg = new_page()
            login(pg, base, username)
            pg.goto(f"{base}/me/fairs")
            pg.locator(f"[data-fair='{fid}'] [data-test=register]").click()
            expect(pg.locator("[data-test=qr] svg")).to_have_count(1)
            people.append(pg)
        shot(people[0], "fairs-04-person-qr")

        board = org.context.new_page()
        board.set_default_timeout(15000)
        board.goto(f"{base}/fairs/{fid}/board")
        expect(board.locator("[data-test=board-checked-in]")).to_have_text("0")

        desk = org
        desk.goto(f"{base}/organiser/fairs/{fid}/desk")
        for k, pg in enumerate(people):
            token = pg.locator("[data-test=token]").text_content().strip()
            desk.fill("[data-test=checkin-value]", token)
            desk.click("[data-test=checkin]")
            expect(desk.locator(".flash.ok")).to_contain_text("已签到")
            # the person's page turns from the QR into ranked booths, the booths' lists and the
            # hall board grow, all without a reload
            pg.locator("[data-test=ranked-booths] li.card").first.wait_for(timeout=LIVE_MS)
            board.locator(f"[data-test=board-checked-in]:text-is('{k + 1}')").wait_for(timeout=LIVE_MS)
            for bp in booths.values():
                bp.locator(f"[data-test=people] li.card >> nth={k}").wait_for(timeout=LIVE_MS)
        shot(desk, "fairs-05-desk")
        shot(people[0], "fairs-06-person-ranked")
        shot(booths["a"], "fairs-07-booth-a-ranked")
        assert "技能" in people[0].locator("[data-test=ranked-booths]").inner_text() or \
            people[0].locator("[data-test=ranked-booths] .why").count() >= 1

        # requests both ways: two people ask booth A, booth B invites the third person
        for pg in people[:2]:
            pg.locator("[data-test=ranked-booths] li.card", has_text=info["a_org"]).locator(
                "[data-test=request]").click()
            expect(pg.locator("[data-test=schedule]")).to_contain_text("待安排")
        booths["a"].locator("[data-test=queue] tr[data-interview]").nth(1).wait_for(timeout=LIVE_MS)
        third = booths["b"].locator("[data-test=people] li.card").filter(
            has=booths["b"].locator("[data-test=invite]")).first
        third_name = third.locator("h3").inner_text().split(" ")[0]
        third.locator("[data-test=invite]").click()
        expect(booths["b"].locator("[data-test=queue] tr[data-interview]")).to_have_count(1)
        shot(booths["b"], "fairs-08-booth-b-invited")

        org.goto(fair_url)
        org.click("[data-test=allocate]")
        expect(org.locator(".flash.ok")).to_contain_text("3")
        shot(org, "fairs-09-allocated")
        board.locator("[data-test=board-confirmed]:text-is('3')").wait_for(timeout=LIVE_MS)
        for pg in people[:2]:
            pg.locator("[data-test=schedule] .iv-confirmed").first.wait_for(timeout=LIVE_MS)
        slots = [pg.locator("[data-test=schedule] tbody tr", has_text=info["a_org"]).locator("td").first.inner_text()
                 for pg in people[:2]]
        assert len(set(slots)) == 2, slots  # booth A has one recruiter: one interview per slot
        shot(people[1], "fairs-10-person-schedule")

        row = booths["b"].locator("[data-test=queue] tr[data-interview]", has_text=third_name)
        row.locator(".iv-confirmed").wait_for(timeout=LIVE_MS)
        row.locator("[data-test=outcome-select]").select_option("intent")
        row.locator("[data-test=outcome]").click()
        board.locator("[data-test=board-intents]:text-is('1')").wait_for(timeout=LIVE_MS)
        expect(board.locator("[data-test=board-intent-list]")).to_contain_text(info["b_org"])
        assert board.locator("[data-test=board-now] li").count() >= 1
        shot(board, "fairs-11-board")

        org.goto(f"{base}/organiser/fairs/{fid}/report")
        expect(org.locator("[data-test=chart-groups]")).to_be_visible()
        assert org.locator("[data-test=chart-groups] rect").count() >= 3
        shot(org, "fairs-12-report")
        people[0].goto(f"{base}/me/fairs/{fid}?lang=en")
        expect(people[0].locator("h2", has_text="Booths for you")).to_be_visible()
        shot(people[0], "fairs-13-person-en")
    finally:
        for ctx in contexts:
            ctx.close()
