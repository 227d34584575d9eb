"""Abuse case (issue 13, finding 14): personal data left in a browser's or a proxy's cache
(a shared computer at the service centre). Every ``/api/v1`` answer and every answer to a
signed-in user carries ``Cache-Control: no-store``; public pages seen signed out and static
files stay cacheable."""
from __future__ import annotations

from tests.security.helpers import login


def test_my_data_is_never_stored_by_a_cache(app, client, make):
    person = make.user("person")
    h = make.token(person)
    r = client.put("/api/v1/profiles/me", headers=h, json={
        "name": "周敏", "gender": "女", "birth_on": "1995-03-02", "phone": "13912345678", "district": "望花区"})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    r = client.get("/api/v1/me/data", headers=h)
    assert r.status_code == 200 and "13912345678" in r.text and r.headers["Cache-Control"] == "no-store"
    page = app.test_client()
    login(page, person)
    r = page.get("/me/data?download=1")
    assert r.status_code == 200 and "13912345678" in r.text and r.headers["Cache-Control"] == "no-store"
    for url in ("/me/profile", "/me/applications", "/me/data", "/"):
        assert page.get(url).headers.get("Cache-Control") == "no-store", url


def test_every_api_answer_and_signed_in_page_is_no_store(app, client, make):
    cw = make.user("caseworker", district="望花区")
    h = make.token(cw)
    for url in ("/api/v1/profiles", "/api/v1/me", "/api/v1/search/profiles", "/api/v1/profiles/999999",
                "/api/v1/postings"):
        assert client.get(url, headers=h).headers.get("Cache-Control") == "no-store", url
    assert client.get("/api/v1/me").headers.get("Cache-Control") == "no-store"  # refusals too
    page = app.test_client()
    login(page, cw)
    for url in ("/caseworker", "/people", "/welfare/desk"):
        r = page.get(url)
        assert r.status_code == 200 and r.headers.get("Cache-Control") == "no-store", url


def test_public_pages_signed_out_stay_cacheable(client):
    assert client.get("/").headers.get("Cache-Control") != "no-store"
    with client.get("/static/app.css") as r:
        assert r.status_code == 200 and r.headers.get("Cache-Control") != "no-store"
