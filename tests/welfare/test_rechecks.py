"""A correction of a record a public-welfare placement was decided on decides it again
(``welfare.rechecks``): the placement is marked for the caseworker's review with the
engine's reason, not ended; the caseworker keeps it (with the reason) or ends it; a later
correction that restores the facts clears the mark. Everything is audited."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from marketplace import clock
from marketplace.core import profiles
from marketplace.core.models import AuditEntry
from marketplace.core.schemas import CategoryIn, ProfileIn
from marketplace.welfare import corrections, placements, referrals
from marketplace.welfare.models import HardToEmployStatus, Placement
from marketplace.welfare.schemas import HardToEmployCorrectionIn
from tests.welfare.helpers import category, registered
from tests.welfare.test_corrections import login

D = dt.timedelta


def _api(client, make):
    class Caller:
        def __init__(self, user):
            self.h = make.token(user)

        def get(self, url):
            return client.get("/api/v1" + url, headers=self.h)

        def post(self, url, json):
            return client.post("/api/v1" + url, headers=self.h, json=json)

    return Caller


def _actions(db, pl_id):
    return [a.action for a in db.scalars(select(AuditEntry).where(AuditEntry.entity == "placement",
                                                                  AuditEntry.entity_id == pl_id).order_by(AuditEntry.id))]


def _placed_hard_to_employ(db, make, cw, today):
    """Registered and granted hard-to-employ 60 days ago, placed 30 days ago."""
    p, reg = registered(db, make, cw, today - D(60), name="孙安置")
    post = make.posting(kind="public_welfare", term_months=12, temporary=False, title="社区保洁")
    pl = placements.place(db, cw, post.id, p.id, fund="employment_subsidy_fund", today=today - D(30))
    status = db.scalar(select(HardToEmployStatus).where(HardToEmployStatus.profile_id == p.id))
    db.commit()
    return p, pl, status


def test_a_status_corrected_to_after_the_placement_marks_it_for_review_until_the_caseworker_decides(
        client, db, make):
    cw = make.user("caseworker", district="望花区")
    today = clock.today()
    p, pl, status = _placed_hard_to_employ(db, make, cw, today)
    login(client, cw)

    # the status was in fact granted 10 days ago: on the placement's first day it did not hold
    r = client.post(f"/welfare/hard-to-employ/{status.id}/correct", data={
        "granted_on": (today - D(10)).isoformat(), "note": "认定证明 2020-001", "revoked_on": "",
        "revoked_reason": "", "reason": "认定日期录入有误"})
    assert r.status_code == 302
    db.expire_all()
    review = db.get(Placement, pl.id).review
    assert review["record"] == f"hard_to_employ#{status.id}" and review["since"] == today.isoformat()
    assert f"就业困难人员认定#{status.id}更正后" in review["zh"] and "不在就业困难人员认定有效期内" in review["zh"]
    assert db.get(Placement, pl.id).ended_on is None  # not ended by a correction
    assert _actions(db, pl.id) == ["create", "needs_review"]
    page = client.get(f"/caseworker/people/{p.id}").text
    assert 'data-test="placement-review"' in page and "不在就业困难人员认定有效期内" in page
    desk = client.get("/welfare/desk").text
    assert 'data-test="to-review"' in desk and "社区保洁" in desk

    # the date is corrected back: the mark goes, audited
    r = client.post(f"/welfare/hard-to-employ/{status.id}/correct", data={
        "granted_on": (today - D(60)).isoformat(), "note": "认定证明 2020-001", "revoked_on": "",
        "revoked_reason": "", "reason": "核对原件，原日期无误"})
    db.expire_all()
    assert db.get(Placement, pl.id).review == {} and _actions(db, pl.id)[-1] == "review_cleared"

    # revoked before the first day: marked again; the caseworker keeps the placement, with the reason
    client.post(f"/welfare/hard-to-employ/{status.id}/correct", data={
        "granted_on": (today - D(60)).isoformat(), "note": "认定证明 2020-001",
        "revoked_on": (today - D(40)).isoformat(), "revoked_reason": "已就业", "reason": "补录终止日期"})
    db.expire_all()
    assert "终止于" in db.get(Placement, pl.id).review["zh"]
    r = client.post(f"/welfare/placements/{pl.id}/keep", data={"reason": ""}, follow_redirects=True)
    assert "请填写原因" in r.text
    db.expire_all()
    assert db.get(Placement, pl.id).review  # refused: nothing changed
    r = client.post(f"/welfare/placements/{pl.id}/keep", data={"reason": "上岗时另有就业困难认定材料，已复核"},
                    follow_redirects=True)
    assert "已保留该安置，复核意见已记录。" in r.text and 'data-test="placement-review"' not in r.text
    db.expire_all()
    assert db.get(Placement, pl.id).review == {}
    kept = db.scalar(select(AuditEntry).where(AuditEntry.entity == "placement", AuditEntry.entity_id == pl.id,
                                              AuditEntry.action == "review_kept"))
    assert kept.actor_id == cw.id and kept.reason == "上岗时另有就业困难认定材料，已复核" and "终止于" in kept.before["zh"]


def _placed_veteran(db, make, cw, start, name):
    """R8 by reference: a retired soldier registered unemployed 420 days before ``start``, two
    referrals not hired, placed on ``start``."""
    p, reg = registered(db, make, cw, start, registered_on=start - D(420), hte=False, name=name)
    category(p, "veteran", "自主就业退役士兵")
    for n in range(2):
        job = make.posting(open_on=None, close_on=None, title=f"介绍岗位{n}")
        ref = referrals.refer(db, cw, p.id, job.id, today=start - D(100 - n))
        referrals.record_outcome(db, cw, ref.id, "not_hired", today=start - D(90 - n))
    post = make.posting(kind="public_welfare", term_months=12, temporary=False, title=f"公园巡查{name}")
    return p, reg, placements.place(db, cw, post.id, p.id, fund="employment_subsidy_fund", today=start)


def test_a_registration_date_moved_later_refuses_r8_by_reference_and_the_api_lists_it(client, db, make):
    """R8 by reference: a retired soldier, registered unemployed for over 12 months with two
    failed referrals. The registration date is corrected to 200 days before the placement:
    the 12 months no longer hold on its first day."""
    api = _api(client, make)
    cw = make.user("caseworker", district="望花区")
    far = make.user("caseworker", district="新抚区")
    today = clock.today()
    start = today - D(10)
    p, reg, pl = _placed_veteran(db, make, cw, start, "钱退役")
    r8 = next(d for d in pl.decisions if d["rule"] == "R8")
    assert r8["allowed"] and any(f"失业登记#{reg.id}" in (c.get("record") or "") for c in r8["conditions"])
    db.commit()

    body = {"registered_on": (start - D(200)).isoformat(), "ended_on": reg.ended_on.isoformat(),
            "end_reason": reg.end_reason, "flexible_or_self_employed": False, "reason": "登记日期录入有误"}
    r = api(cw).post(f"/welfare/registrations/{reg.id}/correct", body)
    assert r.status_code == 200, r.json
    listed = api(cw).get("/welfare/placements/awaiting-review").json["items"]
    assert [i["id"] for i in listed] == [pl.id]
    assert "不满12个月" in listed[0]["review"]["zh"] and listed[0]["review"]["record"] == f"registration#{reg.id}"
    assert api(far).get("/welfare/placements/awaiting-review").json["items"] == []  # another district's desk
    assert api(far).post(f"/welfare/placements/{pl.id}/keep", {"reason": "x"}).status_code == 404
    r = api(cw).post(f"/welfare/placements/{pl.id}/keep", {"reason": " "})
    assert r.status_code == 422 and r.json["error"]["field"] == "reason"

    # ending the placement answers the review too
    r = api(cw).post(f"/welfare/placements/{pl.id}/end", {"reason": "other", "ended_on": today.isoformat()})
    assert r.status_code == 200 and r.json["review"] is None, r.json
    assert api(cw).get("/welfare/placements/awaiting-review").json["items"] == []
    assert api(cw).post(f"/welfare/placements/{pl.id}/keep", {"reason": "x"}).status_code == 409


def test_a_correction_that_leaves_r8_standing_marks_nothing(db, make):
    cw = make.user("caseworker", district="望花区")
    today = clock.today()
    _p, pl, status = _placed_hard_to_employ(db, make, cw, today)
    corrections.correct_hte(db, cw, status.id, HardToEmployCorrectionIn(
        granted_on=today - D(45), note="认定证明 2020-001", reason="日期更正"))  # still before the first day
    assert db.get(Placement, pl.id).review == {} and _actions(db, pl.id) == ["create"]


def _profile_in(p, categories):
    return ProfileIn(name=p.name, gender=p.gender, birth_on=p.birth_on, district=p.district, education=p.education,
                     skills=list(p.skills), categories=[CategoryIn(category=c, detail=d) for c, d in categories])


def test_a_reference_category_withdrawn_marks_the_placement_and_its_return_clears_it(app, db, make):
    """R8 by reference rests on a confirmed category (here a retired soldier's). A caseworker's
    correction of the profile that removes it marks the running placement for review; the
    category put back (a caseworker's edit confirms it) clears the mark. Audited both ways."""
    cw = make.user("caseworker", district="望花区")
    start = clock.today() - D(10)
    p, _reg, pl = _placed_veteran(db, make, cw, start, "李退役")
    cipher = app.extensions["cipher"]

    profiles.caseworker_save_profile(db, cipher, cw, p.id, _profile_in(p, []), reason="退役证明核实有误")
    assert pl.review["record"] == "categories" and "不属于退役军人" in pl.review["zh"]
    assert _actions(db, pl.id)[-1] == "needs_review"
    profiles.caseworker_save_profile(db, cipher, cw, p.id, _profile_in(p, [("veteran", "自主就业退役士兵")]),
                                     reason="补交退役证，已核实")
    assert pl.review == {} and _actions(db, pl.id)[-2:] == ["needs_review", "review_cleared"]
    # an edit that leaves the confirmed categories as they were re-checks nothing
    profiles.caseworker_save_profile(db, cipher, cw, p.id, _profile_in(p, [("veteran", "自主就业退役士兵")]),
                                     reason="更正技能")
    assert _actions(db, pl.id)[-1] == "review_cleared"
