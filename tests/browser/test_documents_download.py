"""Issue 16: every printed document is downloaded in a real browser from the page where it
belongs, by someone who may see it, by clicking its link (not by typing its address): the
internship agreement, the internship claim form, the hire claim form (after the employer
records the hire's contract and insurance and claims R6 on the claims page), the referral
letter, the placement notice, the certificate of unemployment registration, the fair report
and the person's "我的数据". Each file is a PDF whose text (read back with pypdf) names the
record: its number, its person, its amount. The certificate's code is then checked on the
public page /verify/<code>: valid, a masked name and the date, nothing more. Each page with
its link is looked at on a phone (390×844) and a desk screen (1366×900):
artifacts/screenshots/docs-*-390.png and -1366.png."""
from __future__ import annotations

import io
import re
from pathlib import Path
from types import SimpleNamespace

import pypdf
import pytest
from sqlalchemy import select

from marketplace import clock
from marketplace import policy as pol
from marketplace.core.models import Profile, User
from marketplace.fairs.models import Fair
from marketplace.internships import documents as internship_documents
from marketplace.internships.models import InternshipAgreement, SubsidyClaim
from marketplace.privacy import documents as privacy_documents
from marketplace.welfare import documents as welfare_documents
from marketplace.welfare.models import Placement, Referral, Registration
from tests.browser.conftest import login, shot
from tests.browser_fixtures import downloading_context, nav_click

pytestmark = pytest.mark.browser

PHONE, DESK = {"width": 390, "height": 844}, {"width": 1366, "height": 900}


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def download(page, link, name: str) -> str:
    """Look at the page with its link on both screens, click the link, and return the text of
    the PDF that came down."""
    for size in (PHONE, DESK):
        page.set_viewport_size(size)
        link.scroll_into_view_if_needed()
        assert link.is_visible(), (name, size)
        shot(page, f"docs-{name}-{size['width']}")
    page.set_viewport_size(PHONE)
    with page.expect_download() as dl:
        link.click()
    data = Path(dl.value.path()).read_bytes()
    assert data.startswith(b"%PDF-"), (name, data[:20])
    assert dl.value.suggested_filename.endswith(".pdf"), dl.value.suggested_filename
    return flat("".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages))


def sign_in(page, base, username) -> None:
    if page.locator("[data-test=logout]").count():
        nav_click(page, "[data-test=logout]")
        page.wait_for_load_state()
    login(page, base, username)


@pytest.fixture
def records(live_server):
    """What the demo holds, read the way the pages' own records are: the demo employer's
    finished-by-contract agreement and its paid claim, the hire it may claim R6 for, a
    referral and a placement with their districts' caseworkers, a registered person with an
    account, and the fair."""
    _base, app = live_server
    with app.extensions["db"].unit_of_work() as s:
        hr = s.scalar(select(User).where(User.username == "employer"))
        ag = s.scalar(select(InternshipAgreement).where(InternshipAgreement.organisation_id == hr.organisation_id)
                      .order_by(InternshipAgreement.id))
        claim = s.scalar(select(SubsidyClaim).where(SubsidyClaim.agreement_id == ag.id).order_by(SubsidyClaim.id))
        ref = s.scalar(select(Referral).join(Profile).where(Profile.district == "望花区").order_by(Referral.id))
        pl = s.scalar(select(Placement).order_by(Placement.id))
        cw_pl = s.scalar(select(User).where(User.role == "caseworker", User.district == pl.profile.district)
                         .order_by(User.id))
        reg = s.scalar(select(Registration).join(Profile).where(Registration.ended_on.is_(None),
                                                                Profile.user_id.is_not(None)).order_by(Registration.id))
        person = s.get(User, reg.profile.user_id)
        fair = s.scalar(select(Fair).order_by(Fair.id))
        return {
            "ag": (ag.id, internship_documents.agreement_number(ag), ag.profile.name, ag.organisation.name),
            "claim": (claim.id, internship_documents.claim_number(claim), pol.format_money(claim.amount)),
            "ref": (ref.id, ref.profile_id, welfare_documents.referral_number(ref), ref.profile.name, ref.posting.title),
            "pl": (pl.id, pl.profile_id, welfare_documents.placement_number(pl), pl.profile.name, cw_pl.username),
            "reg": (reg.id, welfare_documents.certificate_number(reg), reg.profile.name, reg.registered_on.isoformat()),
            "person": (person.username, person.id),
            "fair": (fair.id, fair.name),
            "hr_org": hr.organisation_id,
        }


