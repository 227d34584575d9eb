"""Finding 8 of issue 13: the ID-number existence oracle. ``PUT /api/v1/profiles/me`` with
someone else's ID number answered 409 "已登记在另一份档案中", unthrottled: 20 guesses on one
birth date found a real person. Now the person typing is told nothing (the same answer as
for a number nobody holds), a caseworker of their district sees the duplicate and resolves
it, and ID-number changes are limited per account."""
from __future__ import annotations

from sqlalchemy import select

from marketplace.core.models import AuditEntry, IdNumberDuplicate, Profile
from marketplace.idcodes import id_number_problem
from tests.web.test_foundation_api import profile_body
from tests.web.test_pages import login


def _id(birth: str, seq: int) -> str:
    """A valid ID number for the birth date ``YYYYMMDD`` (the check digit computed)."""
    body = f"210402{birth}{seq:03d}"
    for last in "0123456789X":
        if not id_number_problem(body + last):
            return body + last
    raise AssertionError(body)


def _put(client, headers, number, birth_on="1990-01-01", **kw):
    return client.put("/api/v1/profiles/me", headers=headers, json=profile_body(id_number=number, birth_on=birth_on, **kw))


def _comparable(r) -> dict:
    d = dict(r.json)
    for k in ("id", "name"):
        d.pop(k, None)
    return d


def test_a_registered_id_number_gets_the_same_answer_as_a_fresh_one(client, db, make):
    owner, prober, honest = make.user("person"), make.user("person"), make.user("person")
    taken, fresh = _id("19900101", 123), _id("19900101", 456)
    assert _put(client, make.token(owner), taken).status_code == 200

    probe = _put(client, make.token(prober), taken)
    control = _put(client, make.token(honest), fresh)
    assert probe.status_code == control.status_code == 200
    assert _comparable(probe).keys() == _comparable(control).keys()
    assert probe.json["id_number_masked"].endswith(taken[-4:])
    assert "已登记" not in probe.get_data(as_text=True)
    # reading the profile back tells nothing either
    again = client.get("/api/v1/profiles/me", headers=make.token(prober))
    assert again.status_code == 200 and again.json["id_number_masked"] == probe.json["id_number_masked"]

    # the owner keeps the number; the prober's profile does not take its lookup hash
    holder = db.scalar(select(Profile).where(Profile.user_id == owner.id))
    typist = db.scalar(select(Profile).where(Profile.user_id == prober.id))
    assert holder.id_number_hash is not None and typist.id_number_hash is None
    dup = db.scalar(select(IdNumberDuplicate).where(IdNumberDuplicate.profile_id == typist.id))
    assert dup.holder_profile_id == holder.id and dup.resolution is None


def test_the_profile_page_tells_nothing_either(client, db, make):
    owner, prober = make.user("person"), make.user("person")
    taken = _id("19900101", 123)
    assert _put(client, make.token(owner), taken).status_code == 200
    login(client, prober)
    r = client.post("/me/profile", data={"name": "王芳", "gender": "女", "birth_on": "1990-01-01",
                                         "district": "望花区", "education": "4", "id_number": taken})
    assert r.status_code == 302 and r.headers["Location"].endswith("/me/profile")
    assert "已登记" not in client.get("/me/profile").text


