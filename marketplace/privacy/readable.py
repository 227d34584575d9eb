"""The person's data download (``operations.export``) as something a person can read:
labels, not keys; names, not codes; times to the minute. One tree, drawn twice: as the "my
data" page (``pages``, in the page's language) and as the "我的数据" PDF (``documents``,
in Chinese, as every paper of the documents service is)."""
from __future__ import annotations

from marketplace.core.models import EDUCATION_EN, EDUCATION_LEVELS
from marketplace.web.forms import FIELD_LABELS, NAMES

#: what each key of the download is called (zh, en); the download's keys not here fall back
#: to the form labels of ``web.forms.FIELD_LABELS`` (a key here wins where the form's label
#: means something else, e.g. ``outcome``, which is an internship's there)
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
    "answered_via": ("答复方式", "how I answered"),
    "labour_contracts": ("劳动合同", "labour contracts"), "signed_on": ("签订日期", "signed on"),
    "social_insurance_declared": ("申报的社会保险", "social insurance declared"),
    "monthly_amount": ("每月金额", "monthly amount"), "makeup_paid_on": ("补缴日期", "make-up paid on"),
    "my_confirmations": ("我的确认", "my confirmations"), "unemployment_registrations": ("失业登记", "unemployment registrations"),
    "referrals": ("推荐记录", "referrals"), "referred_on": ("推荐日期", "referred on"),
    "public_welfare_placements": ("公益性岗位安置", "public-welfare placements"), "end_on": ("结束日期", "end date"),
    "end_reason": ("结束原因", "reason it ended"), "fair_registrations": ("招聘会报名", "job-fair registrations"),
    "fair_interviews": ("招聘会面试", "job-fair interviews"), "fair": ("招聘会", "job fair"), "booth": ("展位", "booth"),
    "checked_in_at": ("签到时间", "checked in"), "since_on": ("起始日期", "since"),
    "outcome": ("结果", "outcome"), "place": ("地点", "place"), "kind": ("类型", "kind"),
    "channel": ("渠道", "channel"), "registered_on": ("登记日期", "registered on"), "ended_on": ("终止日期", "ended on"),
    "start_on": ("开始日期", "start"), "term_months": ("期限（月）", "term (months)"),
    "period_months": ("期限（月）", "period (months)"), "outcome_on": ("结束日期", "ended on"),
    "months": ("期限（月）", "term (months)"), "record": ("记录", "record"), "verdict": ("确认结果", "verdict"),
    "who_saw_my_contact": ("谁查看了我的档案和电话", "who saw my profile and phone"),
    "local_time": ("时间", "time"), "what": ("查看内容", "what was seen"), "who": ("查看人", "who"),
    "role": ("身份", "role"), "organisation": ("单位", "organisation"), "application_id": ("申请编号", "application no."),
    "purpose": ("用途", "purpose"), "purpose_zh": ("用途说明", "purpose (Chinese)"),
    "purpose_en": ("用途说明（英文）", "purpose (English)"),
    "application_interviews": ("申请岗位的面试", "interviews on my applications"), "id": ("编号", "no."),
    "options": ("可选时间", "times offered"), "index": ("序号", "no."), "local": ("当地时间", "local time"),
    "duration_minutes": ("时长（分钟）", "length (minutes)"), "online_link": ("线上面试链接", "online link"),
    "person_note": ("我的留言", "my note"), "starts_at": ("开始时间", "starts at"),
    "starts_local": ("开始时间（当地）", "starts (local time)"),
    "application_messages": ("申请中的消息", "messages on my applications"), "side": ("发送方", "from"),
    "body": ("内容", "text"), "read_at": ("阅读时间", "read"),
    "policy_outreach": ("政策告知", "policy notices"), "rule": ("政策条款", "rule"), "told": ("已告知", "told"),
    "text_zh": ("内容", "text (Chinese)"), "text_en": ("内容（英文）", "text (English)"),
    "notifications": ("站内通知", "notifications"), "zh": ("内容", "text (Chinese)"), "en": ("内容（英文）", "text (English)"),
    "link": ("链接", "link"), "message_contacts": ("短信和邮件地址", "SMS and e-mail addresses"),
    "address": ("地址", "address"), "verified_at": ("验证时间", "verified"),
    "message_channels": ("接收提醒的方式", "how I am told"), "sms": ("短信", "SMS"), "email": ("电子邮件", "e-mail"),
    "messages_sent": ("已发送的短信和邮件", "SMS and e-mails sent"), "state": ("状态", "state"),
    "sent_at": ("发送时间", "sent"),
}
#: coded values of the download that have names (zh, en), by the key they stand under
VALUE_NAMES = {
    "answered_via": {"online": ("本人在线答复", "online, myself"), "phone": ("电话告知经办人员", "by phone, to a caseworker"),
                     "in_person": ("当面告知经办人员", "in person, to a caseworker"), "": ("", "")},
    "answer": {"unanswered": ("未答复", "not answered"), "accepted": ("已接受", "accepted"),
               "declined": ("已谢绝", "declined")},
    "status": {"requested": ("已申请", "requested"), "confirmed": ("已确认", "confirmed"),
               "cancelled": ("已取消", "cancelled"), "done": ("已完成", "done"), "proposed": ("待答复", "proposed"),
               "accepted": ("已接受", "accepted"), "declined": ("已谢绝", "declined"),
               "reschedule_asked": ("请求改期", "asked to reschedule"), "replaced": ("已改期", "replaced"),
               "active": ("见习中", "active"), "finished": ("见习期满", "finished"),
               "contract": ("签订劳动合同", "labour contract signed"), "left": ("提前离开", "left early")},
    "outcome": {"intent": ("达成意向", "intent"), "offer": ("已录用通知", "offer"), "hired": ("已录用", "hired"),
                "not_suitable": ("不合适", "not suitable"), "not_hired": ("未录用", "not hired"),
                "refused": ("本人拒绝", "refused")},
    "channel": {"online": ("网上", "online"), "desk": ("窗口", "at the desk"), "sms": ("短信", "SMS"),
                "email": ("电子邮件", "e-mail")},
    "end_reason": {"hired_in_system": ("经本平台录用", "hired through this service"),
                   "placed_public_welfare": ("安置到公益性岗位", "placed on a public-welfare post"),
                   "employed": ("已就业", "employed"), "self_employed": ("自主创业/灵活就业", "self-employed"),
                   "moved_away": ("迁出本地", "moved away"), "retired": ("达到退休年龄", "retired"),
                   "other": ("其他", "other")},
    "verdict": {"confirmed": ("属实", "confirmed"), "disputed": ("有异议", "disputed")},
    "side": {"person": ("我", "me"), "employer": ("用人单位", "employer")},
    "state": {"queued": ("待发送", "queued"), "sending": ("发送中", "sending"), "sent": ("已发送", "sent"),
              "failed": ("发送失败", "failed")},
    "what": {"phone": ("电话", "phone"), "profile_and_phone": ("档案和电话", "profile and phone")},
}
_CODED = {"stage": "stage", "to": "stage", "category": "category", "role": "role"}


