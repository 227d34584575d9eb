"""Issue 16: the HR agency's own referral-claim page (R7 职业介绍补贴). It lists the hires its
introductions brought about, shows what R7 would pay (the engine's answer on the employer's
records, not a second copy of the rule), claims with nothing but the hire (and the fund the
set lists), asks for the papers the set requires, refuses with R7's reason in Chinese, and
the claim reaches the district caseworker's review queue."""
from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from PIL import Image
from sqlalchemy import select

from marketplace.core import policy_versions
from marketplace.core.models import PolicySetRecord
from marketplace.internships.models import SubsidyClaim
from marketplace.policy import policy_set
from tests.internships.conftest import graduate, hire, hire_records, introduced
from tests.internships.test_pages_flow import login


def _scene(db, make, world, api, makeup="2020-07-10"):
    world.org.is_epidemic_supply = True
    agency = make.user("agency")
    app = hire(db, make, world.org, world.hr, profile=graduate(make, name="赵推荐"), kind="job",
               on=dt.date(2020, 3, 1), title="消毒液灌装工")
    introduced(db, agency, app)
    hire_records(api, world.hr, app.id, contract_on="2020-03-01", makeup=makeup)
    return agency, app


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, format="PNG")
    return out.getvalue()


def test_the_agency_sees_what_r7_pays_claims_it_and_the_caseworker_reviews_it(client, db, make, world, api, on_day):
    on_day("2020-07-15")
    agency, app = _scene(db, make, world, api)
    login(client, agency)
    nav = client.get("/agency/introductions").text
    assert 'href="/agency/claims"' in nav and "职业介绍补贴申领" in nav and "1项录用可申领" in nav
    page = client.get("/agency/claims")
    assert page.status_code == 200
    offer = re.search(rf'data-offer="{app.id}".*?</article>', page.text, re.S).group(0)
    assert "赵推荐" in offer and "消毒液灌装工" in offer and "R7可支付200.00元" in offer
    assert "R7 职业介绍推荐成功就业补贴200.00元" in offer  # the engine's own reason
    # nothing the employer declares (contract, insurance) is asked of the agency
    assert 'name="monthly_amount"' not in page.text and 'name="contract_on"' not in page.text
    assert 'name="hire_on"' not in page.text

    r = client.post("/agency/claims", data={"application_id": app.id, "funding_source": "employment_subsidy_fund"})
    assert r.status_code == 302, r.text
    claim = db.scalar(select(SubsidyClaim).where(SubsidyClaim.application_id == app.id))
    assert claim.kind == "referral_r7" and claim.state == "submitted" and str(claim.amount) == "200.00"
    assert claim.organisation_id == agency.organisation_id and claim.facts["introduction_id"]
    page = client.get("/agency/claims").text
    assert f'data-offer="{app.id}"' not in page  # claimed: no longer offered
    assert f'data-claim="{claim.id}"' in page and "已提交" in page

    login(client, world.cw)
    queue = client.get("/caseworker/claims").text
    assert f'data-claim="{claim.id}"' in queue and "职业介绍补贴（R7）" in queue and "赵推荐" in queue
    login(client, world.cw_far)
    assert f'data-claim="{claim.id}"' not in client.get("/caseworker/claims").text


def test_a_refusal_shows_r7s_reason_in_chinese_and_creates_nothing(client, db, make, world, api, on_day):
    on_day("2020-07-15")
    agency, app = _scene(db, make, world, api, makeup=None)  # no make-up social insurance recorded
    login(client, agency)
    page = client.get("/agency/claims").text
    offer = re.search(rf'data-offer="{app.id}".*?</article>', page, re.S).group(0)
    assert "暂不能支付" in offer and "社会保险" in offer and 'data-test="referral-claim"' not in offer
    r = client.post("/agency/claims", data={"application_id": app.id})
    assert r.status_code == 422 and "R7" in r.text and "社会保险" in r.text
    assert "insurance" not in re.sub(r"<[^>]+>", "", r.text).lower()  # no English on the Chinese page
    assert db.scalar(select(SubsidyClaim.id).where(SubsidyClaim.application_id == app.id)) is None


