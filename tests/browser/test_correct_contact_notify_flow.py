"""Issue 15's browser test, in Debian chromium: the employer edits a published posting on its
edit page and the applicant sees the notice (the bell's count and the notifications list);
the employer proposes an interview and the person accepts it; a caseworker reveals the
person's phone for a stated purpose and the person finds that reveal in their data download.
Then a caseworker corrects the person's unemployment registration date with a reason and
the person sees the correction on their registration page. Each page is shot at a phone (390x844) and a desktop (1366x900) width:
artifacts/screenshots/ccn-*.png."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from werkzeug.security import generate_password_hash

from marketplace import clock, create_app
from marketplace.cli import upgrade_database
from marketplace.core.models import Application, ApplicationEvent, Organisation, Posting, Profile, User
from marketplace.welfare import registrations
from tests.browser_fixtures import login, serving, shot

pytestmark = pytest.mark.browser
PHONE = "13955550077"
SIZES = {"phone": (390, 844), "desktop": (1366, 900)}


@pytest.fixture(scope="module")
def ccn_server(tmp_path_factory):
    instance = tmp_path_factory.mktemp("live-ccn")
    app = create_app({"ENV": "testing", "INSTANCE_DIR": str(instance), "SECRET_KEY": "browser-test-secret"})
    upgrade_database(app)
    cipher = app.extensions["cipher"]
    pw = generate_password_hash("demo12345", method="pbkdf2:sha256:1000")
    with app.extensions["db"].unit_of_work() as s:
        org = Organisation(name="抚顺乙化工有限公司", district="望花区", credit_code="91210400000000077X",
                           org_type="enterprise", verification_status="verified")
        s.add(org)
        s.flush()
        hr = User(username="hr-b", password_hash=pw, display_name="乙公司人事", role="employer", organisation_id=org.id)
        person = User(username="lihua", password_hash=pw, display_name="李华", role="person")
        cw = User(username="cw-y", password_hash=pw, display_name="赵经办", role="caseworker", district="望花区")
        s.add_all([hr, person, cw])
        s.flush()
        posting = Posting(organisation_id=org.id, created_by_id=hr.id, kind="job", status="published", title="化工操作工",
                          description="负责化工装置的日常巡检与操作记录。", skills=["巡检"], district="望花区", headcount=2,
                          salary_min=4000, salary_max=5000)
        profile = Profile(user_id=person.id, name="李华", gender="男", birth_on=dt.date(1992, 6, 1), district="望花区",
                          education=3, skills=["巡检"], experience="两年化工厂经验", summary="肯吃苦",
                          phone_enc=cipher.encrypt(PHONE), phone_hash=cipher.blind_index(PHONE))
        s.add_all([posting, profile])
        s.flush()
        a = Application(posting_id=posting.id, profile_id=profile.id, stage="applied", note="有化工操作证")
        a.events.append(ApplicationEvent(from_stage=None, to_stage="applied", actor_id=person.id))
        s.add(a)
        s.flush()
        reg = registrations.register(s, cw, profile_id=profile.id, basis="residence", district="望花区",
                                     registered_on=clock.today() - dt.timedelta(days=30))
        info = {"application_id": a.id, "profile_id": profile.id, "posting_id": posting.id, "registration_id": reg.id}
    with serving(app, threads=4) as base:
        yield base, info


def shots(page, name: str) -> None:
    """The page as it is now, at both widths (reloaded at each, as a person on that screen sees it)."""
    for label, (w, h) in SIZES.items():
        page.set_viewport_size({"width": w, "height": h})
        page.reload()
        page.wait_for_load_state()
        shot(page, f"ccn-{name}-{label}")
    page.set_viewport_size({"width": 390, "height": 844})


def test_edit_notify_interview_reveal_in_a_browser(ccn_server, page):
    base, info = ccn_server
    aid, pid = info["application_id"], info["posting_id"]

    # the employer edits the published posting: a new title and better pay, with a reason
    login(page, base, "hr-b")
    page.goto(f"{base}/employer/postings/{pid}/edit")
    assert page.locator("input[name=title]").input_value() == "化工操作工"
    shots(page, "01-employer-edit")
    page.fill("input[name=title]", "白班化工操作工")
    page.fill("input[name=salary_max]", "5500")
    if page.locator("[name=reason]").count():
        page.fill("[name=reason]", "改为白班，提高工资")
    with page.expect_navigation():
        page.click("[data-test=save-posting]")
    assert page.locator("[data-test=error-message]").count() == 0, page.locator("[data-test=error-message]").inner_text()
    assert page.url.endswith(f"/employer/postings/{pid}")
    assert "白班化工操作工" in page.content()

    # ... and proposes an interview on the application
    when = dt.datetime.combine(clock.local_date(clock.now_utc()) + dt.timedelta(days=4), dt.time(14, 0))
    page.goto(f"{base}/employer/applications/{aid}")
    assert PHONE in page.locator("[data-test=phone]").inner_text()
    page.locator("input[name=option]").first.fill(when.strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=place]", "抚顺市望花区建设路12号")
    page.locator("[data-test=propose-form] button[type=submit]").click()
    page.wait_for_load_state()
    assert "等待申请人答复" in page.locator("[data-test=interviews]").inner_text()
    shots(page, "02-employer-proposed")

    # the applicant: the bell counts the two notices, the list shows the change of the posting
    page.context.clear_cookies()
    login(page, base, "lihua")
    page.goto(f"{base}/me/applications")
    assert page.locator("[data-test=bell-count]").inner_text() == "2"
    page.click("[data-test=bell]")
    page.wait_for_load_state()
    notes = page.locator("[data-test=notification]")
    kinds = [notes.nth(i).get_attribute("data-kind") for i in range(notes.count())]
    assert kinds == ["interview_proposed", "posting_changed"]  # newest first
    changed = notes.nth(1).inner_text()
    assert "岗位名称" in changed and "薪酬" in changed and "白班化工操作工" in changed
    assert "申请岗位有变动" in changed  # the kind's registered Chinese label, not its name
    shots(page, "03-person-notifications")

    # the person accepts the interview
    page.goto(f"{base}/me/applications/{aid}")
    assert when.strftime("%Y-%m-%d %H:%M") in page.locator("[data-test=interviews]").inner_text()
    page.click("[data-test=accept-interview]")
    page.wait_for_load_state()
    assert "已接受" in page.locator("[data-test=interview-status]").inner_text()
    assert page.locator("[data-test=ics]").count() == 1
    shots(page, "04-person-accepted")

    # the employer sees the answer: a notice and the accepted time on the application
    page.context.clear_cookies()
    login(page, base, "hr-b")
    page.goto(f"{base}/notifications")
    assert page.locator("[data-test=notification][data-kind=interview_answered]").count() == 1
    page.goto(f"{base}/employer/applications/{aid}")
    assert "已接受" in page.locator("[data-test=interview-status]").inner_text()
    assert when.strftime("%Y-%m-%d %H:%M") in page.locator("[data-test=interview-time]").inner_text()

    # a caseworker reveals the phone for a purpose
    page.context.clear_cookies()
    login(page, base, "cw-y")
    page.goto(f"{base}/caseworker/profiles/{info['profile_id']}/phone")
    page.select_option("select[name=purpose]", "policy_notice")
    page.click("[data-test=reveal]")
    page.wait_for_load_state()
    assert PHONE in page.locator("[data-test=phone]").inner_text()
    shots(page, "05-caseworker-reveal")

    # the person's data download says who saw the number, when and why
    page.context.clear_cookies()
    login(page, base, "lihua")
    page.goto(f"{base}/me/data")
    shots(page, "06-person-data")
    seen = json.loads(page.request.get(f"{base}/me/data?download=1").text())["who_saw_my_contact"]
    assert ("phone", "政策告知") in [(x["what"], x["purpose_zh"]) for x in seen]
    assert all(x["at"] and x["who"] for x in seen)

    # a caseworker corrects the registration date, with the reason; the person sees it
    page.context.clear_cookies()
    login(page, base, "cw-y")
    page.goto(f"{base}/welfare/people/{info['profile_id']}")
    box = page.locator(f"[data-test=correct-registration-{info['registration_id']}]")
    box.locator("summary").click()
    right = clock.today() - dt.timedelta(days=75)
    box.locator("input[name=registered_on]").fill(right.isoformat())
    box.locator("input[name=reason]").fill("窗口登记日期录入有误")
    with page.expect_navigation():
        box.locator("button[type=submit]").click()
    assert "失业登记已更正" in page.content()
    assert "窗口登记日期录入有误" in page.locator("[data-test=welfare-corrections]").inner_text()
    shots(page, "07-caseworker-corrected-registration")
    page.context.clear_cookies()
    login(page, base, "lihua")
    page.goto(f"{base}/welfare/me")
    text = page.locator("[data-test=welfare-corrections]").inner_text()
    assert right.isoformat() in text and "窗口登记日期录入有误" in text
    shots(page, "08-person-sees-correction")
