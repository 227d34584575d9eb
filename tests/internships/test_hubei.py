"""R15: a Hubei-origin 2020 graduate of a college in the city claims the one-time job-seeking
subsidy once (or a caseworker makes the claim for them); every fact comes from the person's
records, the engine decides, and the claim is reviewed and paid like the others."""
from __future__ import annotations

import datetime as dt

from marketplace.core.models import ProfileCategory
from tests.internships.test_pages_flow import login


def hubei_graduate(make, year=2020, hukou="湖北省武汉市", college="辽宁石油化工大学", confirmed=True, **kw):
    user = make.user("person")
    p = make.profile(user=user, education=5, graduation_year=year, hukou_place=hukou, **kw)
    p.categories.append(ProfileCategory(category="hubei_origin", detail=college,
                                        confirmed_at=dt.datetime(2020, 6, 1) if confirmed else None))
    make.s.flush()
    return user, p


def test_an_eligible_graduate_is_paid_once(api, world, make, on_day):
    on_day("2020-08-20")
    user, profile = hubei_graduate(make)
    r = api(user).post("/internships/hubei-claims")
    assert r.status_code == 201, r.json
    claim = r.json
    assert (claim["kind"], claim["state"], claim["amount"], claim["rule"]) == ("hubei_graduate", "submitted",
                                                                              "1000.00", "R15")
    assert claim["organisation"] is None and claim["person"]["profile_id"] == profile.id
    # the district's caseworker sees it in the queue, with the engine's decision beside it, and pays it
    review = api(world.cw).get(f"/internships/claims/{claim['id']}").json["review"]
    assert review["allowed"] is True and review["amount"] == "1000.00"
    assert api(world.cw_far).get(f"/internships/claims/{claim['id']}").status_code == 404
    assert api(world.cw).post(f"/internships/claims/{claim['id']}/approve", {"note": "材料齐全"}).json["state"] == "approved"
    assert api(world.cw).post(f"/internships/claims/{claim['id']}/pay").json["state"] == "paid"
    assert [c["state"] for c in api(user).get("/internships/hubei-claims").json["items"]] == ["paid"]
    export = api(world.cw).get("/internships/claims/export?format=csv").data.decode("utf-8-sig")
    assert "本人申领" in export and "湖北籍高校毕业生一次性求职创业补贴（R15）" in export
    # the second time the engine refuses it, naming the earlier grant
    again = api(user).post("/internships/hubei-claims")
    assert again.status_code == 422, again.json
    assert "已于2020-08-20领取过" in again.json["error"]["message"]["zh"]


def test_a_graduate_not_of_hubei_origin_is_refused_with_r15s_reason(api, make, on_day):
    on_day("2020-08-20")
    user, _ = hubei_graduate(make, hukou="辽宁省抚顺市")
    r = api(user).post("/internships/hubei-claims")
    assert r.status_code == 422
    assert "户籍为辽宁省（须为湖北籍）" in r.json["error"]["message"]["zh"]
    # typed Hubei household registration without a caseworker's confirmation does not count either
    user, _ = hubei_graduate(make, confirmed=False)
    r = api(user).post("/internships/hubei-claims")
    assert r.status_code == 422 and "湖北籍未经经办人确认" in r.json["error"]["message"]["zh"]


def test_a_2021_graduate_is_refused_with_r15s_reason(api, make, on_day):
    on_day("2020-08-20")
    user, _ = hubei_graduate(make, year=2021)
    r = api(user).post("/internships/hubei-claims")
    assert r.status_code == 422
    assert "2021届毕业生（须为2020届）" in r.json["error"]["message"]["zh"]


def test_a_college_outside_the_city_is_refused(api, make, on_day):
    on_day("2020-08-20")
    user, _ = hubei_graduate(make, college="武汉大学")
    r = api(user).post("/internships/hubei-claims")
    assert r.status_code == 422 and "不是驻抚院校毕业生" in r.json["error"]["message"]["zh"]


def test_a_caseworker_claims_for_a_person_of_the_district_only(api, world, make, on_day):
    on_day("2020-08-20")
    _, profile = hubei_graduate(make)
    assert api(world.cw_far).post("/internships/hubei-claims", {"profile_id": profile.id}).status_code == 404
    assert api(world.hr).post("/internships/hubei-claims", {"profile_id": profile.id}).status_code == 403
    r = api(world.cw).post("/internships/hubei-claims", {"profile_id": profile.id})
    assert r.status_code == 201 and r.json["amount"] == "1000.00"
    # a pending claim is a prior one: the person cannot claim a second time meanwhile
    assert api(world.cw).post("/internships/hubei-claims", {"profile_id": profile.id}).status_code == 422


def test_the_person_claims_on_their_subsidies_page_and_the_caseworker_on_the_queue(client, world, make, on_day):
    on_day("2020-08-20")
    user, profile = hubei_graduate(make)
    login(client, user)
    page = client.get("/me/subsidies")
    assert page.status_code == 200 and "辽宁石油化工大学" in page.text and "湖北省" in page.text
    r = client.post("/me/subsidies", follow_redirects=True)
    assert r.status_code == 200 and "1000.00" in r.text and "已提交" in r.text
    _, other = hubei_graduate(make, year=2021)
    login(client, world.cw)
    r = client.post("/caseworker/hubei-claims", data={"profile_id": str(other.id)}, follow_redirects=True)
    assert "2021届毕业生（须为2020届）" in r.text
    queue = client.get("/caseworker/claims")
    assert queue.status_code == 200 and profile.name in queue.text and "本人申领" in queue.text
