"""The agency's introductions and referral claim through the pages, in Chinese: the links
that carry the numbers, the refusal that says why, and the hire offered for the claim."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from marketplace.core.models import Application, User
from marketplace.internships.models import SubsidyClaim
from marketplace.notifications.models import Notification
from tests.internships.conftest import graduate, hired_on
from tests.internships.test_pages_flow import login


def test_agency_introduces_then_claims_through_the_pages(client, db, make, world, on_day):
    on_day("2020-07-15")
    world.org.is_epidemic_supply = True
    agency = make.user("agency")
    person = graduate(make, name="赵推荐")
    hidden = graduate(make, name="钱未公开", published=False)
    posting = make.posting(organisation=world.org, created_by=world.hr, title="消毒液灌装工")
    login(client, agency)

    page = client.get(f"/postings/{posting.id}")
    assert "向此岗位推荐求职者" in page.text  # the posting page's link carries its number
    page = client.get(f"/agency/introductions?posting_id={posting.id}")
    assert page.status_code == 200 and f'name="posting_id" value="{posting.id}"' in page.text

    r = client.post("/agency/introductions", data={"profile_id": hidden.id, "posting_id": posting.id})
    assert r.status_code == 404 and "钱未公开" not in r.text and "不存在或您无权查看" in r.text
    r = client.post("/agency/introductions", data={"profile_id": "abc", "posting_id": posting.id})
    assert r.status_code == 422 and 'data-error="profile_id"' in r.text
    r = client.post("/agency/introductions", data={"profile_id": person.id, "posting_id": posting.id,
                                                   "note": "做过灌装"})
    assert r.status_code == 302, r.text
    page = client.get("/agency/introductions")
    assert "赵推荐" in page.text and "消毒液灌装工" in page.text and "尚未因此推荐提出申请" in page.text
    assert db.scalar(select(Notification.id).where(Notification.user_id == person.user_id,
                                                   Notification.kind == "introduction"))

    # the person accepts the introduction on their page, then applies on the site and is hired
    login(client, db.get(User, person.user_id))
    page = client.get("/me/introductions")
    assert "我的推荐" in page.text and agency.organisation.name in page.text and "消毒液灌装工" in page.text
    assert "做过灌装" in page.text and "未答复" in page.text
    intro_id = int(re.search(r'data-introduction="(\d+)"', page.text).group(1))
    r = client.post(f"/me/introductions/{intro_id}/accept")
    assert r.status_code == 302
    page = client.get("/me/introductions")
    assert "已接受" in page.text and 'data-test="decline"' in page.text and 'data-test="accept"' not in page.text
    assert client.post(f"/postings/{posting.id}/apply", data={"note": ""}).status_code == 302
    app = db.scalar(select(Application).where(Application.profile_id == person.id))
    app.stage = "hired"
    db.flush()
    # the employer's records the referral subsidy is computed from: the hire, the contract, the insurance
    hired_on(db, app.id, dt.date(2020, 3, 1))
    login(client, world.hr)
    assert client.post(f"/employer/hires/{app.id}/contract", data={"signed_on": "2020-03-01",
                                                                   "months": "12"}).status_code == 302
    assert client.post(f"/employer/hires/{app.id}/insurance", data={"monthly_amount": "980.00",
                                                                    "makeup_paid_on": "2020-07-10"}).status_code == 302

    login(client, agency)
    page = client.get("/agency/introductions")
    assert "已录用：可申领职业介绍补贴" in page.text
    assert 'href="/agency/claims#offer-' in page.text  # the "Claim" link opens the agency's own page
    # an old link to the employer's form with the referral kind lands on the agency's page (issue 16)
    assert client.get(f"/employer/claims?kind=referral_r7&application_id={app.id}").headers["Location"] == "/agency/claims"
    page = client.get("/agency/claims")
    assert f'data-offer="{app.id}"' in page.text and "赵推荐 · 消毒液灌装工" in page.text
    assert "资金来源（R7）" in page.text and "工业企业结构调整专项奖补资金" in page.text
    r = client.post("/agency/claims", data={"application_id": app.id, "funding_source": "industrial_restructuring_fund"})
    assert r.status_code == 302, r.text
    claim = db.scalar(select(SubsidyClaim).where(SubsidyClaim.application_id == app.id))
    assert claim.kind == "referral_r7" and str(claim.amount) == "200.00"
    assert claim.facts["funding_source"] == "industrial_restructuring_fund"
    assert "工业企业结构调整专项奖补资金" in claim.reason_zh
    assert "暂无可申领的录用" in client.get("/employer/claims").text  # claimed: no longer offered
    assert 'data-test="no-offers"' in client.get("/agency/claims").text
    # the employer sees who introduced the applicant, and only where the introduction counts
    walk_in = graduate(make, name="孙自来")
    db.add(Application(posting_id=posting.id, profile_id=walk_in.id, stage="applied"))
    db.flush()
    login(client, world.hr)
    page = client.get(f"/employer/postings/{posting.id}")
    assert page.text.count('data-test="introduced-by"') == 1
    assert f"经{agency.organisation.name}推荐" in page.text
    # the caseworker sees which introduction the claim rests on
    login(client, world.cw)
    page = client.get("/caseworker/claims")
    assert f"推荐记录#{claim.facts['introduction_id']}" in page.text and "早于求职者申请" in page.text
    assert f"求职者于{claim.facts['introduction_accepted_on']}接受" in page.text


def test_an_employer_cannot_open_the_agency_page(client, world):
    login(client, world.hr)
    assert client.get("/agency/introductions").status_code == 403


def test_the_person_declines_and_the_caseworker_sees_the_agencys_figures(client, db, make, world, on_day):
    on_day("2020-07-15")
    agency = make.user("agency")
    person = graduate(make, name="周不要")
    posting = make.posting(organisation=world.org, created_by=world.hr, title="包装工")
    login(client, agency)
    assert client.post("/agency/introductions", data={"profile_id": person.id, "posting_id": posting.id}).status_code == 302
    assert "每家机构每天最多登记20条推荐" in client.get("/agency/introductions").text

    login(client, db.get(User, person.user_id))
    assert 'data-test="nav-introductions"' in client.get("/me/introductions").text
    page = client.get("/me/introductions")
    intro_id = int(re.search(r'data-introduction="(\d+)"', page.text).group(1))
    r = client.post(f"/me/introductions/{intro_id}/decline", follow_redirects=True)
    assert "已拒绝推荐。" in r.text and "已拒绝" in r.text
    # applied: the answer stands, the page says so and offers no buttons
    assert client.post(f"/postings/{posting.id}/apply", data={"note": ""}).status_code == 302
    page = client.get("/me/introductions")
    assert "您已自行应聘该岗位，答复不再更改。" in page.text and 'data-test="accept"' not in page.text
    r = client.post(f"/me/introductions/{intro_id}/accept", follow_redirects=True)
    assert "答复已不能更改" in r.text

    login(client, world.cw)
    page = client.get("/caseworker/introductions")
    assert page.status_code == 200 and 'data-test="nav-agency-volumes"' in page.text
    row = re.search(rf'<tr data-agency="{agency.organisation_id}">(.*?)</tr>', page.text, re.S).group(1)
    assert agency.organisation.name in row and "0.0%" in row
    page = client.get("/caseworker/introductions?days=abc")
    assert page.status_code == 200 and "统计天数应为1至366之间的整数" in page.text
    login(client, agency)
    assert client.get("/caseworker/introductions").status_code == 403


def test_the_caseworker_records_on_the_persons_page_what_they_said_at_the_desk(client, db, make, world, on_day):
    on_day("2020-07-15")
    agency = make.user("agency")
    person = graduate(make, name="吴没手机")
    posting = make.posting(organisation=world.org, created_by=world.hr, title="仓库理货员")
    login(client, agency)
    assert client.post("/agency/introductions", data={"profile_id": person.id, "posting_id": posting.id}).status_code == 302

    login(client, world.cw)
    page = client.get(f"/caseworker/people/{person.id}")
    assert page.status_code == 200 and "机构推荐" in page.text and "仓库理货员" in page.text
    intro_id = int(re.search(r'data-introduction="(\d+)"', page.text).group(1))
    # no note of what the person said: refused, with the reason, and nothing recorded
    r = client.post(f"/caseworker/introductions/{intro_id}/answer",
                    data={"answer": "accepted", "channel": "in_person", "note": ""}, follow_redirects=True)
    assert "请记录本人答复的情况" in r.text and 'data-test="record-answer"' in r.text
    r = client.post(f"/caseworker/introductions/{intro_id}/answer",
                    data={"answer": "accepted", "channel": "in_person", "note": "本人到窗口，表示愿意去面试"},
                    follow_redirects=True)
    assert "已记录本人的答复，并已通知本人。" in r.text
    row = re.search(rf'<tr data-introduction="{intro_id}">(.*?)</tr>', r.text, re.S).group(1)
    assert "已接受" in row and "本人当面答复，经办人员记录" in row

    login(client, db.get(User, person.user_id))
    page = client.get("/me/introductions")
    assert "经办人员根据您的当面答复代为记录。" in page.text and 'data-test="decline"' in page.text  # still theirs to change

    login(client, world.cw_far)  # another district's caseworker: no such record for them
    assert client.post(f"/caseworker/introductions/{intro_id}/answer",
                       data={"answer": "declined", "channel": "phone", "note": "x"}).status_code == 404
