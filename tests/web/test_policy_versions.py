"""Policy sets kept in the app (issue 14): the API lists sets and versions, copies a
version into a draft, edits it with the file loader's validation (a bad value names the
rule and field and saves nothing), previews, activates from a date, retires, and chooses
the city's set; the calculator answers with the city's set in force when a case names none."""
from __future__ import annotations

import datetime as dt

import pytest

from marketplace import policies
from marketplace.core.models import AuditEntry

R2 = {"monthly_rate": "1500.00", "min_period_months": 3, "max_period_months": 12}


@pytest.fixture
def admin(make):
    return make.token(make.user("admin"))


@pytest.fixture
def day(app):
    extra = app.config["MARKETPLACE"].extra
    saved = dict(extra)
    extra["TODAY"] = "2020-06-01"
    yield
    extra.clear()
    extra.update(saved)


def _draft(client, admin, name="fushun-2020", from_version=1):
    r = client.post(f"/api/v1/policy/sets/{name}/versions", json={"from_version": from_version}, headers=admin)
    assert r.status_code == 201, r.json
    return r.json["version"]


def test_the_seeded_sets_are_listed_with_the_city_default_and_the_version_in_force(client, make, day):
    r = client.get("/api/v1/policy/sets", headers=make.token(make.user("caseworker")))
    assert r.status_code == 200
    sets = {s["name"]: s for s in r.json["items"]}
    assert sets["fushun-2020"]["city_default"] is True and sets["fushun-2020-any-early"]["city_default"] is False
    v1 = sets["fushun-2020"]["versions"][0]
    assert (v1["version"], v1["status"], v1["in_force"], v1["effective_from"]) == (1, "effective", True, "2000-01-01")


def test_one_version_shows_every_parameter_with_each_rules_window(client, admin, day):
    r = client.get("/api/v1/policy/sets/fushun-2020/versions/1", headers=admin)
    assert r.status_code == 200
    assert r.json["rules"]["R4"]["window"] == {"from": "2020-01-01", "to": "2020-12-31"}
    assert r.json["rules"]["R2"]["monthly_rate"] == "1500.00"
    assert client.get("/api/v1/policy/sets/fushun-2020/versions/99", headers=admin).status_code == 404


def test_a_draft_is_edited_previewed_activated_and_then_judges_events_from_its_date(client, admin, db, day):
    n = _draft(client, admin)
    assert n == 2
    r = client.put(f"/api/v1/policy/sets/fushun-2020/versions/{n}", json={"rules": {"R2": dict(R2, monthly_rate="1800.00")}},
                   headers=admin)
    assert r.status_code == 200 and r.json["status"] == "draft" and r.json["rules"]["R2"]["monthly_rate"] == "1800.00"
    p = client.post(f"/api/v1/policy/sets/fushun-2020/versions/{n}/preview", json={"effective_from": "2020-06-02"},
                    headers=admin)
    assert p.status_code == 200, p.json
    assert {"field": "rules.R2.monthly_rate", "current": "1500.00", "candidate": "1800.00"} in p.json["parameters"]
    finished = next(c for c in p.json["calculator"] if c["case"] == "finished")
    assert (finished["current"]["entitlement"], finished["candidate"]["entitlement"], finished["changed"]) == (
        "9000.00", "10800.00", True)
    r = client.post(f"/api/v1/policy/sets/fushun-2020/versions/{n}/activate", json={"effective_from": "2020-06-02"},
                    headers=admin)
    assert r.status_code == 200 and r.json["status"] == "effective" and r.json["in_force"] is False
    assert policies.in_force(dt.date(2020, 6, 1), db).rule("R2").monthly_rate == 1500
    assert policies.in_force(dt.date(2020, 6, 2), db).rule("R2").monthly_rate == 1800
    assert policies.in_force(dt.date(2020, 6, 2), db).version == "2"
    # immutable once effective
    r = client.put(f"/api/v1/policy/sets/fushun-2020/versions/{n}", json={"rules": {"R2": R2}}, headers=admin)
    assert r.status_code == 409
    listed = {s["name"]: s for s in client.get("/api/v1/policy/sets?on=2020-07-01", headers=admin).json["items"]}
    versions = listed["fushun-2020"]["versions"]
    assert [(v["version"], v["in_force"], v["effective_to"]) for v in versions] == [
        (1, False, "2020-06-01"), (2, True, None)]
    actions = {(e.entity, e.action) for e in db.query(AuditEntry).filter(AuditEntry.entity == "policy_version")}
    assert {("policy_version", "create"), ("policy_version", "edit"), ("policy_version", "activate")} <= actions


