"""The claimant's staff are told when a caseworker rejects (with the reason), approves or
pays their subsidy claim; the caseworker and other organisations are not."""
from __future__ import annotations

from tests.internships.conftest import confirm_agreement
from tests.internships.test_claims import sign


def test_claim_states_are_told_to_the_employer(api, db, world, on_day):
    on_day("2020-06-01")
    ag = sign(api, world)
    first = api(world.hr).post("/internships/claims", {"agreement_id": ag}).json
    assert api(world.cw).post(f"/internships/claims/{first['id']}/reject",
                              {"reason": "请按实际见习天数重新申领"}).status_code == 200
    second = api(world.hr).post("/internships/claims", {"agreement_id": ag}).json
    confirm_agreement(api, db, world.profile, ag)
    assert api(world.cw).post(f"/internships/claims/{second['id']}/approve", {}).json["state"] == "approved"
    assert api(world.cw).post(f"/internships/claims/{second['id']}/pay").json["state"] == "paid"

    told = [n for n in api(world.hr).get("/notifications").json["items"] if n["kind"] == "claim_state"]
    assert [n["body"] for n in told] == [
        f"补贴申领 #{second['id']}（{second['amount']} 元）已拨付",
        f"补贴申领 #{second['id']}（{second['amount']} 元）已批准",
        f"补贴申领 #{first['id']}（{first['amount']} 元）已驳回。理由：请按实际见习天数重新申领"]
    assert all(n["title"] == "补贴申领状态更新" and n["link"] == "/employer/claims" for n in told)
    assert not [n for n in api(world.other_hr).get("/notifications").json["items"] if n["kind"] == "claim_state"]
    assert not [n for n in api(world.cw).get("/notifications").json["items"] if n["kind"] == "claim_state"]
