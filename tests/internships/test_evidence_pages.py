"""The pages around a claim that needs papers: claiming on the agreement page without them is
refused naming them and leaves nothing behind (no half-made draft); the employer keeps the
claim as a draft instead, uploads, submits; the caseworker's review page lists the papers and
opens them."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from marketplace.internships.models import SubsidyClaim
from tests.internships.test_claims import sign
from tests.internships.test_evidence import PDF, evidence_set, png  # noqa: F401  (a fixture)
from tests.internships.test_pages_flow import login


def _claims(db, ag) -> int:
    return db.scalar(select(func.count(SubsidyClaim.id)).where(SubsidyClaim.agreement_id == ag))


def test_refused_claim_leaves_no_draft_then_a_draft_takes_papers_and_the_caseworker_opens_them(
        api, client, world, on_day, evidence_set, db):  # noqa: F811
    on_day("2020-06-01")
    ag = sign(api, world)
    login(client, world.hr)
    r = client.post(f"/employer/internships/{ag}/claim", follow_redirects=True)
    assert "缺少申领材料：考勤记录" in r.text
    assert _claims(db, ag) == 0  # the refusal changed nothing
    assert "先保存为草稿" in client.get(f"/employer/internships/{ag}").text

    r = client.post(f"/employer/internships/{ag}/claim", data={"draft": "1"}, follow_redirects=True)
    claim = db.scalars(select(SubsidyClaim).where(SubsidyClaim.agreement_id == ag)).one()
    assert claim.state == "draft" and "缺少材料：考勤记录" in r.text
    for name, data in (("考勤.pdf", PDF), ("考勤2.png", png())):
        r = client.post(f"/employer/claims/{claim.id}/evidence", content_type="multipart/form-data",
                        data={"kind": "attendance", "file": (io.BytesIO(data), name)})
        assert r.status_code == 302
    client.post(f"/employer/claims/{claim.id}/submit")
    db.refresh(claim)
    assert claim.state == "submitted"
    client.post("/logout")

    login(client, world.cw)
    page = client.get("/caseworker/claims").text
    card = page[page.index(f'data-claim="{claim.id}"'):]
    assert "申领材料：" in card and "考勤记录（考勤.pdf）" in card and "考勤记录（考勤2.png）" in card
    links = [part.split('"')[0] for part in card.split('href="/claims/evidence/')[1:3]]
    assert client.get(f"/claims/evidence/{links[0]}").data == PDF
    assert client.get(f"/claims/evidence/{links[1]}").mimetype == "image/png"
