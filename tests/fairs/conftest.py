"""Fixtures of the fairs tests: a fair with two approved booths (a welding employer and an
internship base) and three people with profiles, built through the API as users would."""
from __future__ import annotations

import pytest

from marketplace import clock
from marketplace.idcodes import id_number_problem

ID_NUMBERS = ["210404199805010011", "21040419990601002X", "210404200001010037"]


def _id(n: str) -> str:
    # recompute the check digit so the ID numbers are valid
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    body = n[:17]
    check = "10X98765432"[sum(int(a) * b for a, b in zip(body, w)) % 11]
    assert id_number_problem(body + check) is None
    return body + check


@pytest.fixture
def fair_world(client, make, cipher, db):
    organiser = make.user("organiser")
    org_a = make.org(name="抚顺焊接装备有限公司")
    org_b = make.org(name="抚顺数据服务中心")
    hr_a = make.user("employer", organisation=org_a)
    hr_b = make.user("employer", organisation=org_b)
    weld = make.posting(organisation=org_a, created_by=hr_a, title="电焊工", skills=["焊接", "电焊"],
                        description="负责钢结构焊接，按图纸施工。")
    data = make.posting(organisation=org_b, created_by=hr_b, kind="internship", title="数据录入见习生",
                        skills=["Excel", "数据录入"], description="录入和核对业务数据，整理报表。", education_min=4)
    people = []
    specs = [("李焊", ["焊接", "电焊", "气割"], "电焊工", 3), ("王数", ["Excel", "数据录入", "办公软件"], "数据录入 文员", 5),
             ("赵综", ["驾驶", "搬运"], "仓库管理员", 3)]
    for (name, skills, desired, edu), idn in zip(specs, ID_NUMBERS):
        u = make.user("person")
        idn = _id(idn)
        phone = f"139{len(people):08d}"
        p = make.profile(user=u, name=name, skills=skills, desired_jobs=desired, education=edu,
                         graduation_year=2025 if edu >= 4 else None,
                         id_number_enc=cipher.encrypt(idn), id_number_hash=cipher.blind_index(idn),
                         phone_enc=cipher.encrypt(phone), phone_hash=cipher.blind_index(phone),
                         categories=("registered_unemployed",) if edu < 4 else ("graduating_year_graduate",))
        people.append({"user": u, "profile": p, "id_number": idn, "phone": phone, "h": make.token(u)})
    h_org = make.token(organiser)
    r = client.post("/api/v1/fairs", headers=h_org, json={
        "name": "抚顺市春季双选会", "mode": "both", "held_on": clock.today().isoformat(), "venue": "抚顺市人才市场一楼",
        "slots": ["09:00-09:30", "09:30-10:00", "10:00-10:30"]})
    assert r.status_code == 201, r.json
    fair = r.json
    booths = []
    for hr, post in ((hr_a, weld), (hr_b, data)):
        h = make.token(hr)
        r = client.post(f"/api/v1/fairs/{fair['id']}/booths", headers=h,
                        json={"posting_ids": [post.id], "recruiters": 1, "per_slot": 1})
        assert r.status_code == 201, r.json
        booths.append({"id": r.json["id"], "h": h, "hr": hr, "posting": post})
        r = client.post(f"/api/v1/fairs/{fair['id']}/booths/{r.json['id']}/decision", headers=h_org,
                        json={"approve": True, "place": f"A{len(booths)}"})
        assert r.status_code == 200 and r.json["status"] == "approved", r.json
    for p in people:
        assert client.post(f"/api/v1/fairs/{fair['id']}/registration", headers=p["h"]).status_code == 201
    return {"fair": fair, "organiser": organiser, "h_org": h_org, "booths": booths, "people": people}


def token_of(client, fair_id, person) -> str:
    r = client.get(f"/api/v1/fairs/{fair_id}/registration", headers=person["h"])
    assert r.status_code == 200, r.json
    return r.json["token"]
