"""Demo welfare records, after the core set: unemployment registrations for the demo
profiles that carry ``registered_unemployed`` (people past their statutory retirement
age are deregistered with reason ``retired``), hard-to-employ people (registered, and
one landless farmer by the R8 reference conditions after two failed referrals), three
people registered at the desk in 望花区 for the placement queue of 环卫保洁员 (a tier-1
person near retirement with a lower match score than a tier-2 person), referrals
waiting for an outcome, placements on the demo public-welfare posts (one expiring), and
three months of follow-up tasks with some contacts left undone (overdue).

Everything goes through the area's operations with the date it happened on, so the rules
(R8–R12) decide the demo as they decide real records."""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.core.demo import DATA, _h
from marketplace.core.models import Posting, Profile, ProfileCategory, User, utcnow
from marketplace.crypto import Cipher
from marketplace.policy import RetirementPerson, add_months, statutory_retirement
from marketplace.welfare import followups, hard_to_employ, placements, referrals, registrations
from marketplace.welfare.models import FollowUp, Registration

# (name, gender, birth, original retirement age, skills, categories, registered months ago, hard-to-employ note)
DESK_PEOPLE = [
    ("周玉珍", "女", dt.date(1972, 3, 8), 55, ["垃圾收集", "打扫卫生", "做饭"], [], 30, "长期失业，认定证明 望就困〔2024〕12号"),
    ("孙建国", "男", dt.date(1990, 6, 18), None, ["道路清扫", "垃圾收集", "户外作业", "清雪除冰"], [], 26,
     "残疾等级四级（肢体），认定证明 望就困〔2024〕31号"),
    ("马秀云", "女", dt.date(1985, 10, 2), 50, ["做家务", "照顾老人"], ["zero_employment_family"], 14,
     "零就业家庭，认定证明 望就困〔2025〕5号"),
]
REGISTERED_HTE = {"D-S007": "零就业家庭成员", "D-S019": "零就业家庭成员", "D-S023": "距法定退休年龄不足5年",
                  "D-S026": "残疾人", "D-S015": "残疾人", "D-S018": "连续失业一年以上", "D-S038": "连续失业一年以上"}


def _by_data_id(session: Session) -> dict[str, Profile]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    first_graduate = next(s["id"] for s in data["profiles"] if "graduate_2021" in s["category"])
    out = {}
    for n, s in enumerate(data["profiles"], 1):
        username = "graduate" if s["id"] == first_graduate else f"p{n:02d}"
        prof = session.scalar(select(Profile).join(User, User.id == Profile.user_id).where(User.username == username))
        if prof is not None:
            out[s["id"]] = prof
    return out


def _caseworker(session: Session, district: str) -> User | None:
    return session.scalar(select(User).where(User.role == "caseworker", User.district == district).order_by(User.id))


def _posting(session: Session, title: str) -> Posting | None:
    return session.scalar(select(Posting).where(Posting.title == title))


