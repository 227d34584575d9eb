"""Issue 15, "correct and undo" in core: a posting edited, extended, reopened and closed with a
confirmation (the applicants told, the audit keeping before/after/why); an application's
stage move reversed (a hire too, through ``hooks.hire_reversed``) and a withdrawal."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from marketplace import clock
from marketplace.core import applications
from marketplace.core.models import AuditEntry, Posting
from marketplace.notifications.models import Notification


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
