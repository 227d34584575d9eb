"""Reasons and gaps for one ranked pair, in Chinese and English.

Computed only for the items on the returned page. Each reason/gap is a dict
``{"code": ..., "zh": ..., "en": ...}``; the rendered strings join them with "; ".
"""
from __future__ import annotations

import numpy as np

from matching import features as F
from matching.features import FI, Explanation
from matching.pools import PostingPool, ProfilePool

_EDU_NAMES = {0: "不限", 1: "小学", 2: "初中", 3: "高中/中专", 4: "大专", 5: "本科", 6: "硕士", 7: "博士"}

INELIGIBLE_TEXT = {
    "open": ("岗位已关闭", "posting is closed"),
    "internship": ("不符合见习条件", "not eligible for a subsidised internship"),
    "public_welfare": ("不符合公益性岗位安置条件", "not eligible for a public-welfare post"),
    "target_group": ("不属于岗位定向招聘对象", "not in the post's target group"),
    "age": ("年龄不符合岗位要求", "age outside the post's stated limit"),
    "gender": ("性别不符合岗位要求", "gender does not meet the post's stated requirement"),
}


def _engine_reason(code: str, person: F.ProfileData | None) -> tuple[str, str] | None:
    """The policy engine's own reason for a refusal it decided (R1, R8, R14), if given."""
    if person is None:
        return None
    reason = {"internship": person.internship_reason, "public_welfare": person.public_welfare_reason,
              "target_group": person.target_groups_reason}.get(code)
    return reason if reason and reason[0] else None


def ineligible_reasons(passed: dict[str, bool], person: F.ProfileData | None = None) -> list[dict]:
    """Why a pair was filtered out; for the engine's filters, the engine's reason about ``person``."""
    out = []
    for k, ok in passed.items():
        if ok:
            continue
        zh, en = INELIGIBLE_TEXT[k]
        engine = _engine_reason(k, person)
        if engine:
            zh, en = f"{zh}（{engine[0]}）", f"{en} ({engine[1]})"
        out.append({"code": k, "zh": zh, "en": en})
    return out


def _held(phrase_ids: np.ndarray, have: set[int], frac: float = 0.5) -> bool:
    if len(phrase_ids) == 0:
        return False
    need = max(1, int(np.ceil(frac * len(phrase_ids) - 1e-9)))
    return sum(1 for t in phrase_ids.tolist() if t in have) >= need


