"""Plain dataclasses for postings and profiles, parsing of their free text, eligibility (hard
filters) and the scored features of a (posting, profile) pair.

Everything here is general: limits are read from requirement text by patterns that any post
phrases the same way ("18-30周岁", "男，55周岁以下", "女50周岁以下、男60周岁以下", "限女性",
"持有效低压电工作业证", "3年以上…经验", "有3年以上…经验者学历可放宽至初中"), the order of
education levels and the wording that signals a preferred group from ``data/rules.json``, and
commute from ``data/districts.json``. Who may take an internship (R1), who may be placed on a
public-welfare post (R8), the R9 priority tier and the R14 target groups are the policy
engine's decisions, received on ``ProfileData`` with their reasons: matching never decides them.

The feature computation is vectorised: one side (a query document) against arrays of many
candidates (``ProfilePool`` / ``PostingPool``), so ranking 100,000 profiles is a few numpy and
sparse column sums. Scalar helpers used to explain a single pair live in ``explain``.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import chinese

DATA = Path(__file__).with_name("data")


@functools.lru_cache(maxsize=None)
def load_json(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def rules() -> dict:
    return load_json("rules.json")


def districts() -> dict:
    return load_json("districts.json")


def edu_level(name: str | None) -> int:
    """Rank of an education level (不限 0 … 博士 7); unknown → 0."""
    if not name:
        return 0
    table = rules()["education"]
    name = chinese.normalize(name)
    if name in table:
        return table[name]
    best = 0
    for k, v in table.items():
        if k in name:
            best = max(best, v)
    return best


# ------------------------------------------------------------------ dataclasses


def _date(v) -> dt.date | None:
    if v is None or v == "":
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


@dataclass
class PostingData:
    """A post as matching sees it (``kind``: job | internship | public_welfare)."""

    id: str
    kind: str = "job"
    title: str = ""
    description: str = ""
    requirements: str = ""
    education_min: str = "不限"
    skills: list[str] = field(default_factory=list)
    salary_min: float | None = None
    salary_max: float | None = None
    district: str | None = None
    employer: str = ""
    headcount: int | None = None
    period_months: int | None = None
    stipend: float | None = None
    temporary: bool | None = None
    term_months: int | None = None
    #: R14: the code of the policy set's target group the post is restricted to, or None
    target_group: str | None = None
    is_open: bool = True
    published_on: dt.date | None = None
    closes_on: dt.date | None = None
    occupation_code: str | None = None
    # record facts the search index filters on (None where a graded file has no such record)
    employer_id: str | None = None
    employer_type: str | None = None
    status: str | None = None
    open_on: dt.date | None = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "PostingData":
        names = {f.name for f in dataclasses.fields(cls)}
        kw = {k: v for k, v in d.items() if k in names}
        for k in ("published_on", "closes_on", "open_on"):
            if k in kw:
                kw[k] = _date(kw[k])
        for k in ("title", "description", "requirements", "employer"):
            kw[k] = str(kw.get(k) or "")
        kw["education_min"] = kw.get("education_min") or "不限"
        kw["kind"] = kw.get("kind") or "job"
        kw["skills"] = [str(s) for s in (kw.get("skills") or []) if s]
        kw["id"] = str(kw["id"])
        return cls(**kw)

    def text(self) -> str:
        """The text embedded and indexed for this post."""
        return chinese.normalize(
            f"{self.title}。{self.description} 要求：{self.requirements} 技能：{'、'.join(self.skills)}"
        )


@dataclass
class ProfileData:
    """A person as matching sees them. ``categories`` use the dev-set names (graduate_2021,
    registered_unemployed, disabled, ...)."""

    id: str
    categories: list[str] = field(default_factory=list)
    unemployed_since: dt.date | None = None
    gender: str | None = None
    birth_year: int | None = None
    birth_date: dt.date | None = None
    education: str | None = None
    major: str | None = None
    graduation_year: int | None = None
    skills: list[str] = field(default_factory=list)
    experience: str = ""
    summary: str = ""
    desired: str = ""
    district: str | None = None
    #: monthly salary wanted; parsed from ``desired`` when None
    desired_salary: float | None = None
    updated_on: dt.date | None = None
    occupation_code: str | None = None
    # record facts the search index filters on: every category the record declares
    # (confirmed or not; ``categories`` holds those that count), consent to be found,
    # all occupation codes
    declared_categories: list[str] = field(default_factory=list)
    published: bool | None = None
    occupation_codes: list[str] = field(default_factory=list)
    # The policy engine's decisions about the person, each with its reason (zh, en). The
    # caller gathers them (the app from its records and policy set; ``matching.devset`` for
    # a graded file); None means no decision was given, read as "not eligible" / "no priority".
    #: R1: may take a subsidised internship (the person's cohort)
    internship_eligible: bool | None = None
    internship_reason: tuple[str, str] = ("", "")
    #: R8: may be placed on a public-welfare post (hard-to-employ, directly or by reference)
    public_welfare_eligible: bool | None = None
    public_welfare_reason: tuple[str, str] = ("", "")
    #: R9: placement priority tier for public-welfare posts (1 goes first)
    priority_tier: int | None = None
    priority_reason: tuple[str, str] = ("", "")
    #: R14: codes of the policy set's target groups the person's records place them in
    target_groups: list[str] = field(default_factory=list)
    target_groups_reason: tuple[str, str] = ("", "")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ProfileData":
        names = {f.name for f in dataclasses.fields(cls)}
        kw = {k: v for k, v in d.items() if k in names}
        if "categories" not in kw and "category" in d:
            kw["categories"] = d["category"] or []
        if isinstance(kw.get("categories"), str):  # one category given as a bare string
            kw["categories"] = [kw["categories"]]
        for k in ("unemployed_since", "birth_date", "updated_on"):
            if k in kw:
                kw[k] = _date(kw[k])
        kw["skills"] = [str(s) for s in (kw.get("skills") or []) if s]
        kw["categories"] = list(kw.get("categories") or [])
        for k in ("experience", "summary", "desired"):
            kw[k] = str(kw.get(k) or "")
        for k in ("internship_reason", "public_welfare_reason", "priority_reason", "target_groups_reason"):
            if k in kw:
                kw[k] = tuple(kw[k] or ("", ""))
        kw["target_groups"] = [str(g) for g in (kw.get("target_groups") or [])]
        kw["id"] = str(kw["id"])
        return cls(**kw)

    def text(self) -> str:
        return chinese.normalize(
            f"{self.desired}。{self.summary} 经历：{self.experience} 技能：{'、'.join(self.skills)} 专业：{self.major or ''}"
        )

    def birth_year_value(self) -> int | None:
        if self.birth_year:
            return int(self.birth_year)
        return self.birth_date.year if self.birth_date else None


# ------------------------------------------------------------------ parsing

_CN_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "半": 0.5}


def cn_number(s: str) -> float | None:
    """'5' → 5, '十' → 10, '二十' → 20, '十五' → 15, '五六' → 5, '三十多' → 30."""
    s = s.strip().rstrip("多余几")
    if not s:
        return None
    if s.isdigit():
        return float(s)
    if "十" in s:
        a, _, b = s.partition("十")
        tens = _CN_NUM.get(a[-1], 1) if a else 1
        ones = _CN_NUM.get(b[0], 0) if b else 0
        return float(tens * 10 + ones)
    if s[0] in _CN_NUM:
        return float(_CN_NUM[s[0]])
    return None


_YEARS_RE = re.compile(r"([0-9]+|[一二两三四五六七八九十半]{1,3})(?:多|余|几)?(?:个)?(?:整)?年")
_AGE_RANGE_RE = re.compile(r"(\d{2})\s*(?:-|－|—|~|～|至|到)\s*(\d{2})\s*周?岁")
_AGE_MAX_RE = re.compile(r"(男|女)?(?:性)?\s*(\d{2})\s*周?岁(?:以下|以内|及以下)")
_AGE_MIN_RE = re.compile(r"(\d{2})\s*周?岁(?:以上|及以上)")
_GENDER_RE = re.compile(r"(?:^|[，,；;。、\s：:（(]|限|仅限)(男|女)(?:性)?(?=[，,；;。、\s）)]|$)")
_SALARY_NUM_RE = re.compile(r"(\d{3,6}|\d+(?:\.\d+)?\s*[kK千万])")
_EXP_REQ_RE = re.compile(r"(\d+|[一二两三四五六七八九十])\s*年(?:以上|及以上)?([^，,；;。]{0,16}?)(?:经验|工作经历|经历)")
_DRIVE_REQ_RE = re.compile(r"驾龄\s*(\d+)\s*年")
_LICENCE_RE = re.compile(r"持(?:有效|有)?(?:有效)?(?:的)?《?([^，,；;。、（(]{2,18}?)》?(?:证书|证|资格证|职称|操作证)?(?=[，,；;。（(]|$)")
_WAIVER_RE = re.compile(
    r"(?:有)?(\d+|[一二两三四五六七八九十])\s*年以上([^，,；;。]{0,12}?)经验(?:者|的)?[^，,；;。]{0,4}?学历可?(?:放宽|降低)(?:至|到)([^，,；;。及以上]{1,5})"
)
_SHUTTLE_RE = re.compile(r"班车|通勤车|接送车|厂车")
_NIGHT_RE = re.compile(r"夜班|三班倒|两班倒|倒班|值夜|夜间值守|巡夜")
# a post saying it has no night shift ("门诊白班，不上夜班", "无夜班", "不倒班"): not a night post
_DAY_CHOICE_RE = re.compile(r"白班[^，,。；]{0,8}可选|可选[^，,。；]{0,4}白班")  # "长白班和两班倒可选"
_NO_NIGHT_OFFER_RE = re.compile(r"(?:不|无|没有|无需|不需要?|不用)(?:上|安排|值|倒|轮)?(?:夜班|倒班|值夜|夜)")
_LIVEIN_RE = re.compile(r"住在院内|住院内|住宿舍|吃住在|常驻|驻场|住在基地|住厂")
_NIGHT_OK_RE = re.compile(r"(?:夜班|倒班|夜)(?:也)?(?:能|可以)?(?:接受|不怕|没问题|都能|可以)|倒班没问题|早晚班都能")
_NIGHT_NO_RE = re.compile(r"不(?:能|想|愿|上)[^，,。；]{0,3}夜班|夜班[^，,。；]{0,6}(?:顾不上|不行|不能|不方便|不考虑)")
# "白班优先", "最好是白班": a preference, not a rule-out (the rubric lowers a grade one step
# for a shift pattern ruled out; a preference counts half of that)
_DAY_PREF_RE = re.compile(r"白班")


def night_refusal(text: str) -> float:
    """How firmly a person rules out night shifts: 1 ruled out, 0.5 day shifts preferred, 0."""
    if _NIGHT_OK_RE.search(text):
        return 0.0
    return 1.0 if _NIGHT_NO_RE.search(text) else 0.5 if _DAY_PREF_RE.search(text) else 0.0
_LIVEIN_NO_RE = re.compile(r"晚上能回家|不住|回家住|不能住")
# written place preferences: work from home, lodging provided (post) / wanted (person)
_HOME_OFFER_RE = re.compile(r"居家办公|可居家|远程办公|在家办公|居家工作")
_HOME_WANT_RE = re.compile(r"居家|在家(?:能|里)?(?:干|办公|做|工作)|能在家")
_LODGING_OFFER_RE = re.compile(r"提供(?:员工)?(?:宿舍|住宿)|包吃包住|包吃住|包住|可住宿舍|免费住宿|管吃管住")
_LODGING_WANT_RE = re.compile(r"(?:提供|能|可以)?(?:住宿|管住|包住)(?:更好|最好|优先)|能提供住宿|管吃住|需要住宿|要有宿舍")
_OPTIONAL_RE = re.compile(r"优先|加分|为佳|者优|可培训|可带薪|均可|或正在|或已报名|入职后")


def experience_years(text: str) -> float:
    """Longest span of years a person states ('干了15年车工' → 15, '十多年' → 10); 0 if none."""
    best = 0.0
    for m in _YEARS_RE.finditer(text or ""):
        # skip calendar years (2016年) and ages ('今年47了' has no 年 after the number)
        raw = m.group(1)
        if raw.isdigit() and len(raw) >= 3:
            continue
        v = cn_number(raw)
        if v is not None and v <= 45:
            best = max(best, v)
    return best


def parse_desired_salary(text: str) -> float | None:
    """The lowest monthly amount named in a wish ('2000到3000' → 2000; '5000以上' → 5000)."""
    vals = []
    for m in _SALARY_NUM_RE.finditer(text or ""):
        s = m.group(1).replace(" ", "")
        mult = 1.0
        if s[-1] in "kK千":
            mult, s = 1000.0, s[:-1]
        elif s[-1] == "万":
            mult, s = 10000.0, s[:-1]
        try:
            v = float(s) * mult
        except ValueError:
            continue
        if 800 <= v <= 100000:
            vals.append(v)
    return min(vals) if vals else None


@dataclass
class Limits:
    """Hard limits and soft requirements read from a post's requirement text."""

    age_min: int | None = None
    age_max: int | None = None
    #: per-gender maximum ages ('女50周岁以下、男60周岁以下')
    age_max_by_gender: dict[str, int] = field(default_factory=dict)
    gender: str | None = None
    exp_years: float = 0.0
    licences: list[str] = field(default_factory=list)
    #: (years, domain phrase, lowered education level)
    waiver: tuple[float, str, int] | None = None
    night: bool = False
    livein: bool = False
    local_only: bool = False
    shuttle: bool = False
    prefers: list[str] = field(default_factory=list)


