"""The fair as the API's users live it: check-in by QR / ID / phone, live rankings both ways,
requests and invitations, allocation rounds that never move confirmed interviews, outcomes
flowing into applications, the report; and who may not do what."""
from __future__ import annotations

import time

import itsdangerous.timed as timed
from itsdangerous import URLSafeTimedSerializer

from marketplace.core.models import Application
from marketplace.fairs import bus as fair_bus
from marketplace.fairs import checkin
from marketplace.fairs.models import Interview
from marketplace.internships import agreements as internships
from tests.fairs.conftest import token_of


def test_check_in_then_both_sides_see_live_rankings_with_reasons(client, fair_world):
    w = fair_world
    fid = w["fair"]["id"]
    welder, clerk, _ = w["people"]
    r = client.get(f"/api/v1/fairs/{fid}/ranking", headers=welder["h"])
    assert r.status_code == 200 and r.json["checked_in"] is False and r.json["booths"] == []
    q = fair_bus.subscribe(fid)
    try:
        r = client.post(f"/api/v1/fairs/{fid}/checkins", headers=w["h_org"], json={"token": token_of(client, fid, welder)})
        assert r.status_code == 201, r.json
        assert q.get(timeout=1)["type"] == "checkin"  # published after the commit
    finally:
        fair_bus.unsubscribe(fid, q)
    r = client.get(f"/api/v1/fairs/{fid}/ranking", headers=welder["h"])
    assert r.status_code == 200 and r.json["checked_in"]
    top = r.json["postings"][0]
    assert top["title"] == "电焊工" and "焊接" in top["explanation"]["reasons_zh"]
    assert r.json["booths"][0]["id"] == w["booths"][0]["id"]
    # the booth sees the checked-in welder ranked, with reasons; the clerk is not there yet
    r = client.get(f"/api/v1/fairs/{fid}/booths/{w['booths'][0]['id']}/ranking", headers=w["booths"][0]["h"])
    assert [p["name"] for p in r.json["people"]] == ["李焊"]
    assert r.json["people"][0]["explanation"]["reasons_en"]
    # checking in by ID number (blind index) adds the clerk; the data booth now sees the clerk first,
    # well within the second the hall needs (the vector was computed when the clerk pre-registered)
    t = time.perf_counter()
    r = client.post(f"/api/v1/fairs/{fid}/checkins", headers=w["h_org"], json={"id_number": clerk["id_number"]})
    assert r.status_code == 201 and r.json["checkin_method"] == "id_number"
    assert clerk["id_number"] not in r.text
    r = client.get(f"/api/v1/fairs/{fid}/booths/{w['booths'][1]['id']}/ranking", headers=w["booths"][1]["h"])
    assert r.json["people"][0]["name"] == "王数"
    assert time.perf_counter() - t < 1.0


def test_check_in_by_phone_and_twice_is_harmless(client, fair_world):
    w = fair_world
    fid = w["fair"]["id"]
    p = w["people"][2]
    for _ in range(2):
        r = client.post(f"/api/v1/fairs/{fid}/checkins", headers=w["h_org"], json={"phone": p["phone"]})
        assert r.status_code == 201 and r.json["checkin_method"] == "phone"
    r = client.post(f"/api/v1/fairs/{fid}/checkins", headers=w["h_org"], json={"phone": "13900009999"})
    assert r.status_code == 404


def test_expired_forged_and_foreign_qr_tokens_are_refused_with_a_reason(client, app, fair_world):
    w = fair_world
    fid = w["fair"]["id"]
    tok = token_of(client, fid, w["people"][0])
    r = client.post(f"/api/v1/fairs/{fid}/checkins", headers=w["h_org"], json={"token": tok[:-2] + "xx"})
    assert r.status_code == 422 and r.json["error"]["code"] == "token_forged" and "签名" in r.json["error"]["message"]["zh"]
    forged = URLSafeTimedSerializer("not-our-secret", salt=checkin.QR_SALT).dumps({"f": fid, "r": 1, "p": 1})
    r = client.post(f"/api/v1/fairs/{fid}/checkins", headers=w["h_org"], json={"token": forged})
    assert r.json["error"]["code"] == "token_forged"
    old = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=checkin.QR_SALT)

    real_now = timed.TimestampSigner.get_timestamp
    timed.TimestampSigner.get_timestamp = lambda self: int(time.time()) - checkin.QR_MAX_AGE - 5
    try:
        stale = old.dumps({"f": fid, "r": 1, "p": w["people"][0]["profile"].id})
    finally:
        timed.TimestampSigner.get_timestamp = real_now
    r = client.post(f"/api/v1/fairs/{fid}/checkins", headers=w["h_org"], json={"token": stale})
    assert r.status_code == 422 and r.json["error"]["code"] == "token_expired" and "expired" in r.json["error"]["message"]["en"]
    other = old.dumps({"f": fid + 1000, "r": 1, "p": 1})
    r = client.post(f"/api/v1/fairs/{fid}/checkins", headers=w["h_org"], json={"token": other})
    assert r.json["error"]["code"] == "token_other_fair"


