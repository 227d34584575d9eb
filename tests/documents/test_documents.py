"""The printed documents read back as text: each PDF names the people, numbers and amounts
of its record (extracted with pypdf, as a clerk's search or a screen reader would), every
download is in the audit log, and the certificate's code is confirmed by the public check
page with a masked name and dates only. The world is the authorisation matrix's (two of
everything scoped), so the people who may not see a record are there too."""
from __future__ import annotations

import datetime as dt
import io

import pypdf
import pytest
from sqlalchemy import select

from marketplace import policy as pol
from marketplace.core.models import AuditEntry
from marketplace.documents import HEADING, codes, mask_name
from marketplace.internships import documents as internship_documents
from marketplace.internships.models import InternshipInterruption
from marketplace.welfare import documents as welfare_documents
from marketplace.welfare import registrations
from tests.web.test_pages import login


def text_of(response) -> str:
    assert response.status_code == 200, response.get_data()[:300]
    assert response.mimetype == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.get_data()))
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=0.5)  # A4
    assert reader.pages[0].mediabox.height == pytest.approx(841.89, abs=0.5)
    return "".join(page.extract_text() for page in reader.pages)


def get(client, make, user, kind, record_id):
    return client.get(f"/api/v1/documents/{kind}/{record_id}.pdf", headers=make.token(user))


def downloads(db):
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == "document_download")))


def test_internship_agreement_names_parties_period_stipend_and_interruptions(client, make, db, world):
    ag = world.ag_a
    db.add(InternshipInterruption(agreement_id=ag.id, from_on=dt.date(2020, 5, 11), to_on=dt.date(2020, 5, 14),
                                  reason="sick_leave", note="病假三天"))
    db.flush()
    text = text_of(get(client, make, world.users["hr_a"], "internship_agreement", ag.id))
    for expected in (HEADING, "就业见习协议书", internship_documents.agreement_number(ag), "甲焊接有限公司",
                     world.org_a.credit_code, "李见习", "焊接见习生", "2020-03-01", f"{ag.period_months}个月",
                     f"{pol.format_money(ag.monthly_rate)} 元", "2020-05-11", "2020-05-13", "病假三天",
                     "甲方（见习单位，盖章）", "乙方（见习人员，签字）"):
        assert expected in text, expected
    entry = downloads(db)[-1]
    assert (entry.entity, entry.entity_id, entry.actor_id) == ("internship_agreement", ag.id, world.users["hr_a"].id)
    assert entry.after["number"] == internship_documents.agreement_number(ag)


def test_internship_claim_form_carries_amount_rule_and_policy_set(client, make, world):
    c = world.claim_a
    text = text_of(get(client, make, world.users["cw_x"], "internship_claim", c.id))
    for expected in ("就业见习补贴申领表", internship_documents.claim_number(c), "甲焊接有限公司", "李见习",
                     f"{pol.format_money(c.amount)} 元", c.rule, "fushun-2020", c.period_from_on.isoformat(),
                     "申领单位（盖章）", internship_documents.agreement_number(world.ag_a)):
        assert expected in text, expected
    assert c.reason_zh[:12] in text.replace("\n", "")
    # an internship claim is not a hire claim: the other form does not print it
    assert get(client, make, world.users["cw_x"], "hire_claim", c.id).status_code == 404


def test_hire_claim_form(client, make, world):
    c = world.hc_a
    text = text_of(get(client, make, world.users["hr_a"], "hire_claim", c.id))
    for expected in ("吸纳就业补贴申领表", internship_documents.claim_number(c), "甲焊接有限公司", "张三", "1000.00 元",
                     "R6", "一次性吸纳就业补贴", "电焊工"):
        assert expected in text, expected


def test_referral_letter_and_placement_notice(client, make, world):
    cw = world.users["cw_x"]
    text = text_of(get(client, make, cw, "referral_letter", world.ref_a.id))
    for expected in ("职业介绍信", welfare_documents.referral_number(world.ref_a), "乙数据有限公司", "张三", "数据录入员",
                     world.ref_a.referred_on.isoformat(), cw.display_name, "用人单位回执（盖章）"):
        assert expected in text, expected
    pl = world.pl_a
    text = text_of(get(client, make, cw, "placement_notice", pl.id))
    for expected in ("公益性岗位安置通知", welfare_documents.placement_number(pl), "王安置", "社区保洁", "望花区社区服务中心",
                     pl.start_on.isoformat(), pl.end_on.isoformat(), "6个月", "被安置人员（签字）"):
        assert expected in text, expected


def test_fair_report(client, make, world):
    text = text_of(get(client, make, world.users["organiser"], "fair_report", world.fair.id))
    for expected in ("招聘会总结报告", "抚顺市春季双选会", "抚顺市人才市场", "甲焊接有限公司", "A1", "残疾人"):
        assert expected in text, expected