def _label(key: str, zh: bool) -> str:
    names = DATA_LABELS.get(key) or FIELD_LABELS.get(key)
    if names:
        return names[0 if zh else 1]
    return "此项" if zh else "this item"


def _value(key, v, zh: bool) -> str:
    if v is None or v == "":
        return "—"
    if isinstance(v, bool):
        return ("是" if v else "否") if zh else ("yes" if v else "no")
    if key in _CODED and isinstance(v, str):
        v = NAMES[_CODED[key]].get(v, (v, v))[0 if zh else 1]
    elif key in VALUE_NAMES and isinstance(v, str):
        v = VALUE_NAMES[key].get(v, (v, v))[0 if zh else 1]
    elif key == "education" and isinstance(v, int):
        return EDUCATION_LEVELS[v] if zh else EDUCATION_EN[v]
    elif key == "locale":
        return {"zh": "中文", "en": "English"}.get(v, v)
    if isinstance(v, str) and len(v) >= 19 and v[10:11] == "T":  # a stored time: Fushun's, to the minute
        return v[:16].replace("T", " ")
    return str(v)


def readable(obj, lang: str = "zh", key: str = "") -> dict:
    """The download as nested sections: ``{"kind": "fields", "items": [(label, node)]}``,
    ``{"kind": "rows", "items": [node]}`` or ``{"kind": "text", "text": ...}``."""
    zh = lang == "zh"
    if isinstance(obj, dict):
        return {"kind": "fields", "items": [(_label(k, zh), readable(v, lang, k)) for k, v in obj.items()]}
    if isinstance(obj, list):
        if all(not isinstance(x, (dict, list)) for x in obj):
            return {"kind": "text", "text": "、".join(_value(key, x, zh) for x in obj) if obj else "—"}
        return {"kind": "rows", "items": [readable(x, lang, key) for x in obj]}
    return {"kind": "text", "text": _value(key, obj, zh)}
