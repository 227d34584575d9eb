"""Helpers every area's pages share: names of coded values in the person's language,
refusals shown beside their fields, the page number, the role check, form-value cleaning."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import flash, redirect, request, url_for
from flask_login import current_user

from marketplace.core.models import EDUCATION_EN, EDUCATION_LEVELS
from marketplace.errors import DomainError, Forbidden
from marketplace.web.i18n import current_lang

NAMES = {
    "kind": {"job": ("招聘岗位", "job"), "internship": ("就业见习岗位", "internship"),
             "public_welfare": ("公益性岗位", "public-welfare post")},
    "status": {"draft": ("草稿", "draft"), "published": ("已发布", "published"), "closed": ("已关闭", "closed")},
    "stage": {"invited": ("已邀请", "invited"), "applied": ("已申请", "applied"), "screening": ("筛选中", "screening"), "interview": ("面试", "interview"),
              "offer": ("已录用通知", "offer"), "hired": ("已入职", "hired"), "rejected": ("未通过", "rejected"),
              "withdrawn": ("已撤回", "withdrawn")},
    "org_type": {"enterprise": ("企业", "enterprise"), "soe": ("国有企业", "state-owned enterprise"),
                 "public_institution": ("事业单位", "public institution"), "social_org": ("社会组织", "social organisation"),
                 "hr_agency": ("人力资源服务机构", "HR service agency")},
    "category": {"graduating_year_graduate": ("毕业年度高校毕业生", "graduating-year graduate"),
                 "registered_unemployed": ("登记失业人员", "registered unemployed"),
                 "veteran": ("退役军人", "veteran"), "disabled": ("残疾人", "disabled"),
                 "zero_employment_family": ("零就业家庭成员", "zero-employment family"),
                 "landless_farmer": ("失地农民", "landless farmer"), "model_worker": ("劳动模范", "model worker"),
                 "poverty_registered": ("脱贫/建档立卡户", "poverty-registered"), "hubei_origin": ("湖北籍", "Hubei origin")},
    "role": {"person": ("求职者", "job seeker"), "employer": ("用人单位", "employer"),
             "agency": ("人力资源机构", "HR agency"), "caseworker": ("经办人", "caseworker"),
             "organiser": ("招聘会组织者", "fair organiser"), "admin": ("管理员", "administrator")},
}


def name_of(group: str, key) -> str:
    zh, en = NAMES[group].get(key, (key, key))
    return zh if current_lang() == "zh" else en


def education_name(level) -> str:
    level = int(level or 0)
    return EDUCATION_LEVELS[level] if current_lang() == "zh" else EDUCATION_EN[level]


def options(group: str) -> list[tuple[str, str]]:
    return [(k, name_of(group, k)) for k in NAMES[group]]


def page_url(n: int) -> str:
    args = request.args.to_dict()
    args["page"] = n
    return url_for(request.endpoint, **(request.view_args or {}), **args)


#: What each form field is called on the pages, for the error summary above a form (the
#: message beside a field needs no name). Codes never reach a person: a field missing here
#: is called "this item" (and tests/web/test_form_messages.py fails on it).
FIELD_LABELS = {
    "username": ("用户名", "username"), "password": ("密码", "password"), "display_name": ("显示名称", "display name"),
    "old_password": ("原密码", "current password"), "new_password": ("新密码", "new password"),
    "confirm_password": ("确认新密码", "new password again"), "locale": ("语言", "language"),
    "name": ("姓名/名称", "name"), "gender": ("性别", "gender"), "birth_on": ("出生日期", "date of birth"),
    "id_number": ("身份证号", "ID number"), "phone": ("手机号", "mobile number"),
    "hukou_place": ("户籍所在地", "place of household registration"), "district": ("所在区", "district"),
    "education": ("学历", "education"), "education_min": ("最低学历", "minimum education"),
    "major": ("专业", "major"), "graduation_year": ("毕业年份", "graduation year"), "skills": ("技能", "skills"),
    "experience": ("工作经历", "experience"), "summary": ("自我介绍", "about me"),
    "desired_jobs": ("期望工作", "jobs wanted"), "desired_places": ("期望工作地点", "places wanted"),
    "desired_salary_min": ("期望最低月薪", "lowest salary wanted"), "categories": ("人员类别", "categories"),
    "category": ("人员类别", "category"), "since_on": ("起始日期", "since"), "detail": ("说明", "details"),
    "occupation_codes": ("职业代码", "occupations"), "occupation_code": ("职业代码", "occupation"),
    "published": ("公开档案", "published"), "publish": ("发布", "publish"),
    "organisation": ("单位", "organisation"), "organisation.name": ("单位名称", "organisation name"),
    "organisation.credit_code": ("统一社会信用代码", "unified social credit code"),
    "organisation.district": ("单位所在区", "organisation's district"),
    "organisation.industry": ("所属行业", "industry"), "organisation.org_type": ("单位类型", "organisation type"),
    "organisation.documents": ("证明材料", "documents"), "credit_code": ("统一社会信用代码", "unified social credit code"),
    "industry": ("所属行业", "industry"), "org_type": ("单位类型", "organisation type"),
    "organisation_id": ("所属单位", "organisation"), "role": ("角色", "role"), "is_active": ("账户启用", "active"),
    "is_internship_base": ("见习基地", "internship base"),
    "internship_base_since_on": ("见习基地认定日期", "internship base since"),
    "is_epidemic_supply": ("疫情防控物资企业", "epidemic-supply enterprise"), "documents": ("证明材料", "documents"),
    "checked": ("核查内容", "what was checked"), "reason": ("原因", "reason"), "note": ("备注", "note"),
    "resolution": ("处理结果", "resolution"), "verdict": ("结论", "verdict"),
    "kind": ("岗位类型", "kind"), "title": ("岗位名称", "title"), "description": ("岗位描述", "description"),
    "requirements": ("任职要求", "requirements"), "salary_min": ("最低月薪", "lowest salary"),
    "salary_max": ("最高月薪", "highest salary"), "headcount": ("招聘人数", "openings"),
    "target_group": ("目标人群", "target group"), "hiring_conditions": ("招聘条件", "hiring conditions"),
    "for_graduates": ("面向高校毕业生", "for graduates"), "open_on": ("开始日期", "opening date"),
    "close_on": ("截止日期", "closing date"), "period_months": ("见习期（月）", "internship period (months)"),
    "stipend": ("每月生活补助", "monthly stipend"), "temporary": ("临时性岗位", "temporary post"),
    "term_months": ("岗位期限（月）", "term (months)"), "stage": ("阶段", "stage"),
    "start_on": ("开始日期", "start date"), "ended_on": ("结束日期", "end date"), "outcome_on": ("结果日期", "outcome date"),
    "outcome": ("见习结果", "outcome"), "monthly_rate": ("每月补贴标准", "monthly rate"),
    "interruption": ("中断记录", "interruption"), "months": ("月数", "months"), "fund": ("资金来源", "fund"),
    "basis": ("依据", "basis"), "justification": ("理由", "justification"), "registered_on": ("登记日期", "registered on"),
    "unemployed_since": ("失业起始日期", "unemployed since"), "skip_reason": ("跳过原因", "reason for skipping"),
    "original_retirement_age": ("原法定退休年龄", "original retirement age"),
    "original_age": ("原法定退休年龄", "original retirement age"), "how": ("方式", "how"),
    "channel": ("渠道", "channel"), "days": ("天数", "days"), "value": ("数值", "value"), "record": ("记录", "record"),
    "record_id": ("记录", "record"), "application_id": ("申请", "application"), "posting_id": ("岗位", "posting"),
    "posting_ids": ("岗位", "postings"), "profile_id": ("求职者", "job seeker"), "booth_id": ("展位", "booth"),
    "recruiters": ("招聘人员人数", "recruiters"), "per_slot": ("每时段面试人数", "interviews per slot"),
    "approve": ("是否批准", "approve"), "place": ("展位位置", "booth place"), "mode": ("举办方式", "format"),
    "held_on": ("举办日期", "date"), "venue": ("地点", "venue"), "slots": ("面试时段", "interview slots"),
    "token": ("签到码", "check-in code"), "q": ("搜索", "search"), "policy_set": ("政策", "policy"),
    "body": ("表单", "form"), "facts": ("申领信息", "claim facts"),
    "monthly_social_insurance": ("每月社会保险缴费", "monthly social insurance"),
    "graduate_kind": ("毕业生类别", "graduate kind"), "funding_source": ("资金渠道", "funding source"),
    "contract_months": ("劳动合同期限（月）", "contract length (months)"),
    "contract_start_on": ("劳动合同开始日期", "contract start"), "insured_from": ("参保起始月", "insured from"),
}


def label_of(field: str | None) -> str:
    """The name a person reads for a form field code (``organisation.name``,
    ``categories.0.category``, ``interruptions[1].from`` included)."""
    zh = current_lang() == "zh"
    if not field:
        return "表单" if zh else "form"
    parts = [p for p in re.split(r"[.\[\]]", field) if p and not p.isdigit()]
    for candidate in (field, ".".join(parts), *(parts[i:] and ".".join(parts[i:]) for i in range(1, len(parts))),
                      parts[0] if parts else ""):
        if candidate in FIELD_LABELS:
            return FIELD_LABELS[candidate][0 if zh else 1]
    if parts and parts[0].startswith("interruption"):
        return FIELD_LABELS["interruption"][0 if zh else 1]
    return "此项" if zh else "this item"


def _said_once(items: list[str], sep: str) -> str:
    return sep.join(dict.fromkeys(i for i in items if i))


def message(exc: DomainError) -> str:
    """The refusal above a form, in the page's language. A refusal of several fields names
    each by its label (never its code), each reason once, all at once."""
    zh = current_lang() == "zh"
    if exc.code == "validation_failed" and exc.details:
        key = "zh" if zh else "en"
        parts = []
        for d in exc.details:
            text = d["message"][key]
            if d.get("code") == "missing":
                parts.append(f"请填写{label_of(d['field'])}" if zh else f"please fill in the {label_of(d['field'])}")
            else:
                parts.append(f"{label_of(d['field'])}：{text}" if zh else f"{label_of(d['field'])}: {text}")
        return _said_once(parts, "；" if zh else "; ")
    return exc.message_zh if zh else exc.message_en


def field_errors(exc: DomainError) -> dict:
    """The message beside each field (every problem of that field, each once)."""
    key = "zh" if current_lang() == "zh" else "en"
    errors: dict[str, list[str]] = {}
    for d in exc.details:
        errors.setdefault(d["field"], []).append(d["message"][key])
    out = {f: _said_once(m, "；" if key == "zh" else "; ") for f, m in errors.items()}
    if exc.field and exc.field not in out:
        out[exc.field] = exc.message_zh if key == "zh" else exc.message_en
    return out


def whole_number(raw, lo: int = 0, hi: int = 2**63 - 1) -> int | None:
    """A page's query or form integer: ASCII digits only, from ``lo`` to ``hi``, else None.
    The one reading for every page (``str.isdigit`` is also true of "²" and "１２", which
    ``int`` refuses or reads as another number: a 500, or one record with many addresses);
    the routes' ``<int:>`` converter applies the same rule to paths."""
    if not isinstance(raw, str):
        return None
    raw = raw.strip()
    if not raw or len(raw) > 19 or not (raw.isascii() and raw.isdigit()):
        return None
    n = int(raw)
    return n if lo <= n <= hi else None


