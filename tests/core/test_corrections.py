"""Issue 15, "correct and undo" in core: a posting edited, extended, reopened and closed with a
confirmation (the applicants told, the audit keeping before/after/why); an application's
stage move reversed (a hire too, through ``hooks.hire_reversed``) and a withdrawal."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from marketplace import clock, hooks
from marketplace.core import applications
from marketplace.core.models import AuditEntry, Posting
from marketplace.notifications.models import Notification
from marketplace.welfare import registrations
from marketplace.welfare.models import Registration


def login(client, user, password="secret-pass-1"):
    r = client.post("/login", data={"username": user.username, "password": password})
    assert r.status_code == 302, r.text


def _form(p: Posting, **kw) -> dict:
    data = {"title": p.title, "description": p.description, "requirements": p.requirements or "",
            "skills": "，".join(p.skills), "education_min": str(p.education_min), "salary_min": str(p.salary_min),
            "salary_max": str(p.salary_max), "headcount": str(p.headcount), "district": p.district,
            "close_on": p.close_on.isoformat() if p.close_on else ""}
    data.update(kw)
    return data


def _world(db, make):
    org = make.org()
    hr = make.user("employer", organisation=org)
    posting = make.posting(organisation=org, close_on=clock.today() + dt.timedelta(days=30))
    person = make.user("person")
    profile = make.profile(user=person)
    app = applications.apply(db, person, posting.id, "")
    db.commit()
    return hr, posting, person, profile, app


def _audits(db, entity, entity_id, action):
    return list(db.scalars(select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id,
                                                    AuditEntry.action == action)))


def _notes(db, user):
    return list(db.scalars(select(Notification).where(Notification.user_id == user.id)))


def test_the_employer_edits_a_published_posting_on_a_page_and_the_applicant_is_told(client, db, make):
    hr, posting, person, _profile, _app = _world(db, make)
    login(client, hr)
    page = client.get(f"/employer/postings/{posting.id}")
    assert f"/employer/postings/{posting.id}/edit" in page.text and "更新于" in page.text
    form = client.get(f"/employer/postings/{posting.id}/edit")
    assert form.status_code == 200 and 'value="电焊工"' in form.text
    r = client.post(f"/employer/postings/{posting.id}/edit",
                    data=_form(posting, title="高级电焊工", salary_max="7000", reason="工资上调"))
    assert r.status_code == 302, r.text
    db.expire_all()
    assert db.get(Posting, posting.id).title == "高级电焊工"
    [entry] = _audits(db, "posting", posting.id, "update")
    assert entry.actor_id == hr.id and entry.reason == "工资上调"
    assert (entry.before["title"], entry.before["salary_max"]) == ("电焊工", 6000)
    assert (entry.after["title"], entry.after["salary_max"]) == ("高级电焊工", 7000)
    assert "headcount" not in entry.after  # only what changed
    [note] = _notes(db, person)
    assert note.kind == "posting_changed" and "岗位名称" in note.text_zh and "薪酬" in note.text_zh
    assert note.link == f"/postings/{posting.id}"
    assert "更新于" in client.get(f"/postings/{posting.id}").text


def test_an_edit_is_validated_as_on_creation_and_changes_nothing_when_refused(client, db, make):
    hr, posting, person, _profile, _app = _world(db, make)
    login(client, hr)
    r = client.post(f"/employer/postings/{posting.id}/edit", data=_form(posting, title="x"))
    assert r.status_code == 422 and 'data-error="title"' in r.text
    past = (clock.today() - dt.timedelta(days=1)).isoformat()
    r = client.post(f"/employer/postings/{posting.id}/edit", data=_form(posting, close_on=past))
    assert r.status_code == 422 and "关闭岗位" in r.text
    db.expire_all()
    assert db.get(Posting, posting.id).title == "电焊工" and not _notes(db, person)
    assert not _audits(db, "posting", posting.id, "update")


def test_a_draft_past_its_closing_date_is_fixed_on_the_edit_page_the_refusal_points_to(client, db, make):
    org = make.org()
    hr = make.user("employer", organisation=org)
    draft = make.posting(organisation=org, status="draft", close_on=clock.today() - dt.timedelta(days=3))
    db.commit()
    login(client, hr)
    r = client.post(f"/employer/postings/{draft.id}/publish", follow_redirects=True)
    assert "请先修改截止日期" in r.text and "修改岗位" in r.text
    assert f"/employer/postings/{draft.id}/edit" in r.text
    new = (clock.today() + dt.timedelta(days=10)).isoformat()
    assert client.post(f"/employer/postings/{draft.id}/edit", data=_form(draft, close_on=new)).status_code == 302
    client.post(f"/employer/postings/{draft.id}/publish")
    db.expire_all()
    assert db.get(Posting, draft.id).status == "published"


def test_closing_asks_for_a_confirmation_then_tells_the_applicants_and_reopening_needs_a_future_date(
        client, db, make):
    hr, posting, person, _profile, _app = _world(db, make)
    login(client, hr)
    r = client.get(f"/employer/postings/{posting.id}/close")
    assert r.status_code == 200 and 'data-test="confirm-close"' in r.text
    client.post(f"/employer/postings/{posting.id}/close", data={})  # no confirmation: nothing happens
    db.expire_all()
    assert db.get(Posting, posting.id).status == "published"
    client.post(f"/employer/postings/{posting.id}/close", data={"confirm": "1", "reason": "招满了"})
    db.expire_all()
    assert db.get(Posting, posting.id).status == "closed"
    assert _audits(db, "posting", posting.id, "close")[0].reason == "招满了"
    assert any("停止招聘" in n.text_zh for n in _notes(db, person))
    past = (clock.today() - dt.timedelta(days=1)).isoformat()
    r = client.post(f"/employer/postings/{posting.id}/reopen", data={"close_on": past}, follow_redirects=True)
    assert "新的截止日期不能早于今天" in r.text
    db.expire_all()
    assert db.get(Posting, posting.id).status == "closed"
    new = clock.today() + dt.timedelta(days=20)
    client.post(f"/employer/postings/{posting.id}/reopen", data={"close_on": new.isoformat()})
    db.expire_all()
    p = db.get(Posting, posting.id)
    assert p.status == "published" and p.close_on == new
    [entry] = _audits(db, "posting", posting.id, "reopen")
    assert entry.before["status"] == "closed" and entry.after == {"status": "published", "close_on": new.isoformat()}


def test_the_api_edit_returns_updated_at_and_another_organisation_cannot_edit(client, db, make):
    hr, posting, _person, _profile, _app = _world(db, make)
    other = make.user("employer")
    db.commit()
    body = {"kind": "job", "title": "电焊工夜班", "description": posting.description, "district": "望花区",
            "salary_min": 4000, "salary_max": 6000, "headcount": 2}
    assert client.put(f"/api/v1/postings/{posting.id}", json=body, headers=make.token(other)).status_code == 404
    r = client.put(f"/api/v1/postings/{posting.id}", json=body, headers=make.token(hr))
    assert r.status_code == 200 and r.json["title"] == "电焊工夜班" and r.json["updated_at"]


# --- reversing a stage move, a hire included -------------------------------------------------

def _move(db, hr, app, *stages):
    for st in stages:
        applications.move_stage(db, hr, app.id, st, "")
    db.commit()


def test_an_employer_reverses_a_mistaken_hire_the_place_is_free_and_the_registration_reopened(client, db, make):
    org = make.org()
    hr = make.user("employer", organisation=org)
    posting = make.posting(organisation=org, headcount=1)
    cw = make.user("caseworker", district="望花区")
    person, other = make.user("person"), make.user("person")
    profile = make.profile(user=person)
    make.profile(user=other, name="李四")
    reg = registrations.register(db, cw, profile_id=profile.id, basis="residence", district="望花区",
                                 registered_on=clock.today() - dt.timedelta(days=200), today=clock.today())
    app = applications.apply(db, person, posting.id, "")
    app2 = applications.apply(db, other, posting.id, "")
    _move(db, hr, app, "offer", "hired")
    db.refresh(reg)
    assert reg.ended_on is not None and reg.end_reason == "hired_in_system"
    login(client, hr)
    page = client.get(f"/employer/postings/{posting.id}")
    assert 'data-test="reverse"' in page.text and "撤销：改回已录用通知" in page.text
    r = client.post(f"/employer/applications/{app.id}/reverse", data={"reason": "误点了入职"})
    assert r.status_code == 302, r.text
    db.expire_all()
    assert db.get(type(app), app.id).stage == "offer"
    reg = db.get(Registration, reg.id)
    assert reg.ended_on is None and reg.end_reason is None
    assert any(c.category == "registered_unemployed" for c in reg.profile.categories)
    [reopen] = _audits(db, "registration", reg.id, "reopen")
    assert reopen.after["gap"]["reopened_on"] == clock.today().isoformat() and "误点了入职" in reopen.reason
    [entry] = _audits(db, "application", app.id, "stage_reversed")
    assert (entry.before, entry.after, entry.reason, entry.actor_id) == ({"stage": "hired"}, {"stage": "offer"},
                                                                         "误点了入职", hr.id)
    assert any("改回已录用通知" in n.text_zh and "误点了入职" in n.text_zh for n in _notes(db, person))
    _move(db, hr, app2, "hired")  # the one place is free again
    assert db.get(type(app2), app2.id).stage == "hired"


def test_a_reversal_needs_a_reason_and_only_the_employer_makes_one(client, db, make):
    hr, posting, person, _profile, app = _world(db, make)
    _move(db, hr, app, "interview")
    h = make.token(hr)
    r = client.post(f"/api/v1/applications/{app.id}/reverse", json={"reason": ""}, headers=h)
    assert r.status_code == 422 and r.json["error"]["field"] == "reason"
    r = client.post(f"/api/v1/applications/{app.id}/reverse", json={"reason": "面试安排错了"}, headers=make.token(person))
    assert r.status_code == 403
    other = make.user("employer")
    db.commit()
    r = client.post(f"/api/v1/applications/{app.id}/reverse", json={"reason": "面试安排错了"},
                    headers=make.token(other))
    assert r.status_code == 404
    db.expire_all()
    assert db.get(type(app), app.id).stage == "interview"
    r = client.post(f"/api/v1/applications/{app.id}/reverse", json={"reason": "面试安排错了"}, headers=h)
    assert r.status_code == 200 and r.json["stage"] == "applied"
    # nothing more to undo: the application was made by the person
    r = client.post(f"/api/v1/applications/{app.id}/reverse", json={"reason": "再撤销"}, headers=h)
    assert r.status_code == 409 and r.json["error"]["field"] == "stage"


def test_a_reversed_reversal_never_climbs_back_to_the_hire(db, make):
    hr, posting, person, _profile, app = _world(db, make)
    _move(db, hr, app, "screening", "offer", "hired")
    applications.reverse_stage(db, hr, app.id, "误操作")
    assert app.stage == "offer"
    applications.reverse_stage(db, hr, app.id, "录用通知也发错了")
    assert app.stage == "screening"
    assert applications.reversible_to(app) == "applied"


def test_a_rejection_is_undone_and_a_withdrawal_is_the_persons_until_hired(client, db, make):
    hr, posting, person, _profile, app = _world(db, make)
    _move(db, hr, app, "rejected")
    applications.reverse_stage(db, hr, app.id, "拒错人了")
    assert app.stage == "applied"
    db.commit()
    h = make.token(person)
    r = client.post(f"/api/v1/applications/{app.id}/stage", json={"stage": "withdrawn", "note": "已找到工作"}, headers=h)
    assert r.status_code == 200 and r.json["stage"] == "withdrawn"
    r = client.post(f"/api/v1/applications/{app.id}/reverse", json={"reason": "想撤销撤回"}, headers=make.token(hr))
    assert r.status_code == 409  # the person's withdrawal is theirs
    hr2, posting2, person2, _p2, app2 = _world(db, make)
    _move(db, hr2, app2, "hired")
    r = client.post(f"/api/v1/applications/{app2.id}/stage", json={"stage": "withdrawn"}, headers=make.token(person2))
    assert r.status_code == 409


def test_every_receiver_of_hired_answers_hire_reversed(app):
    """Issue 15: whatever an area does on a hire, it undoes on its reversal."""
    hired_modules = {r.__module__ for r in hooks.hired.receivers_for(None)}
    reversed_modules = {r.__module__ for r in hooks.hire_reversed.receivers_for(None)}
    assert hired_modules and hired_modules <= reversed_modules


def test_the_api_extends_a_posting_and_refuses_a_past_closing_date(client, db, make):
    hr, posting, person, _profile, _app = _world(db, make)
    h = make.token(hr)
    db.commit()
    past = (clock.today() - dt.timedelta(days=1)).isoformat()
    r = client.post(f"/api/v1/postings/{posting.id}/reopen", json={"close_on": past}, headers=h)
    assert r.status_code == 422 and r.json["error"]["field"] == "close_on"
    later = (clock.today() + dt.timedelta(days=60)).isoformat()
    r = client.post(f"/api/v1/postings/{posting.id}/reopen", json={"close_on": later, "reason": "延长招聘"}, headers=h)
    assert r.status_code == 200 and r.json["close_on"] == later and r.json["status"] == "published"
    assert any(later in n.text_zh for n in _notes(db, person))