def _clauses(text: str) -> list[str]:
    return [c for c in re.split(r"[，,；;。]", text or "") if c.strip()]


def parse_limits(p: PostingData) -> Limits:
    req = chinese.normalize(p.requirements)
    full = chinese.normalize(f"{p.description} {p.requirements}")
    lim = Limits()
    for m in _AGE_RANGE_RE.finditer(req):
        lim.age_min, lim.age_max = int(m.group(1)), int(m.group(2))
    for m in _AGE_MAX_RE.finditer(req):
        g, v = m.group(1), int(m.group(2))
        if g:
            lim.age_max_by_gender[g] = v
        elif lim.age_max is None:
            lim.age_max = v
    if lim.age_min is None:
        m = _AGE_MIN_RE.search(req)
        if m and "周岁以上" in m.group(0) and int(m.group(1)) >= 16:
            lim.age_min = int(m.group(1))
    # "男，55周岁以下": a gender named alone in a clause is a gender limit; "男60周岁以下、女50周岁以下"
    # names both, which is an age limit per gender, not a gender limit.
    genders = {m.group(1) for m in _GENDER_RE.finditer(req)}
    if len(genders) == 1 and not lim.age_max_by_gender.get("男" if "女" in genders else "女"):
        g = genders.pop()
        lim.gender = g
        if g in lim.age_max_by_gender:
            lim.age_max = lim.age_max_by_gender.pop(g)
    for clause in _clauses(req):
        optional = bool(_OPTIONAL_RE.search(clause))
        m = _WAIVER_RE.search(clause)
        if m:
            yrs = cn_number(m.group(1)) or 0
            lim.waiver = (yrs, m.group(2), edu_level(m.group(3)))
            continue
        if optional:
            continue
        m = _EXP_REQ_RE.search(clause) or _DRIVE_REQ_RE.search(clause)
        if m:
            lim.exp_years = max(lim.exp_years, cn_number(m.group(1)) or 0)
        for lm in _LICENCE_RE.finditer(clause):
            lic = lm.group(1).strip()
            if lic and not lic.startswith(("证", "有")):
                lim.licences.append(lic)
    lim.night = bool(_NIGHT_RE.search(_NO_NIGHT_OFFER_RE.sub("", full))) and not _DAY_CHOICE_RE.search(full)
    lim.livein = bool(_LIVEIN_RE.search(full))
    lim.shuttle = bool(_SHUTTLE_RE.search(full))
    lim.local_only = bool(re.search(r"本(?:县|镇|村|乡|辖区|区|地)(?:户籍|常住|居民)|居民优先|本辖区", full))
    kw = rules()["category_keywords"]
    lim.prefers = [cat for cat, words in kw.items() if any(w in req for w in words)]
    return lim


