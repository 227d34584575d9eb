"""The welfare API: who may do what (404 outside one's district or person), bad input
refused with reasons and nothing changed, the queue and dashboard as JSON and CSV."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from marketplace import clock
from marketplace.welfare.models import FollowUp, Placement, Referral, Registration
from tests.welfare.helpers import registered


def n(db, model):
    return db.scalar(select(func.count()).select_from(model))


def test_a_person_registers_online_and_sees_only_their_own(client, db, make):
    a, b = make.user("person"), make.user("person")
    make.profile(user=a), make.profile(user=b)
    r = client.post("/api/v1/welfare/registrations", json={"district": "望花区"}, headers=make.token(a))
    assert r.status_code == 201 and r.json["channel"] == "online" and r.json["confirmed"] is False
    mine = client.get("/api/v1/welfare/registrations/me", headers=make.token(a)).json
    assert len(mine["registrations"]) == 1 and len(mine["follow_ups"]) == 1
    theirs = client.get("/api/v1/welfare/registrations/me", headers=make.token(b)).json
    assert theirs == {"registrations": [], "follow_ups": []}
    assert client.get("/api/v1/welfare/follow-ups", headers=make.token(b)).json["items"] == []
    # a person cannot register someone else, nor confirm
    r = client.post(f"/api/v1/welfare/registrations/{mine['registrations'][0]['id']}/confirm", headers=make.token(b))
    assert r.status_code == 403


def test_caseworkers_act_only_in_their_district(client, db, make):
    cw = make.user("caseworker", district="望花区")
    other = make.user("caseworker", district="新抚区")
    p, reg = registered(db, make, cw, clock.today())
    post = make.posting(kind="public_welfare")
    task = db.scalar(select(FollowUp).where(FollowUp.registration_id == reg.id))
    h = make.token(other)
    for method, url, body in [
        ("GET", f"/api/v1/welfare/profiles/{p.id}/hard-to-employ", None),
        ("POST", f"/api/v1/welfare/registrations/{reg.id}/end", {"reason": "employed"}),
        ("GET", f"/api/v1/welfare/postings/{post.id}/queue", None),
        ("POST", f"/api/v1/welfare/postings/{post.id}/placements", {"profile_id": p.id, "fund": "other_channels"}),
        ("POST", f"/api/v1/welfare/follow-ups/{task.id}/contacts", {"channel": "phone", "note": "电话"}),
        ("POST", "/api/v1/welfare/referrals", {"profile_id": p.id, "posting_id": post.id}),
    ]:
        r = client.open(url, method=method, json=body, headers=h)
        assert r.status_code == 404, (url, r.status_code, r.json)
    assert client.get("/api/v1/welfare/registrations", headers=h).json["items"] == []
    assert client.get(f"/api/v1/welfare/postings/{post.id}/queue", headers=make.token(cw)).status_code == 200
    assert reg.ended_on is None and n(db, Placement) == 0 and n(db, Referral) == 0


def test_bad_input_is_refused_with_reasons_and_changes_nothing(client, db, make):
    cw = make.user("caseworker", district="望花区")
    h = make.token(cw)
    woman = make.profile(gender="女", birth_on=dt.date(1985, 2, 1))
    before = n(db, Registration)
    r = client.post("/api/v1/welfare/registrations", json={"profile_id": woman.id, "district": "望花区"}, headers=h)
    assert r.status_code == 422 and r.json["error"]["field"] == "original_retirement_age"
    assert "50" in r.json["error"]["message"]["zh"]
    r = client.post("/api/v1/welfare/registrations", json={"profile_id": woman.id, "district": "火星区"}, headers=h)
    assert r.status_code == 422 and r.json["error"]["field"] == "district"
    r = client.post("/api/v1/welfare/registrations", json={"profile_id": woman.id, "district": "望花区",
                                                           "original_retirement_age": 50,
                                                           "registered_on": "2999-01-01"}, headers=h)
    assert r.status_code == 422 and r.json["error"]["field"] == "registered_on"
    assert n(db, Registration) == before
    p, reg = registered(db, make, cw, clock.today())
    post = make.posting(kind="public_welfare", temporary=True, term_months=6)
    r = client.post(f"/api/v1/welfare/postings/{post.id}/placements",
                    json={"profile_id": p.id, "fund": "employment_subsidy_fund", "term_months": 9}, headers=h)
    assert r.status_code == 422 and "R10" in r.json["error"]["message"]["en"]
    assert r.json["error"]["details"][0]["code"] == "temporary_term"
    r = client.post(f"/api/v1/welfare/postings/{post.id}/placements", json={"profile_id": p.id}, headers=h)
    assert r.status_code == 422 and r.json["error"]["field"] == "fund"
    assert n(db, Placement) == 0 and reg.ended_on is None


def test_queue_place_report_and_dashboard_over_the_api(client, db, make):
    cw = make.user("caseworker", district="望花区")
    h = make.token(cw)
    today = clock.today()
    post = make.posting(kind="public_welfare", skills=["保洁"], temporary=True, term_months=6, headcount=3)
    two, _ = registered(db, make, cw, today, name="二层高分", skills=("保洁",))
    one, _ = registered(db, make, cw, today, name="一层", skills=(), categories=("zero_employment_family",))
    q = client.get(f"/api/v1/welfare/postings/{post.id}/queue", headers=h).json
    assert [e["name"] for e in q["queue"]] == ["一层", "二层高分"]
    assert q["queue"][0]["match_score"] < q["queue"][1]["match_score"]
    assert q["queue"][0]["reason"]["zh"].startswith("第1位") and q["queue"][1]["priority"]["details"]["tier"] == 2
    r = client.post(f"/api/v1/welfare/postings/{post.id}/placements",
                    json={"profile_id": one.id, "fund": "employment_subsidy_fund"}, headers=h)
    assert r.status_code == 201 and r.json["tier"] == 1 and r.json["rank_reason"]["rank"] == 1
    assert [d["rule"] for d in r.json["decisions"]] == ["R8", "R9", "R10", "R10", "R10"]  # quota, term, count
    rep = client.get("/api/v1/welfare/report", headers=h).json
    assert rep["totals"]["filled"] == 1 and rep["totals"]["vacant"] == 2
    d = client.get("/api/v1/welfare/dashboard", headers=h).json
    assert d["registered_unemployed"] == 1 and d["by_district"]["望花区"] == 1
    assert d["by_group"]["hard_to_employ"] == 1
    csv = client.get("/api/v1/welfare/dashboard?format=csv", headers=h)
    assert csv.mimetype == "text/csv" and "by_district,望花区,,1" in csv.text
    assert client.get("/api/v1/welfare/dashboard", headers=make.token(make.user("employer"))).status_code == 403


def test_referral_and_contact_flow_over_the_api(client, db, make):
    cw = make.user("caseworker", district="望花区")
    h = make.token(cw)
    p, reg = registered(db, make, cw, clock.today(), hte=False)
    post = make.posting(open_on=None, close_on=None)
    r = client.post("/api/v1/welfare/referrals", json={"profile_id": p.id, "posting_id": post.id}, headers=h)
    assert r.status_code == 201
    pending = client.get("/api/v1/welfare/referrals?pending=1", headers=h).json["items"]
    assert [x["id"] for x in pending] == [r.json["id"]]
    r2 = client.post(f"/api/v1/welfare/referrals/{r.json['id']}/outcome", json={"outcome": "maybe"}, headers=h)
    assert r2.status_code == 422
    r2 = client.post(f"/api/v1/welfare/referrals/{r.json['id']}/outcome", json={"outcome": "not_hired"}, headers=h)
    assert r2.status_code == 200 and r2.json["outcome"] == "not_hired"
    hte = client.get(f"/api/v1/welfare/profiles/{p.id}/hard-to-employ", headers=h).json
    assert "职业介绍#" in next(c for c in hte["decision"]["conditions"] if c["code"] == "failed_referrals")["record"]
    task = db.scalar(select(FollowUp).where(FollowUp.registration_id == reg.id))
    r3 = client.post(f"/api/v1/welfare/follow-ups/{task.id}/contacts", json={"channel": "phone", "note": ""}, headers=h)
    assert r3.status_code == 422
    r3 = client.post(f"/api/v1/welfare/follow-ups/{task.id}/contacts",
                     json={"channel": "phone", "note": "电话联系，本人仍在求职"}, headers=h)
    assert r3.status_code == 201 and r3.json["contacted_on"] == clock.today().isoformat()