def test_the_caseworker_of_the_district_sees_the_duplicate_and_resolves_it(client, db, make, cipher):
    owner, prober = make.user("person"), make.user("person")
    taken = _id("19900101", 123)
    _put(client, make.token(owner), taken, district="顺城区")
    _put(client, make.token(prober), taken, district="望花区")
    cw, other_cw = make.user("caseworker", district="望花区"), make.user("caseworker", district="新抚区")

    r = client.get("/api/v1/caseworker/id-duplicates", headers=make.token(cw))
    assert r.status_code == 200 and r.json["total"] == 1
    item = r.json["items"][0]
    assert item["profile"]["district"] == "望花区" and item["holder"]["district"] == "顺城区"
    assert item["holder"]["name"] is None  # another district's person: only where they are
    assert client.get("/api/v1/caseworker/id-duplicates", headers=make.token(other_cw)).json["total"] == 0
    login(client, cw)
    page = client.get("/caseworker/id-duplicates").text
    assert item["profile"]["id_number_masked"] in page and "顺城区" in page

    other = make.token(other_cw)
    assert client.post(f"/api/v1/caseworker/id-duplicates/{item['id']}/resolve", headers=other,
                       json={"resolution": "kept_holder", "note": "看过"}).status_code == 404
    r = client.post(f"/api/v1/caseworker/id-duplicates/{item['id']}/resolve", headers=make.token(cw),
                    json={"resolution": "moved_to_profile", "note": "本人持身份证原件到窗口核实"})
    assert r.status_code == 200 and r.json["resolution"] == "moved_to_profile"
    holder = db.scalar(select(Profile).where(Profile.user_id == owner.id))
    typist = db.scalar(select(Profile).where(Profile.user_id == prober.id))
    db.refresh(holder)
    db.refresh(typist)
    assert holder.id_number_enc is None and holder.id_number_hash is None
    assert cipher.decrypt(typist.id_number_enc) == taken and typist.id_number_hash == cipher.blind_index(taken)
    assert db.scalar(select(AuditEntry).where(AuditEntry.entity == "id_number_duplicate",
                                              AuditEntry.entity_id == item["id"])).reason == "本人持身份证原件到窗口核实"
    assert client.get("/api/v1/caseworker/id-duplicates", headers=make.token(cw)).json["total"] == 0


def test_keeping_the_holder_clears_the_typed_number(client, db, make):
    owner, prober = make.user("person"), make.user("person")
    taken = _id("19900101", 123)
    _put(client, make.token(owner), taken)
    _put(client, make.token(prober), taken)
    cw = make.user("caseworker", district="望花区")
    login(client, cw)
    dup = client.get("/api/v1/caseworker/id-duplicates", headers=make.token(cw)).json["items"][0]
    r = client.post(f"/caseworker/id-duplicates/{dup['id']}", data={"resolution": "kept_holder", "note": "电话核实"})
    assert r.status_code == 302
    typist = db.scalar(select(Profile).where(Profile.user_id == prober.id))
    db.refresh(typist)
    assert typist.id_number_enc is None
    assert db.scalar(select(Profile).where(Profile.user_id == owner.id)).id_number_hash is not None


def test_id_number_changes_are_limited_per_account_alike_for_taken_and_fresh_numbers(client, db, make):
    owner, prober = make.user("person"), make.user("person")
    _put(client, make.token(owner), _id("19900101", 100))
    h = make.token(prober)
    said = [_put(client, h, _id("19900101", 100 + n)).status_code for n in range(5)]
    assert said == [200, 200, 200, 429, 429]
    r = _put(client, h, _id("19900101", 200))
    assert r.status_code == 429 and r.json["error"]["field"] == "id_number"
    # the same number again is no change, and the rest of the profile still saves
    assert _put(client, h, _id("19900101", 102), summary="会电焊").status_code == 200


def test_typing_another_number_withdraws_the_duplicate(client, db, make):
    owner, prober = make.user("person"), make.user("person")
    taken = _id("19900101", 123)
    _put(client, make.token(owner), taken)
    h = make.token(prober)
    _put(client, h, taken)
    _put(client, h, _id("19900101", 777))
    typist = db.scalar(select(Profile).where(Profile.user_id == prober.id))
    assert typist.id_number_hash is not None
    dup = db.scalar(select(IdNumberDuplicate).where(IdNumberDuplicate.profile_id == typist.id))
    assert dup.resolution == "withdrawn"


def test_a_caseworker_at_the_desk_is_still_told(client, make):
    owner = make.user("person")
    taken = _id("19900101", 123)
    _put(client, make.token(owner), taken)
    cw = make.user("caseworker", district="望花区")
    r = client.post("/api/v1/profiles", headers=make.token(cw),
                    json=profile_body(id_number=taken, birth_on="1990-01-01", name="赵六"))
    assert r.status_code == 409 and r.json["error"]["field"] == "id_number"