def load(session: Session, cipher: Cipher, today: dt.date) -> dict:
    if session.scalar(select(Registration.id).limit(1)):
        return {"loaded": False, "reason": "demo welfare records already present"}
    profiles = _by_data_id(session)
    if not profiles:
        return {"loaded": False, "reason": "core demo profiles missing"}
    counts = {"registrations": 0, "deregistered_retired": 0, "hard_to_employ": 0, "referrals": 0, "placements": 0}

    # 1. Registrations for the demo profiles with registered_unemployed (the category's since date).
    for pid, prof in profiles.items():
        row = next((c for c in prof.categories if c.category == "registered_unemployed"), None)
        if row is None or row.since_on is None:
            continue
        cw = _caseworker(session, prof.district)
        original = None if prof.gender == "男" else (50 if prof.education < 3 else 55)
        reg = Registration(profile_id=prof.id, district=prof.district, basis="residence", channel="desk",
                           registered_on=row.since_on, original_retirement_age=original,
                           confirmed_by_id=cw.id if cw else None, confirmed_at=utcnow() if cw else None)
        session.add(reg)
        session.flush()
        registrations._mirror_category(prof, reg)
        counts["registrations"] += 1
        person = RetirementPerson(prof.birth_on, "male" if prof.gender == "男" else "female", original)
        retired_on = statutory_retirement(person, today).retirement_date
        if retired_on <= today:
            registrations._end(session, None, reg, retired_on, "retired", "达到法定退休年龄（R11）")
            counts["deregistered_retired"] += 1
    session.flush()

    # 2. Three people registered at the desk in 望花区 (no account), for the placement queue.
    cw = _caseworker(session, "望花区")
    for i, (name, gender, birth, original, skills, cats, months_ago, note) in enumerate(DESK_PEOPLE):
        idn_seed = _h(name) % 1000
        prof = Profile(user_id=None, name=name, gender=gender, birth_on=birth, district="望花区",
                       hukou_place="辽宁省抚顺市望花区", education=2, skills=skills,
                       experience="、".join(skills), summary="窗口登记（演示）", published=False,
                       phone_enc=cipher.encrypt(f"1380413{idn_seed:04d}"), phone_hash=cipher.blind_index(f"1380413{idn_seed:04d}"))
        for c in cats:
            prof.categories.append(ProfileCategory(category=c, confirmed_by_id=cw.id, confirmed_at=utcnow()))
        session.add(prof)
        session.flush()
        on = add_months(today, -months_ago)
        registrations.register(session, cw, profile_id=prof.id, basis="residence", district="望花区", registered_on=on,
                         original_retirement_age=original, today=today)
        hard_to_employ.grant_hte(session, cw, prof.id, "registered", note=note, today=today)
        counts["registrations"] += 1
        counts["hard_to_employ"] += 1

    # 3. Registered hard-to-employ people among the demo profiles.
    for pid, ground in REGISTERED_HTE.items():
        prof = profiles.get(pid)
        if prof is None or registrations.open_registration(session, prof.id) is None:
            continue
        hard_to_employ.grant_hte(session, _caseworker(session, prof.district), prof.id, "registered",
                          note=f"{ground}（演示认定）", today=today)
        counts["hard_to_employ"] += 1

    # 4. Referrals: two failed ones make the landless farmers hard-to-employ by reference (R8);
    #    others wait for an outcome on the desk.
    jobs_by_district: dict[str, list[Posting]] = {}
    for p in session.scalars(select(Posting).where(Posting.kind == "job", Posting.status == "published")
                             .order_by(Posting.id)):
        jobs_by_district.setdefault(p.district, []).append(p)
    any_jobs = [p for ps in jobs_by_district.values() for p in ps]
    for pid in ("D-S030", "D-S006"):
        prof = profiles.get(pid)
        if prof is None or registrations.open_registration(session, prof.id) is None:
            continue
        cwx = _caseworker(session, prof.district)
        for k, days in enumerate((25, 18)):
            local = jobs_by_district.get(prof.district, [])
            post = (local + [j for j in any_jobs if j not in local])[k]
            ref = referrals.refer(session, cwx, prof.id, post.id, "体力和技能相适应", today=today - dt.timedelta(days=days))
            referrals.record_outcome(session, cwx, ref.id, "not_hired", "用人单位未录用",
                                   today=today - dt.timedelta(days=days - 5))
            counts["referrals"] += 1
        if hard_to_employ.hte_decision(session, prof, today).allowed:
            hard_to_employ.grant_hte(session, cwx, prof.id, "reference", today=today)
            counts["hard_to_employ"] += 1
    for pid in ("D-S010", "D-S029", "D-S035", "D-S017"):
        prof = profiles.get(pid)
        if prof is None or registrations.open_registration(session, prof.id) is None:
            continue
        post = (jobs_by_district.get(prof.district) or any_jobs)[0]
        referrals.refer(session, _caseworker(session, prof.district), prof.id, post.id, "技能对口",
                      today=today - dt.timedelta(days=6))
        counts["referrals"] += 1

    # 5. Placements on the demo public-welfare posts, each decided on the day it was made.
    plan = [("D-S007", "社区网格员（公益性岗位）", 20, "employment_subsidy_fund"),
            ("D-S023", "居家养老上门服务员（临时）", 25, "employment_subsidy_fund"),
            ("D-S030", "绿化养护员（临时）", 0, "employment_subsidy_fund")]
    for pid, title, days_ago, fund in plan:
        prof, post = profiles.get(pid), _posting(session, title)
        if prof is None or post is None or registrations.open_registration(session, prof.id) is None:
            continue
        cwx = _caseworker(session, post.district)
        queue, _ = placements._queue(session, post, today)
        entry = next((e for e in queue if e.profile.id == prof.id), None)
        if entry is None:
            continue
        day = today - dt.timedelta(days=days_ago)
        placements.place(session, cwx, post.id, prof.id, fund=fund, start_on=day, today=today,
                      skip_reason="" if entry.rank == 1 else "排在前面的人员已另行安置（演示）")
        counts["placements"] += 1
    # the temporary home-care post started long enough ago to expire within the month
    for pl in session.scalars(placements.placements_for(_caseworker(session, "顺城区"))):
        if pl.temporary:
            pl.start_on = add_months(today, -pl.term_months) + dt.timedelta(days=12)
            pl.end_on = add_months(pl.start_on, pl.term_months)
            reg = session.scalar(select(Registration).where(Registration.end_note.like(f"placement #{pl.id},%")))
            if reg is not None:
                reg.ended_on = max(pl.start_on, reg.registered_on)
    session.flush()

    # 6. Three months of follow-ups; the earlier months mostly contacted, a few left overdue.
    created = 0
    for back in (2, 1, 0):
        day = add_months(today.replace(day=1), -back)
        created += followups.create_month_follow_ups(session, day)
    tasks = list(session.scalars(select(FollowUp).where(FollowUp.month < today.strftime("%Y-%m"))
                                 .order_by(FollowUp.id)))
    contacted = 0
    for n, task in enumerate(tasks):
        if n % 4 == 3 or task.assigned_to is None:
            continue  # left undone: overdue
        y, m = map(int, task.month.split("-"))
        on = dt.date(y, m, 5 + n % 20)
        followups.record_contact(session, task.assigned_to, task.id, ("phone", "visit", "online")[n % 3],
                               ("电话回访，仍在求职，已推送岗位信息", "上门走访，了解家庭困难情况", "网上联系，更新求职意向")[n % 3],
                               contacted_on=on, today=today)
        contacted += 1
    counts.update(follow_ups=created, contacts=contacted)
    return {"loaded": True, **counts}
