"""Abuse case (issue 13, finding 10): a person deletes their data, and what they wrote is
still shown to HR. Every free text the person wrote (an application's cover note, the
note of a stage move they made, a fair interview's cancellation note, the reasons kept in
the audit log, the profile's texts) is cleared in every area; what the employer wrote
itself stays."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from marketplace.core.models import Application, ApplicationEvent, AuditEntry, User
from marketplace.fairs.models import Booth, Fair, Interview
from marketplace.internships import reminders as internship_reminders
from tests.internships.conftest import hire
from tests.security.helpers import login, text_of

PHONE = "13912345678"
SECRET = f"请打电话{PHONE}，我有残疾证（二级），需要无障碍工位"


def test_deleted_persons_words_are_gone_everywhere_hr_looks(app, client, db, make):
    org = make.org(name="甲机械有限公司")
    hr = make.user("employer", organisation=org)
    posting = make.posting(organisation=org, created_by=hr)
    other = make.posting(organisation=org, created_by=hr, title="仓库管理员")
    person = make.user("person")
    h = make.token(person)
    r = client.put("/api/v1/profiles/me", headers=h, json={
        "name": "周敏", "gender": "女", "birth_on": "1995-03-02", "phone": PHONE, "district": "望花区",
        "skills": ["收银"], "summary": SECRET, "experience": SECRET, "desired_jobs": "收银员", "published": True,
        "categories": [{"category": "disabled", "detail": "二级"}]})
    assert r.status_code == 200, r.json
    profile_id = r.json["id"]
    first = client.post(f"/api/v1/postings/{posting.id}/applications", headers=h, json={"note": SECRET})
    assert first.status_code == 201, first.json
    second = client.post(f"/api/v1/postings/{other.id}/applications", headers=h, json={"note": "你好"})
    r = client.post(f"/api/v1/applications/{second.json['id']}/stage", headers=h,
                    json={"stage": "withdrawn", "note": SECRET})
    assert r.status_code == 200, r.json
    # HR moves the first application on, with its own note (which stays)
    r = client.post(f"/api/v1/applications/{first.json['id']}/stage", headers=make.token(hr),
                    json={"stage": "interview", "note": "周三上午面试"})
    assert r.status_code == 200, r.json
    # at a fair she asked the booth for an interview and cancelled it, saying why
    fair = Fair(organiser_id=make.user("organiser").id, name="春季双选会", mode="both", held_on=dt.date(2020, 5, 1),
                venue="人才市场", slots=["09:00-09:30"], status="open")
    db.add(fair)
    db.flush()
    booth = Booth(fair_id=fair.id, organisation_id=org.id, status="approved", posting_ids=[posting.id], place="A1",
                  created_by_id=hr.id)
    db.add(booth)
    db.flush()
    iv = Interview(fair_id=fair.id, booth_id=booth.id, profile_id=profile_id, posting_id=posting.id,
                   requested_by="person", status="requested", score=0.5)
    db.add(iv)
    db.flush()
    r = client.post(f"/api/v1/fairs/interviews/{iv.id}/cancel", headers=h, json={"note": SECRET})
    assert r.status_code == 200, r.json

    hr_h = make.token(hr)
    assert PHONE in client.get(f"/api/v1/applications/{first.json['id']}", headers=hr_h).text  # before: she wrote it

    assert client.post("/api/v1/me/delete", headers=h, json={"password": "secret-pass-1"}).status_code == 200

    # what HR can read, API and pages
    seen = [client.get(u, headers=hr_h) for u in (
        f"/api/v1/applications/{first.json['id']}", f"/api/v1/applications/{second.json['id']}",
        "/api/v1/applications", f"/api/v1/postings/{posting.id}/applications",
        f"/api/v1/postings/{other.id}/applications", f"/api/v1/profiles/{profile_id}",
        "/api/v1/search/profiles?q=收银", f"/api/v1/fairs/{fair.id}/schedule")]
    pages = app.test_client()
    login(pages, hr)
    seen += [pages.get(u) for u in (f"/employer/postings/{posting.id}", f"/employer/postings/{other.id}",
                                    "/employer", f"/employer/postings/{posting.id}/candidates")]
    for r in seen:
        body = text_of(r)
        assert PHONE not in body and "残疾" not in body and "周敏" not in body, r.request.path
    # HR's own note on its decision stays
    assert "周三上午面试" in client.get(f"/api/v1/applications/{first.json['id']}", headers=hr_h).text

    # and in the records themselves, in every area
    db.expire_all()
    apps = list(db.scalars(select(Application).where(Application.profile_id == profile_id)))
    assert [a.note for a in apps] == ["", ""]
    notes = [e.note for a in apps for e in db.scalars(select(ApplicationEvent).where(
        ApplicationEvent.application_id == a.id))]
    assert not any(PHONE in n or "残疾" in n for n in notes)
    assert db.get(Interview, iv.id).note == ""
    reasons = [e.reason for e in db.scalars(select(AuditEntry))]
    assert not any(PHONE in r or "残疾" in r for r in reasons)


def test_reminders_about_a_deleted_person_stop_naming_them(app, client, db, make):
    """The employer's reminders about the person's internship keep their dates and name the
    pseudonym instead (the agreement stays: it backs subsidy records)."""
    org = make.org(name="抚顺见习基地有限公司")
    hr = make.user("employer", organisation=org)
    hired = hire(db, make, org, hr)
    hired.profile.name = "周敏"
    db.flush()
    extra = app.config["MARKETPLACE"].extra
    saved = dict(extra)
    extra["TODAY"] = "2020-03-01"
    try:
        r = client.post("/api/v1/internships/agreements", headers=make.token(hr),
                        json={"application_id": hired.id, "start_on": "2020-03-01", "period_months": 6})
        assert r.status_code == 201, r.json
        internship_reminders.run_reminders(db, dt.date(2020, 8, 25))
        hr_h = make.token(hr)
        before = client.get("/api/v1/notifications", headers=hr_h).json["items"]
        assert before and all("周敏" in n["zh"] for n in before)
        person = db.get(User, hired.profile.user_id)
        assert client.post("/api/v1/me/delete", headers=make.token(person),
                           json={"password": "secret-pass-1"}).status_code == 200
        after = client.get("/api/v1/notifications", headers=hr_h).json["items"]
        assert len(after) == len(before)
        assert all("周敏" not in n["zh"] + n["en"] and "已注销用户" in n["zh"] for n in after), after
        pages = app.test_client()
        login(pages, hr)
        assert "周敏" not in pages.get("/employer/internships").text
    finally:
        extra.clear()
        extra.update(saved)