def test_a_person_cannot_check_in_anyone_and_nobody_sees_another_booths_queue(client, make, fair_world):
    w = fair_world
    fid = w["fair"]["id"]
    a, b = w["people"][0], w["people"][1]
    tok_b = token_of(client, fid, b)
    # a person cannot check in (not even with someone else's token), nor read another's token
    r = client.post(f"/api/v1/fairs/{fid}/checkins", headers=a["h"], json={"token": tok_b})
    assert r.status_code == 403
    assert b["profile"].id != a["profile"].id
    assert client.get(f"/api/v1/fairs/{fid}/registration", headers=a["h"]).json["token"] != tok_b
    # another organiser's fair is not found for this organiser
    other = make.token(make.user("organiser"))
    assert client.post(f"/api/v1/fairs/{fid}/checkins", headers=other, json={"token": tok_b}).status_code == 404
    # employer A cannot see booth B's ranking or queue, nor invite for it, nor record its outcomes
    ha, booth_b = w["booths"][0]["h"], w["booths"][1]["id"]
    assert client.get(f"/api/v1/fairs/{fid}/booths/{booth_b}/ranking", headers=ha).status_code == 404
    r = client.post(f"/api/v1/fairs/{fid}/booths/{booth_b}/invitations", headers=ha,
                    json={"profile_id": a["profile"].id})
    assert r.status_code == 404
    client.post(f"/api/v1/fairs/{fid}/checkins", headers=w["h_org"], json={"token": tok_b})
    r = client.post(f"/api/v1/fairs/{fid}/interviews", headers=b["h"], json={"booth_id": booth_b})
    assert r.status_code == 201
    iv = r.json["id"]
    assert client.post(f"/api/v1/fairs/interviews/{iv}/outcome", headers=ha, json={"outcome": "hired"}).status_code == 404
    assert client.post(f"/api/v1/fairs/interviews/{iv}/cancel", headers=a["h"]).status_code == 404
    # a person not checked in cannot ask for interviews
    r = client.post(f"/api/v1/fairs/{fid}/interviews", headers=a["h"], json={"booth_id": booth_b})
    assert r.status_code == 409


def test_requests_both_ways_allocation_keeps_confirmed_and_outcomes_reach_applications(client, db, fair_world):
    w = fair_world
    fid = w["fair"]["id"]
    (weld_booth, data_booth), people = w["booths"], w["people"]
    for p in people:
        client.post(f"/api/v1/fairs/{fid}/checkins", headers=w["h_org"], json={"token": token_of(client, fid, p)})
    # person → booth, and booth → person
    for p in people[:2]:
        assert client.post(f"/api/v1/fairs/{fid}/interviews", headers=p["h"],
                           json={"booth_id": weld_booth["id"]}).status_code == 201
    r = client.post(f"/api/v1/fairs/{fid}/booths/{data_booth['id']}/invitations", headers=data_booth["h"],
                    json={"profile_id": people[1]["profile"].id})
    assert r.status_code == 201 and r.json["requested_by"] == "booth"
    r = client.post(f"/api/v1/fairs/{fid}/allocation", headers=w["h_org"], json={})
    assert r.status_code == 200 and r.json["assigned"] == 3 and r.json["optimal"], r.json
    sched = client.get(f"/api/v1/fairs/{fid}/schedule", headers=people[1]["h"]).json["items"]
    assert len(sched) == 2 and len({i["slot"] for i in sched}) == 2  # never two at once
    weld_sched = client.get(f"/api/v1/fairs/{fid}/schedule", headers=weld_booth["h"]).json["items"]
    assert len({i["slot"] for i in weld_sched}) == 2  # one recruiter, one interview per slot
    before = {i["id"]: i["slot"] for i in weld_sched}
    # a late arrival's request and a cancellation: the next round moves nothing confirmed
    client.post(f"/api/v1/fairs/interviews/{weld_sched[0]['id']}/cancel", headers=weld_booth["h"])
    assert client.post(f"/api/v1/fairs/{fid}/interviews", headers=people[2]["h"],
                       json={"booth_id": weld_booth["id"]}).status_code == 201
    r = client.post(f"/api/v1/fairs/{fid}/allocation", headers=w["h_org"], json={})
    assert r.json["assigned"] == 1 and r.json["kept"] == 2
    after = {i["id"]: (i["slot"], i["status"]) for i in
             client.get(f"/api/v1/fairs/{fid}/schedule", headers=weld_booth["h"]).json["items"]}
    kept = weld_sched[1]["id"]
    assert after[kept] == (before[kept], "confirmed")
    # outcomes: an internship hire flows into an application (hired) and is linked for the subsidy
    iv = db.query(Interview).filter_by(booth_id=data_booth["id"]).one()
    r = client.post(f"/api/v1/fairs/interviews/{iv.id}/outcome", headers=data_booth["h"], json={"outcome": "hired"})
    assert r.status_code == 200, r.json
    app = db.get(Application, r.json["application_id"])
    assert app.stage == "hired" and [e.to_stage for e in app.events] == ["applied", "interview", "hired"]
    assert "R1" in r.json["subsidy_note"]
    # ... and the internships area lists it as a hire awaiting its agreement (where the subsidy starts)

    assert app.id in [a.id for a in internships.hires_without_agreement(db, data_booth["hr"])]
    rep = client.get(f"/api/v1/fairs/{fid}/report", headers=w["h_org"]).json
    row = next(b for b in rep["booths"] if b["booth_id"] == data_booth["id"])
    assert row["hires_30d"] == 1 and row["interviews"] == 1
    assert rep["checked_in"] == 3 and {g["group"] for g in rep["groups"]} >= {"registered_unemployed"}
    csv_text = client.get(f"/api/v1/fairs/{fid}/report.csv", headers=w["h_org"]).get_data(as_text=True)
    assert "抚顺数据服务中心" in csv_text


