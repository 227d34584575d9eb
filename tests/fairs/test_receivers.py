"""The fairs area's answers to other areas' questions, asked the way they ask them
(``hooks.ask``) after users acted through the API."""
from __future__ import annotations

from marketplace import hooks
from marketplace.fairs.models import Interview
from tests.fairs.conftest import token_of


def test_first_approaches_answers_when_a_person_first_asked_a_booth_for_an_interview(client, db, fair_world):
    w = fair_world
    fid = w["fair"]["id"]
    welder, clerk, _ = w["people"]
    weld_booth, data_booth = w["booths"]
    weld, data = weld_booth["posting"], data_booth["posting"]
    pairs = [(welder["profile"].id, weld.id), (clerk["profile"].id, data.id), (clerk["profile"].id, weld.id)]
    # nothing asked yet: no approach through a fair
    assert hooks.ask(hooks.first_approaches, db, pairs=pairs) == [{}]
    client.post(f"/api/v1/fairs/{fid}/checkins", headers=w["h_org"], json={"token": token_of(client, fid, welder)})
    r = client.post(f"/api/v1/fairs/{fid}/interviews", headers=welder["h"], json={"booth_id": weld_booth["id"]})
    assert r.status_code == 201, r.json
    asked = db.get(Interview, r.json["id"]).created_at
    answers = hooks.ask(hooks.first_approaches, db, pairs=pairs)
    # only the pair that asked, at the moment it asked; the others never approached through a fair
    assert answers == [{(welder["profile"].id, weld.id): asked}]
    assert hooks.ask(hooks.first_approaches, db, pairs=[]) == [{}]


def test_a_fair_hire_outside_internships_tells_the_booth_about_the_hiring_subsidy(client, db, fair_world):
    """No area answers ``hooks.hire_follow_up`` for a job hire: the booth's note is the
    generic one (the hiring-subsidy claim any hire can carry)."""
    w = fair_world
    fid = w["fair"]["id"]
    welder = w["people"][0]
    weld_booth = w["booths"][0]
    client.post(f"/api/v1/fairs/{fid}/checkins", headers=w["h_org"], json={"token": token_of(client, fid, welder)})
    iv = client.post(f"/api/v1/fairs/{fid}/interviews", headers=welder["h"], json={"booth_id": weld_booth["id"]}).json
    r = client.post(f"/api/v1/fairs/interviews/{iv['id']}/outcome", headers=weld_booth["h"], json={"outcome": "hired"})
    assert r.status_code == 200, r.json
    assert r.json["subsidy_note"] == (f"hire: application #{r.json['application_id']} can carry a hiring-subsidy "
                                      "claim (R6/R7) with the contract facts, from the subsidy claims page")
