"""Abuse cases at the edge (issue 13, findings 12 and 15): what a hand-made request gets
before any business rule runs. Too-deep JSON is a 400, not a crash; ids are ASCII digits,
not full-width ones; a JSON number is a number, not ``true``; a date is a date, not a
timestamp."""
from __future__ import annotations

import json
import logging
import socket

import pytest
from gunicorn.http.errors import InvalidRequestLine, LimitRequestHeaders, LimitRequestLine
from sqlalchemy import select

from marketplace.core.models import Profile
from marketplace.web.serving import JsonErrorWorker
from tests.web.test_foundation_api import profile_body
from tests.web.test_pages import login

DEEP = ("[" * 1000 + "]" * 1000).encode()


def _post_json(client, path, raw: bytes, headers=None):
    return client.post(path, data=raw, content_type="application/json", headers=headers or {})


# --- finding 12: JSON nested 1,000 deep ------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/auth/register/person",
                                  "/api/v1/policy/internship-subsidy"])
def test_a_thousand_deep_body_is_refused_with_400_even_without_signing_in(client, path):
    r = _post_json(client, path, b'{"username": ' + DEEP + b', "password": "x"}')
    assert r.status_code == 400, r.data[:200]
    assert r.json["error"]["code"] == "too_deep" and r.json["error"]["field"] == "body"
    assert "32" in r.json["error"]["message"]["en"]


def test_deep_bodies_are_refused_on_signed_in_endpoints_too_and_nothing_changes(client, db, make):
    user = make.user("person")
    skills: list = ["焊接"]
    for _ in range(40):
        skills = [skills]
    body = json.dumps(profile_body(skills=skills))
    r = client.put("/api/v1/profiles/me", data=body, content_type="application/json", headers=make.token(user))
    assert r.status_code == 400 and r.json["error"]["code"] == "too_deep"
    assert db.scalar(select(Profile).where(Profile.user_id == user.id)) is None


def test_brackets_inside_strings_do_not_count_and_ordinary_nesting_passes(client, make):
    user = make.user("person")
    r = client.put("/api/v1/profiles/me", headers=make.token(user),
                   json=profile_body(summary="[" * 200 + "{" * 200 + '\\"[['))
    assert r.status_code == 200, r.json


# --- finding 15: strict types at the edge ----------------------------------------------

def test_full_width_digits_are_not_an_id_in_a_url(client, make):
    p = make.posting()
    assert client.get(f"/api/v1/postings/{p.id}").status_code == 200
    full_width = "".join(chr(ord("０") + int(c)) for c in str(p.id))
    assert client.get(f"/api/v1/postings/{full_width}").status_code == 404
    assert client.get(f"/postings/{full_width}").status_code == 404
    arabic_indic = "".join(chr(0x0660 + int(c)) for c in str(p.id))
    assert client.get(f"/api/v1/postings/{arabic_indic}").status_code == 404


@pytest.mark.parametrize("value", ["２", "²", "٢"])
def test_page_numbers_are_ascii_digits(client, value):
    r = client.get("/api/v1/postings", query_string={"page": value})
    assert r.status_code == 422 and r.json["error"]["field"] == "page"
    r = client.get("/api/v1/search/postings", query_string={"education": value})
    assert r.status_code == 422 and r.json["error"]["field"] == "education"
    assert client.get("/postings", query_string={"page": value, "education": value}).status_code == 200


@pytest.mark.parametrize("change,field", [
    ({"education": True}, "education"),              # JSON true is not the number 1
    ({"education": "４"}, "education"),              # nor is a full-width digit in a string
    ({"education": "4"}, "education"),               # the API takes numbers as numbers
    ({"graduation_year": 2020.0}, "graduation_year"),
    ({"birth_on": 920505600}, "birth_on"),           # an integer timestamp is not a date
    ({"birth_on": 920548800}, "birth_on"),
    ({"published": 1}, "published"),                 # a yes/no is true or false
    ({"published": "yes"}, "published"),
])
def test_json_values_are_taken_as_typed_or_refused_naming_the_field(client, db, make, change, field):
    user = make.user("person")
    r = client.put("/api/v1/profiles/me", headers=make.token(user), json=profile_body(**change))
    assert r.status_code == 422 and r.json["error"]["field"] == field, r.json
    assert db.scalar(select(Profile).where(Profile.user_id == user.id)) is None


def test_json_true_is_not_a_record_id(client, make):
    hr = make.user("employer")
    posting = make.posting(organisation=hr.organisation)
    r = client.post(f"/api/v1/postings/{posting.id}/invitations", headers=make.token(hr), json={"profile_id": True})
    assert r.status_code == 422 and r.json["error"]["field"] == "profile_id"


def test_forms_still_read_their_text_values(client, db, make):
    user = make.user("person")
    login(client, user)
    r = client.post("/me/profile", data={"name": "王芳", "gender": "女", "birth_on": "1990-01-01",
                                         "district": "望花区", "education": "4"})
    assert r.status_code == 302
    assert db.scalar(select(Profile).where(Profile.user_id == user.id)).education == 4


# --- finding 15: gunicorn's own refusals -----------------------------------------------

@pytest.mark.parametrize("exc,status,code", [
    (LimitRequestLine(5000, 4094), 400, "request_line_too_long"),
    (LimitRequestHeaders("too many"), 431, "headers_too_large"),
    (InvalidRequestLine("GET"), 400, "bad_request"),
])
def test_gunicorns_refusals_are_json_in_the_apis_error_shape(exc, status, code):
    worker = object.__new__(JsonErrorWorker)  # handle_error needs only the log (no request was read)
    worker.log = logging.getLogger("gunicorn.test")
    ours, theirs = socket.socketpair()
    try:
        worker.handle_error(None, ours, ("203.0.113.9", 40000), exc)
        ours.close()
        raw = b""
        while chunk := theirs.recv(65536):
            raw += chunk
    finally:
        theirs.close()
    head, body = raw.split(b"\r\n\r\n", 1)
    assert head.startswith(f"HTTP/1.1 {status} ".encode()) and b"Content-Type: application/json" in head
    error = json.loads(body)["error"]
    assert error["code"] == code and error["message"]["zh"] and error["message"]["en"]
    assert b"<html" not in raw
