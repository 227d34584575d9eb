"""Saved searches with alerts (issue 17): a person saves a search; the daily task tells them
of new postings that match its words (or synonyms), at most once a day, with a link."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from jobs.celery_app import BEAT_SCHEDULE
from marketplace import clock
from marketplace.core import saved_searches
from marketplace.notifications.models import Notification


def alerts(db, user):
    return list(db.scalars(select(Notification).where(Notification.user_id == user.id,
                                                      Notification.kind == "saved_search")))


def test_a_new_matching_posting_is_notified_once_a_day(client, make, db, app):
    person, hr = make.user("person"), make.user("employer")
    r = client.post("/api/v1/saved-searches", json={"q": "售货员", "district": "顺城区"}, headers=make.token(person))
    assert r.status_code == 201 and r.json["link"].startswith("/postings?q=")
    assert client.post("/api/v1/saved-searches", json={"q": "售货员"}, headers=make.token(hr)).status_code == 403
    assert client.post("/api/v1/saved-searches", json={"q": "x", "district": "火星区"},
                       headers=make.token(person)).status_code in (400, 422)
    rt, today = app.extensions["runtime"], clock.today()
    later = clock.now_utc() + dt.timedelta(seconds=5)
    old = make.posting(title="药店营业员", district="顺城区", published_at=later - dt.timedelta(days=3))
    make.index(old)
    assert saved_searches.run_alerts(db, rt, today)["sent"] == 0  # published before the search was saved
    weld = make.posting(title="电焊工", district="顺城区", published_at=later)
    elsewhere = make.posting(title="服装导购员", district="望花区", published_at=later)
    shop = make.posting(title="商场导购员", district="顺城区", published_at=later)
    make.index(weld, elsewhere, shop)
    assert saved_searches.run_alerts(db, rt, today) == {"checked": 1, "sent": 1}
    [n] = alerts(db, person)
    assert "商场导购员" in n.text_zh and "电焊工" not in n.text_zh and "服装导购员" not in n.text_zh
    assert n.link.startswith("/postings?q=%E5%94%AE")
    more = make.posting(title="超市营业员", district="顺城区", published_at=later + dt.timedelta(hours=1))
    make.index(more)
    assert saved_searches.run_alerts(db, rt, today)["sent"] == 0  # at most once a day
    assert len(alerts(db, person)) == 1
    assert saved_searches.run_alerts(db, rt, today + dt.timedelta(days=1))["sent"] == 1  # the next day
    assert "超市营业员" in alerts(db, person)[-1].text_zh
    assert saved_searches.run_alerts(db, rt, today + dt.timedelta(days=2))["sent"] == 0  # nothing new


def test_the_alert_task_is_scheduled_and_saved_searches_are_listed_and_deleted(client, make):
    assert any(e["task"] == "marketplace.saved_search_alerts" for e in BEAT_SCHEDULE.values())
    person, other = make.user("person"), make.user("person")
    sid = client.post("/api/v1/saved-searches", json={"q": "保洁"}, headers=make.token(person)).json["id"]
    again = client.post("/api/v1/saved-searches", json={"q": "保洁"}, headers=make.token(person)).json["id"]
    assert again == sid  # the same search twice is one
    assert [s["q"] for s in client.get("/api/v1/saved-searches", headers=make.token(person)).json["items"]] == ["保洁"]
    assert client.delete(f"/api/v1/saved-searches/{sid}", headers=make.token(other)).status_code == 404
    assert client.delete(f"/api/v1/saved-searches/{sid}", headers=make.token(person)).status_code == 200
    assert client.get("/api/v1/saved-searches", headers=make.token(person)).json["items"] == []


def test_a_person_saves_the_search_from_the_page(client, make):
    from tests.web.test_pages import login  # noqa: PLC0415

    person = make.user("person")
    login(client, person)
    page = client.get("/postings?q=保洁&district=望花区&lang=zh").get_data(as_text=True)
    assert 'data-test="save-search"' in page
    r = client.post("/postings/save-search", data={"q": "保洁", "district": "望花区", "salary_min": "3000"})
    assert r.status_code == 303 and "q=" in r.headers["Location"]
    [saved] = client.get("/api/v1/saved-searches", headers=make.token(person)).json["items"]
    assert saved["q"] == "保洁" and saved["filters"] == {"district": "望花区", "salary_min": 3000}
