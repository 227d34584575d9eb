"""Demo data: a realistic Chinese data set built from the graded development set
(``marketplace/data/matching-dev.json``: 60 postings of the three kinds, 40 profiles),
with employers, staff, caseworkers and applications around it, so that the first page
a newcomer sees is alive. All people and employers are fictional.

Demo accounts (password ``demo12345`` for all): ``admin`` (also the policy administrator),
``caseworker`` (望花区) and one caseworker per district (``cw1``…``cw8``), ``organiser``,
``employer`` (HR of an internship base in 望花区, so ``caseworker`` reviews its claims),
``hr01``…, ``graduate`` (a graduating-year student of next year's cohort), ``p01``…``p40``.

The demo lives in the present: the development set's people were written in 2020, so their
birth dates, graduation years and unemployment dates are moved by the years between 2020
and the business date of the load, and the demo installs the training policy set derived
from ``fushun-2020`` for the current year (``core.policy_versions.install_training``,
labelled 演示/培训用，非本市现行政策) as the city's set in force.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from marketplace import clock
from marketplace.core import policy_versions, verification
from marketplace.core.models import (
    DISTRICTS,
    Application,
    ApplicationEvent,
    Organisation,
    Posting,
    Profile,
    ProfileCategory,
    User,
)
from marketplace.core.schemas import VerificationAsk
from marketplace.crypto import Cipher
from marketplace.idcodes import credit_code_check_char, id_number_check_char

DATA = Path(__file__).resolve().parent.parent / "data" / "matching-dev.json"
PASSWORD = "demo12345"
EDU = {"不限": 0, "小学": 1, "初中": 2, "高中": 3, "中专": 3, "高中/中专": 3, "大专": 4, "本科": 5, "硕士": 6, "博士": 7}
CATEGORY_MAP = {"graduate_2020": "graduating_year_graduate", "graduate_2021": "graduating_year_graduate",
                "registered_unemployed": "registered_unemployed", "veteran": "veteran", "disabled": "disabled",
                "zero_employment_family": "zero_employment_family", "landless_farmer": "landless_farmer",
                "poverty_registered": "poverty_registered", "hubei_origin": "hubei_origin"}
_USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY"


#: the demo registrant awaiting verification (its HR account: ``newhr``)
PENDING_ORG = "抚顺新益精密机械有限公司"


def _h(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest(), 16)


def _credit_code(name: str) -> str:
    n = _h(name)
    body = "91" + "210400" + "".join(_USCC[(n >> (5 * i)) % 31] for i in range(9))
    return body + credit_code_check_char(body)


def _id_number(birth: dt.date, gender: str, seed: str) -> str:
    seq = _h(seed) % 500 * 2 + (1 if gender == "男" else 0)
    first17 = f"210402{birth:%Y%m%d}{seq:03d}"
    return first17 + id_number_check_char(first17)


def _org_type(name: str, kinds: set[str]) -> str:
    if "public_welfare" in kinds or any(w in name for w in ("医院", "学校", "幼儿园", "图书馆", "街道", "社区", "中心",
                                                            "办事处", "管理站", "服务站")):
        return "public_institution"
    if any(w in name for w in ("国有", "集团", "石化", "矿业", "电力", "热力", "供水")):
        return "soe"
    return "enterprise"


def _industry(title: str) -> str:
    for words, industry in ((("护", "医", "药"), "卫生和社会工作"), (("教师", "幼儿", "保育"), "教育"),
                            (("软件", "Java", "测试", "网络", "运维"), "信息传输、软件和信息技术服务业"),
                            (("会计", "出纳", "财务"), "租赁和商务服务业"), (("车", "焊", "电工", "数控", "质检", "化验"), "制造业"),
                            (("快递", "配送", "仓", "司机"), "交通运输、仓储和邮政业"), (("酒店", "前台", "餐"), "住宿和餐饮业")):
        if any(w in title for w in words):
            return industry
    return "其他服务业"


def _short_name(name: str, names) -> str:
    """The organisation's name cut at six characters only where that still tells it from
    every other one (清原满族自治县… has several): never truncated until ambiguous."""
    for n in range(6, len(name)):
        if not any(other != name and other.startswith(name[:n]) for other in names):
            return name[:n]
    return name


def load(session: Session, cipher: Cipher, today: dt.date | None = None, data_path: Path | None = None) -> dict:
    """Load the demo set once; a second call changes nothing and says so. ``data_path``: another
    file of the same format (``tools.search_quality`` loads a graded set's postings this way)."""
    if session.scalar(select(User.id).where(User.username == "admin")):
        return {"loaded": False, "reason": "demo data already present"}
    today = today or clock.today()
    years = today.year - 2020  # the development set was written in 2020
    data = json.loads(Path(data_path or DATA).read_text(encoding="utf-8"))
    policy_versions.install_training(session, today)
    pw = generate_password_hash(PASSWORD)

    def user(username, name, role, **kw):
        u = User(username=username, password_hash=pw, display_name=name, role=role, **kw)
        session.add(u)
        return u

    user("admin", "系统管理员", "admin")
    user("organiser", "市人才市场招聘会组", "organiser")
    cw = user("caseworker", "王经办（望花区）", "caseworker", district="望花区")
    caseworkers = {"望花区": cw}
    for i, d in enumerate(DISTRICTS, 1):
        caseworkers.setdefault(d, user(f"cw{i}", f"{d}经办人", "caseworker", district=d))
    session.flush()

    kinds_by_employer: dict[str, set[str]] = {}
    for p in data["postings"]:
        kinds_by_employer.setdefault(p["employer"], set()).add(p["kind"])
    orgs: dict[str, Organisation] = {}
    hr: dict[str, User] = {}
    first_internship = next(p["employer"] for p in data["postings"] if p["kind"] == "internship")
    for i, (name, kinds) in enumerate(kinds_by_employer.items(), 1):
        district = next(p["district"] for p in data["postings"] if p["employer"] == name)
        if name == first_internship:
            district = "望花区"  # the demo employer's claims are reviewed by the demo ``caseworker``
        org = Organisation(name=name, org_type=_org_type(name, kinds), district=district, credit_code=_credit_code(name),
                           industry=_industry(next(p["title"] for p in data["postings"] if p["employer"] == name)),
                           is_internship_base="internship" in kinds,
                           internship_base_since_on=dt.date(2019, 6, 1) if "internship" in kinds else None,
                           verification_status="verified")  # the demo's organisations are loaded as verified
        session.add(org)
        session.flush()
        orgs[name] = org
        username = "employer" if name == first_internship else f"hr{i:02d}"
        hr[name] = user(username, f"{_short_name(name, kinds_by_employer)}人事", "employer", organisation_id=org.id)
    session.flush()
    # one registrant awaiting verification, so the 望花区 caseworker's queue shows how it works
    pending = Organisation(name=PENDING_ORG, org_type="enterprise", district="望花区", credit_code=_credit_code(PENDING_ORG),
                           industry="制造业", verification_status="pending")
    session.add(pending)
    session.flush()
    asker = user("newhr", "新益人事", "employer", organisation_id=pending.id)
    session.flush()
    verification.record_request(session, asker, pending, VerificationAsk(
        org_type="enterprise", is_internship_base=True, internship_base_since_on=dt.date(2019, 9, 1),
        documents=[{"name": "就业见习基地认定文件", "number": "抚人社发〔2020〕8号"}]), "register")

    postings: dict[str, Posting] = {}
    for n, p in enumerate(data["postings"]):
        published = dt.datetime.combine(today - dt.timedelta(days=n % 20), dt.time(9, 0))
        post = Posting(
            organisation_id=orgs[p["employer"]].id, created_by_id=hr[p["employer"]].id, kind=p["kind"], title=p["title"],
            description=p["description"], requirements=p.get("requirements", ""), skills=p.get("skills", []),
            education_min=EDU.get(p.get("education_min", "不限"), 0), salary_min=p.get("salary_min"),
            salary_max=p.get("salary_max"), headcount=p.get("headcount", 1), district=p["district"],
            open_on=today - dt.timedelta(days=30), close_on=today + dt.timedelta(days=60), status="published",
            period_months=p.get("period_months"),
            stipend=Decimal(str(p["stipend"])).quantize(Decimal("0.01")) if p.get("stipend") is not None else None,
            temporary=p.get("temporary") if p["kind"] == "public_welfare" else None,
            term_months=(p.get("term_months") or 12) if p["kind"] == "public_welfare" else None,
            published_at=published, created_at=published)
        session.add(post)
        postings[p["id"]] = post
    session.flush()

    profiles: dict[str, Profile] = {}
    first_graduate = next(s["id"] for s in data["profiles"] if "graduate_2021" in s["category"])
    for n, s in enumerate(data["profiles"], 1):
        h = _h(s["id"])
        birth = dt.date(s["birth_year"] + years, 1 + h % 12, 1 + (h >> 8) % 28)
        username = "graduate" if s["id"] == first_graduate else f"p{n:02d}"
        u = user(username, s.get("name") or f"求职者{n:02d}", "person")
        session.flush()
        idn = _id_number(birth, s["gender"], s["id"])
        phone = f"139{h % 100000000:08d}"
        prof = Profile(
            user_id=u.id, name=_person_name(n, s["gender"]), gender=s["gender"], birth_on=birth,
            id_number_enc=cipher.encrypt(idn), id_number_hash=cipher.blind_index(idn), phone_enc=cipher.encrypt(phone),
            phone_hash=cipher.blind_index(phone), hukou_place="湖北省武汉市" if "hubei_origin" in s["category"] else "辽宁省抚顺市",
            district=s["district"], education=EDU.get(s["education"], 0), major=s.get("major") or "",
            graduation_year=s["graduation_year"] + years if s.get("graduation_year") else None, skills=s.get("skills", []), experience=s.get("experience", ""),
            summary=s.get("summary", ""), desired_jobs=s.get("desired", ""), published=True)
        u.display_name = prof.name
        for c in s["category"]:
            if c in CATEGORY_MAP and not any(x.category == CATEGORY_MAP[c] for x in prof.categories):
                # moved into the present, never past today (a late-2020 date would land after it)
                since = min(_years_later(dt.date.fromisoformat(s["unemployed_since"]), years), today) \
                    if c == "registered_unemployed" and s.get("unemployed_since") else None
                prof.categories.append(ProfileCategory(
                    category=CATEGORY_MAP[c], since_on=since, detail="自主就业退役士兵" if c == "veteran" else "",
                    confirmed_by_id=caseworkers[s["district"]].id, confirmed_at=published))
        session.add(prof)
        profiles[s["id"]] = prof
    session.flush()

    stages = ["applied", "screening", "interview", "applied", "offer"]
    count = 0
    for sid, grades in data["qrels"].items():
        for pid, grade in sorted(grades.items(), key=lambda kv: -kv[1])[:2]:
            if grade < 2:
                continue
            stage = stages[count % len(stages)]
            app = Application(posting_id=postings[pid].id, profile_id=profiles[sid].id, stage=stage)
            app.events.append(ApplicationEvent(from_stage=None, to_stage="applied", actor_id=profiles[sid].user_id))
            if stage != "applied":
                app.events.append(ApplicationEvent(from_stage="applied", to_stage=stage,
                                                   actor_id=hr[next(p["employer"] for p in data["postings"]
                                                                    if p["id"] == pid)].id))
            session.add(app)
            count += 1
    session.flush()
    return {"loaded": True, "organisations": len(orgs), "postings": len(postings), "profiles": len(profiles),
            "applications": count}


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_GIVEN_M = ["伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "刚", "鹏", "浩", "宇", "俊"]
_GIVEN_F = ["芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "婷", "雪", "慧", "琳", "颖", "倩", "玉"]


def _person_name(n: int, gender: str) -> str:
    given = _GIVEN_M if gender == "男" else _GIVEN_F
    return _SURNAMES[n % len(_SURNAMES)] + given[(n * 7) % len(given)] + given[(n * 3 + 1) % len(given)]
