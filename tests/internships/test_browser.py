"""In a real browser (Debian chromium, phone-sized): an employer hires an intern, signs the
agreement, records an epidemic interruption, signs a labour contract early and claims;
a caseworker approves the claim with the policy decision beside it. The business date is
pinned to 2020 (the rules' window) and moved along as the story goes. Screenshots go to
artifacts/screenshots/internships-*.png."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from marketplace import create_app
from marketplace.app import load_demo_extras
from marketplace.cli import upgrade_database
from marketplace.core import demo
from marketplace.core.models import Application, ApplicationEvent, Posting, Profile, User
from marketplace.internships import agreements as internships
from marketplace.internships.models import InternshipAgreement, Introduction
from tests.browser_fixtures import login, nav_click, serving, shot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def intern_server(tmp_path_factory):

    instance = tmp_path_factory.mktemp("live-internships")
    app = create_app({"ENV": "testing", "INSTANCE_DIR": str(instance), "SECRET_KEY": "browser-test-secret",
                      "extra": {"TODAY": "2020-03-01"}})
    upgrade_database(app)
    with app.app_context(), app.extensions["db"].unit_of_work() as s:  # the demo dated on the pinned business date
        demo.load(s, app.extensions["cipher"])
        load_demo_extras(s, app.extensions["cipher"])
        hr = s.scalar(select(User).where(User.username == "employer"))
        posting = s.scalar(select(Posting).where(Posting.organisation_id == hr.organisation_id,
                                                 Posting.kind == "internship"))
        posting.headcount = 20
        taken = set(s.scalars(select(InternshipAgreement.profile_id)))
        person = next(p for p in s.scalars(select(Profile).where(Profile.education >= 4).order_by(Profile.id.desc()))
                      if p.id not in taken and internships.cohorts_of(p, dt.date(2020, 3, 1)))
        app_row = s.scalar(select(Application).where(Application.posting_id == posting.id,
                                                     Application.profile_id == person.id))
        if app_row is None:
            app_row = Application(posting_id=posting.id, profile_id=person.id, stage="offer")
            app_row.events.append(ApplicationEvent(from_stage=None, to_stage="applied", actor_id=person.user_id))
            s.add(app_row)
        app_row.stage = "offer"
        s.flush()
        reviewer = s.scalar(select(User.username).where(User.role == "caseworker",
                                                        User.district == hr.organisation.district))
        info = {"posting_id": posting.id, "name": person.name, "reviewer": reviewer}
    with serving(app, threads=4) as base:
        yield base, app, info



def test_employer_to_caseworker(intern_server, page):  # noqa: F811
    base, app, info = intern_server
    extra = app.config["MARKETPLACE"].extra

    login(page, base, "employer")
    page.goto(f"{base}/employer/postings/{info['posting_id']}")
    row = page.locator("tr[data-application]", has_text=info["name"])
    row.locator("select[name=stage]").select_option("hired")
    row.locator("[data-test=move]").click()
    page.wait_for_load_state()

    nav_click(page, "[data-test=nav-internships]")
    form = page.locator("[data-test=new-agreement]", has_text=info["name"])
    form.locator("input[name=start_on]").fill("2020-03-01")
    form.locator("input[name=period_months]").fill("6")
    form.locator("[data-test=sign]").click()
    page.wait_for_load_state()
    assert page.locator("[data-test=agreement-status]").inner_text() == "见习中"
    agreement_url = page.url
    shot(page, "internships-01-agreement-signed")

    extra["TODAY"] = "2020-04-20"
    page.goto(agreement_url)
    page.fill("input[name=from_on]", "2020-03-10")
    page.fill("input[name=last_day_off]", "2020-04-09")
    page.select_option("select[name=reason]", "epidemic")
    page.fill("input[name=note]", "疫情防控停工")
    page.click("[data-test=add-interruption]")
    page.wait_for_load_state()
    assert page.locator("[data-test=extended-end]").inner_text() == "2020-10-02"
    assert "2020-04-10" in page.locator("[data-test=interruption]").inner_text()
    shot(page, "internships-02-epidemic-interruption")

    extra["TODAY"] = "2020-08-20"
    page.goto(f"{base}/employer/internships")
    mine = page.locator("tr[data-agreement]", has_text=info["name"])
    assert mine.locator("[data-test=contract-today]").inner_text() == "9000.00"
    assert mine.locator("[data-test=full-from]").inner_text() == "2020-08-02"  # 61 of 184 days left from here (3 × 61 < 184)
    shot(page, "internships-03-dashboard")

    page.goto(agreement_url)
    page.locator("[data-test=contract-form] input[name=on]").fill("2020-08-20")
    page.click("[data-test=sign-contract]")
    page.wait_for_load_state()
    assert page.locator("[data-test=entitlement]").inner_text() == "9000.00"
    assert "不足1/3" in page.locator("[data-test=reason]").inner_text()
    shot(page, "internships-04-early-contract-R4")
    page.click("[data-test=claim]")
    page.wait_for_load_state()
    claim_row = page.locator("tr[data-claim]", has_text=info["name"]).first
    assert claim_row.locator("[data-test=amount]").inner_text() == "9000.00"
    assert claim_row.locator("[data-test=state]").inner_text() == "已提交"
    shot(page, "internships-05-claim-submitted")
    nav_click(page, "[data-test=logout]")
    page.wait_for_load_state()

    login(page, base, info["reviewer"])
    nav_click(page, "[data-test=nav-claims]")
    card = page.locator("article[data-claim]", has_text=info["name"]).filter(has_text="9000.00")
    assert "可以批准" in card.locator("[data-test=decision]").inner_text()
    shot(page, "internships-06-review-queue")
    # The agreement the unit typed is not yet confirmed: approval waits, and says who confirms it.
    assert "须由见习人员本人或经办人员确认" in card.locator("[data-test=awaiting]").inner_text()
    card.locator("[data-test=awaiting] input[name=note]").fill("核对了劳动合同原件和考勤记录")
    card.locator("[data-test=confirm-agreement]").click()
    page.wait_for_load_state()
    card = page.locator("article[data-claim]", has_text=info["name"]).filter(has_text="9000.00")
    assert card.locator("[data-test=awaiting]").count() == 0
    card.locator("form[action$=approve] input[name=note]").fill("劳动合同及考勤材料齐全")
    card.locator("[data-test=approve]").click()
    page.wait_for_load_state()
    page.goto(f"{base}/caseworker/claims?state=approved&lang=en")
    card = page.locator("article[data-claim]", has_text=info["name"]).filter(has_text="9000.00")
    assert card.locator("[data-test=state]").inner_text() == "approved"
    shot(page, "internships-07-approved-en")


def test_a_caseworker_records_an_answer_given_at_the_desk(intern_server, page):  # noqa: F811
    """The demo agency's unanswered introduction: the person came to the desk and said yes;
    the caseworker records it on the person's page (phone-sized, then desktop)."""
    base, app, _info = intern_server
    with app.app_context(), app.extensions["db"].unit_of_work(write=False) as s:
        intro = s.scalar(select(Introduction).where(Introduction.answer == "unanswered").order_by(Introduction.id))
        assert intro is not None, "the demo has an unanswered introduction"
        intro_id, profile_id, posting_title = intro.id, intro.profile_id, intro.posting.title
        staff = s.scalar(select(User.username).where(User.role == "caseworker", User.district == intro.profile.district))
    login(page, base, staff or "admin")
    page.goto(f"{base}/caseworker/people/{profile_id}#introductions")
    form = page.locator("[data-test=record-answer]").first
    assert posting_title in page.locator(f"tr[data-introduction='{intro_id}']").inner_text()
    form.locator("select[name=channel]").select_option("in_person")
    form.locator("input[name=note]").fill("本人到窗口，表示愿意去面试")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    row = page.locator(f"tr[data-introduction='{intro_id}']")
    assert "已接受" in row.inner_text() and "本人当面答复，经办人员记录" in row.inner_text()
    shot(page, "internships-08-answer-recorded-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/caseworker/people/{profile_id}#introductions")
    shot(page, "internships-09-answer-recorded-desktop")
