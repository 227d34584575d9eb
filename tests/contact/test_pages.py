"""The contact pages as each person meets them: the employer opens its applicant (phone shown,
opening logged) and proposes an interview; the person accepts it on their application page and
downloads the .ics; both write messages; a caseworker reveals a phone with a purpose."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from marketplace import clock
from marketplace.core.models import ContactLog

from .conftest import PHONE


def login(client, user):
    client.get("/logout")
    r = client.post("/login", data={"username": user.username, "password": "secret-pass-1"})
    assert r.status_code == 302, r.text


def test_employer_and_person_meet_through_the_application_pages(client, db, scene):
    login(client, scene.hr)
    page = client.get(f"/employer/postings/{scene.posting.id}").text
    assert f"/employer/applications/{scene.app_id}" in page
    r = client.get(f"/employer/applications/{scene.app_id}")
    assert r.status_code == 200 and PHONE in r.text and "三年焊接" in r.text and "我有焊工证" in r.text
    assert db.scalars(select(ContactLog.kind)).all() == ["applicant_profile"]
    when = dt.datetime.combine(clock.local_date(clock.now_utc()) + dt.timedelta(days=3), dt.time(9, 30))
    r = client.post(f"/applications/{scene.app_id}/interviews/propose",
                    data={"option": [when.isoformat(timespec="minutes"), ""], "place": "和平路 8 号", "note": "带证件"})
    assert r.status_code == 303
    r = client.post(f"/applications/{scene.app_id}/messages", data={"body": "请准时到"})
    assert r.status_code == 303

    login(client, scene.person)
    assert f"/me/applications/{scene.app_id}" in client.get("/me/applications").text
    page = client.get(f"/me/applications/{scene.app_id}").text
    assert when.strftime("%Y-%m-%d %H:%M") in page and "请准时到" in page and PHONE not in page
    iv_id = int(page.split('data-interview="')[1].split('"')[0])
    r = client.post(f"/applications/{scene.app_id}/interviews/{iv_id}/answer", data={"answer": "accept", "option": "0"})
    assert r.status_code == 303
    page = client.get(f"/me/applications/{scene.app_id}").text
    assert "已接受" in page and f"/applications/{scene.app_id}/interviews/{iv_id}.ics" in page
    r = client.get(f"/applications/{scene.app_id}/interviews/{iv_id}.ics")
    assert r.status_code == 200 and b"BEGIN:VEVENT" in r.data
    client.post(f"/applications/{scene.app_id}/messages", data={"body": "好的"})

    login(client, scene.hr)
    page = client.get(f"/employer/applications/{scene.app_id}").text
    assert "好的" in page and "已接受" in page


def test_a_caseworker_reveals_with_a_purpose_on_the_page(client, db, make, scene):
    cw = make.user("caseworker", district="望花区")
    login(client, cw)
    assert f"/caseworker/profiles/{scene.profile.id}/phone" in client.get(f"/caseworker/people/{scene.profile.id}").text
    r = client.post(f"/caseworker/profiles/{scene.profile.id}/phone", data={"purpose": ""})
    assert r.status_code == 422 and PHONE not in r.text
    r = client.post(f"/caseworker/profiles/{scene.profile.id}/phone", data={"purpose": "job_referral"})
    assert r.status_code == 200 and PHONE in r.text and "职业介绍" in r.text
    assert db.scalars(select(ContactLog.purpose)).all() == ["job_referral"]
