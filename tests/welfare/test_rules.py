"""The welfare area's rules through its services: registration and deregistration,
R8 status with its ground, referrals, the R9 queue (retirement table around 2025),
R10 limits, term, extension, funding and quota, R12 follow-ups."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace import clock, policies
from marketplace.core import applications
from marketplace.core.models import Application
from marketplace.errors import Conflict, Forbidden, NotEligible, NotFound, ValidationFailed
from marketplace.welfare import dashboard, followups, hard_to_employ, placements, referrals, registrations
from marketplace.welfare.models import FollowUp, HardToEmployStatus, Placement, Registration
from marketplace.welfare.tasks import create_follow_ups
from tests.welfare.helpers import D, category, policy_with, registered


def count(db, model, *where):
    return db.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def cw(make):
    return make.user("caseworker", district="望花区")


# ------------------------------------------------------------------ registration

def test_online_registration_is_dated_today_unconfirmed_and_mirrored_in_the_category(db, make):
    person = make.user("person")
    p = make.profile(user=person)
    today = D(2024, 3, 10)
    reg = registrations.register(db, person, basis="residence", district="望花区", today=today)
    assert (reg.channel, reg.registered_on, reg.confirmed_at) == ("online", today, None)
    row = next(c for c in p.categories if c.category == "registered_unemployed")
    assert row.since_on == today and row.confirmed_at is None
    assert count(db, FollowUp, FollowUp.registration_id == reg.id, FollowUp.month == "2024-03") == 1
    with pytest.raises(Conflict):
        registrations.register(db, person, basis="residence", district="望花区", today=today)


def test_online_registration_cannot_be_backdated_nor_elsewhere(db, make):
    person = make.user("person")
    make.profile(user=person, hukou_place="辽宁省抚顺市新抚区")
    with pytest.raises(ValidationFailed) as e:
        registrations.register(db, person, basis="residence", district="望花区", registered_on=D(2024, 1, 1),
                         today=D(2024, 3, 10))
    assert e.value.field == "registered_on"
    with pytest.raises(ValidationFailed) as e:
        registrations.register(db, person, basis="residence", district="新抚区", today=D(2024, 3, 10))
    assert e.value.field == "district"
    reg = registrations.register(db, person, basis="hukou", district="新抚区", today=D(2024, 3, 10))
    assert reg.district == "新抚区"


def test_desk_registration_rules(db, make, cw):
    woman = make.profile(gender="女", birth_on=D(1980, 1, 1))
    with pytest.raises(ValidationFailed) as e:
        registrations.register(db, cw, profile_id=woman.id, basis="residence", district="望花区", today=D(2024, 3, 1))
    assert e.value.field == "original_retirement_age"
    child = make.profile(birth_on=D(2010, 1, 1))
    with pytest.raises(NotEligible, match="working age"):
        registrations.register(db, cw, profile_id=child.id, basis="residence", district="望花区", today=D(2024, 3, 1))
    retired = make.profile(birth_on=D(1964, 1, 1))
    with pytest.raises(NotEligible, match="R11"):
        registrations.register(db, cw, profile_id=retired.id, basis="residence", district="望花区", today=D(2024, 3, 1))
    other = make.profile(district="新抚区")
    with pytest.raises(NotFound):
        registrations.register(db, cw, profile_id=other.id, basis="residence", district="新抚区", today=D(2024, 3, 1))
    assert count(db, Registration) == 0
    reg = registrations.register(db, cw, profile_id=woman.id, basis="residence", district="望花区", registered_on=D(2023, 1, 5),
                           original_retirement_age=50, today=D(2024, 3, 1))
    assert reg.channel == "desk" and reg.confirmed_by_id == cw.id and reg.registered_on == D(2023, 1, 5)


def test_a_hire_in_the_system_deregisters_with_the_reason(db, make, cw):
    person = make.user("person")
    p = make.profile(user=person)
    reg = registrations.register(db, cw, profile_id=p.id, basis="residence", district="望花区")
    posting = make.posting()
    app = Application(posting_id=posting.id, profile_id=p.id, stage="offer")
    db.add(app)
    db.flush()
    hr = make.user("employer", organisation=posting.organisation)
    applications.move_stage(db, hr, app.id, "hired")
    db.refresh(reg)
    assert reg.ended_on == clock.today() and reg.end_reason == "hired_in_system"
    assert f"application #{app.id}" in reg.end_note
    assert not p.has_category("registered_unemployed")


def test_caseworker_deregisters_with_reason_and_history_is_kept(db, make, cw):
    p, reg = registered(db, make, cw, D(2024, 3, 1), hte=False)
    with pytest.raises(ValidationFailed):
        registrations.end_registration(db, cw, reg.id, "because", today=D(2024, 4, 1))
    registrations.end_registration(db, cw, reg.id, "self_employed", "开了网店", today=D(2024, 4, 1))
    assert reg.ended_on == D(2024, 4, 1) and not p.has_category("registered_unemployed")
    again = registrations.register(db, cw, profile_id=p.id, basis="residence", district="望花区", today=D(2024, 6, 1))
    assert count(db, Registration, Registration.profile_id == p.id) == 2 and again.ended_on is None


# ------------------------------------------------------------------ R8 and referrals

def veteran_case(db, make, cw, referrals_not_hired=2, refused=0):
    p = make.profile(name="赵老兵")
    category(p, "veteran", detail="自主就业退役士兵")
    db.flush()
    registrations.register(db, cw, profile_id=p.id, basis="residence", district="望花区", registered_on=D(2019, 3, 1),
                     today=D(2019, 3, 1))
    for i in range(referrals_not_hired + refused):
        post = make.posting(title=f"岗位{i}", open_on=None, close_on=None)
        ref = referrals.refer(db, cw, p.id, post.id, "适合其身体状况", today=D(2019, 5, 1))
        referrals.record_outcome(db, cw, ref.id, "not_hired" if i < referrals_not_hired else "refused",
                               today=D(2019, 6, 1))
    return p


def test_r8_reference_veteran_with_two_failed_referrals_shows_its_ground(db, make, cw):
    p = veteran_case(db, make, cw)
    d = hard_to_employ.evaluate_hte(db, cw, p.id, today=D(2020, 3, 1))
    assert d.allowed, d.reason_en
    conds = {c.code: c for c in d.conditions}
    assert "职业介绍#" in conds["failed_referrals"].record and "退役军人" in conds["category"].record
    status = hard_to_employ.grant_hte(db, cw, p.id, "reference", today=D(2020, 3, 1))
    assert status.confirmed_by_id == cw.id and status.category == "veteran_soldier_self_employed"
    assert status.ground["allowed"] and len(status.ground["conditions"]) == 5


def test_r8_refused_before_a_year_and_refusals_do_not_count(db, make, cw):
    p = veteran_case(db, make, cw, referrals_not_hired=1, refused=1)
    d = hard_to_employ.evaluate_hte(db, cw, p.id, today=D(2020, 3, 1))
    assert not d.allowed and [c.code for c in d.failed()] == ["failed_referrals"]
    assert not hard_to_employ.evaluate_hte(db, cw, p.id, today=D(2020, 2, 28)).allowed  # < 1 year since 2019-03-01
    with pytest.raises(NotEligible) as e:
        hard_to_employ.grant_hte(db, cw, p.id, "reference", today=D(2020, 3, 1))
    assert e.value.details and "R8" in e.value.message_en
    assert count(db, HardToEmployStatus) == 0


def test_registered_status_needs_its_ground_and_shows_who(db, make, cw):
    p = make.profile()
    with pytest.raises(ValidationFailed):
        hard_to_employ.grant_hte(db, cw, p.id, "registered", note=" ")
    s = hard_to_employ.grant_hte(db, cw, p.id, "registered", note="认定证明 2020-007", today=D(2020, 1, 2))
    assert s.ground["conditions"][0]["record"].endswith("认定证明 2020-007")
    assert hard_to_employ.hte_to_dict(s)["confirmed_by"]["id"] == cw.id


def test_referral_outcomes_once_and_hired_deregisters(db, make, cw):
    p, reg = registered(db, make, cw, D(2024, 3, 1), hte=False)
    post = make.posting(open_on=None, close_on=None)
    ref = referrals.refer(db, cw, p.id, post.id, today=D(2024, 3, 2))
    with pytest.raises(Conflict):
        referrals.refer(db, cw, p.id, post.id, today=D(2024, 3, 2))
    with pytest.raises(ValidationFailed):
        referrals.record_outcome(db, cw, ref.id, "hired", on=D(2024, 3, 1), today=D(2024, 3, 5))
    referrals.record_outcome(db, cw, ref.id, "hired", today=D(2024, 3, 5))
    assert reg.ended_on == D(2024, 3, 5) and reg.end_reason == "hired_in_system"
    with pytest.raises(Conflict):
        referrals.record_outcome(db, cw, ref.id, "not_hired", today=D(2024, 3, 5))


# ------------------------------------------------------------------ R9 queue

def test_queue_tier_one_before_higher_scoring_tier_two_then_score_then_registration(db, make, cw):
    today = D(2024, 6, 1)
    post = make.posting(kind="public_welfare", skills=["保洁", "绿化"], term_months=6)
    high, _ = registered(db, make, cw, today, name="高分", skills=("保洁", "绿化"), registered_on=D(2023, 1, 1))
    zero, _ = registered(db, make, cw, today, name="零就业", skills=(), categories=("zero_employment_family",),
                         registered_on=D(2024, 1, 1))
    early, _ = registered(db, make, cw, today, name="早登记", skills=("保洁",), registered_on=D(2022, 1, 1))
    late, _ = registered(db, make, cw, today, name="晚登记", skills=("保洁",), registered_on=D(2023, 6, 1))
    plain, _ = registered(db, make, cw, today, name="未认定", hte=False)
    _, queue, refused = placements.placement_queue(db, cw, post.id, today=today)
    assert [e.profile.name for e in queue] == ["零就业", "高分", "早登记", "晚登记"]
    assert [e.tier for e in queue] == [1, 2, 2, 2]
    assert "零就业家庭" in queue[0].reason_zh and "first" in queue[0].reason_en
    assert "lower priority tier" in queue[1].reason_en
    assert "lower match score" in queue[2].reason_en and "registered later" in queue[3].reason_en
    assert [r.profile.name for r in refused] == ["未认定"] and "R8" in refused[0].reason_en


def test_queue_uses_the_retirement_law_in_force_around_2025(db, make, cw):
    post = make.posting(kind="public_welfare", skills=["保洁"])
    born_1969_12, _ = registered(db, make, cw, D(2024, 12, 1), name="六九年十二月生", birth=D(1969, 12, 15),
                                 skills=("保洁",))
    first_cohort, _ = registered(db, make, cw, D(2024, 12, 1), name="六五年一月生", birth=D(1965, 1, 20),
                                 skills=())
    woman, _ = registered(db, make, cw, D(2024, 12, 1), name="七五年一月生", gender="女", birth=D(1975, 1, 10),
                          original_age=50, skills=())

    def tiers(on):
        _, queue, refused = placements.placement_queue(db, cw, post.id, today=on)
        return {e.profile.name: e.tier for e in queue}, {r.profile.name for r in refused}

    before, out_before = tiers(D(2024, 12, 31))   # original ages: 2029-12-15 is within 5 years
    after, out_after = tiers(D(2025, 1, 1))       # NPC 2024: 61y3m, 2031-03-15, no longer within 5 years
    assert before["六九年十二月生"] == 1 and after["六九年十二月生"] == 2
    # first cohorts: men born 1965-01 retire at 60y1m (2025-02-20), women-50 born 1975-01 at 50y1m (2025-02-10)
    late, out_late = tiers(D(2025, 1, 25))
    assert late["六五年一月生"] == 1 and late["七五年一月生"] == 1
    gone, out_gone = tiers(D(2025, 2, 20))
    assert "六五年一月生" in out_gone and "七五年一月生" in out_gone


def test_queue_uses_the_final_ages_at_the_far_end_of_the_table(db, make, cw):
    """Men born from 1976-09 retire at 63: one born 1977-03-01 reaches it on 2040-03-01, so he
    becomes tier 1 (under 5 years to go) on 2035-03-02, not before; under the original age
    of 60 he would have been tier 1 since 2032."""
    post = make.posting(kind="public_welfare", skills=["保洁"])
    registered(db, make, cw, D(2035, 1, 2), name="七七年三月生", birth=D(1977, 3, 1), skills=())

    def tier(on):
        _, queue, _ = placements.placement_queue(db, cw, post.id, today=on)
        return {e.profile.name: e.tier for e in queue}["七七年三月生"]

    assert tier(D(2035, 3, 1)) == 2 and tier(D(2035, 3, 2)) == 1


# ------------------------------------------------------------------ R10

def test_placement_term_priority_and_headcount(db, make, cw):
    today = D(2024, 6, 1)
    post = make.posting(kind="public_welfare", skills=["保洁"], headcount=1, temporary=True, term_months=6)
    first, _ = registered(db, make, cw, today, name="甲", skills=("保洁",))
    second, _ = registered(db, make, cw, today, name="乙", skills=())
    with pytest.raises(NotEligible) as e:
        placements.place(db, cw, post.id, second.id, fund="employment_subsidy_fund", today=today)
    assert e.value.field == "skip_reason"
    with pytest.raises(NotEligible) as e:
        placements.place(db, cw, post.id, first.id, fund="employment_subsidy_fund", term_months=7, today=today)
    assert "3" in e.value.message_en and e.value.field == "term_months"
    with pytest.raises(ValidationFailed):
        placements.place(db, cw, post.id, first.id, fund="piggy_bank", today=today)
    assert count(db, Placement) == 0
    pl = placements.place(db, cw, post.id, first.id, fund="employment_subsidy_fund", term_months=3, today=today)
    assert pl.end_on == D(2024, 9, 1) and pl.rank_reason["rank"] == 1 and pl.placement_number == 1
    reg = db.scalar(select(Registration).where(Registration.profile_id == first.id))
    assert reg.end_reason == "placed_public_welfare"
    with pytest.raises(Conflict, match="filled"):
        placements.place(db, cw, post.id, second.id, fund="employment_subsidy_fund", skip_reason="x", today=today)


def test_district_quota_is_total_control(db, make, cw, monkeypatch):
    monkeypatch.setattr(policies, "active", lambda config=None: policy_with(district_quotas={"望花区": 1}))
    today = D(2024, 6, 1)
    post = make.posting(kind="public_welfare", headcount=5, temporary=False, term_months=12)
    a, _ = registered(db, make, cw, today, name="甲")
    b, _ = registered(db, make, cw, today, name="乙")
    placements.place(db, cw, post.id, a.id, fund="employment_subsidy_fund", today=today)
    with pytest.raises(NotEligible, match="quota"):
        placements.place(db, cw, post.id, b.id, fund="employment_subsidy_fund", today=today)
    far = make.user("caseworker", district="沈抚示范区")
    post2 = make.posting(kind="public_welfare", district="沈抚示范区", term_months=12, temporary=False)
    c, _ = registered(db, make, far, today, name="丙", district="沈抚示范区")
    with pytest.raises(NotEligible, match="no public-welfare post quota"):
        placements.place(db, far, post2.id, c.id, fund="employment_subsidy_fund", today=today)


def _cycle(db, make, actor, cw, person, day, fund="other_channels", **kw):
    """Register again and place once more (a re-placement goes through the procedure)."""
    if registrations.open_registration(db, person.id) is None:
        registrations.register(db, cw, profile_id=person.id, basis="residence", district="望花区", today=day)
    post = make.posting(kind="public_welfare", term_months=6, temporary=True, title=f"公益岗{day}")
    return placements.place(db, actor, post.id, person.id, fund=fund, today=day, **kw)


def test_two_placements_then_a_third_only_with_a_supervisors_justification(db, make, cw):
    admin = make.user("admin")
    p, _ = registered(db, make, cw, D(2024, 1, 1))
    post = make.posting(kind="public_welfare", term_months=6, temporary=True)
    pl = placements.place(db, cw, post.id, p.id, fund="employment_subsidy_fund", today=D(2024, 1, 1))
    placements.end_placement(db, cw, pl.id, "term_ended", today=D(2024, 7, 1))
    pl2 = _cycle(db, make, cw, cw, p, D(2024, 7, 2))
    assert pl2.placement_number == 2
    placements.end_placement(db, cw, pl2.id, "term_ended", today=D(2025, 1, 2))
    with pytest.raises(NotEligible, match="supervisor"):
        _cycle(db, make, cw, cw, p, D(2025, 1, 3))
    with pytest.raises(NotEligible):  # an admin too needs the justification
        placements.place(db, admin, make.posting(kind="public_welfare", term_months=6).id, p.id,
                      fund="other_channels", today=D(2025, 1, 3))
    pl3 = placements.place(db, admin, make.posting(kind="public_welfare", term_months=6).id, p.id,
                        fund="other_channels", justification="家庭特殊困难，经局务会研究", today=D(2025, 1, 3))
    assert pl3.placement_number == 3 and pl3.justification.startswith("家庭")
    placements.end_placement(db, admin, pl3.id, "term_ended", today=D(2025, 1, 3))
    with pytest.raises(NotEligible, match="placement number 4"):
        _cycle(db, make, admin, cw, p, D(2025, 1, 4), justification="再次")


def test_continued_placement_funding_refuses_the_subsidy_fund_for_others(db, make, cw):
    ordinary, _ = registered(db, make, cw, D(2024, 1, 1), name="普通")
    zero, _ = registered(db, make, cw, D(2024, 1, 1), name="零就业", categories=("zero_employment_family",))
    for person in (ordinary, zero):
        post = make.posting(kind="public_welfare", term_months=3, temporary=True)
        pl = placements.place(db, cw, post.id, person.id, fund="employment_subsidy_fund", today=D(2024, 1, 1),
                           skip_reason="名额按人分配")
        placements.end_placement(db, cw, pl.id, "term_ended", today=D(2024, 4, 1))
    with pytest.raises(NotEligible) as e:
        _cycle(db, make, cw, cw, ordinary, D(2024, 4, 2), fund="employment_subsidy_fund")
    assert e.value.field == "fund" and "多渠道" in e.value.message_zh
    assert _cycle(db, make, cw, cw, ordinary, D(2024, 4, 2), fund="other_channels").fund == "other_channels"
    assert _cycle(db, make, cw, cw, zero, D(2024, 4, 2), fund="employment_subsidy_fund").placement_number == 2


def test_one_extension_of_up_to_a_year_in_the_window(db, make, cw):
    p, _ = registered(db, make, cw, D(2020, 1, 2), categories=("zero_employment_family",))
    post = make.posting(kind="public_welfare", term_months=6, temporary=True)
    pl = placements.place(db, cw, post.id, p.id, fund="employment_subsidy_fund", today=D(2020, 1, 2))
    with pytest.raises(Conflict, match="end of the term"):
        placements.extend(db, cw, pl.id, fund="employment_subsidy_fund", today=D(2020, 4, 1))
    with pytest.raises(NotEligible):
        placements.extend(db, cw, pl.id, fund="employment_subsidy_fund", stably_employed=True, today=D(2020, 6, 20))
    with pytest.raises(ValidationFailed):
        placements.extend(db, cw, pl.id, fund="employment_subsidy_fund", months=13, today=D(2020, 6, 20))
    placements.extend(db, cw, pl.id, fund="employment_subsidy_fund", today=D(2020, 6, 20))
    assert pl.extended_to_on == D(2021, 7, 2)
    with pytest.raises(NotEligible, match="at most 1"):
        placements.extend(db, cw, pl.id, fund="employment_subsidy_fund", today=D(2020, 6, 21))


def test_extension_outside_2020_and_for_others_on_the_subsidy_fund_is_refused(db, make, cw):
    p, _ = registered(db, make, cw, D(2024, 1, 2))
    post = make.posting(kind="public_welfare", term_months=6, temporary=True)
    pl = placements.place(db, cw, post.id, p.id, fund="employment_subsidy_fund", today=D(2024, 1, 2))
    with pytest.raises(NotEligible, match="window"):
        placements.extend(db, cw, pl.id, fund="other_channels", today=D(2024, 6, 20))
    q, _ = registered(db, make, cw, D(2020, 1, 2), name="李四")
    pl2 = placements.place(db, cw, make.posting(kind="public_welfare", term_months=4).id, q.id,
                        fund="other_channels", today=D(2020, 1, 2))
    with pytest.raises(NotEligible) as e:
        placements.extend(db, cw, pl2.id, fund="employment_subsidy_fund", months=6, today=D(2020, 5, 1))
    assert e.value.field == "fund"
    assert placements.extend(db, cw, pl2.id, fund="other_channels", months=6, today=D(2020, 5, 1)).extended_to_on == \
        D(2020, 11, 2)


def test_posts_report_counts_filled_vacant_expiring_and_temporary_share(db, make, cw):
    today = D(2024, 6, 1)
    temp = make.posting(kind="public_welfare", headcount=2, temporary=True, term_months=3)
    make.posting(kind="public_welfare", headcount=3, temporary=False, term_months=12)
    p, _ = registered(db, make, cw, today)
    placements.place(db, cw, temp.id, p.id, fund="employment_subsidy_fund", start_on=D(2024, 5, 15), today=today)
    r = dashboard.posts_report(db, cw, today=D(2024, 8, 1))
    t = r["totals"]
    assert (t["posts"], t["places"], t["filled"], t["vacant"], t["expiring"]) == (2, 5, 1, 4, 1)
    assert t["temporary_share"] == "50.0%"
    assert next(q for q in r["quotas"] if q["district"] == "望花区") == {"district": "望花区", "quota": 320, "placed": 1}


# ------------------------------------------------------------------ R12

def test_follow_ups_are_created_once_per_month_graded_and_assigned(db, make, cw):
    cw2 = make.user("caseworker", district="望花区")
    far = make.user("caseworker", district="新抚区")
    today = D(2024, 3, 1)
    a, _ = registered(db, make, cw, today, hte=False, name="甲")
    b, _ = registered(db, make, cw, today, hte=True, name="乙")
    c, _ = registered(db, make, far, today, hte=False, name="丙", district="新抚区")
    assert count(db, FollowUp) == 3  # registration creates the current month's task
    n = followups.create_month_follow_ups(db, D(2024, 4, 2))
    assert n == 3 and followups.create_month_follow_ups(db, D(2024, 4, 20)) == 0
    april = {t.profile_id: t for t in db.scalars(select(FollowUp).where(FollowUp.month == "2024-04"))}
    assert april[b.id].grade == 0 and april[a.id].grade == 1
    assert april[c.id].assigned_to_id == far.id
    assert {april[a.id].assigned_to_id, april[b.id].assigned_to_id} <= {cw.id, cw2.id}
    overdue = list(db.scalars(followups.follow_ups_for(cw, today=D(2024, 4, 2), overdue=True)))
    assert {t.profile_id for t in overdue} == {a.id, b.id} and all(t.month == "2024-03" for t in overdue)


def test_recording_a_contact_checks_the_month_and_district(db, make, cw):
    p, reg = registered(db, make, cw, D(2024, 3, 1), hte=False)
    task = db.scalar(select(FollowUp).where(FollowUp.registration_id == reg.id))
    with pytest.raises(ValidationFailed) as e:
        followups.record_contact(db, cw, task.id, "phone", "电话回访", contacted_on=D(2024, 4, 1), today=D(2024, 4, 2))
    assert e.value.field == "contacted_on"
    with pytest.raises(ValidationFailed):
        followups.record_contact(db, cw, task.id, "fax", "传真", today=D(2024, 3, 5))
    with pytest.raises(NotFound):
        followups.record_contact(db, make.user("caseworker", district="新抚区"), task.id, "phone", "x",
                               today=D(2024, 3, 5))
    assert task.contacted_on is None and task.contacts == []
    followups.record_contact(db, cw, task.id, "visit", "上门走访，了解求职意向", contacted_on=D(2024, 3, 4),
                           today=D(2024, 4, 2))
    assert task.contacted_on == D(2024, 3, 4)
    assert list(db.scalars(followups.follow_ups_for(cw, today=D(2024, 4, 2), overdue=True))) == []


def test_the_beat_task_is_idempotent(app, db, make, cw):
    registered(db, make, cw, D(2024, 3, 1), hte=False)
    with app.app_context():
        first = create_follow_ups.run("2024-05-03")
        second = create_follow_ups.run("2024-05-28")
    assert first >= 1 and second == 0


def test_persons_and_other_roles_cannot_act(db, make, cw):
    person = make.user("person")
    p = make.profile(user=person)
    for fn in (lambda: hard_to_employ.evaluate_hte(db, person, p.id), lambda: dashboard.dashboard(db, person),
               lambda: dashboard.posts_report(db, make.user("employer"))):
        with pytest.raises(Forbidden):
            fn()
    assert registrations.my_registrations(db, person) == []


def test_a_deregistered_person_is_no_longer_due_but_an_uncontacted_month_stays_overdue(db, make, cw):
    p, reg = registered(db, make, cw, D(2024, 3, 1), hte=False)
    registrations.end_registration(db, cw, reg.id, "employed", today=D(2024, 3, 20))
    assert list(db.scalars(followups.follow_ups_for(cw, today=D(2024, 3, 21), due=True))) == []
    overdue = list(db.scalars(followups.follow_ups_for(cw, today=D(2024, 4, 2), overdue=True)))
    assert [t.month for t in overdue] == ["2024-03"]  # policy.months_without_contact counts the last month
    assert followups.create_month_follow_ups(db, D(2024, 4, 2)) == 0


def test_decisions_for_many_people_are_each_persons_own_in_a_few_queries(app, db, make, cw):
    """The placement queue, a posting's candidates and the daily outreach decide R8/R9 for many
    people at once (``hooks.public_welfare_decisions``): the records are gathered for all of
    them in a few queries, and each answer is the one asked for that person alone. Asked per
    person it took five queries each, 194 s for 100,000 people."""
    from sqlalchemy import event  # noqa: PLC0415

    from marketplace.welfare.receivers import public_welfare_decisions  # noqa: PLC0415

    on = D(2020, 6, 1)
    veteran = veteran_case(db, make, cw)                                  # R8 by reference: 2 failed referrals
    one_failed = veteran_case(db, make, cw, referrals_not_hired=1, refused=1)  # refused: one is not enough
    hte, _ = registered(db, make, cw, D(2020, 1, 2))                      # a registered hard-to-employ person
    zero, _ = registered(db, make, cw, D(2020, 1, 2), categories=("zero_employment_family",), name="李四")
    woman, _ = registered(db, make, cw, D(2020, 1, 2), gender="女", birth=D(1973, 3, 1), name="王五", original_age=50)
    old, _ = registered(db, make, cw, D(2018, 6, 1), birth=D(1958, 9, 1), name="刘六")  # retired since (R11)
    revoked = make.profile(name="周七")
    db.flush()
    status = hard_to_employ.grant_hte(db, cw, revoked.id, "registered", note="认定证明 2020-009", today=D(2020, 1, 2))
    hard_to_employ.revoke_hte(db, cw, status.id, "复核不符", today=D(2020, 2, 1))
    nobody = make.profile(name="陈八")
    people = [veteran, one_failed, hte, zero, woman, old, revoked, nobody]
    db.commit()

    def alone(p):
        db.expire_all()
        return public_welfare_decisions(db, [db.get(type(p), p.id)], on)[p.id]

    expected = {p.id: alone(p) for p in people}
    assert expected[veteran.id]["eligible"] and not expected[one_failed.id]["eligible"]
    assert expected[zero.id]["tier"] == 1 and not expected[nobody.id]["eligible"]
    assert not expected[old.id]["eligible"] and "R11" in expected[old.id]["reason_en"]

    db.expire_all()
    fresh = [db.get(type(p), p.id) for p in people]
    queries = []
    listener = lambda *a: queries.append(a[2])  # noqa: E731
    event.listen(db.get_bind(), "before_cursor_execute", listener)
    try:
        together = public_welfare_decisions(db, fresh, on)
    finally:
        event.remove(db.get_bind(), "before_cursor_execute", listener)
    assert together == expected
    assert len(queries) <= 12, queries  # not five per person
