"""In a real browser (Debian chromium): the employer opens its applicant (phone shown) and
proposes an interview; the person accepts it and sees the calendar link; a caseworker reveals
the person's phone for a purpose; the person finds that reveal in their data download.
Screenshots: artifacts/screenshots/contact-*.png."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from werkzeug.security import generate_password_hash

from marketplace import clock, create_app
from marketplace.cli import upgrade_database
from marketplace.core.models import Application, ApplicationEvent, Organisation, Posting, Profile, User
from tests.browser_fixtures import login, serving, shot

pytestmark = pytest.mark.browser
PHONE = "13955550001"


@pytest.fixture(scope="module")
def contact_server(tmp_path_factory):
    instance = tmp_path_factory.mktemp("live-contact")
    app = create_app({"ENV": "testing", "INSTANCE_DIR": str(instance), "SECRET_KEY": "browser-test-secret"})
    upgrade_database(app)
    cipher = app.extensions["cipher"]
    pw = generate_password_hash("demo12345", method="pbkdf2:sha256:1000")
    with app.extensions["db"].unit_of_work() as s:
        org = Organisation(name="抚顺甲机械有限公司", district="望花区", credit_code="91210400000000001X",
                           org_type="enterprise", verification_status="verified")
        s.add(org)
        s.flush()
        hr = User(username="hr-a", password_hash=pw, display_name="甲公司人事", role="employer", organisation_id=org.id)
        person = User(username="zhoumin", password_hash=pw, display_name="周敏", role="person")
        cw = User(username="cw-x", password_hash=pw, display_name="王经办", role="caseworker", district="望花区")
        s.add_all([hr, person, cw])
        s.flush()
        posting = Posting(organisation_id=org.id, created_by_id=hr.id, kind="job", status="published", title="电焊工",
                          description="负责钢结构焊接。", skills=["焊接"], district="望花区", headcount=2)
        profile = Profile(user_id=person.id, name="周敏", gender="女", birth_on=dt.date(1990, 3, 1), district="望花区",
                          education=3, skills=["焊接"], experience="三年焊接经验", summary="踏实肯干",
                          phone_enc=cipher.encrypt(PHONE), phone_hash=cipher.blind_index(PHONE))
        s.add_all([posting, profile])
        s.flush()
        a = Application(posting_id=posting.id, profile_id=profile.id, stage="applied", note="我有焊工证")
        a.events.append(ApplicationEvent(from_stage=None, to_stage="applied", actor_id=person.id))
        s.add(a)
        s.flush()
        info = {"application_id": a.id, "profile_id": profile.id}
    with serving(app, threads=4) as base:
        yield base, info


def test_contact_with_purpose_in_a_browser(contact_server, page):
    base, info = contact_server
    aid = info["application_id"]
    login(page, base, "hr-a")
    page.goto(f"{base}/employer/applications/{aid}")
    assert PHONE in page.locator("[data-test=phone]").inner_text()
    assert "我有焊工证" in page.locator("[data-test=application-note]").inner_text()
    when = dt.datetime.combine(clock.local_date(clock.now_utc()) + dt.timedelta(days=3), dt.time(9, 30))
    page.locator("input[name=option]").first.fill(when.strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=place]", "抚顺市望花区和平路8号")
    page.locator("[data-test=propose-form] button[type=submit]").click()
    page.wait_for_load_state()
    assert "等待申请人答复" in page.locator("[data-test=interviews]").inner_text()
    assert when.strftime("%Y-%m-%d %H:%M") in page.locator("[data-test=interview-options]").inner_text()
    shot(page, "contact-01-employer-application")

    page.context.clear_cookies()
    login(page, base, "zhoumin")
    page.goto(f"{base}/me/applications/{aid}")
    assert when.strftime("%Y-%m-%d %H:%M") in page.locator("[data-test=interviews]").inner_text()
    page.click("[data-test=accept-interview]")
    page.wait_for_load_state()
    assert "已接受" in page.locator("[data-test=interview-status]").inner_text()
    assert page.locator("[data-test=ics]").count() == 1
    shot(page, "contact-02-person-accepted")

    page.context.clear_cookies()
    login(page, base, "cw-x")
    page.goto(f"{base}/caseworker/profiles/{info['profile_id']}/phone")
    page.select_option("select[name=purpose]", "follow_up")
    page.click("[data-test=reveal]")
    page.wait_for_load_state()
    assert PHONE in page.locator("[data-test=phone]").inner_text()
    shot(page, "contact-03-caseworker-reveal")

    page.context.clear_cookies()
    login(page, base, "zhoumin")
    r = page.request.get(f"{base}/me/data?download=1")
    seen = json.loads(r.text())["who_saw_my_contact"]
    assert [(x["what"], x["purpose_zh"]) for x in seen] == [("profile_and_phone", "申请岗位后由招聘单位查看"),
                                                          ("profile_and_phone", "申请岗位后由招聘单位查看"),
                                                          ("phone", "跟踪回访")]
