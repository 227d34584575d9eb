"""Live pages' event streams against the rest of the site: each open stream holds one of the
server's threads for its whole life (~55 s), so the server caps them per process and answers
streams beyond the cap at once with 503 and Retry-After (the page then polls). Without the cap
as many phones with a live page open as the server has threads stall every other request
(searches, logins) for everyone until the streams end."""
from __future__ import annotations

import http.cookiejar
import re
import socket
import time
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import select

from marketplace import clock, create_app
from marketplace.cli import upgrade_database
from marketplace.config import Config, ConfigError
from marketplace.core import demo
from marketplace.fairs import bus as fair_bus
from marketplace.fairs import demo as demo_fairs
from marketplace.fairs.models import Fair
from marketplace.fairs.pages import stream_slots
from tests.browser_fixtures import serving
from tests.fairs.test_pages import login

UA = "stream-test"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """A fresh app with the demo data (the demo fair and its organiser), not yet served."""
    app = create_app({"ENV": "testing", "INSTANCE_DIR": str(tmp_path_factory.mktemp("streams")),
                      "SECRET_KEY": "stream-test-secret"})
    upgrade_database(app)
    with app.extensions["db"].unit_of_work() as s:
        demo.load(s, app.extensions["cipher"])
        demo_fairs.load(s, app.extensions["cipher"], clock.today())
        fid = s.scalar(select(Fair.id).where(Fair.name == demo_fairs.NAME))
    yield app, fid
    app.extensions["db"].engine.dispose()


def _login_cookie(base: str, username: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", UA)]  # the session is bound to the browser's User-Agent
    html = opener.open(f"{base}/login", timeout=10).read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    opener.open(f"{base}/login", data=urllib.parse.urlencode(
        {"username": username, "password": "demo12345", "csrf_token": csrf}).encode(), timeout=10).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def _open_stream(base: str, fid: int, cookie: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    sock.sendall((f"GET /fairs/{fid}/events HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: {UA}\r\n"
                  f"Accept: text/event-stream\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n").encode())
    return sock


def _until_streams_end(app, seconds: float = 15) -> int:
    """Wait for the server's streams to end (their lifetime), so that no stream is still being
    written when the test server closes; the number still open."""
    end = time.time() + seconds
    while stream_slots(app).open and time.time() < end:
        time.sleep(0.1)
    time.sleep(0.3)  # the server closes the finished connections
    return stream_slots(app).open


def _head(sock: socket.socket, deadline: float) -> str:
    """The answer's status line and headers, or "" if none came by the deadline (queued)."""
    sock.settimeout(max(0.05, deadline - time.time()))
    try:
        return sock.recv(4096).decode(errors="replace").split("\r\n\r\n")[0]
    except socket.timeout:
        return ""


def _health_s(base: str, timeout: float) -> float | None:
    t = time.time()
    try:
        with urllib.request.urlopen(f"{base}/api/v1/health", timeout=timeout) as r:
            r.read()
    except OSError:
        return None
    return time.time() - t


def test_phones_with_a_live_page_do_not_stall_the_site(demo_server):
    """A real server (waitress, 4 threads): 4 phones open the fair's stream. Two get it (half the
    threads), two are told at once to come back later; a plain request still answers at once.
    Without the cap the four streams took all four threads and the health check waited for
    them to end (about a minute with the default lifetime)."""
    app, fid = demo_server
    app.config["FAIR_STREAM_SECONDS"] = 6
    try:
        with serving(app, threads=4) as base:
            cookie = _login_cookie(base, "organiser")
            socks = [_open_stream(base, fid, cookie) for _ in range(4)]
            try:
                deadline = time.time() + 5
                heads = [_head(s, deadline) for s in socks]
                statuses = sorted(h.split(" ")[1] if h else "queued" for h in heads)
                took = _health_s(base, timeout=3)
                assert took is not None, "the site stopped answering while the streams were open"
                assert statuses == ["200", "200", "503", "503"], heads
                refused = [h for h in heads if h.startswith("HTTP/1.1 503")]
                assert all("Retry-After: 30" in h for h in refused), refused
                # the slots come back when the streams end (here after 6 s): a later phone gets one
                assert _until_streams_end(app) == 0
            finally:
                for s in socks:
                    s.close()
            sock = _open_stream(base, fid, cookie)
            try:
                assert _head(sock, time.time() + 5).startswith("HTTP/1.1 200")
                assert _until_streams_end(app) == 0
            finally:
                sock.close()
    finally:
        app.config.pop("FAIR_STREAM_SECONDS")


def test_a_stream_beyond_the_cap_is_refused_and_a_closed_one_frees_its_slot(app, client, fair_world):
    fid = fair_world["fair"]["id"]
    login(client, fair_world["organiser"])
    cfg = app.config["MARKETPLACE"]
    app.config["FAIR_STREAM_SECONDS"] = 1  # without the cap, the second request would stream (1 s)
    cfg.FAIR_STREAM_MAX = 1
    try:
        first = client.get(f"/fairs/{fid}/events", buffered=False)
        assert first.status_code == 200 and first.mimetype == "text/event-stream"
        second = client.get(f"/fairs/{fid}/events")
        assert second.status_code == 503 and second.headers["Retry-After"] == "30"
        assert "Live updates are full" in second.text
        # the first is closed by the server without ever being read (the phone left at once):
        # its slot and its subscription come back all the same
        first.close()
        assert stream_slots(app).open == 0 and fair_bus.subscribers(fid) == 0
        third = client.get(f"/fairs/{fid}/events", buffered=False)
        assert third.status_code == 200
        third.close()
    finally:
        cfg.FAIR_STREAM_MAX = 0
        app.config.pop("FAIR_STREAM_SECONDS")


def test_the_stream_cap_is_checked_at_start():
    with pytest.raises(ConfigError, match="MARKETPLACE_FAIR_STREAM_MAX"):
        Config.from_env({"MARKETPLACE_FAIR_STREAM_MAX": "-1"})
    assert Config.from_env({"MARKETPLACE_FAIR_STREAM_MAX": "3"}).FAIR_STREAM_MAX == 3