# ------------------------------------------------------------------ people


def age_on(p: ProfileData, today: dt.date) -> int | None:
    """Age as the dev set counts it: the reference year minus the birth year."""
    by = p.birth_year_value()
    return None if by is None else today.year - by


def person_categories(p: ProfileData) -> set[str]:
    """The categories the person's record declares (for the "preferred group" wording only;
    eligibility and priority are the engine's decisions on ``ProfileData``)."""
    return set(p.categories or [])


# ------------------------------------------------------------------ district


def district_index(name: str | None) -> int:
    ds = districts()["districts"]
    if not name:
        return -1
    name = chinese.normalize(name)
    if name in ds:
        return ds.index(name)
    for i, d in enumerate(ds):
        if any(a in name for a in districts()["aliases"].get(d, [])):
            return i
    return -1


@functools.lru_cache(maxsize=1)
def commute_matrix() -> np.ndarray:
    """(D+1)×(D+1) commute fit; the last row/column is 'unknown district'."""
    t = districts()
    ds = t["districts"]
    m = np.full((len(ds) + 1, len(ds) + 1), t["unknown"], dtype=np.float32)
    for i, a in enumerate(ds):
        for j, b in enumerate(ds):
            m[i, j] = t["commute"][a][b]
    return m


def desired_districts(text: str) -> int:
    """Bit mask of districts a person names as wanted (0 = no stated preference)."""
    t = districts()
    mask = 0
    text = chinese.normalize(text)
    # a group word inside a district's name is not the group: 顺城区 holds 城区
    bare = text
    for d in sorted(t["districts"], key=len, reverse=True):
        bare = bare.replace(d, "、")
    for word, members in t["groups"].items():
        if word in bare:
            for d in members:
                mask |= 1 << t["districts"].index(d)
    for i, d in enumerate(t["districts"]):
        if d in text or any(a in text for a in t["aliases"].get(d, [])):
            mask |= 1 << i
    return mask


