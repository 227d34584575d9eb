"""Shared by the abuse-case suite: signing in to pages, and reading every answer a viewer
gets as plain text."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from marketplace.internships.models import SubsidyClaim

CSRF = re.compile(r'(name="csrf_token" value=")[^"]*(")|("csrf_token":\s*")[^"]*(")')


def login(client, user, password="secret-pass-1"):
    r = client.post("/login", data={"username": user.username, "password": password})
    assert r.status_code == 302, r.text


def text_of(response) -> str:
    """The body as text, with random CSRF tokens blanked (they are not data about anyone)."""
    body = response.get_data(as_text=True)
    return CSRF.sub(lambda m: (m.group(1) or m.group(3)) + (m.group(2) or m.group(4)), body)


def claim(db, organisation, profile, created_by, **kw):
    """A submitted hiring-subsidy claim row, as the claims page leaves it (the claim rules
    are tested in tests/internships; here only who sees it, and how it is exported)."""
    row = SubsidyClaim(kind="hiring_r6", organisation_id=organisation.id, profile_id=profile.id, state="submitted",
                       amount=kw.pop("amount", Decimal("1000.00")), rule="R6", created_by_id=created_by.id,
                       submitted_on=dt.date(2020, 6, 1), **kw)
    db.add(row)
    db.flush()
    return row
