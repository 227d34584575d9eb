"""Every text that leaves the site by SMS or e-mail, in one place.

SMS: short, plain Chinese, with the link to open (no English, no markup; a long body is
cut so the whole message stays within two SMS segments). E-mail: the same words with both
languages' titles.
"""
from __future__ import annotations

SMS_MAX = 120  # characters before the link; two 70-character segments with the signature


def absolute(link: str, site_url: str) -> str:
    if not link:
        return site_url.rstrip("/") + "/notifications"
    return link if link.startswith("http") else site_url.rstrip("/") + link


def sms_text(title_zh: str, body_zh: str, link: str, site_url: str) -> str:
    text = f"【抚顺就业】{title_zh}：{body_zh}"
    if len(text) > SMS_MAX:
        text = text[:SMS_MAX - 1] + "…"
    return f"{text} 详情：{absolute(link, site_url)}"


def email_subject(title_zh: str, title_en: str) -> str:
    return f"抚顺就业 · {title_zh} / {title_en}"


def email_body(body_zh: str, body_en: str, link: str, site_url: str) -> str:
    url = absolute(link, site_url)
    return (f"{body_zh}\n\n{body_en}\n\n{url}\n\n"
            "—— 抚顺市公共就业服务 / Fushun Public Employment Service\n"
            "如不想再收到邮件，请在“通知设置”中关闭。 To stop these e-mails, turn them off in notification settings.\n")


def verification_sms(code: str) -> str:
    return f"【抚顺就业】您的验证码是 {code}，30分钟内有效。如非本人操作请忽略。"


def verification_email(code: str) -> tuple[str, str]:
    return ("抚顺就业 · 验证码 / verification code",
            f"您的验证码是 {code}，30分钟内有效。\nYour verification code is {code} (valid for 30 minutes).\n"
            "如非本人操作请忽略。 If you did not ask for it, ignore this message.\n")