def test_bad_input_and_other_roles(client, db, make, world, api, on_day):
    on_day("2020-07-15")
    agency, app = _scene(db, make, world, api)
    login(client, agency)
    r = client.post("/agency/claims", data={"application_id": "abc"})
    assert r.status_code == 422 and "请选择录用记录" in r.text
    r = client.post("/agency/claims", data={"application_id": app.id, "funding_source": "my_pocket"})
    assert r.status_code == 422 and "资金来源" in r.text
    other = make.user("agency")  # an agency that introduced nobody: the hire is none of its business
    login(client, other)
    assert "赵推荐" not in client.get("/agency/claims").text
    assert client.post("/agency/claims", data={"application_id": app.id}).status_code == 404
    for who in (world.hr, world.cw):
        login(client, who)
        assert client.get("/agency/claims").status_code == 403
        assert client.post("/agency/claims", data={"application_id": app.id}).status_code == 403
    assert db.scalar(select(SubsidyClaim.id).where(SubsidyClaim.application_id == app.id)) is None


@pytest.fixture
def referral_papers(tmp_path, monkeypatch, db):
    """fushun-2020 asking for the labour contract with a referral claim (as a city that
    requires papers writes it), stored as the version claims are judged by (rolled back)."""
    for src in policy_set.SETS_DIR.glob("*.json"):
        data = json.loads(src.read_text(encoding="utf-8"))
        if data["name"] == "fushun-2020":
            data["claim_evidence"] = {"referral_r7": ["labour_contract"]}
            stored = {k: v for k, v in data.items() if k != "name"}
        (tmp_path / src.name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(policy_set, "SETS_DIR", tmp_path)
    row = db.scalar(select(PolicySetRecord).where(PolicySetRecord.name == "fushun-2020"))
    policy_versions.add_effective(db, row, stored, "test: papers required", dt.date(2000, 1, 1))
    policy_versions.forget(db)


def _upload(client, claim_id, data: bytes, back: str):
    """The page's multipart form, encoded here (as tests/internships/test_evidence does)."""
    b = "----agencyboundary"
    body = (f'--{b}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nlabour_contract\r\n'
            f'--{b}\r\nContent-Disposition: form-data; name="back"\r\n\r\n{back}\r\n'
            f'--{b}\r\nContent-Disposition: form-data; name="file"; filename="contract.png"\r\n'
            "Content-Type: image/png\r\n\r\n").encode() + data + f"\r\n--{b}--\r\n".encode()
    return client.post(f"/employer/claims/{claim_id}/evidence", data=body,
                       content_type=f"multipart/form-data; boundary={b}")


def test_papers_the_set_asks_for_are_uploaded_before_the_claim_is_submitted(client, db, make, world, api, on_day,
                                                                           referral_papers):
    on_day("2020-07-15")
    agency, app = _scene(db, make, world, api)
    login(client, agency)
    page = client.get("/agency/claims").text
    offer = re.search(rf'data-offer="{app.id}".*?</article>', page, re.S).group(0)
    assert "政策要求随申领提交的材料：劳动合同" in offer and "准备申领" in offer
    r = client.post("/agency/claims", data={"application_id": app.id})
    assert r.status_code == 302, r.text
    claim = db.scalar(select(SubsidyClaim).where(SubsidyClaim.application_id == app.id))
    assert claim.state == "draft" and str(claim.amount) == "200.00"
    page = client.get("/agency/claims").text
    assert 'data-test="evidence-missing"' in page
    r = client.post(f"/agency/claims/{claim.id}/submit")
    assert r.status_code == 303 and claim.state == "draft"
    assert "缺少申领材料：劳动合同" in client.get("/agency/claims").text
    r = _upload(client, claim.id, _png(), "/agency/claims")
    assert r.status_code == 302 and r.headers["Location"] == f"/agency/claims#claim-{claim.id}"
    assert _upload(client, claim.id, _png(), "https://evil.example/x").headers["Location"].startswith(
        "/employer/claims#")  # back only to a page of this site
    assert client.post(f"/agency/claims/{claim.id}/submit").status_code == 302
    db.refresh(claim)
    assert claim.state == "submitted"
