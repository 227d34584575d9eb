"""The messages of input refusals (``core.schemas``): pydantic's error codes and the
schemas' own checks in plain Chinese and plain English, each on the field a person should
change. An empty required field is "missing" however pydantic saw it; several problems a
model validator found at once (``schemas.raise_all``) become one entry each."""
from __future__ import annotations

from pydantic import ValidationError

_ZH = {
    "missing": "必填项",
    "extra_forbidden": "不接受此字段，请删除",
    "string_too_long": "太长：最多 {max_length} 个字符",
    "string_too_short": "太短：至少 {min_length} 个字符",
    "too_long": "太多：最多 {max_length} 项",
    "string_type": "应为文字",
    "string_pattern_mismatch": "格式不正确",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_inexact": "日期格式应为 YYYY-MM-DD",
    "literal_error": "请从列表中选择",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "decimal_parsing": "应为数字",
    "decimal_type": "应为数字",
    "decimal_max_places": "最多 {decimal_places} 位小数",
    "decimal_max_digits": "数字太大",
    "decimal_whole_digits": "数字太大",
    "id_number_format": "身份证号应为18位：17位数字加一位数字或X",
    "id_number_birth_date": "身份证号中的出生日期不存在",
    "id_number_check_digit": "身份证号校验位不正确，请核对",
    "credit_code_format": "统一社会信用代码应为18位，由数字和大写字母组成（不含I、O、S、V、Z）",
    "credit_code_check_digit": "统一社会信用代码校验位不正确，请核对",
    "phone": "手机号应为以1开头的11位数字",
    "birth_on_range": "出生日期应在1900-01-01与今天之间",
    "id_birth_mismatch": "出生日期与身份证号不一致",
    "graduation_year_early": "毕业年份早于10周岁，请核对",
    "duplicate_category": "同一类别重复填写",
    "caseworker_district": "经办人账户须指定所在区",
    "staff_organisation": "用人单位与人力资源机构人员须指定所属单位",
    "salary_range": "最低薪资不能高于最高薪资",
    "date_range": "开始日期不能晚于截止日期",
    "internship_period": "见习岗位须填写见习期（3–12个月）",
    "internship_stipend": "见习岗位须填写每月生活补助",
    "not_internship": "见习期和生活补助仅适用于见习岗位",
    "pw_temporary": "公益性岗位须注明是否为临时性岗位",
    "pw_term": "临时性公益性岗位期限为3–6个月",
    "pw_term_missing": "公益性岗位须填写岗位期限（月）",
    "not_public_welfare": "临时性与岗位期限仅适用于公益性岗位",
    "json_invalid": "请求体不是有效的 JSON",
    "base_since_without_base": "仅申请认定为见习基地时填写认定日期",
    "base_since_future": "见习基地认定日期不能晚于今天",
    "documents_needed": "请填写能证明所申请事项的材料名称（如见习基地认定文件及其文号）",
    "slot": "每个时段写作“时:分-时:分”（如 09:00-09:30），结束晚于开始",
    "slots_order": "时段须按时间顺序排列，且不能重复",
    "slots_overlap": "时段不能重叠：{a} 与 {b}",
    "one_of": "请只填写签到码、身份证号、手机号中的一项",
}


# The field a Chinese refusal names, as a person reads it (a field not listed keeps its name).
FIELD_ZH = {
    "title": "标题", "name": "名称", "description": "描述", "requirements": "任职要求", "skills": "技能",
    "district": "区县", "salary_min": "最低薪资", "salary_max": "最高薪资", "headcount": "招聘人数",
    "open_on": "开始日期", "close_on": "截止日期", "education_min": "最低学历", "reason": "理由", "note": "备注",
    "slots": "时段", "held_on": "举办日期", "venue": "场地", "mode": "形式", "registered_on": "登记日期",
    "ended_on": "注销日期", "end_reason": "注销原因", "granted_on": "认定日期", "revoked_on": "终止日期",
    "revoked_reason": "终止原因", "phone": "手机号", "birth_on": "出生日期", "id_number": "身份证号",
    "username": "用户名", "password": "密码", "display_name": "姓名", "gender": "性别", "purpose": "用途",
    "email": "电子邮箱", "body": "内容",
}


