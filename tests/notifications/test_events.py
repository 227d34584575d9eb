"""Each event that exists today reaches the right person's notification centre, with the
registered kind, a title and a link: an application (employer's staff), every stage move
and an invitation (the person), an organisation verified or refused (its staff), follow-ups
due and overdue (the caseworker they are assigned to). Claim states: tests/internships/
test_claim_notices.py; introductions: tests/internships/test_introductions.py."""
from __future__ import annotations

import datetime as dt

from marketplace.core import applications, verification
from marketplace.core.schemas import ReasonIn, VerifyIn
from marketplace.notifications import registry
from marketplace.welfare import followups
from marketplace.welfare import notices as welfare_notices
from tests.welfare.helpers import registered


def centre(client, make, user, lang="zh"):
    return client.get(f"/api/v1/notifications?lang={lang}", headers=make.token(user)).json


def test_application_received_by_the_employers_staff_and_stage_moves_told_to_the_person(client, make, db):
    org = make.org()
    hr, colleague, outsider = make.user("employer", organisation=org), make.user("employer", organisation=org), \
        make.user("employer")
    posting = make.posting(organisation=org, title="焊工")
    person = make.user("person")
    make.profile(user=person)
    app = applications.apply(db, person, posting.id, "我有焊工证")
    for staff in (hr, colleague):
        [n] = centre(client, make, staff)["items"]
        assert n["kind"] == "application_received" and n["title"] == "收到新的申请" and "焊工" in n["body"]
        assert n["link"] == f"/employer/postings/{posting.id}"
    assert centre(client, make, outsider)["items"] == []
    assert centre(client, make, person)["items"] == []  # nobody is told of their own act

    applications.move_stage(db, hr, app.id, "interview", "请周三上午来面试")
    applications.move_stage(db, hr, app.id, "offer")
    told = centre(client, make, person)
    assert told["unread"] == 2 and {n["kind"] for n in told["items"]} == {"stage_change"}
    assert "进度更新为：已录用通知" in told["items"][0]["body"]
    assert "面试" in told["items"][1]["body"] and "请周三上午来面试" in told["items"][1]["body"]
    en = centre(client, make, person, "en")["items"][1]
    assert en["title"] == "Application update" and "is now: interview" in en["body"]
    assert told["items"][0]["link"] == "/me/applications"


def test_an_invitation_is_told_to_the_person_and_its_acceptance_to_the_employer(client, make, db):
    org = make.org()
    hr = make.user("employer", organisation=org)
    posting = make.posting(organisation=org, title="仓库管理员")
    person = make.user("person")
    profile = make.profile(user=person, published=True)
    app = applications.invite(db, hr, posting.id, profile.id, "欢迎申请")
    [n] = centre(client, make, person)["items"]
    assert n["kind"] == "stage_change" and "邀请您申请" in n["body"]
    applications.move_stage(db, person, app.id, "applied")
    assert [n["kind"] for n in centre(client, make, hr)["items"]] == ["application_received"]


def test_organisation_verified_or_refused_told_to_its_staff(client, make, db):
    cw = make.user("caseworker", district="望花区")
    good, bad = make.org(verified=False), make.org(verified=False)
    hr_good, hr_bad = make.user("employer", organisation=good), make.user("employer", organisation=bad)
    verification.verify(db, cw, good.id, VerifyIn(checked="营业执照原件已核对"))
    verification.refuse(db, cw, bad.id, ReasonIn(reason="营业执照号码与名称不符"))
    [ok] = centre(client, make, hr_good)["items"]
    assert ok["kind"] == "organisation_verified" and ok["title"] == "单位已通过审核"
    [no] = centre(client, make, hr_bad)["items"]
    assert no["kind"] == "organisation_refused" and "营业执照号码与名称不符" in no["body"]
    assert no["link"] == "/employer/verification"


def test_follow_ups_due_and_overdue_told_to_the_assigned_caseworker_once(client, make, db):
    cw = make.user("caseworker", district="望花区")
    other_cw = make.user("caseworker", district="新抚区")
    march = dt.date(2020, 3, 10)
    registered(db, make, cw, march, name="李四")
    registered(db, make, cw, march, name="王五")
    followups.create_month_follow_ups(db, march)
    assert welfare_notices.tell_caseworkers(db, march) == 1
    assert welfare_notices.tell_caseworkers(db, march) == 0  # the daily rerun tells nobody twice
    [due] = centre(client, make, cw)["items"]
    assert due["kind"] == "follow_up_due" and "2 位" in due["body"] and due["link"] == "/welfare/desk"
    april = dt.date(2020, 4, 2)
    followups.create_month_follow_ups(db, april)
    welfare_notices.tell_caseworkers(db, april)
    kinds = [n["kind"] for n in centre(client, make, cw)["items"]]
    assert sorted(kinds) == ["follow_up_due", "follow_up_due", "follow_up_overdue"]
    overdue = next(n for n in centre(client, make, cw)["items"] if n["kind"] == "follow_up_overdue")
    assert "2 项" in overdue["body"]
    assert centre(client, make, other_cw)["items"] == []


def test_every_kind_sent_today_is_registered_with_both_labels(app):
    for name in ("application_received", "stage_change", "organisation_verified", "organisation_refused",
                 "introduction", "claim_state", "internship_ending", "one_third_reached", "no_claim",
                 "confirm_record", "follow_up_due", "follow_up_overdue"):
        kind = registry.registered()[name]
        assert kind.zh and kind.en and kind.zh != kind.en
