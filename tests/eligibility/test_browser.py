"""In a real browser (Debian chromium, phone-sized): a 2021 college graduate, outside R1's
cohorts on the pinned date 2024-03-01, finds an internship in the recommendations marked
"您不能申请" with R1's reason, opens it and reads the reason and what to apply for instead
in place of the apply button. Screenshots: artifacts/screenshots/eligibility-*.png."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from marketplace import create_app
from marketplace.cli import upgrade_database
from marketplace.core import demo, indexing
from marketplace.core.models import Posting, Profile, User
from tests.browser_fixtures import login, serving, shot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def elig_server(tmp_path_factory):
    instance = tmp_path_factory.mktemp("live-eligibility")
    app = create_app({"ENV": "testing", "INSTANCE_DIR": str(instance), "SECRET_KEY": "browser-test-secret",
                      "extra": {"TODAY": "2024-03-01"}})
    upgrade_database(app)
    with app.extensions["db"].unit_of_work() as s:
        demo.load(s, app.extensions["cipher"], dt.date(2024, 3, 1))
        user = User(username="grad2021", password_hash=generate_password_hash("demo12345", method="pbkdf2:sha256:1000"),
                    display_name="王晓", role="person")
        s.add(user)
        s.flush()
        s.add(Profile(user_id=user.id, name="王晓", gender="女", birth_on=dt.date(1999, 4, 1), district="望花区",
                      education=5, graduation_year=2021, major="会计", skills=["会计", "Excel", "记账"],
                      desired_jobs="会计 行政", published=True))
        posting = s.scalar(select(Posting).where(Posting.kind == "internship", Posting.status == "published"))
        info = {"posting_id": posting.id}
    rt = app.extensions["runtime"]
    with app.extensions["db"].unit_of_work() as s:  # the encoder and its vectors ready before the first page
        for doc_type in ("posting", "profile"):
            indexing.reindex(s, rt.backend, rt.encoder, doc_type)
    with serving(app, threads=4) as base:
        yield base, app, info


def test_a_2021_graduate_reads_why_the_internship_is_not_theirs(elig_server, page):
    base, _app, info = elig_server
    login(page, base, "grad2021")
    page.goto(f"{base}/me/recommendations?kind=internship")
    refused = page.locator("[data-test=recommendation][data-eligible=no]")
    assert refused.count() >= 1
    text = refused.first.locator("[data-test=ineligible]").inner_text()
    assert "不符合见习补贴条件" in text and "R1" in text and "普通岗位" in text
    shot(page, "eligibility-01-recommendations")
    page.goto(f"{base}/postings/{info['posting_id']}")
    assert page.locator("[data-test=apply]").count() == 0
    box = page.locator("[data-test=ineligible]")
    assert "R1" in box.inner_text() and "您不能申请该岗位" in box.inner_text()
    shot(page, "eligibility-02-posting")
    page.locator("[data-test=alternative]").first.click()
    page.wait_for_load_state()
    assert "kind=job" in page.url