def test_each_document_from_its_page(live_server, browser, records, tmp_path):
    base, app = live_server
    r = records
    ctx = downloading_context(browser, tmp_path / "profile", viewport=PHONE, locale="zh-CN")
    page = ctx.pages[0] if ctx.pages else ctx.new_page()
    page.set_default_timeout(15000)
    try:
        # --- the employer: the agreement, its claim form, and an R6 hire claim made here
        sign_in(page, base, "employer")
        ag_id, ag_number, intern, org = r["ag"]
        page.goto(f"{base}/employer/internships/{ag_id}")
        text = download(page, page.locator("[data-test=print-agreement]"), "01-internship-agreement")
        for expected in ("就业见习协议书", ag_number, intern, org):
            assert flat(expected) in text, expected

        claim_id, claim_number, amount = r["claim"]
        page.goto(f"{base}/employer/claims")
        text = download(page, page.locator(f"tr[data-claim='{claim_id}'] [data-test=print-claim]"), "02-internship-claim")
        for expected in ("就业见习补贴申领表", claim_number, f"{amount}元", intern):
            assert flat(expected) in text, expected

        hire_id, hired, hire_amount = _claim_r6_on_the_page(page)
        with app.extensions["db"].unit_of_work() as s:
            hc = s.scalar(select(SubsidyClaim).where(SubsidyClaim.application_id == hire_id,
                                                     SubsidyClaim.kind == "hiring_r6"))
            hc_id, hc_number = hc.id, internship_documents.claim_number(hc)
            assert pol.format_money(hc.amount) == hire_amount
        text = download(page, page.locator(f"tr[data-claim='{hc_id}'] [data-test=print-claim]"), "03-hire-claim")
        for expected in ("吸纳就业补贴申领表", hc_number, hired, f"{hire_amount}元", "R6"):
            assert flat(expected) in text, expected

        # --- the caseworkers: the referral letter and the placement notice on the person's page
        sign_in(page, base, "caseworker")
        ref_id, ref_profile, ref_number, referred, post = r["ref"]
        page.goto(f"{base}/welfare/people/{ref_profile}")
        text = download(page, page.locator(f"a[href$='/documents/referral_letter/{ref_id}.pdf']"), "04-referral-letter")
        for expected in ("职业介绍信", ref_number, referred, post):
            assert flat(expected) in text, expected

        pl_id, pl_profile, pl_number, placed, cw = r["pl"]
        sign_in(page, base, cw)
        page.goto(f"{base}/welfare/people/{pl_profile}")
        text = download(page, page.locator(f"a[href$='/documents/placement_notice/{pl_id}.pdf']"), "05-placement-notice")
        for expected in ("公益性岗位安置通知", pl_number, placed):
            assert flat(expected) in text, expected

        # --- the organiser: the fair report
        sign_in(page, base, "organiser")
        fair_id, fair_name = r["fair"]
        page.goto(f"{base}/organiser/fairs/{fair_id}/report")
        text = download(page, page.locator("[data-test=print-report]"), "06-fair-report")
        assert "招聘会总结报告" in text and flat(fair_name) in text

        # --- the person: the certificate (then its check page) and "我的数据"
        username, user_id = r["person"]
        sign_in(page, base, username)
        reg_id, cert_number, name, registered_on = r["reg"]
        page.goto(f"{base}/welfare/me")
        text = download(page, page.locator("[data-test=print-certificate]"), "07-unemployment-certificate")
        for expected in ("失业登记证明", cert_number, name, registered_on):
            assert flat(expected) in text, expected
        code = re.search(r"验证码：(SY\d+-[A-Z2-7]+)", text).group(1)
        assert code.startswith(f"SY{reg_id}-")

        page.goto(f"{base}/me/data")
        text = download(page, page.locator("[data-test=download-pdf]"), "08-my-data")
        for expected in ("我的数据", name, "求职档案", "失业登记", registered_on):
            assert flat(expected) in text, expected
        assert privacy_documents.number(SimpleNamespace(id=user_id), clock.today()) in text

        # the public check page, signed out: valid, the masked name and the date only
        nav_click(page, "[data-test=logout]")
        page.wait_for_load_state()
        for size in (PHONE, DESK):
            page.set_viewport_size(size)
            page.goto(f"{base}/verify/{code}")
            body = page.locator("main").inner_text()
            assert "有效" in body and name[0] + "*" in body and registered_on in body, body
            assert name not in body
            shot(page, f"docs-09-verify-{size['width']}")
        page.goto(f"{base}/verify/{code[:-1]}{'A' if code[-1] != 'A' else 'B'}")
        assert "验证码无效" in page.locator("main").inner_text()
    finally:
        ctx.close()


def _claim_r6_on_the_page(page) -> tuple[int, str, str]:
    """The employer records the hire's labour contract and social insurance on the claims page
    and claims R6 for it there; returns the hire, the person's name and the amount shown."""
    article = page.locator("[data-test=hire-records] article[data-hire]").first
    hire_id = int(article.get_attribute("data-hire"))
    hired = article.locator("h3").inner_text().split(" · ")[0]
    hire_on = article.locator("[data-test=hire-on]").inner_text()
    article.locator("[data-test=contract-form] input[name=signed_on]").fill(hire_on)
    article.locator("[data-test=contract-form] input[name=months]").fill("36")
    article.locator("[data-test=record-contract]").click()
    page.wait_for_load_state()
    article = page.locator(f"article[data-hire='{hire_id}']")
    article.locator("[data-test=insurance-form] input[name=monthly_amount]").fill("1200.00")
    article.locator("[data-test=declare-insurance]").click()
    page.wait_for_load_state()
    form = page.locator("[data-test=hire-claim-form]")
    form.locator("select[name=kind]").select_option("hiring_r6")
    form.locator("select[name=application_id]").select_option(str(hire_id))
    form.locator("[data-test=hire-claim]").click()
    page.wait_for_load_state()
    flash = page.locator("[role=status].flash").first
    assert "error" not in (flash.get_attribute("class") or ""), flash.inner_text()
    row = page.locator("tr[data-claim]", has_text=hired).filter(has=page.locator("a[href*='/documents/hire_claim/']"))
    return hire_id, hired, row.first.locator("[data-test=amount]").inner_text()
