"""R13 (SOE graduate postings, offer withdrawals) and R14 (targeted posts) as a user meets
them through the API and the posting form: facts come from records, the groups and caps
from the active policy set."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from marketplace.core.hiring_conditions import prior_internship_phrase
from marketplace.core.models import AuditEntry, ProfileCategory, User

VETERAN = "veteran_college_2020"
BODY = {"kind": "job", "title": "综合管理岗", "description": "负责单位综合管理与文字工作。", "district": "望花区"}


@pytest.fixture
def in_2020(app, monkeypatch):
    """R13 is in force 2020–2021: judge on a pinned 2020 business date."""
    monkeypatch.setitem(app.config["MARKETPLACE"].extra, "TODAY", "2020-06-01")


def _publish(client, h, **fields):
    r = client.post("/api/v1/postings", json={**BODY, **fields}, headers=h)
    assert r.status_code == 201, r.json
    return client.post(f"/api/v1/postings/{r.json['id']}/publish", headers=h)


def _field(r):
    err = r.json["error"]
    return err.get("field") or next((d["field"] for d in err.get("details", ())), None)


# --- R14 ------------------------------------------------------------------------------

def test_the_151st_place_for_a_group_is_refused(client, make):
    make.posting(target_group=VETERAN, headcount=149)  # elsewhere in the city
    h = make.token(make.user("employer", organisation=make.org(org_type="public_institution")))
    assert _publish(client, h, target_group=VETERAN, headcount=1).status_code == 200  # the 150th place
    r = _publish(client, h, target_group=VETERAN, headcount=1)
    assert r.status_code == 422 and _field(r) == "target_group", r.json
    assert "R14" in r.json["error"]["message"]["en"] and "150" in r.json["error"]["message"]["zh"]
    # a posting of several places counts them all, and a posting for anyone is not capped
    assert _publish(client, h, headcount=5).status_code == 200


def test_places_not_postings_count_towards_the_cap(client, make):
    make.posting(target_group=VETERAN, headcount=140)
    h = make.token(make.user("employer"))
    r = _publish(client, h, target_group=VETERAN, headcount=11)
    assert r.status_code == 422 and "R14" in r.json["error"]["message"]["en"]
    assert _publish(client, h, target_group=VETERAN, headcount=10).status_code == 200


def _veteran(make, education, since_on, confirmed=True):
    p = make.profile(education=education)
    p.categories.append(ProfileCategory(category="veteran", since_on=since_on,
                                        confirmed_at=dt.datetime(2020, 9, 1) if confirmed else None))
    make.s.flush()
    return make.token(make.s.get(User, p.user_id))


def test_a_person_outside_the_group_is_refused_with_r14s_reason(client, make):
    posting = make.posting(target_group=VETERAN)
    url = f"/api/v1/postings/{posting.id}/applications"
    for h in (_veteran(make, 3, dt.date(2020, 9, 1)),   # no college education
              _veteran(make, 4, dt.date(2018, 9, 1)),   # left the army in 2018
              _veteran(make, 5, dt.date(2020, 9, 1), confirmed=False),  # not confirmed by a caseworker
              make.token(make.s.get(User, make.profile(categories=("disabled",)).user_id))):
        r = client.post(url, json={}, headers=h)
        assert r.status_code == 422 and r.json["error"]["message"]["en"].startswith("R14"), r.json
        assert "2020年退役大学生" in r.json["error"]["message"]["zh"]
    assert client.post(url, json={}, headers=_veteran(make, 4, dt.date(2020, 9, 1))).status_code == 201


def test_a_group_the_policy_set_does_not_list_is_refused(client, make):
    h = make.token(make.user("employer"))
    r = client.post("/api/v1/postings", json={**BODY, "target_group": "veteran_2019"}, headers=h)
    assert r.status_code == 422 and _field(r) == "target_group"
    # and a posting an old version stored with such a group admits nobody
    posting = make.posting(target_group="veteran_2019")
    person = make.token(make.s.get(User, make.profile(categories=("veteran",)).user_id))
    r = client.post(f"/api/v1/postings/{posting.id}/applications", json={}, headers=person)
    assert r.status_code == 422 and "R14" in r.json["error"]["message"]["en"]


def test_the_posting_form_refuses_an_unknown_group_and_offers_the_sets(client, make):
    hr = make.user("employer")
    client.post("/login", data={"username": hr.username, "password": "secret-pass-1"})
    form = client.get("/employer/postings/new").get_data(as_text=True)
    assert f'value="{VETERAN}"' in form and "2020年退役大学生" in form
    r = client.post("/employer/postings/new", data={**BODY, "target_group": "nobody", "publish": "1"})
    assert r.status_code == 422 and 'data-error="target_group"' in r.get_data(as_text=True)


# --- R13 ------------------------------------------------------------------------------

def _soe_hr(make):
    return make.token(make.user("employer", organisation=make.org(org_type="soe")))


def test_an_soe_graduate_posting_may_not_require_a_prior_internship_at_the_unit(client, make, in_2020):
    h = _soe_hr(make)
    r = _publish(client, h, for_graduates=True, hiring_conditions=["health_certificate", "prior_internship_at_unit"])
    assert r.status_code == 422 and _field(r) == "hiring_conditions", r.json
    assert r.json["error"]["message"]["en"].startswith("R13") and "实习" in r.json["error"]["message"]["zh"]
    # written in the requirements, in traditional characters, it is refused as well
    r = _publish(client, h, for_graduates=True, requirements="實習期滿考核合格後錄用")
    assert r.status_code == 422 and _field(r) == "requirements" and "R13" in r.json["error"]["message"]["en"]
    r = _publish(client, h, for_graduates=True, description="本岗位先实习、后录用，欢迎应届生。")
    assert r.status_code == 422 and _field(r) == "description"
    # other conditions are fine
    assert _publish(client, h, for_graduates=True, hiring_conditions=["health_certificate"]).status_code == 200


def test_r13_binds_only_soes_hiring_graduates_in_its_window(client, make, app, monkeypatch, in_2020):
    condition = {"hiring_conditions": ["prior_internship_at_unit"]}
    assert _publish(client, make.token(make.user("employer")), for_graduates=True, **condition).status_code == 200
    assert _publish(client, _soe_hr(make), for_graduates=False, **condition).status_code == 200
    # a targeted post for graduating-year graduates is aimed at graduates
    r = _publish(client, _soe_hr(make), target_group="graduating_year_graduate", **condition)
    assert r.status_code == 422 and "R13" in r.json["error"]["message"]["en"]
    monkeypatch.setitem(app.config["MARKETPLACE"].extra, "TODAY", "2022-01-03")
    assert _publish(client, _soe_hr(make), for_graduates=True, **condition).status_code == 200


def test_editing_a_published_soe_posting_cannot_add_the_condition(client, make, in_2020):
    h = _soe_hr(make)
    created = client.post("/api/v1/postings", json={**BODY, "for_graduates": True}, headers=h).json
    assert client.post(f"/api/v1/postings/{created['id']}/publish", headers=h).status_code == 200
    r = client.put(f"/api/v1/postings/{created['id']}", headers=h,
                   json={**BODY, "for_graduates": True, "requirements": "须在本单位实习满六个月"})
    assert r.status_code == 422 and _field(r) == "requirements"
    assert client.get(f"/api/v1/postings/{created['id']}").json["requirements"] == ""


def test_an_soe_withdrawing_an_offer_to_a_graduate_records_why_and_it_is_reported(client, db, make, in_2020):
    soe = make.org(org_type="soe")
    hr = make.user("employer", organisation=soe)
    posting = make.posting(organisation=soe, for_graduates=True)
    person = make.profile(graduation_year=2020)
    h = make.token(hr)
    app_id = client.post(f"/api/v1/postings/{posting.id}/applications", json={},
                         headers=make.token(db.get(User, person.user_id))).json["id"]
    assert client.post(f"/api/v1/applications/{app_id}/stage", json={"stage": "offer"}, headers=h).status_code == 200
    r = client.post(f"/api/v1/applications/{app_id}/stage", json={"stage": "rejected"}, headers=h)
    assert r.status_code == 422 and _field(r) == "note" and r.json["error"]["message"]["en"].startswith("R13")
    r = client.post(f"/api/v1/applications/{app_id}/stage", json={"stage": "rejected", "note": "岗位编制取消"},
                    headers=h)
    assert r.status_code == 200 and r.json["stage"] == "rejected"
    reported = db.scalars(select(AuditEntry).where(AuditEntry.action == "soe_offer_withdrawal",
                                                   AuditEntry.entity_id == app_id)).all()
    assert [(e.reason, e.after["reportable"], e.after["rule"]) for e in reported] == [("岗位编制取消", True, "R13")]


def test_other_employers_reject_an_offer_without_a_reason(client, db, make, in_2020):
    posting = make.posting(for_graduates=True)
    person = make.profile(graduation_year=2020)
    h = make.token(make.user("employer", organisation=posting.organisation))
    app_id = client.post(f"/api/v1/postings/{posting.id}/applications", json={},
                         headers=make.token(db.get(User, person.user_id))).json["id"]
    client.post(f"/api/v1/applications/{app_id}/stage", json={"stage": "offer"}, headers=h)
    assert client.post(f"/api/v1/applications/{app_id}/stage", json={"stage": "rejected"}, headers=h).status_code == 200


@pytest.mark.parametrize("text", ["须在本单位实习", "需在我公司实习三个月", "实习期满考核合格后录用", "实习合格后方可录用",
                                  "先实习后录用", "以实习为录用前提", "以在本单位实习为录用的前提条件", "須在本單位實習",
                                  "实 习 合 格 后 录 用"])
def test_the_phrase_screen_finds_a_prior_internship_condition(text):
    assert prior_internship_phrase(text)


@pytest.mark.parametrize("text", ["欢迎实习生", "提供实习机会", "有实习经历者优先", "负责实习生管理", ""])
def test_the_phrase_screen_leaves_other_mentions_of_internships(text):
    assert prior_internship_phrase(text) is None
