"""A demo that lives in the present (issue 14): on today's date, a clean demo load puts the
training set in force (labelled as such), the demo employer records an early contract today
and gets R4's full period, claims it, the demo ``caseworker`` (the employer's district)
approves it, and an R6 hire claim and the agency's R7 referral claim are made and reviewed."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from marketplace import create_app
from marketplace.cli import upgrade_database
from marketplace.core import policy_versions
from marketplace.core.models import Application, User


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    d = tmp_path_factory.mktemp("demo-present")
    app = create_app({"ENV": "testing", "INSTANCE_DIR": str(d), "SECRET_KEY": "demo-test",
                      "DATABASE_URL": f"sqlite:///{d}/demo.db"})
    upgrade_database(app)
    with app.app_context(), app.extensions["db"].unit_of_work() as s:
        result = app.extensions["demo_loader"](s, app.extensions["cipher"])
    yield app, result
    app.extensions["db"].engine.dispose()


def _token(client, username):
    r = client.post("/api/v1/auth/token", json={"username": username, "password": "demo12345"})
    assert r.status_code == 201, r.json
    return {"Authorization": f"Bearer {r.json['token']}"}


def _caseworker_checks(client, cw, application_id):
    """The caseworker checks the hire's labour contract and social insurance against the paperwork."""
    for record in ("contract", "insurance"):
        r = client.post(f"/api/v1/internships/hires/{application_id}/confirmation", headers=cw,
                        json={"record": record, "note": "核对了劳动合同原件和社保缴费记录"})
        assert r.status_code == 200, r.json


def test_the_demos_subsidy_journeys_work_on_todays_date(demo_app):
    app, result = demo_app
    client = app.test_client()
    today = dt.date.today()  # the business date is not pinned here: the real date, as a newcomer has it
    hr, cw, agency = _token(client, "employer"), _token(client, "caseworker"), _token(client, "agency")

    sets = client.get("/api/v1/policy/sets", headers=cw).json["items"]
    default = next(s for s in sets if s["city_default"])
    assert default["name"] == policy_versions.TRAINING_SET and default["training"] is True
    assert "演示/培训用，非本市现行政策" in default["label"]
    v = client.get(f"/api/v1/policy/sets/{default['name']}/versions/1", headers=cw).json
    assert v["rules"]["R4"]["window"] == {"from": f"{today.year}-01-01", "to": f"{today.year}-12-31"}

    ag_id = result["internships"]["early_contract_today"]
    r = client.post(f"/api/v1/internships/agreements/{ag_id}/outcome", json={"kind": "contract", "on": today.isoformat()},
                    headers=hr)
    assert r.status_code == 200, r.json
    assert r.json["rule"] == "R4" and r.json["entitlement"] == r.json["full_amount"]
    claim = client.post("/api/v1/internships/claims", json={"agreement_id": ag_id}, headers=hr)
    assert claim.status_code == 201, claim.json
    assert claim.json["state"] == "submitted" and claim.json["policy_set"] == policy_versions.TRAINING_SET
    assert claim.json["policy_version"] == "1"
    queue = client.get("/api/v1/internships/claims?state=submitted", headers=cw).json["items"]
    assert claim.json["id"] in [c["id"] for c in queue]
    # the unit's record of the agreement (start, period, early contract) is confirmed by someone who
    # does not benefit from it before the claim on it is approved: here the caseworker, who says what was checked
    r = client.post(f"/api/v1/internships/claims/{claim.json['id']}/approve", json={"note": "材料齐全"}, headers=cw)
    assert r.status_code == 422 and r.json["error"]["code"] == "unconfirmed_facts", r.json
    r = client.post(f"/api/v1/internships/agreements/{ag_id}/confirmation", headers=cw,
                    json={"note": "核对了见习协议原件和劳动合同"})
    assert r.status_code == 200, r.json
    r = client.post(f"/api/v1/internships/claims/{claim.json['id']}/approve", json={"note": "材料齐全"}, headers=cw)
    assert r.status_code == 200 and r.json["state"] == "approved", r.json

    hire = result["internships"]["r6_hire"]
    # the employer records the contract and declares the social insurance; the claim is built on them
    r = client.post(f"/api/v1/internships/hires/{hire}/contract", headers=hr,
                    json={"signed_on": (today - dt.timedelta(days=11)).isoformat(), "months": 24})
    assert r.status_code == 201, r.json
    r = client.post(f"/api/v1/internships/hires/{hire}/insurance", headers=hr, json={"monthly_amount": "800.00"})
    assert r.status_code == 201, r.json
    r6 = client.post("/api/v1/internships/hire-claims", headers=hr, json={"kind": "hiring_r6", "application_id": hire})
    assert r6.status_code == 201 and r6.json["rule"] == "R6", r6.json
    _caseworker_checks(client, cw, hire)
    r = client.post(f"/api/v1/internships/claims/{r6.json['id']}/approve", json={"note": "核对社保记录"}, headers=cw)
    assert r.status_code == 200 and r.json["state"] == "approved", r.json

    with app.app_context(), app.extensions["db"].unit_of_work() as s:
        staff = s.scalar(select(User).where(User.username == "agency"))
        hired = s.scalar(select(Application).where(Application.stage == "hired", Application.events.any(
            note="经机构推荐录用")))
        assert staff.organisation.district == "望花区"
        app_id = hired.id
    r7 = client.post("/api/v1/internships/hire-claims", headers=agency,
                     json={"kind": "referral_r7", "application_id": app_id})
    assert r7.status_code == 201 and r7.json["rule"] == "R7", r7.json
    _caseworker_checks(client, cw, app_id)
    r = client.post(f"/api/v1/internships/claims/{r7.json['id']}/approve", json={"note": "已核"},
                    headers=cw)
    assert r.status_code == 200 and r.json["state"] == "approved", r.json