def page_args(per_page: int = 20) -> tuple[int, int]:
    page = whole_number(request.args.get("page", "1"), 1, 99999) or 1
    return page, per_page


def require_role(*roles):
    if not current_user.is_authenticated:
        return False
    if current_user.role not in roles:
        raise Forbidden()
    return True


def _split(value: str) -> list[str]:
    return [s.strip() for s in re.split(r"[,，、;；\n]", value or "") if s.strip()]


def _opt(value):
    return value if value not in ("", None) else None


def local_url(target: str | None, fallback: str) -> str:
    """Where to send the browser after a form: ``target`` (a ``next`` field, a ``back``
    field or the ``Referer`` header) only if it is a page of this site, reduced to its path
    and query, else ``fallback``. The one check for every redirect to a requested place:
    another host, another scheme, ``//host``, ``/\\host`` and hidden control characters
    (which browsers drop or read as slashes) all fall back."""
    if not target or len(target) > 2000 or "\\" in target or any(ord(c) < 0x21 or ord(c) == 0x7f for c in target):
        return fallback
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc) and (parts.scheme not in ("http", "https") or parts.netloc != request.host):
        return fallback
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return fallback
    return parts.path + ("?" + parts.query if parts.query else "")


def act_then_back(action, back: str, ok: str | None = None):
    """Run one page action, then go back to ``back`` (a local URL). A refusal
    (``DomainError``) is flashed with its reason, and everything the action wrote before it
    refused is rolled back: the 303 that follows is below 400, so the request's unit of
    work would otherwise commit it. A record the actor may not see stays a 404. ``ok`` is
    flashed on success."""
    from marketplace.web import db  # noqa: PLC0415  (marketplace.web imports this module through web.errors)

    try:
        action()
    except DomainError as exc:
        if exc.status == 404:
            raise
        db().rollback()
        flash(message(exc), "error")
        return redirect(back), 303
    if ok:
        flash(ok, "ok")
    return redirect(back)
