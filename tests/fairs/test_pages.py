"""The fair's pages: organiser (create, approve, desk, allocation, board, report with charts and
CSV), employer (booth application, ranked people, invitations, outcomes), person (register, QR
as inline SVG, ranked booths, requests, schedule), and the event stream."""
from __future__ import annotations

import datetime as _dt
import re

from marketplace import clock
from marketplace.fairs import bus as fair_bus
from marketplace.fairs.models import FairRegistration
from tests.fairs.conftest import token_of


def login(client, user):
    r = client.post("/login", data={"username": user.username, "password": "secret-pass-1"})
    assert r.status_code == 302


def test_organiser_creates_a_fair_and_approves_a_booth_by_page(client, make):
    org = make.user("organiser")
    login(client, org)
    r = client.post("/organiser/fairs", data={"name": "望花区秋季招聘会", "mode": "onsite", "held_on": (clock.today() + _dt.timedelta(days=30)).isoformat(),
                                              "venue": "望花区人才市场", "slots": "09:00-09:30, 09:30-10:00"})
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).text
    assert "望花区秋季招聘会" in page and "09:30-10:00" in page
    r = client.post("/organiser/fairs", data={"name": "x", "mode": "onsite", "held_on": (clock.today() + _dt.timedelta(days=30)).isoformat(), "venue": "v",
                                              "slots": "10:00-09:00"})
    assert r.status_code == 422 and "slots" in r.text


def test_person_page_draws_the_qr_as_svg_then_shows_ranked_booths_after_check_in(client, fair_world):
    w = fair_world
    fid = w["fair"]["id"]
    person = w["people"][0]
    login(client, person["user"])
    html = client.get(f"/me/fairs/{fid}").text
    assert re.search(r"<svg[^>]*viewBox", html) and "<script>" not in html and " style=" not in html
    token = re.search(r'data-test="token">([^<]+)<', html).group(1)
    assert len(token) > 40  # the signed token, for people whose code cannot be scanned
    assert client.get("/me/fairs").status_code == 200
    # the organiser checks the person in at the desk with the scanned code
    client.post("/logout")
    login(client, w["organiser"])
    r = client.post(f"/organiser/fairs/{fid}/desk", data={"how": "token", "value": token})
    assert r.status_code == 200 and "李焊" in r.text
    r = client.post(f"/organiser/fairs/{fid}/desk", data={"how": "token", "value": token + "x"})
    assert r.status_code == 422 and "签名" in r.text
    board = client.get(f"/fairs/{fid}/board?partial=1").text
    assert 'data-test="board-checked-in">1<' in board and "李*" in board and "李焊" not in board
    client.post("/logout")
    login(client, person["user"])
    html = client.get(f"/me/fairs/{fid}?partial=1").text
    assert 'data-test="ranked-booths"' in html and "电焊工" in html and "技能匹配" in html
    booth = w["booths"][0]["id"]
    assert client.post(f"/me/fairs/{fid}/request/{booth}").status_code == 302
    assert "待安排" in client.get(f"/me/fairs/{fid}?partial=1").text


def test_booth_page_ranks_people_and_invites_and_other_booths_are_hidden(client, fair_world):
    w = fair_world
    fid = w["fair"]["id"]
    for p in w["people"]:
        client.post(f"/api/v1/fairs/{fid}/checkins", headers=w["h_org"], json={"token": token_of(client, fid, p)})
    hr = w["booths"][1]["hr"]
    login(client, hr)
    html = client.get(f"/employer/fairs/{fid}/booth").text
    names = re.findall(r'<h3>(\S+) <span class="meta">', html)
    assert names[0] == "王数"
    clerk = w["people"][1]["profile"].id
    assert client.post(f"/employer/fairs/{fid}/booth/invite/{clerk}").status_code == 302
    assert "我方邀请" in client.get(f"/employer/fairs/{fid}/booth?partial=1").text or "our invitation" in \
        client.get(f"/employer/fairs/{fid}/booth?partial=1&lang=en").text
    assert client.get("/employer/fairs").status_code == 200
    # the other booth's page is the employer's own booth only: no way to address booth A
    assert "抚顺焊接装备" not in client.get(f"/employer/fairs/{fid}/booth").text


