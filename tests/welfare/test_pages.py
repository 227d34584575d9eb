"""Welfare pages as caseworkers and people meet them: Chinese first, English on request,
refusals shown with the rule's reason and nothing saved, other districts 404."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from marketplace import clock
from marketplace.welfare import placements, referrals
from marketplace.welfare.models import FollowUp, Placement, Referral, Registration
from tests.welfare.helpers import registered


def login(client, user, password="secret-pass-1"):
    r = client.post("/login", data={"username": user.username, "password": password})
    assert r.status_code == 302, r.text


def test_desk_person_posts_queue_and_dashboard_render(client, db, make):
    cw = make.user("caseworker", district="望花区")
    today = clock.today()
    p, reg = registered(db, make, cw, today, name="王零就业", categories=("zero_employment_family",))
    post = make.posting(kind="public_welfare", title="社区保洁员", temporary=True, term_months=6)
    make.posting(title="电焊工", open_on=None, close_on=None)
    login(client, cw)
    r = client.get("/welfare/desk")
    assert r.status_code == 200 and "我的工作台" in r.text and "王零就业" in r.text and "待审核的补贴申领" in r.text
    r = client.get(f"/caseworker/people/{p.id}")
    assert r.status_code == 200 and "就业困难人员" in r.text and "失业登记" in r.text
    r = client.get("/welfare/posts")
    assert r.status_code == 200 and "社区保洁员" in r.text and "<svg" in r.text
    r = client.get(f"/welfare/posts/{post.id}/queue")
    assert r.status_code == 200 and "第1位" in r.text and "零就业家庭成员" in r.text
    r = client.get("/welfare/dashboard")
    assert r.status_code == 200 and r.text.count("<svg role=\"img\"") >= 6 and "<title id=\"by-group-t\">" in r.text
    assert "Registered unemployed by key group" in client.get("/welfare/dashboard?lang=en").text
    csv = client.get("/welfare/dashboard.csv")
    assert csv.mimetype == "text/csv" and "by_district,望花区,,1" in csv.text


def test_placing_from_the_queue_and_a_refusal_saves_nothing(client, db, make):
    cw = make.user("caseworker", district="望花区")
    today = clock.today()
    tier2, _ = registered(db, make, cw, today, name="高分二层", skills=("保洁",))
    tier1, _ = registered(db, make, cw, today, name="零就业一层", skills=(), categories=("zero_employment_family",))
    post = make.posting(kind="public_welfare", skills=["保洁"], temporary=True, term_months=6, headcount=2)
    login(client, cw)
    r = client.post(f"/welfare/posts/{post.id}/place", data={"profile_id": tier2.id, "fund": "employment_subsidy_fund"})
    assert r.status_code == 303
    assert "须记录跳过前面人员的理由" in client.get(r.headers["Location"]).text
    assert db.scalar(select(func.count()).select_from(Placement)) == 0
    r = client.post(f"/welfare/posts/{post.id}/place", data={"profile_id": tier1.id, "fund": "employment_subsidy_fund",
                                                             "term_months": "6"})
    assert r.status_code == 302
    pl = db.scalar(select(Placement))
    assert pl.profile_id == tier1.id and pl.rank_reason["rank"] == 1


def test_other_districts_get_404_and_people_their_own_page(client, db, make):
    cw = make.user("caseworker", district="望花区")
    p, reg = registered(db, make, cw, clock.today())
    post = make.posting(kind="public_welfare")
    login(client, make.user("caseworker", district="新抚区"))
    assert client.get(f"/caseworker/people/{p.id}").status_code == 404
    assert client.get(f"/welfare/posts/{post.id}/queue").status_code == 404
    task = db.scalar(select(FollowUp).where(FollowUp.registration_id == reg.id))
    assert client.post(f"/welfare/follow-ups/{task.id}/contact", data={"channel": "phone", "note": "x"}).status_code == 404
    client.post("/logout")
    login(client, make.user("person"))
    assert client.get("/welfare/desk").status_code == 403
    assert client.get("/welfare/dashboard").status_code == 403


def test_a_person_registers_online_from_the_page(client, db, make):
    person = make.user("person")
    make.profile(user=person, gender="女", birth_on=dt.date(1990, 3, 1))
    login(client, person)
    r = client.get("/welfare/me")
    assert r.status_code == 200 and "原法定退休年龄" in r.text
    r = client.post("/welfare/me", data={"basis": "residence", "district": "望花区"})
    assert r.status_code == 422 and "50或55" in r.text
    assert db.scalar(select(func.count()).select_from(Registration)) == 0
    r = client.post("/welfare/me", data={"basis": "residence", "district": "望花区", "original_retirement_age": "50"})
    assert r.status_code == 302
    r = client.get("/welfare/me?lang=en")
    assert "waiting for a caseworker to confirm" in r.text


def test_desk_records_a_contact_and_an_outcome(client, db, make):
    cw = make.user("caseworker", district="望花区")
    p, reg = registered(db, make, cw, clock.today(), hte=False)
    login(client, cw)
    html = client.get("/welfare/desk").text
    assert p.name in html
    task = db.scalar(select(FollowUp).where(FollowUp.registration_id == reg.id))
    r = client.post(f"/welfare/follow-ups/{task.id}/contact", data={"channel": "phone", "note": "", "back": "desk"})
    assert r.status_code == 303 and task.contacted_on is None
    r = client.post(f"/welfare/follow-ups/{task.id}/contact", data={"channel": "phone", "note": "电话，仍在求职",
                                                                     "back": "desk"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/welfare/desk")
    db.refresh(task)
    assert task.contacted_on == clock.today()
    assert re.search(r"没有本月待跟踪|Nothing due", client.get("/welfare/desk").text)


def test_person_file_with_referrals_placement_and_an_extension_refused_with_its_reason(client, db, make):
    cw = make.user("caseworker", district="望花区")
    today = clock.today()
    p, reg = registered(db, make, cw, today, name="李桂芝")
    job = make.posting(title="仓库保管员", open_on=None, close_on=None)
    post = make.posting(kind="public_welfare", title="社区保洁员", temporary=True, term_months=6)
    referrals.refer(db, cw, p.id, job.id, "体力相适应")
    pl = placements.place(db, cw, post.id, p.id, fund="employment_subsidy_fund")
    login(client, cw)
    r = client.post(f"/welfare/placements/{pl.id}/extend", data={"fund": "employment_subsidy_fund", "months": "12"})
    assert r.status_code == 303
    html = client.get(f"/caseworker/people/{p.id}").text
    assert "R10" in html and "不在延长政策实施期限内" in html  # the refusal: outside the 2020 extension window
    assert "仓库保管员" in html and "社区保洁员" in html and "第1次安置" in html and "认定证明" in html
    assert pl.extended_to_on is None

    r = client.post(f"/welfare/referrals/{db.scalar(select(Referral.id))}/outcome", data={"outcome": "not_hired"})
    assert r.status_code == 302
    en = client.get(f"/caseworker/people/{p.id}?lang=en").text
    assert "not hired" in en and "Hard-to-employ status (R8)" in en


def test_the_desk_finds_people_of_my_district_only(client, db, make):
    cw = make.user("caseworker", district="望花区")
    make.profile(name="欧阳娜", district="望花区")
    make.profile(name="欧阳丽", district="新抚区")
    login(client, cw)
    html = client.get("/welfare/desk?q=欧阳").text
    assert "欧阳娜" in html and "欧阳丽" not in html
