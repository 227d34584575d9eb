"""What the internships area answers other areas through marketplace.hooks (connected in
marketplace.app.connect_hooks): the booth's note on a fair hire, the welfare desk's claims
to review, and the employer's applicant notes (经…推荐)."""
from __future__ import annotations

import datetime as dt

from marketplace import hooks
from marketplace.internships import agreements, claims
from tests.internships.conftest import hire, introduced


def test_a_hire_on_an_internship_posting_leads_to_its_agreement(app, db, make, world):
    assert hooks.ask(hooks.hire_follow_up, db, application=world.app) == [
        f"internship hire: application #{world.app.id} awaits its agreement (R1)"]
    ag = agreements.create_agreement(db, world.hr, "fushun-2020", world.app.id, dt.date(2020, 3, 1), 6)
    assert hooks.ask(hooks.hire_follow_up, db, application=world.app) == [f"internship agreement #{ag.id}"]
    job = hire(db, make, world.org, world.hr, kind="job")
    assert hooks.ask(hooks.hire_follow_up, db, application=job) == []


def test_the_welfare_desk_is_told_the_claims_waiting_in_its_district(app, db, world, on_day):
    on_day("2020-06-01")
    ag = agreements.create_agreement(db, world.hr, "fushun-2020", world.app.id, dt.date(2020, 3, 1), 6)
    c = claims.create_internship_claim(db, world.hr, ag.id, dt.date(2020, 6, 1))
    assert hooks.ask(hooks.claims_to_review, db, actor=world.cw, limit=10) == [([c], 1)]
    assert hooks.ask(hooks.claims_to_review, db, actor=world.cw_far, limit=10) == [([], 0)]


def test_the_employer_sees_which_agency_introduced_an_applicant(app, db, make, world):
    agency = make.user("agency")
    intro = introduced(db, agency, world.app)
    notes = hooks.ask(hooks.application_notes, db, applications=[world.app])
    assert notes == [{world.app.id: {"introduced_by": intro.organisation.name}}]
    other = hire(db, make, world.org, world.hr, kind="job")
    assert hooks.ask(hooks.application_notes, db, applications=[other]) == [{}]