def test_allocation_board_report_and_csv_by_page(client, fair_world):
    w = fair_world
    fid = w["fair"]["id"]
    for p in w["people"]:
        client.post(f"/api/v1/fairs/{fid}/checkins", headers=w["h_org"], json={"token": token_of(client, fid, p)})
        client.post(f"/api/v1/fairs/{fid}/interviews", headers=p["h"], json={"booth_id": w["booths"][0]["id"]})
    login(client, w["organiser"])
    r = client.post(f"/organiser/fairs/{fid}/allocate", follow_redirects=True)
    assert r.status_code == 200 and "3" in r.text
    board = client.get(f"/fairs/{fid}/board?partial=1").text
    assert 'data-test="board-confirmed">3<' in board
    rep = client.get(f"/organiser/fairs/{fid}/report").text
    assert 'data-test="chart-groups"' in rep and "<rect" in rep and " style=" not in rep
    csv_text = client.get(f"/organiser/fairs/{fid}/report?format=csv").get_data(as_text=True)
    assert csv_text.startswith("\ufeffsection,") and "抚顺焊接装备有限公司" in csv_text


def test_event_stream_relays_the_fair_bus_without_a_database_session(app, client, fair_world):
    w = fair_world
    fid = w["fair"]["id"]
    login(client, w["organiser"])
    app.config["FAIR_STREAM_SECONDS"] = 1
    database = app.extensions["db"]
    opened, make_session = [], database.session

    def tracked():
        s = make_session()
        opened.append(s)
        return s

    database.session = tracked
    try:
        r = client.get(f"/fairs/{fid}/events", buffered=False)
        assert r.mimetype == "text/event-stream"
        # the request's session is closed before the stream starts: nothing holds a connection
        assert opened and not any(s.in_transaction() for s in opened)
        it = iter(r.response)
        first = next(it)
        assert b"retry:" in (first if isinstance(first, bytes) else first.encode())
        fair_bus.publish(fid, {"type": "checkin"})
        rest = b"".join(c if isinstance(c, bytes) else c.encode() for c in it)
        assert b'"type": "checkin"' in rest
        r.close()
    finally:
        del database.session  # back to the class method
        app.config.pop("FAIR_STREAM_SECONDS")
    assert fair_bus.subscribers(fid) == 0


def test_pages_refuse_the_wrong_people(client, make, fair_world):
    w = fair_world
    fid = w["fair"]["id"]
    person = w["people"][0]
    login(client, person["user"])
    for url in (f"/organiser/fairs/{fid}/desk", f"/fairs/{fid}/board", f"/organiser/fairs/{fid}/report",
                f"/employer/fairs/{fid}/booth"):
        assert client.get(url).status_code == 403, url
    r = client.post(f"/organiser/fairs/{fid}/desk", data={"how": "token", "value": token_of(client, fid, person)})
    assert r.status_code == 403  # a person cannot check anyone in, themselves included
    client.post("/logout")
    stranger = make.user("person")
    make.profile(user=stranger, name="路人")
    login(client, stranger)
    assert client.get(f"/me/fairs/{fid}").status_code == 404  # not registered: no QR, no rankings
    client.post("/logout")
    login(client, make.user("organiser"))
    assert client.get(f"/organiser/fairs/{fid}").status_code == 404
    assert client.get(f"/fairs/{fid}/board").status_code == 404
    client.post("/logout")
    login(client, make.user("employer"))
    assert client.get(f"/employer/fairs/{fid}/booth").status_code == 404  # no booth of mine here
    assert client.get(f"/fairs/{fid}/events").status_code == 404  # nor this fair's event stream


def test_board_and_booth_pages_in_english(client, fair_world):
    w = fair_world
    fid = w["fair"]["id"]
    login(client, w["organiser"])
    html = client.get(f"/fairs/{fid}/board?lang=en").text
    assert "Interviews now" in html and "intents to hire" in html
    html = client.get(f"/fairs/{fid}/board?lang=zh").text
    assert "正在面试" in html


def test_desk_lists_the_latest_check_ins_newest_first(client, fair_world, db):
    """The desk shows who came in last at the top (at most 10), so staff can confirm a scan."""
    w = fair_world
    fid = w["fair"]["id"]
    login(client, w["organiser"])
    for p in w["people"]:
        r = client.post(f"/organiser/fairs/{fid}/desk", data={"how": "id_number", "value": p["id_number"]})
        assert r.status_code == 200, r.text
    # spread the arrivals out in time: 李焊 first, then 王数, then 赵综
    base = _dt.datetime(2026, 5, 1, 9, 0)
    for k, p in enumerate(w["people"]):
        reg = db.query(FairRegistration).filter_by(fair_id=fid, profile_id=p["profile"].id).one()
        reg.checked_in_at = base + _dt.timedelta(minutes=k)
    db.flush()
    html = client.get(f"/organiser/fairs/{fid}/desk").text
    listed = re.search(r'data-test="latest">(.*?)</ul>', html, re.S).group(1)
    assert [listed.index(n) for n in ("赵综", "王数", "李焊")] == sorted(listed.index(n) for n in ("赵综", "王数", "李焊"))
