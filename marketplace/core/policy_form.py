"""The policy administrator's form of a version: every scalar parameter of every rule as
one field, labelled in Chinese with its unit, beside its rule id and POLICY.md's wording;
and the typed values read back from what was typed (a field that cannot be read names
itself; the whole version is then validated by the file loader, ``policy_admin``)."""
from __future__ import annotations

import copy
import re

from marketplace.errors import ValidationFailed

#: POLICY.md's wording of each rule (the plan's words where it has them)
RULE_WORDING = {
    "R1": "R1 见习对象：将2020届、2021届毕业学年高校毕业生纳入就业见习补贴范围（原有范围为参数）",
    "R2": "R2 见习补贴标准：按实际见习时间折算（元/月 × 期限 × 实际见习天数 / 协议天数）",
    "R3": "R3 对因疫情影响见习暂时中断的，相应延长见习单位补贴期限",
    "R4": "R4 对距见习协议确定的见习期不足1/3时与高校毕业生签订劳动合同的，给予见习单位全部期限见习补贴",
    "R5": "R5 补贴申领截止日期",
    "R6": "R6 一次性吸纳就业补贴：招用毕业年度高校毕业生或登记失业半年以上人员，签订1年以上劳动合同并缴纳社会保险",
    "R7": "R7 疫情防控期间新招用补贴和职业介绍补贴（实施期限为疫情防控期间）",
    "R8": "R8 公益性岗位安置对象（就业困难人员）",
    "R9": "R9 公益性岗位安置优先顺序（距法定退休年龄不足5年者优先）",
    "R10": "R10 公益性岗位总量控制、临时性岗位期限及延长（2020年1月1日至12月31日）",
    "R13": "R13 国有企业今明两年招聘高校毕业生（须在本单位实习等条件）",
    "R14": "R14 定向招聘群体（如2020年退役大学生，名额上限）",
    "R15": "R15 湖北籍高校毕业生一次性求职创业补贴",
}

#: a parameter's last key -> (Chinese label, unit)
KEY_LABELS = {
    "from": ("实施期限起", "日期"), "to": ("实施期限止", "日期"),
    "monthly_rate": ("见习补贴标准", "元/月"), "min_period_months": ("最短见习期", "个月"),
    "max_period_months": ("最长见习期", "个月"), "numerator": ("比例分子", ""), "denominator": ("比例分母", ""),
    "below_threshold": ("不足比例时给予", "full_period=全部期限 / served=按实际见习时间"),
    "otherwise": ("其余情形给予", "full_period=全部期限 / served=按实际见习时间"),
    "rate_factor": ("补贴标准倍数", "倍"), "claim_deadline": ("申领截止日期", "日期"),
    "contribution_months": ("补贴按社会保险费月数", "个月"), "min_contract_months": ("劳动合同最短期限", "个月"),
    "min_unemployed_months": ("登记失业最短时间", "个月"), "hire_amount": ("新招用补贴", "元/人"),
    "referral_amount": ("职业介绍补贴", "元/人"), "referral_cap_per_agency": ("每家机构职业介绍补贴上限", "元"),
    "epidemic_declared_end": ("疫情解除日期", "日期"), "application_months": ("申请期限", "个月"),
    "min_failed_referrals": ("推荐未成功最少次数", "次"), "retirement_years": ("距法定退休年龄", "年"),
    "temporary_min_months": ("临时性岗位最短期限", "个月"), "temporary_max_months": ("临时性岗位最长期限", "个月"),
    "months": ("延长期限", "个月"), "max_extensions": ("最多延长次数", "次"), "max_placements": ("最多安置次数", "次"),
    "amount": ("补贴金额", "元"), "graduation_year": ("毕业年份", "年"), "origin_province": ("生源省份", ""),
    "cap": ("名额上限", "人（空=不限）"), "since_year": ("认定年份", "年"), "min_education": ("最低学历代码", "4=大专"),
    "min_education_level": ("最低学历代码", "4=大专"), "months_since_leaving": ("离校时间不超过", "个月"),
    "age_min": ("最低年龄", "岁"), "age_max": ("最高年龄", "岁"), "extends": ("延长补贴期限", "true/false"),
    "added_by_plan": ("方案新增", "true/false"), "confirmed": ("须经办人员确认", "true/false"),
    "zh": ("中文名称", ""), "en": ("英文名称", ""), "code": ("代码", ""), "category": ("档案类别", ""),
    "leaves_school_on": ("离校日", "MM-DD"),
}


def _leaves(value, path):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, f"{path}[{i}]")
    else:
        yield path, value


def fields(document: dict) -> list[dict]:
    """Every scalar parameter of the version's rules, grouped by rule, as form fields."""
    out = []
    for rule, body in document.get("rules", {}).items():
        items = []
        for path, value in _leaves(body, rule):
            last = re.sub(r"\[\d+\]$", "", path.rsplit(".", 1)[-1])
            if path.split(".")[-2:-1] == ["district_quotas"]:
                label, unit = (f"{last}公益性岗位总量", "个")
            else:
                label, unit = KEY_LABELS.get(last, (last, ""))
            items.append({"name": path, "label": label, "unit": unit, "key": path.split(".", 1)[-1] if "." in path
                          else path, "value": "" if value is None else str(value).lower() if isinstance(value, bool)
                          else str(value)})
        out.append({"rule": rule, "wording": RULE_WORDING.get(rule, rule), "fields": items})
    return out


def _set(doc, path: str, value) -> None:
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    node = doc
    for p in parts[:-1]:
        node = node[int(p[1:-1])] if p.startswith("[") else node[p]
    last = parts[-1]
    if last.startswith("["):
        node[int(last[1:-1])] = value
    else:
        node[last] = value


def _named(path: str) -> tuple[str, str]:
    """A parameter as the administrator reads it: its rule and its label (the JSON path stays
    in the error's ``field``)."""
    rule = path.split(".", 1)[0]
    last = re.sub(r"\[\d+\]$", "", path.rsplit(".", 1)[-1])
    return f"{rule} {KEY_LABELS.get(last, (last, ''))[0]}", f"{rule} {last.replace('_', ' ')}"


def read(document: dict, form) -> dict:
    """The rules with the typed values, each read as the type the version holds."""
    rules = copy.deepcopy(document.get("rules", {}))
    for path, old in _leaves(document.get("rules", {}), ""):
        path = path.lstrip(".")
        if path not in form:
            continue
        raw = (form.get(path) or "").strip()
        field = f"rules.{path}"
        zh, en = _named(path)
        if isinstance(old, bool):
            if raw not in ("true", "false"):
                raise ValidationFailed(f"{zh}：请填写 true 或 false", f"{en}: expected true or false", field=field)
            value = raw == "true"
        elif isinstance(old, int):
            try:
                value = int(raw)
            except ValueError:
                raise ValidationFailed(f"{zh}：应为整数", f"{en}: expected a whole number", field=field) from None
        elif old is None or raw == "":
            value = None if raw == "" and (old is None or path.endswith((".from", ".to", "cap")) or
                                           path.endswith("epidemic_declared_end")) else raw
            if value is not None and re.fullmatch(r"-?\d+", value) and path.endswith(("cap", "since_year",
                                                                                     "min_education")):
                value = int(value)
        else:
            value = raw
        _set(rules, path, value)
    return rules