def occupation_text(text: str) -> str:
    """A wish without its place and pay parts: the wanted occupations ('货车司机、送货司机；望花区；5000以上' → '货车司机、送货司机')."""
    t = districts()
    place_words = list(t["groups"]) + [a for al in t["aliases"].values() for a in al] + ["本地", "附近", "老家"]
    keep = [c for c in re.split(r"[，,；;。]", chinese.normalize(text or ""))
            if c.strip() and not any(w in c for w in place_words) and not _SALARY_NUM_RE.search(c)]
    return "；".join(keep) or chinese.normalize(text or "")


def desired_clause(text: str) -> str:
    """The part of a wish that names places (the clause with a district word), else ''."""
    t = districts()
    words = list(t["groups"]) + [a for al in t["aliases"].values() for a in al] + ["本地", "附近", "老家"]
    return "；".join(c for c in re.split(r"[；;。]", text or "") if any(w in c for w in words))


# ----------------------------------------------------------------- the feature vector and explanations
# (here, below both the ranker and the explainer, so neither imports the other)

FEATURES = [
    "cos",            # e5 cosine of the two documents' vectors (full text mixed with occupation, see embed_*)
    "lex",            # character-bigram BM25, divided by the best candidate's
    "skill_cov",      # share of the post's skills found (with synonyms) in the person's text
    "pskill_cov",     # share of the person's skills found in the post's text
    "title_desired",  # share of the post title's bigrams in what the person wants
    "title_exp",      # share of the post title's bigrams in the person's experience and skills
    "major",          # share of the person's major found in the post's text
    "edu_below",      # education below the post's minimum (after any waiver)
    "commute",        # commute fit from the district table
    "place",          # +1 post district among those wanted; else minus (1 - best commute fit from a wanted one); 0 no preference
    "local_miss",     # post asks for local residents and the person lives elsewhere
    "salary_short",   # how far pay falls below the wanted salary (share of the wish)
    "exp_gap",        # fewer years of experience than required
    "lic_missing",    # share of required licences/certificates not evidenced
    "shift_conflict", # night shifts or living on site the person rules out
    "prefers",        # post prefers a group the person belongs to (disabled, veteran, ...)
    "tier1",          # public-welfare post and R9 tier-1 person
    "kind_intern",    # the post is an internship (only eligible graduates see it)
    "kind_pw",        # the post is public-welfare (only eligible people see it)
    "fresh",          # recency of the post (and profile), 0 when unknown
    "occ_fit",        # occupation codes (classification 2022): same occupation 1, same minor group 0.7, same middle 0.4; 0 when a side has none
    "hub",            # the candidate's hubness: its mean score against the other side's pool, centred (ranker.hub_scores)
    "home_lodging",   # a written wish the post meets: home-based work (居家优先) or lodging (能提供住宿更好)
]
FI = {f: i for i, f in enumerate(FEATURES)}


@dataclass
class Explanation:
    """Why an item is where it is: structured facts plus rendered Chinese and English."""

    matched_skills: list[str] = field(default_factory=list)
    missing_skills: list[str] = field(default_factory=list)
    reasons: list[dict] = field(default_factory=list)  # {"code", "zh", "en"}
    gaps: list[dict] = field(default_factory=list)
    reasons_zh: str = ""
    reasons_en: str = ""
    gaps_zh: str = ""
    gaps_en: str = ""