def explain_pair(PP: PostingPool, pi: int, SP: ProfilePool, si: int, x: np.ndarray):
    post, person = PP.items[pi], SP.items[si]
    have = set(SP.full_sets[si].tolist())
    exp_have = set(SP.exp_sets[si].tolist())
    matched, missing = [], []
    for k in PP.skills_of(pi):
        (matched if _held(PP.skill_rows[k], have) else missing).append(PP.skill_phrases[k])
    reasons, gaps = [], []

    def add(lst, code, zh, en):
        lst.append({"code": code, "zh": zh, "en": en})

    if matched:
        add(reasons, "skills", "技能匹配: " + ", ".join(matched), "skills matched: " + ", ".join(matched))
    if x[FI["title_desired"]] >= 0.5:
        add(reasons, "occupation", "意向职位相符", "matches the wanted occupation")
    elif x[FI["title_exp"]] >= 0.5:
        add(reasons, "occupation", "有相关工作经历", "related work experience")
    occ = float(x[FI["occ_fit"]])
    if occ >= 1.0:
        add(reasons, "same_occupation", f"职业分类相同（{post.occupation_code}）",
            f"same occupation in the classification ({post.occupation_code})")
    elif occ > 0:
        level_zh, level_en = ("同一小类", "same minor group") if occ >= 0.7 else ("同一中类", "same middle group")
        add(reasons, "related_occupation", f"职业分类相近（{level_zh}）", f"related occupation ({level_en})")
    if x[FI["major"]] >= 0.5:
        add(reasons, "major", f"专业对口（{person.major}）", f"relevant major ({person.major})")
    edu, edu_min = int(SP.edu[si]), int(PP.edu_min[pi])
    if x[FI["edu_below"]]:
        add(gaps, "education_below", f"学历低于要求（要求{_EDU_NAMES.get(edu_min, edu_min)}）",
            f"education below the minimum ({_EDU_NAMES.get(edu_min, edu_min)} required)")
    elif edu < edu_min:
        add(reasons, "education_waived", "学历按经验放宽", "education requirement waived for experience")
    else:
        add(reasons, "education_meets", "学历符合", "education meets")
    pd_, sd = int(PP.district[pi]), int(SP.district[si])
    far = F.districts()["far_below"]
    if pd_ == sd:
        add(reasons, "same_district", "同区", "same district")
    elif x[FI["commute"]] < far:
        add(gaps, "far_district", f"距离较远（{post.district}）", f"far district ({post.district})")
    else:
        add(reasons, "commutable", "通勤方便", "commutable")
    if x[FI["place"]] > 0 and pd_ != sd:
        add(reasons, "wanted_place", "在意向区域", "in a wanted area")
    elif x[FI["place"]] < 0:
        add(gaps, "unwanted_place", "不在意向区域", "outside the wanted area")
    if x[FI["home_lodging"]]:
        if PP.offers_home[pi] and SP.wants_home[si]:
            add(reasons, "home_based", "可居家办公，符合意向", "home-based work, as wanted")
        else:
            add(reasons, "lodging", "提供住宿，符合意向", "lodging provided, as wanted")
    if x[FI["local_miss"]]:
        add(gaps, "not_local", "岗位优先本地居民", "post prefers local residents")
    if x[FI["salary_short"]] > 0.05:
        add(gaps, "salary_below", f"薪资低于期望（最高{post.salary_max}，期望{SP.desired_salary[si]:.0f}）",
            f"pay below the wanted salary (up to {post.salary_max}, wants {SP.desired_salary[si]:.0f})")
    elif not np.isnan(SP.desired_salary[si]) and post.salary_max:
        add(reasons, "salary_fits", "薪资符合期望", "pay meets the wanted salary")
    if x[FI["exp_gap"]]:
        add(gaps, "experience_below", f"工作年限不足（要求{PP.exp_years[pi]:.0f}年）",
            f"less experience than required ({PP.exp_years[pi]:.0f} years)")
    lic_missing = [PP.limits[pi].licences[j] for j, k in enumerate(PP.lics_of(pi)) if not _held(PP.lic_rows[k], exp_have)]
    if lic_missing:
        add(gaps, "licence_missing", "缺少证书: " + ", ".join(lic_missing), "licence not shown: " + ", ".join(lic_missing))
    if missing:
        add(gaps, "skills_missing", "缺少技能: " + ", ".join(missing), "missing skills: " + ", ".join(missing))
    if x[FI["shift_conflict"]]:
        add(gaps, "shift", "班次或住宿安排不合意", "shift pattern or living on site ruled out")
    if x[FI["prefers"]]:
        add(reasons, "preferred_group", "属岗位优先人群", "in a group the post prefers")
    kind = int(PP.kind[pi])
    if kind == 1 and person.internship_eligible and person.internship_reason[0]:
        add(reasons, "internship_eligible", *person.internship_reason)
    if kind == 2 and person.public_welfare_eligible and person.public_welfare_reason[0]:
        add(reasons, "public_welfare_eligible", *person.public_welfare_reason)
    if x[FI["tier1"]]:
        zh, en = person.priority_reason if person.priority_reason[0] else ("R9 第1优先层级", "R9 priority tier 1")
        add(reasons, "r9_tier1", f"公益性岗位优先安置（{zh}）", f"placed first on public-welfare posts ({en})")
    if post.target_group and post.target_group in person.target_groups:
        zh, en = person.target_groups_reason if person.target_groups_reason[0] else ("R14", "R14")
        add(reasons, "target_group", f"属岗位定向招聘对象（{zh}）", f"in the post's target group ({en})")
    return Explanation(
        matched_skills=matched, missing_skills=missing, reasons=reasons, gaps=gaps,
        reasons_zh="; ".join(r["zh"] for r in reasons), reasons_en="; ".join(r["en"] for r in reasons),
        gaps_zh="; ".join(g["zh"] for g in gaps), gaps_en="; ".join(g["en"] for g in gaps),
    )
