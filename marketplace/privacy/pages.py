"""The person's "my data" page (PIPL): download everything held about them, or delete it."""
from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from marketplace import clock
from marketplace.core import accounts
from marketplace.errors import DomainError
from marketplace.privacy import operations as privacy
from marketplace.web import cipher, client_address, db, login_limits
from marketplace.web.forms import education_name, label_of, message, name_of, require_role
from marketplace.web.i18n import current_lang

bp = Blueprint("privacy", __name__, template_folder="templates")

#: what each key of the download is called on the readable page (zh, en); keys not here
#: fall back to the form labels of ``web.forms.FIELD_LABELS``
DATA_LABELS = {
    "exported_on": ("导出日期", "exported on"), "account": ("账户", "account"), "profile": ("求职档案", "profile"),
    "created_at": ("创建时间", "created"), "applications": ("我的申请", "applications"),
    "posting": ("岗位", "posting"), "employer": ("用人单位", "employer"), "applied_at": ("申请时间", "applied"),
    "history": ("进展", "history"), "to": ("进入阶段", "moved to"), "at": ("时间", "at"),
    "confirmed_at": ("经办人确认时间", "confirmed by a caseworker"), "audit_log": ("操作记录", "audit log"),
    "entity": ("对象", "record"), "action": ("操作", "action"),
    "internship_agreements": ("就业见习协议", "internship agreements"), "status": ("状态", "status"),
    "introductions_by_agencies": ("人力资源机构的推荐", "introductions by agencies"), "agency": ("机构", "agency"),
    "answer": ("我的答复", "my answer"), "answered_at": ("答复时间", "answered"),
    "labour_contracts": ("劳动合同", "labour contracts"), "signed_on": ("签订日期", "signed on"),
    "social_insurance_declared": ("申报的社会保险", "social insurance declared"),
    "monthly_amount": ("每月金额", "monthly amount"), "makeup_paid_on": ("补缴日期", "make-up paid on"),
    "my_confirmations": ("我的确认", "my confirmations"), "unemployment_registrations": ("失业登记", "unemployment registrations"),
    "referrals": ("推荐记录", "referrals"), "referred_on": ("推荐日期", "referred on"),
    "public_welfare_placements": ("公益性岗位安置", "public-welfare placements"), "end_on": ("结束日期", "end date"),
    "end_reason": ("结束原因", "reason it ended"), "fair_registrations": ("招聘会报名", "job-fair registrations"),
    "fair_interviews": ("招聘会面试", "job-fair interviews"), "fair": ("招聘会", "job fair"), "booth": ("展位", "booth"),
    "checked_in_at": ("签到时间", "checked in"), "since_on": ("起始日期", "since"),
}
_CODED = {"stage": "stage", "to": "stage", "category": "category", "role": "role", "kind": "kind"}


def _label(key: str) -> str:
    zh = current_lang() == "zh"
    if key in DATA_LABELS:
        return DATA_LABELS[key][0 if zh else 1]
    return label_of(key)


def _value(key, v) -> str:
    zh = current_lang() == "zh"
    if v is None or v == "":
        return "—"
    if isinstance(v, bool):
        return ("是" if v else "否") if zh else ("yes" if v else "no")
    if key in _CODED and isinstance(v, str):
        return name_of(_CODED[key], v)
    if key == "education" and isinstance(v, int):
        return education_name(v)
    if key == "locale":
        return {"zh": "中文", "en": "English"}.get(v, v)
    if isinstance(v, str) and len(v) >= 19 and v[10:11] == "T":  # a stored time: Fushun's, to the minute
        return v[:16].replace("T", " ")
    return str(v)


def readable(obj, key: str = "") -> dict:
    """The download as nested sections a person can read: labels, not keys; names, not codes."""
    if isinstance(obj, dict):
        return {"kind": "fields", "items": [(_label(k), readable(v, k)) for k, v in obj.items()]}
    if isinstance(obj, list):
        if all(not isinstance(x, (dict, list)) for x in obj):
            return {"kind": "text", "text": "、".join(_value(key, x) for x in obj) if obj else "—"}
        return {"kind": "rows", "items": [readable(x, key) for x in obj]}
    return {"kind": "text", "text": _value(key, obj)}


def _retention_years() -> int:
    """How long claim evidence outlives a deletion (``internships.evidence``), for the notice."""
    return clock.current_config().EVIDENCE_RETENTION_YEARS


@bp.route("/me/data", methods=["GET", "POST"])
@login_required
def my_data():
    require_role("person")
    if request.method == "GET":
        if request.args.get("download") == "1":
            body = json.dumps(privacy.export(db(), cipher(), current_user), ensure_ascii=False, indent=2)
            return Response(body, mimetype="application/json",
                            headers={"Content-Disposition": "attachment; filename=my-data.json"})
        return render_template("person/data.html", retention_years=_retention_years(),
                               data=readable(privacy.export(db(), cipher(), current_user)))
    try:
        privacy.delete_account(db(), current_user, request.form.get("password", ""), client_address(), login_limits())
    except DomainError as exc:
        accounts.keep_failed_login(db())  # the throttle's counts stay although the request is refused
        return render_template("person/data.html", error=message(exc), retention_years=_retention_years(),
                               data=readable(privacy.export(db(), cipher(), current_user))), exc.status
    logout_user()
    flash(_("Your account and personal data were deleted."), "ok")
    return redirect(url_for("pages.home"))
