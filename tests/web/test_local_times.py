"""Stored times are UTC; every page shows Fushun's (UTC+8) date and time."""
from __future__ import annotations

import datetime as dt

from marketplace import clock
from marketplace.core.models import Application
from tests.web.test_pages import login


def test_an_application_made_late_in_the_utc_evening_shows_the_next_fushun_day(client, db, make):
    person = make.user("person")
    profile = make.profile(user=person)
    posting = make.posting(title="会计")
    late = dt.datetime(2026, 3, 1, 20, 30)  # 2026-03-02 04:30 in Fushun
    db.add(Application(posting_id=posting.id, profile_id=profile.id, stage="applied", created_at=late))
    db.flush()
    login(client, person)
    html = client.get("/me/applications").text
    assert "2026-03-02" in html and "2026-03-01" not in html


def test_the_clock_reads_fushun_time():
    assert clock.local_time(dt.datetime(2026, 3, 1, 20, 30), "%Y-%m-%d %H:%M") == "2026-03-02 04:30"
    assert clock.local_date(dt.datetime(2026, 3, 1, 15, 59)) == dt.date(2026, 3, 1)
    assert clock.local_date(dt.datetime(2026, 3, 1, 16, 0)) == dt.date(2026, 3, 2)