def field_zh(field: str) -> str:
    return FIELD_ZH.get(field) or FIELD_ZH.get(field.rsplit(".", 1)[-1], field)


# Errors found across fields are reported on the field a person should change.
_MODEL_ERROR_FIELD = {
    "birth_on_range": "birth_on", "id_birth_mismatch": "birth_on", "graduation_year_early": "graduation_year",
    "duplicate_category": "categories", "caseworker_district": "district", "staff_organisation": "organisation_id",
    "salary_range": "salary_min", "date_range": "open_on", "internship_period": "period_months",
    "internship_stipend": "stipend", "not_internship": "period_months", "pw_temporary": "temporary",
    "pw_term": "term_months", "pw_term_missing": "term_months", "not_public_welfare": "temporary",
    "base_since_without_base": "internship_base_since_on", "base_since_future": "internship_base_since_on",
    "documents_needed": "documents",
}


def _field_name(loc, code: str) -> str:
    name = ".".join(str(p) for p in loc)
    if code in _MODEL_ERROR_FIELD:
        return ".".join(filter(None, [name, _MODEL_ERROR_FIELD[code]]))
    return name or "body"


#: English for the checks written here, in words a person reads (pydantic's own messages
#: are already plain English; these would otherwise name fields by their codes)
_EN = {
    "missing": "please fill this in",
    "literal_error": "choose one from the list",
    "extra_forbidden": "this field is not accepted",
    "salary_range": "the lowest salary must not be above the highest",
    "date_range": "the opening date must not be after the closing date",
    "internship_period": "an internship needs an internship period (3-12 months)",
    "internship_stipend": "an internship needs a monthly stipend",
    "not_internship": "the internship period and stipend are for internships only",
    "pw_temporary": "a public-welfare post must say whether it is temporary",
    "pw_term": "a temporary public-welfare post has a term of 3-6 months",
    "pw_term_missing": "a public-welfare post needs its term in months",
    "not_public_welfare": "“temporary” and the term are for public-welfare posts only",
    "base_since_without_base": "the recognition date is only for an organisation asking to be an internship base",
    "base_since_future": "the internship-base recognition date cannot be in the future",
    "staff_organisation": "employer and agency staff need an organisation",
    "caseworker_district": "a caseworker account needs a district",
    "slot": "write each slot as HH:MM-HH:MM (e.g. 09:00-09:30), the end after the start",
    "one_of": "give exactly one of the check-in code, the ID number or the phone number",
}
_ZH_MISSING = "请填写此项"


def errors_to_details(exc: ValidationError) -> list[dict]:
    """One entry per problem (``field``, ``code``, ``message`` in zh and en). An empty
    required input is "missing" however pydantic saw it (too short, not a number, not in
    the list); messages never carry English into Chinese or codes into either."""
    out = []
    for e in exc.errors(include_url=False):
        if e["type"] == "several":
            for code, en in (e.get("ctx") or {}).get("problems", []):
                out.append(_detail(e["loc"], code, {}, en))
            continue
        code = e["type"]
        if code not in ("missing", "extra_forbidden") and e.get("input") in ("", None) and not _MODEL_ERROR_FIELD.get(code):
            code = "missing"
        ctx = {k: (", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v) for k, v in (e.get("ctx") or {}).items()}
        out.append(_detail(e["loc"], code, ctx, e["msg"]))
    seen, unique = set(), []
    for d in out:  # a reason once per field
        key = (d["field"], d["message"]["zh"])
        if key not in seen:
            seen.add(key)
            unique.append(d)
    return unique


def _detail(loc, code: str, ctx: dict, msg: str) -> dict:
    zh = _ZH_MISSING if code == "missing" else _ZH.get(code)
    if zh:
        try:
            zh = zh.format(**ctx)
        except (KeyError, IndexError):
            pass
    else:
        zh = "输入不正确，请核对此项"
    en = _EN.get(code) or msg
    if en.startswith("Value error, "):
        en = en[len("Value error, "):]
    return {"field": _field_name(loc, code), "code": code, "message": {"zh": zh, "en": en}}