def test_booth_applications_are_checked(client, make, fair_world):
    w = fair_world
    fid = w["fair"]["id"]
    hr = make.user("employer")
    foreign = w["booths"][0]["posting"].id
    r = client.post(f"/api/v1/fairs/{fid}/booths", headers=make.token(hr), json={"posting_ids": [foreign]})
    assert r.status_code == 422 and r.json["error"]["field"] == "posting_ids"
    r = client.post(f"/api/v1/fairs/{fid}/booths", headers=w["booths"][0]["h"], json={"posting_ids": [foreign]})
    assert r.status_code == 409  # approved already
    r = client.post("/api/v1/fairs", headers=w["h_org"], json={"name": "x", "held_on": "2026-01-01",
                                                                "venue": "v", "slots": ["10:00-09:00"]})
    assert r.status_code == 422


def test_a_cancelled_confirmed_interview_frees_its_seat_for_a_waiting_request_at_once(client, fair_world):
    w = fair_world
    fid = w["fair"]["id"]
    booth = w["booths"][0]
    for p in w["people"]:
        client.post(f"/api/v1/fairs/{fid}/checkins", headers=w["h_org"], json={"token": token_of(client, fid, p)})
        client.post(f"/api/v1/fairs/{fid}/interviews", headers=p["h"], json={"booth_id": booth["id"]})
    assert client.post(f"/api/v1/fairs/{fid}/slot/next", headers=w["h_org"]).json["current_slot"] == 1
    r = client.post(f"/api/v1/fairs/{fid}/allocation", headers=w["h_org"], json={})
    assert r.json == {**r.json, "requests": 3, "assigned": 2, "unplaced": 0}  # two seats left from slot 1 on
    items = client.get(f"/api/v1/fairs/{fid}/schedule", headers=booth["h"]).json["items"]
    confirmed = [i for i in items if i["status"] == "confirmed"]
    waiting = [i for i in items if i["status"] == "requested"]
    assert len(confirmed) == 2 and len(waiting) == 1 and {i["slot"] for i in confirmed} == {1, 2}
    person = next(p for p in w["people"] if p["profile"].id == confirmed[0]["profile_id"])
    assert client.post(f"/api/v1/fairs/interviews/{confirmed[0]['id']}/cancel", headers=person["h"]).status_code == 200
    after = {i["id"]: i for i in client.get(f"/api/v1/fairs/{fid}/schedule", headers=booth["h"]).json["items"]}
    assert after[waiting[0]["id"]]["status"] == "confirmed" and after[waiting[0]["id"]]["slot"] == confirmed[0]["slot"]
    assert after[confirmed[1]["id"]]["slot"] == confirmed[1]["slot"]  # the other confirmed one did not move


def test_people_join_an_online_fair_themselves_but_an_onsite_one_only_at_the_door(client, fair_world):
    w = fair_world
    fid = w["fair"]["id"]  # on-site and online
    p = w["people"][0]
    r = client.post(f"/api/v1/fairs/{fid}/registration/online", headers=p["h"])
    assert r.status_code == 200 and r.json["checkin_method"] == "online" and r.json["profile_id"] == p["profile"].id
    assert client.get(f"/api/v1/fairs/{fid}/ranking", headers=p["h"]).json["checked_in"] is True
    onsite = client.post("/api/v1/fairs", headers=w["h_org"], json={
        "name": "现场会", "mode": "onsite", "held_on": w["fair"]["held_on"], "venue": "大厅", "slots": ["09:00-09:30"]}).json
    client.post(f"/api/v1/fairs/{onsite['id']}/registration", headers=p["h"])
    r = client.post(f"/api/v1/fairs/{onsite['id']}/registration/online", headers=p["h"])
    assert r.status_code == 409 and "QR" in r.json["error"]["message"]["en"]