@pytest.mark.parametrize("rules, field", [
    ({"R4": {"window": {"from": "2020-12-31", "to": "2020-01-01"}, "threshold": {"numerator": 1, "denominator": 3},
             "below_threshold": "full_period", "otherwise": "served", "retention_uplift": None}}, "rules.R4.window"),
    ({"R2": dict(R2, monthly_rate="-5.00")}, "rules.R2.monthly_rate"),
    ({"R99": {"amount": "1.00"}}, "rules.R99"),
    ({"R2": dict(R2, montly_rate="1.00")}, "rules.R2.montly_rate"),
])
def test_a_bad_edit_is_refused_naming_the_rule_and_field_and_nothing_is_saved(client, admin, rules, field, day):
    n = _draft(client, admin)
    r = client.put(f"/api/v1/policy/sets/fushun-2020/versions/{n}", json={"rules": rules}, headers=admin)
    assert r.status_code == 422, r.json
    assert r.json["error"]["field"] == field
    kept = client.get(f"/api/v1/policy/sets/fushun-2020/versions/{n}", headers=admin).json
    assert kept["rules"]["R2"] == R2 and "R99" not in kept["rules"]
    assert kept["rules"]["R4"]["window"] == {"from": "2020-01-01", "to": "2020-12-31"}


def test_activating_from_a_past_date_needs_a_justification(client, admin, day):
    n = _draft(client, admin)
    r = client.post(f"/api/v1/policy/sets/fushun-2020/versions/{n}/activate", json={"effective_from": "2020-05-01"},
                    headers=admin)
    assert r.status_code == 422 and r.json["error"]["field"] == "justification"
    assert client.get(f"/api/v1/policy/sets/fushun-2020/versions/{n}", headers=admin).json["status"] == "draft"
    r = client.post(f"/api/v1/policy/sets/fushun-2020/versions/{n}/activate",
                    json={"effective_from": "2020-05-01", "justification": "补贴标准录入错误，更正"}, headers=admin)
    assert r.status_code == 200 and r.json["justification"] == "补贴标准录入错误，更正"


def test_retire_a_draft_and_refuse_to_leave_a_set_without_a_version(client, admin, day):
    n = _draft(client, admin)
    r = client.post(f"/api/v1/policy/sets/fushun-2020/versions/{n}/retire", headers=admin)
    assert r.status_code == 200 and r.json["status"] == "retired" and r.json["in_force"] is False
    r = client.post("/api/v1/policy/sets/fushun-2020/versions/1/retire", headers=admin)
    assert r.status_code == 409


def test_the_city_default_is_chosen_by_the_admin_and_decides_the_calculator(client, admin, make, day):
    case = {"start": "2020-03-01", "period_months": 6, "outcome": {"kind": "contract", "date": "2020-05-01"}}
    r = client.post("/api/v1/policy/internship-subsidy", json=case)
    assert r.status_code == 200 and r.json["policy_set"] == {"name": "fushun-2020", "version": "1"}
    assert r.json["rule"] == "R2"
    assert client.post("/api/v1/policy/city-default", json={"name": "fushun-2020-any-early"},
                       headers=make.token(make.user("caseworker"))).status_code == 403
    r = client.post("/api/v1/policy/city-default", json={"name": "fushun-2020-any-early"}, headers=admin)
    assert r.status_code == 200
    r = client.post("/api/v1/policy/internship-subsidy", json=case)
    assert r.json["policy_set"]["name"] == "fushun-2020-any-early" and r.json["rule"] == "R4"
    assert client.post("/api/v1/policy/city-default", json={"name": "nowhere"}, headers=admin).status_code == 404


def test_only_the_admin_changes_versions(client, make, day):
    cw = make.token(make.user("caseworker"))
    assert client.post("/api/v1/policy/sets/fushun-2020/versions", json={"from_version": 1},
                       headers=cw).status_code == 403
