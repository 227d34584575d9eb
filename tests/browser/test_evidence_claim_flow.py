"""Issue 16 in a real browser: a claim with evidence from upload to approval. The city's set
gets a version that requires attendance records (考勤记录) for internship claims (through the
service the policy pages use, ``policy_versions.add_effective``: the admin form has no field
for ``claim_evidence``); the demo employer claims on its intern, is refused naming 考勤记录,
saves the claim as a draft, tries to submit it and is refused again, uploads a small PDF and a
PNG made here, and submits; the demo caseworker sees both papers on the claim, opens them
(the very bytes uploaded: the PDF, the PNG re-encoded), confirms the agreement and approves;
the employer sees 已批准 with the amount. Each key step is looked at on a phone (390×844) and
a desk screen (1366×900): artifacts/screenshots/evidence-*-390.png and -1366.png.

The site is this module's own (the demo, without the search index): a version requiring
papers would change the city's set under the other browser tests."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from sqlalchemy import select

from marketplace import clock
from marketplace.core import policy_versions
from marketplace.core.models import PolicySetRecord
from marketplace.internships.models import InternshipAgreement
from tests.browser.conftest import demo_site, login, shot
from tests.browser_fixtures import nav_click

pytestmark = pytest.mark.browser

PHONE, DESK = {"width": 390, "height": 844}, {"width": 1366, "height": 900}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with demo_site(tmp_path_factory.mktemp("evidence"), index=False) as (base, app):
        today = clock.today()
        with app.extensions["db"].unit_of_work() as s:
            # the demo's intern in the last third of the period today, on the city's set
            ag = next(a for a in s.scalars(select(InternshipAgreement).where(InternshipAgreement.status == "active")
                                           .order_by(InternshipAgreement.id.desc())) if a.start_on <= today)
            in_force = policy_versions.registry(s).get(ag.policy_set).in_force(today)
            row = s.scalar(select(PolicySetRecord).where(PolicySetRecord.name == ag.policy_set))
            document = dict(in_force.document, claim_evidence={"internship": ["attendance"]})
            v = policy_versions.add_effective(s, row, document, "browser test: attendance records required",
                                              in_force.effective_from)
            facts = {"ag_id": ag.id, "person": ag.profile.name, "set": ag.policy_set, "version": v.number}
        yield base, app, facts


def attendance_pdf() -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    c.drawString(72, 760, "Attendance record / kaoqin 2026")
    c.showPage()
    c.save()
    return out.getvalue()


PDF = attendance_pdf()


def attendance_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), (240, 240, 230)).save(out, format="PNG")
    return out.getvalue()


def both(page, name: str, *visible) -> None:
    """The step on a phone and on a desk screen: what matters is in sight on both."""
    for size in (PHONE, DESK):
        page.set_viewport_size(size)
        for locator in visible:
            locator.scroll_into_view_if_needed()
            assert locator.is_visible(), (name, size)
        shot(page, f"evidence-{name}-{size['width']}")
    page.set_viewport_size(PHONE)


def test_claim_with_evidence_from_upload_to_approval(site, browser):
    base, _app, f = site
    ctx = browser.new_context(viewport=PHONE, locale="zh-CN", accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(15000)
    try:
        _employer_claims_and_uploads(page, base, f)
        amount = page.locator(f"tr[data-claim='{f['claim']}'] [data-test=amount]").inner_text()
        nav_click(page, "[data-test=logout]")
        page.wait_for_load_state()
        _caseworker_opens_the_papers_and_approves(page, base, f, amount)
        nav_click(page, "[data-test=logout]")
        page.wait_for_load_state()

        login(page, base, "employer")
        page.goto(f"{base}/employer/claims")
        row = page.locator(f"tr[data-claim='{f['claim']}']")
        assert row.locator("[data-test=state]").inner_text() == "已批准"
        assert row.locator("[data-test=amount]").inner_text() == amount
        assert float(amount) > 0
        both(page, "07-employer-sees-approved", row.locator("[data-test=state]"), row.locator("[data-test=amount]"))
    finally:
        ctx.close()


def _employer_claims_and_uploads(page, base, f) -> None:
    login(page, base, "employer")
    nav_click(page, "[data-test=nav-internships]")
    page.wait_for_load_state()
    page.goto(f"{base}/employer/internships/{f['ag_id']}")
    # claiming at once is refused, naming the paper the set requires
    page.click("[data-test=claim]")
    page.wait_for_load_state()
    refusal = page.locator("[role=status].flash.error")
    assert "缺少申领材料：考勤记录" in refusal.inner_text()
    both(page, "01-claim-refused", refusal)
    # kept as a draft, the claim waits for its papers on the claims page
    page.click("[data-test=claim-draft]")
    page.wait_for_load_state()
    row = page.locator("tr[data-claim]", has_text=f["person"]).filter(has_text="草稿").first
    f["claim"] = row.get_attribute("data-claim")
    row = page.locator(f"tr[data-claim='{f['claim']}']")
    assert "考勤记录" in row.locator("[data-test=evidence-missing]").inner_text()
    both(page, "02-draft-waits-for-papers", row.locator("[data-test=evidence-missing]"),
         row.locator("[data-test=upload-evidence]"))
    # submitting it without the paper: refused again, still a draft
    row.locator("[data-test=submit]").click()
    page.wait_for_load_state()
    assert "缺少申领材料：考勤记录" in page.locator("[role=status].flash.error").inner_text()
    row = page.locator(f"tr[data-claim='{f['claim']}']")
    assert row.locator("[data-test=state]").inner_text() == "草稿"
    both(page, "03-submit-refused", page.locator("[role=status].flash.error"))

    for name, mime, data in (("考勤表.pdf", "application/pdf", PDF),
                             ("考勤表第2页.png", "image/png", attendance_png())):
        row = page.locator(f"tr[data-claim='{f['claim']}']")
        row.locator("select[name=kind]").select_option("attendance")
        row.locator("input[type=file]").set_input_files({"name": name, "mimeType": mime, "buffer": data})
        row.locator("[data-test=upload-evidence]").click()
        page.wait_for_load_state()
        assert "error" not in (page.locator("[role=status].flash").first.get_attribute("class") or ""), page.locator("[role=status].flash").first.inner_text()
    row = page.locator(f"tr[data-claim='{f['claim']}']")
    assert row.locator("[data-test=evidence] a", has_text="考勤记录").count() == 2
    assert row.locator("[data-test=evidence-missing]").count() == 0
    both(page, "04-papers-uploaded", row.locator("[data-test=evidence]"))
    row.locator("[data-test=submit]").click()
    page.wait_for_load_state()
    row = page.locator(f"tr[data-claim='{f['claim']}']")
    assert row.locator("[data-test=state]").inner_text() == "已提交"
    assert row.locator("[data-test=priced-by]").inner_text().endswith(f"{f['set']} v{f['version']}")


def _caseworker_opens_the_papers_and_approves(page, base, f, amount) -> None:
    login(page, base, "caseworker")
    page.set_viewport_size(DESK)
    nav_click(page, "[data-test=nav-claims]")
    page.wait_for_load_state()
    card = page.locator(f"article[data-claim='{f['claim']}']")
    assert card.locator("[data-test=amount]").inner_text() == amount
    papers = card.locator("[data-test=evidence-file]")
    assert papers.count() == 2 and "考勤记录（考勤表.pdf）" in papers.nth(0).inner_text()
    both(page, "05-caseworker-sees-papers", card.locator("[data-test=evidence]"))
    page.set_viewport_size(DESK)
    opened = []
    for i in range(2):
        with page.expect_download() as dl:
            papers.nth(i).click()
        opened.append(Path(dl.value.path()).read_bytes())
    assert opened[0] == PDF  # a PDF is kept as it came
    assert opened[1].startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(opened[1])) as img:  # re-encoded on upload, the same picture
        assert img.size == (120, 80)
    # the intern has not confirmed the agreement: the caseworker does, saying what was checked
    waiting = card.locator("[data-test=awaiting][data-record=agreement]")
    if waiting.count():
        waiting.locator("input[name=note]").fill("核对了见习协议原件和考勤记录")
        waiting.locator("[data-test=confirm-agreement]").click()
        page.wait_for_load_state()
        card = page.locator(f"article[data-claim='{f['claim']}']")
    assert "可以批准" in card.locator("[data-test=decision]").inner_text()
    card.locator("form:has([data-test=approve]) input[name=note]").fill("考勤记录齐全")
    card.locator("[data-test=approve]").click()
    page.wait_for_load_state()
    page.goto(f"{base}/caseworker/claims?state=approved")
    card = page.locator(f"article[data-claim='{f['claim']}']")
    assert card.locator("[data-test=state]").inner_text() == "已批准"
    assert card.locator("[data-test=amount]").inner_text() == amount
    both(page, "06-caseworker-approved", card.locator("[data-test=state]"), card.locator("[data-test=evidence]"))
