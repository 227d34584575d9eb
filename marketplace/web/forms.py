"""Helpers every area's pages share: names of coded values in the person's language,
refusals shown beside their fields, the page number, the role check, form-value cleaning."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import request, url_for
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


def message(exc: DomainError) -> str:
    return exc.message_zh if current_lang() == "zh" else exc.message_en


def field_errors(exc: DomainError) -> dict:
    key = "zh" if current_lang() == "zh" else "en"
    errors = {d["field"]: d["message"][key] for d in exc.details}
    if exc.field and exc.field not in errors:
        errors[exc.field] = message(exc)
    return errors


def page_args(per_page: int = 20) -> tuple[int, int]:
    raw = request.args.get("page", "1")
    page = int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 100000 else 1
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
