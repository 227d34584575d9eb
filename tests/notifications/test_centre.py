"""The notification centre as each role meets it: the API's shape (title and body in the
reader's language), the unread count on the bell, mark read, mark all read, another
person's notification hidden, the page with its links."""
from __future__ import annotations

import pytest

from marketplace.notifications import notify, register


@pytest.fixture
def person(make, db):
    register("test_event", "测试事项", "Test event")
    user = make.user("person")
    notify(db, user.id, "test_event", "t:1", "第一条", "first", "/me/applications")
    notify(db, user.id, "test_event", "t:2", "第二条", "second", "/postings")
    db.flush()
    return user


def test_api_lists_newest_first_in_the_readers_language_with_the_unread_count(client, make, person):
    h = make.token(person)
    zh = client.get("/api/v1/notifications", headers=h).json
    assert zh["unread"] == 2
    assert [i["body"] for i in zh["items"]] == ["第二条", "第一条"]
    first = zh["items"][0]
    assert first["title"] == "测试事项" and first["link"] == "/postings" and first["read_at"] is None
    assert set(first) >= {"id", "kind", "title", "body", "link", "created_at", "read_at"}
    en = client.get("/api/v1/notifications?lang=en", headers=h).json
    assert en["items"][0]["title"] == "Test event" and en["items"][0]["body"] == "second"


def test_mark_read_then_read_all(client, make, person):
    h = make.token(person)
    items = client.get("/api/v1/notifications", headers=h).json["items"]
    r = client.post(f"/api/v1/notifications/{items[1]['id']}/read", headers=h)
    assert r.status_code == 200 and r.json["read_at"]
    assert client.get("/api/v1/notifications", headers=h).json["unread"] == 1
    assert client.post("/api/v1/notifications/read-all", headers=h).json["marked"] == 1
    after = client.get("/api/v1/notifications", headers=h).json
    assert after["unread"] == 0 and all(i["read_at"] for i in after["items"])


def test_another_persons_notification_is_404_and_untouched(client, make, person):
    other = make.user("person")
    mine = client.get("/api/v1/notifications", headers=make.token(person)).json["items"][0]["id"]
    r = client.post(f"/api/v1/notifications/{mine}/read", headers=make.token(other))
    assert r.status_code == 404
    assert client.get("/api/v1/notifications", headers=make.token(other)).json == {"items": [], "unread": 0}
    client.post("/api/v1/notifications/read-all", headers=make.token(other))
    assert client.get("/api/v1/notifications", headers=make.token(person)).json["unread"] == 2


def _login(client, user):
    r = client.post("/login", data={"username": user.username, "password": "secret-pass-1"})
    assert r.status_code in (302, 303)


@pytest.mark.parametrize("role", ["person", "employer", "caseworker", "agency", "organiser", "admin"])
def test_bell_shows_the_unread_count_on_every_roles_pages(client, make, db, role):
    user = make.user(role)
    notify(db, user.id, "test_event", "bell:1", "有新消息", "news", "/")
    db.flush()
    _login(client, user)
    html = client.get("/notifications").get_data(as_text=True)
    assert 'data-test="bell-count">1<' in html
    assert "有新消息" in html


def test_page_opens_the_link_and_marks_read_and_read_all_clears_the_bell(client, make, person):
    _login(client, person)
    html = client.get("/notifications").get_data(as_text=True)
    assert 'data-test="bell-count">2<' in html and html.index("第二条") < html.index("第一条")
    items = client.get("/api/v1/notifications", headers=make.token(person)).json["items"]
    r = client.post(f"/notifications/{items[0]['id']}/open")
    assert r.status_code == 302 and r.headers["Location"].endswith("/postings")
    assert 'data-test="bell-count">1<' in client.get("/notifications").get_data(as_text=True)
    client.post("/notifications/read-all")
    html = client.get("/notifications").get_data(as_text=True)
    assert 'data-test="bell-count"' not in html and 'data-test="bell"' in html


def test_another_persons_notification_cannot_be_opened_from_the_page(client, make, person):
    other = make.user("person")
    mine = client.get("/api/v1/notifications", headers=make.token(person)).json["items"][0]["id"]
    _login(client, other)
    assert client.post(f"/notifications/{mine}/open").status_code == 404


def test_no_bell_for_someone_not_signed_in(client):
    assert 'data-test="bell"' not in client.get("/").get_data(as_text=True)