def test_certificate_code_is_confirmed_with_a_masked_name_and_dates_only(app, client, make, world, db):
    reg = world.reg_a
    text = text_of(get(client, make, world.person, "unemployment_certificate", reg.id))
    with app.app_context():
        code = codes.make("unemployment_certificate", reg.id)
    for expected in ("失业登记证明", welfare_documents.certificate_number(reg), "张三", reg.registered_on.isoformat(),
                     "望花区", code, f"/verify/{code}"):
        assert expected in text.replace("\n", ""), expected

    page = client.get(f"/verify/{code}")
    assert page.status_code == 200
    assert "张*" in page.text and "张三" not in page.text
    assert reg.registered_on.isoformat() in page.text and "有效" in page.text
    assert "望花区" not in page.text and "13900000001" not in page.text  # no district, no phone

    # the same number with a forged MAC, another record's id under this MAC, and rubbish: not valid
    forged = code[:-1] + ("A" if code[-1] != "A" else "B")
    other = code.replace(f"SY{reg.id}-", f"SY{reg.id + 1}-")
    for bad in (forged, other, "nonsense", "SY-"):
        r = client.get(f"/verify/{bad}")
        assert r.status_code == 404 and "验证码无效" in r.text and "张" not in r.text, bad

    # once the registration ends, the genuine code says it is no longer valid, with both dates
    registrations.end_registration(db, world.users["cw_x"], reg.id, "employed", ended_on=reg.registered_on + dt.timedelta(days=10),
                                   today=reg.registered_on + dt.timedelta(days=20))
    db.flush()
    page = client.get(f"/verify/{code}")
    assert page.status_code == 200 and "已失效" in page.text
    assert (reg.registered_on + dt.timedelta(days=10)).isoformat() in page.text


def test_pages_link_and_serve_documents_to_a_signed_in_reader_only(client, make, world):
    ag = world.ag_a
    url = f"/documents/internship_agreement/{ag.id}.pdf"
    assert client.get(url).status_code == 302  # to the login page
    login(client, world.users["hr_b"])
    assert client.get(url).status_code == 404
    client.post("/logout")
    login(client, world.users["hr_a"])
    assert "李见习" in text_of(client.get(url))
    assert client.get("/documents/no_such_kind/1.pdf").status_code == 404


def test_names_typed_by_people_cannot_inject_markup(client, make, world, db):
    world.prof_i.name = "李<b>见习</b>&"
    db.flush()
    text = text_of(get(client, make, world.users["hr_a"], "internship_agreement", world.ag_a.id))
    assert "李<b>见习</b>&" in text


def test_mask_name():
    assert mask_name("赵敏") == "赵*" and mask_name("欧阳娜娜") == "欧***" and mask_name("") == "*"


def _links(client, page_url) -> str:
    r = client.get(page_url)
    assert r.status_code == 200, r.status_code
    return r.text


def test_each_document_is_linked_from_its_page(app, client, world):
    w = world
    login(client, w.users["hr_a"])
    page = _links(client, f"/employer/internships/{w.ag_a.id}")
    assert f"/documents/internship_agreement/{w.ag_a.id}.pdf" in page
    assert f"/documents/internship_claim/{w.claim_a.id}.pdf" in page
    page = _links(client, "/employer/claims")
    assert f"/documents/internship_claim/{w.claim_a.id}.pdf" in page
    assert f"/documents/hire_claim/{w.hc_a.id}.pdf" in page
    client.post("/logout")
    login(client, w.users["cw_x"])
    page = _links(client, f"/caseworker/people/{w.prof_a.id}")
    assert f"/documents/unemployment_certificate/{w.reg_a.id}.pdf" in page
    assert f"/documents/referral_letter/{w.ref_a.id}.pdf" in page
    page = _links(client, f"/caseworker/people/{w.prof_p.id}")
    assert f'class="doc" href="/documents/placement_notice/{w.pl_a.id}.pdf"' in page  # styled as a link in the title
    assert "就业补助资金" in page and "· employment_subsidy_fund" not in page  # the fund by its name, not its code
    assert f"/documents/internship_claim/{w.claim_a.id}.pdf" in _links(client, "/caseworker/claims")
    client.post("/logout")
    login(client, w.person)
    assert f"/documents/unemployment_certificate/{w.reg_a.id}.pdf" in _links(client, "/welfare/me")
    client.post("/logout")
    login(client, w.users["organiser"])
    assert f"/documents/fair_report/{w.fair.id}.pdf" in _links(client, f"/organiser/fairs/{w.fair.id}/report")


def test_the_intern_prints_their_own_agreement_from_their_records_and_nobody_else_can(client, make, db, world):
    """The intern signs the agreement too and keeps a copy: their records page links the PDF,
    which names them; another person gets 404, as for any record they may not see."""
    ag = world.ag_a
    intern = make.user("person")
    ag.profile.user_id = intern.id
    db.flush()
    login(client, intern)
    page = client.get("/me/internship-records")
    assert f"/documents/internship_agreement/{ag.id}.pdf" in page.text
    pdf = client.get(f"/documents/internship_agreement/{ag.id}.pdf")
    text = text_of(pdf)
    assert "李见习" in text and internship_documents.agreement_number(ag) in text and "乙方（见习人员，签字）" in text
    assert downloads(db)[-1].actor_id == intern.id
    assert get(client, make, make.user("person"), "internship_agreement", ag.id).status_code == 404
    # the unit's claim stays the unit's
    assert get(client, make, intern, "internship_claim", world.claim_a.id).status_code == 404
