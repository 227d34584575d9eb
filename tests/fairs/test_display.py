"""Issue 16: the hall display. The fair's organiser makes a link; a screen opens it without
logging in and sees the board (masked names, counts, a legend of the booth figures, no
navigation); revoking or making a new link refuses the old one with a plain page that says
nothing about the fair; the link stops working after the fair's day (business clock); nobody
but the fair's organiser makes or revokes one; a screen's read costs two queries."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import event, select

from marketplace import clock
from marketplace.core.models import AuditEntry
from marketplace.crypto import mask_phone
from marketplace.fairs.models import BoardLink, Fair, Interview
from marketplace.web.errors import logged_path
from tests.fairs.conftest import token_of


def login(client, user):
    r = client.post("/login", data={"username": user.username, "password": "secret-pass-1"})
    assert r.status_code == 302


def make_link(client, fair_id) -> str:
    r = client.post(f"/organiser/fairs/{fair_id}/display")
    assert r.status_code == 200, r.text
    return re.search(r'value="(http[^"]+/fairs/hall/[^"]+)" readonly data-test="display-url"', r.text).group(1)


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


@pytest.fixture
def organiser_client(client, fair_world):
    login(client, fair_world["organiser"])
    return client


@pytest.fixture
def today_moved(app):
    extra = app.config["MARKETPLACE"].extra
    before = extra.get("TODAY")
    yield lambda d: extra.__setitem__("TODAY", d.isoformat())
    if before is None:
        extra.pop("TODAY", None)
    else:
        extra["TODAY"] = before


def test_the_organiser_makes_a_link_and_a_screen_shows_the_board_without_logging_in(app, db, organiser_client,
                                                                                     fair_world):
    fid = fair_world["fair"]["id"]
    page = organiser_client.get(f"/organiser/fairs/{fid}").text
    assert f"/organiser/fairs/{fid}/display" in page  # reached from the fair's page
    assert 'data-test="display-link-none"' in organiser_client.get(f"/organiser/fairs/{fid}/display").text
    url = make_link(organiser_client, fid)
    token = url.rsplit("/", 1)[1]
    assert len(token) >= 40
    # only a hash is kept; the audit names the fair and the expiry, never the secret
    link = db.scalars(select(BoardLink).where(BoardLink.fair_id == fid)).one()
    assert link.token_hash != token and token not in link.token_hash and link.created_by_id == fair_world["organiser"].id
    entry = db.scalars(select(AuditEntry).where(AuditEntry.entity == "fair_board_link",
                                                AuditEntry.action == "create")).one()
    assert entry.after["fair_id"] == fid and token not in str(entry.after) and link.token_hash not in str(entry.after)
    # later visits say a link works, until when, and cannot show it again
    status = organiser_client.get(f"/organiser/fairs/{fid}/display").text
    assert 'data-test="display-link-live"' in status and token not in status
    screen = app.test_client()  # the hall's screen: nobody logged in
    r = screen.get(path_of(url))
    assert r.status_code == 200 and "抚顺市春季双选会" in r.text and 'data-test="display"' in r.text
    assert r.headers["Referrer-Policy"] == "no-referrer" and r.headers["Cache-Control"] == "no-store"
    assert "<nav" not in r.text and "menu-toggle" not in r.text and "bell" not in r.text and "登录" not in r.text
    assert "<script>" not in r.text and " style=" not in r.text
    assert 'data-test="display-legend"' in r.text and "意向" in r.text  # the booth figures explained
    part = screen.get(path_of(url) + "?partial=1")
    assert part.status_code == 200 and "<html" not in part.text and 'data-test="display-checked-in">0<' in part.text


def test_revoking_or_renewing_refuses_the_old_link_with_a_plain_page_and_the_new_one_works(app, db, organiser_client,
                                                                                          fair_world):
    fid = fair_world["fair"]["id"]
    first = path_of(make_link(organiser_client, fid))
    second = path_of(make_link(organiser_client, fid))  # a new link replaces the old
    screen = app.test_client()
    for path in (first, first + "?partial=1"):
        r = screen.get(path)
        assert r.status_code == 410 and "此展示链接已失效" in r.text and "请向招聘会组织者索取新的链接" in r.text
        assert "抚顺市春季双选会" not in r.text and "抚顺焊接装备" not in r.text and "<nav" not in r.text
        assert r.headers["Referrer-Policy"] == "no-referrer"
    assert screen.get(second).status_code == 200
    r = organiser_client.post(f"/organiser/fairs/{fid}/display/revoke")
    assert r.status_code == 302
    assert "已撤销" in organiser_client.get(r.location).text
    assert screen.get(second).status_code == 410
    assert 'data-test="display-link-none"' in organiser_client.get(f"/organiser/fairs/{fid}/display").text
    # revoking again: nothing to revoke, said so, no error page
    r = organiser_client.post(f"/organiser/fairs/{fid}/display/revoke")
    assert r.status_code == 303 and "没有有效的展示链接" in organiser_client.get(r.location).text
    # a link that never existed, or anything else in its place
    for bad in ("/fairs/hall/" + "x" * 43, "/fairs/hall/" + "y" * 5000, "/fairs/hall/%00", "/fairs/hall/赵"):
        r = screen.get(bad)
        assert r.status_code == 404 and "此展示链接已失效" in r.text, bad
    actions = [e.action for e in db.scalars(select(AuditEntry).where(AuditEntry.entity == "fair_board_link")
                                            .order_by(AuditEntry.id))]
    assert actions == ["create", "revoke", "create", "revoke"]


def test_the_link_stops_working_when_the_fairs_day_is_over(app, db, organiser_client, fair_world, today_moved):
    fid = fair_world["fair"]["id"]
    held_on = db.get(Fair, fid).held_on
    path = path_of(make_link(organiser_client, fid))
    link = db.scalars(select(BoardLink).where(BoardLink.fair_id == fid)).one()
    assert clock.local_date(link.expires_at) == held_on + dt.timedelta(days=1)  # midnight after the fair, Fushun
    screen = app.test_client()
    today_moved(held_on)
    assert screen.get(path).status_code == 200
    today_moved(held_on + dt.timedelta(days=1))
    r = screen.get(path)
    assert r.status_code == 410 and "此展示链接已失效" in r.text
    page = organiser_client.get(f"/organiser/fairs/{fid}/display").text
    assert 'data-test="display-link-ended"' in page and 'data-test="make-link"' not in page
    r = organiser_client.post(f"/organiser/fairs/{fid}/display")
    assert r.status_code == 422 and "招聘会已结束" in r.text
    assert db.scalar(select(BoardLink.id).where(BoardLink.fair_id == fid, BoardLink.id != link.id)) is None
    # a link made before a fair held on a pinned business date works on that date
    today_moved(held_on - dt.timedelta(days=1))
    assert screen.get(path).status_code == 200


def test_only_the_fairs_own_organiser_makes_or_revokes_its_link(app, db, make, client, fair_world):
    fid = fair_world["fair"]["id"]
    owner = app.test_client()
    login(owner, fair_world["organiser"])
    path = path_of(make_link(owner, fid))
    for user, status in ((make.user("organiser"), 404), (fair_world["booths"][0]["hr"], 403),
                         (fair_world["people"][0]["user"], 403), (make.user("caseworker"), 403)):
        c = app.test_client()
        login(c, user)
        assert c.get(f"/organiser/fairs/{fid}/display").status_code == status, user.role
        assert c.post(f"/organiser/fairs/{fid}/display").status_code == status, user.role
        assert c.post(f"/organiser/fairs/{fid}/display/revoke").status_code == status, user.role
    anonymous = app.test_client()
    assert anonymous.post(f"/organiser/fairs/{fid}/display").status_code == 302  # to the login page
    assert anonymous.post(f"/organiser/fairs/{fid}/display/revoke").status_code == 302
    assert db.scalar(select(BoardLink).where(BoardLink.fair_id == fid)).revoked_at is None  # nothing changed
    assert len(db.scalars(select(BoardLink)).all()) == 1
    assert anonymous.get(path).status_code == 200


def _busy_hall(client, db, w):
    fid = w["fair"]["id"]
    for p in w["people"]:
        r = client.post(f"/api/v1/fairs/{fid}/checkins", headers=w["h_org"], json={"token": token_of(client, fid, p)})
        assert r.status_code in (200, 201), r.json
    weld, data = w["booths"]
    for p in w["people"][:2]:
        assert client.post(f"/api/v1/fairs/{fid}/interviews", headers=p["h"], json={"booth_id": weld["id"]}).status_code == 201
    assert client.post(f"/api/v1/fairs/{fid}/interviews", headers=w["people"][1]["h"],
                       json={"booth_id": data["id"]}).status_code == 201
    assert client.post(f"/api/v1/fairs/{fid}/allocation", headers=w["h_org"], json={}).json["assigned"] == 3
    iv = db.scalars(select(Interview).where(Interview.booth_id == data["id"])).one()
    assert client.post(f"/api/v1/fairs/interviews/{iv.id}/outcome", headers=data["h"],
                       json={"outcome": "intent"}).status_code == 200


def test_the_screen_shows_masked_names_and_counts_never_names_numbers_or_intents_by_person(app, db, client, fair_world):
    w = fair_world
    fid = w["fair"]["id"]
    _busy_hall(client, db, w)
    login(client, w["organiser"])
    path = path_of(make_link(client, fid))
    html = app.test_client().get(path).text
    for p in w["people"]:
        name = p["profile"].name
        assert name not in html, name
        assert p["id_number"] not in html and p["id_number"][-4:] not in html
        assert p["phone"] not in html and mask_phone(p["phone"]) not in html and p["phone"][-4:] not in html
    latest = re.search(r'data-test="display-latest">(.*?)</ul>', html, re.S).group(1)
    assert sorted(re.findall(r'class="who">([^<]+)<', latest)) == ["李*", "王*", "赵*"]
    assert 'data-test="display-checked-in">3<' in html and 'data-test="display-intents">1<' in html
    assert 'data-test="display-booths">2<' in html and 'data-test="display-done">1<' in html  # the outcome ends it
    assert 'data-test="display-waiting">2<' in html
    # the intent is counted at its booth, never shown beside the person's name
    table = re.search(r'data-test="display-booths-table">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(r"<tr><td class=\"place\">(\w+)</td><td class=\"org\">([^<]+)</td>"
                      r"<td class=\"num\">(\d+)</td><td class=\"num\">(\d+)</td><td class=\"num\">(\d+)</td></tr>", table)
    assert rows[0][:2] == ("A2", "抚顺数据服务中心") and rows[0][4] == "1"  # most intents first
    assert {r[0]: tuple(map(int, r[2:])) for r in rows} == {"A2": (0, 1, 1), "A1": (2, 0, 0)}
    now = re.search(r'data-test="display-now">(.*?)</ul>', html, re.S).group(1)
    assert all(re.fullmatch(r"\w\*+", n) for n in re.findall(r'class="who">([^<]+)<', now))
    # (masked) names appear only as arrivals and interviews under way: no list of who is to be hired
    assert html.count('class="who"') == latest.count('class="who"') + now.count('class="who"')
    # the organiser's own board (signed in) is unchanged: masked too
    assert "李焊" not in client.get(f"/fairs/{fid}/board?partial=1").text


def test_a_screens_read_is_two_queries(app, db, client, fair_world):
    w = fair_world
    fid = w["fair"]["id"]
    _busy_hall(client, db, w)
    login(client, w["organiser"])
    path = path_of(make_link(client, fid))
    screen = app.test_client()
    engine = app.extensions["db"].engine
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        for url in (path, path + "?partial=1"):
            seen.clear()
            r = screen.get(url)
            assert r.status_code == 200 and 'data-test="display-checked-in">3<' in r.text
            assert len(seen) == 2, seen
        seen.clear()
        assert screen.get(path[:-3] + "abc").status_code == 404
        assert len(seen) == 1
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_log_line_about_a_display_request_keeps_only_the_start_of_its_secret(app):
    secret = "Abcd" + "z" * 39
    with app.test_request_context(f"/fairs/hall/{secret}"):
        assert logged_path() == "/fairs/hall/Abcd…"
    with app.test_request_context("/fairs/1/board"):
        assert logged_path() == "/fairs/1/board"
