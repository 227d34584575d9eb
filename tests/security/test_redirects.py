"""Finding 13 of issue 13: a refused form sent the browser to whatever the ``Referer``
header named (``http://evil.example/...``). Redirects go to pages of this site only, through
one helper (``marketplace.web.forms.local_url``)."""
from __future__ import annotations

import pytest

from marketplace.core import applications
from tests.web.test_pages import login

EVIL = ["http://evil.example/employer/postings/1", "https://evil.example/me/applications", "//evil.example/x",
        "/\\evil.example/x", "http://evil.example", "javascript:alert(1)", "/\t/evil.example", "ftp://localhost/x"]


@pytest.fixture
def refused_move(client, db, make):
    """A person whose stage move is refused (a stage that does not exist)."""
    person = make.user("person")
    make.profile(user=person)
    app = applications.apply(db, person, make.posting().id, "")
    db.flush()
    login(client, person)
    return lambda referer: client.post(f"/applications/{app.id}/stage", data={"stage": "nonsense"},
                                       headers={"Referer": referer} if referer is not None else {})


@pytest.mark.parametrize("referer", EVIL)
def test_a_refused_form_never_redirects_off_site(refused_move, referer):
    r = refused_move(referer)
    assert r.status_code == 303
    assert r.headers["Location"] == "/", r.headers["Location"]


def test_a_refused_form_returns_to_the_page_it_came_from_on_this_site(refused_move):
    assert refused_move("http://localhost/me/applications?page=2").headers["Location"] == "/me/applications?page=2"
    assert refused_move(None).headers["Location"] == "/"


@pytest.mark.parametrize("target", EVIL)
def test_the_login_next_field_stays_on_site(client, make, target):
    user = make.user("person")
    r = client.post("/login", data={"username": user.username, "password": "secret-pass-1", "next": target})
    assert r.status_code == 302 and r.headers["Location"] == "/me/applications"  # the person's own page
