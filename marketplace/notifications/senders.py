"""How an SMS or e-mail leaves: pluggable senders picked by configuration.

``MARKETPLACE_EMAIL_SENDER``: ``log`` (the embedded default: the message is written to the
log) or ``smtp`` (``MARKETPLACE_SMTP_*``). ``MARKETPLACE_SMS_SENDER``: ``log`` or
``tencent`` (Tencent Cloud SMS, API 3.0 ``SendSms``, signed with TC3-HMAC-SHA256; see
:func:`tc3_authorization`). A sender raises :class:`SendFailed` when the message did not
go; the outbox then tries again later.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import smtplib
import urllib.request
from email.message import EmailMessage

log = logging.getLogger("marketplace.notifications.sent")


class SendFailed(Exception):
    """The message did not go; ``permanent`` when trying again cannot help."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class Sender:
    """Base class: ``send(address, subject, body)`` delivers one message or raises SendFailed."""

    def send(self, address: str, subject: str, body: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class LogSender(Sender):
    """The embedded default: writes the message to the log (and keeps the last ones, for
    a training installation's operator and for tests)."""

    def __init__(self, channel: str):
        self.channel = channel
        self.sent: list[tuple[str, str, str]] = []

    def send(self, address: str, subject: str, body: str) -> None:
        tail = address[-4:]
        log.info("%s to …%s: %s %s", self.channel, tail, subject, body)
        self.sent.append((address, subject, body))
        del self.sent[:-100]


class SmtpSender(Sender):
    def __init__(self, host: str, port: int, sender: str, user: str = "", password: str = "",
                 starttls: bool = False, timeout: float = 10.0):
        self.host, self.port, self.sender = host, port, sender
        self.user, self.password, self.starttls, self.timeout = user, password, starttls, timeout

    def send(self, address: str, subject: str, body: str) -> None:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, address, subject
        msg.set_content(body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as e:
            raise SendFailed(f"recipient refused: {e}", permanent=True) from None
        except (OSError, smtplib.SMTPException) as e:
            raise SendFailed(f"SMTP {self.host}:{self.port}: {e}") from None


# --- Tencent Cloud SMS -------------------------------------------------------------------

def tc3_authorization(secret_id: str, secret_key: str, service: str, host: str, payload: str,
                      timestamp: int, content_type: str = "application/json; charset=utf-8") -> str:
    """The ``Authorization`` header of Tencent Cloud API 3.0 (TC3-HMAC-SHA256), with the
    signed headers ``content-type;host`` as in Tencent's published example ("Signature v3":
    CVM DescribeInstances, X-TC-Timestamp 1551113065; tests/notifications/test_senders.py)."""
    date = dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime("%Y-%m-%d")
    signed_headers = "content-type;host"
    canonical = "\n".join(["POST", "/", "", f"content-type:{content_type}\nhost:{host}\n", signed_headers,
                           hashlib.sha256(payload.encode()).hexdigest()])
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest()])

    def mac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    signing = mac(mac(mac(("TC3" + secret_key).encode(), date), service), "tc3_request")
    signature = hmac.new(signing, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"


class TencentSmsSender(Sender):
    """Tencent Cloud SMS (``sms.tencentcloudapi.com``, ``SendSms`` 2021-01-11). The text goes
    as the one parameter of an approved template whose content is ``{1}``."""

    host = "sms.tencentcloudapi.com"

    def __init__(self, secret_id: str, secret_key: str, sdk_app_id: str, sign_name: str, template_id: str,
                 region: str = "ap-guangzhou", timeout: float = 10.0):
        self.secret_id, self.secret_key = secret_id, secret_key
        self.sdk_app_id, self.sign_name, self.template_id = sdk_app_id, sign_name, template_id
        self.region, self.timeout = region, timeout

    def request(self, phone: str, text: str, timestamp: int) -> tuple[dict, bytes]:
        """The headers and body of one SendSms call (separate from sending, for the test)."""
        number = phone if phone.startswith("+") else "+86" + phone
        payload = json.dumps({"PhoneNumberSet": [number], "SmsSdkAppId": self.sdk_app_id, "SignName": self.sign_name,
                              "TemplateId": self.template_id, "TemplateParamSet": [text]}, ensure_ascii=False)
        headers = {"Authorization": tc3_authorization(self.secret_id, self.secret_key, "sms", self.host, payload,
                                                      timestamp),
                   "Content-Type": "application/json; charset=utf-8", "Host": self.host,
                   "X-TC-Action": "SendSms", "X-TC-Version": "2021-01-11", "X-TC-Timestamp": str(timestamp),
                   "X-TC-Region": self.region}
        return headers, payload.encode()

    def send(self, address: str, subject: str, body: str) -> None:
        headers, data = self.request(address, body, int(dt.datetime.now(dt.timezone.utc).timestamp()))
        req = urllib.request.Request(f"https://{self.host}/", data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 (fixed https host)
                answer = json.loads(resp.read().decode())
        except (OSError, ValueError) as e:
            raise SendFailed(f"Tencent SMS: {e}") from None
        response = answer.get("Response", {})
        if "Error" in response:
            raise SendFailed(f"Tencent SMS: {response['Error']}", permanent=response["Error"].get("Code", "").startswith(
                ("InvalidParameter", "UnauthorizedOperation")))
        status = (response.get("SendStatusSet") or [{}])[0]
        if status.get("Code") != "Ok":
            raise SendFailed(f"Tencent SMS: {status}")


_LOG_SENDERS: dict[str, LogSender] = {}


def for_channel(config, channel: str) -> Sender:
    """The sender configured for ``sms`` or ``email``."""
    if channel == "email" and config.EMAIL_SENDER == "smtp":
        return SmtpSender(config.SMTP_HOST, config.SMTP_PORT, config.SMTP_FROM, config.SMTP_USER,
                          config.SMTP_PASSWORD, bool(config.SMTP_STARTTLS))
    if channel == "sms" and config.SMS_SENDER == "tencent":
        return TencentSmsSender(config.TENCENT_SECRET_ID, config.TENCENT_SECRET_KEY, config.TENCENT_SMS_APP_ID,
                                config.TENCENT_SMS_SIGN_NAME, config.TENCENT_SMS_TEMPLATE_ID)
    return _LOG_SENDERS.setdefault(channel, LogSender(channel))
