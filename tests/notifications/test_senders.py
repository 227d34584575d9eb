"""The SMS adapter is Tencent Cloud SMS (API 3.0, TC3-HMAC-SHA256). Its signing is checked
against Tencent's own published example ("Signature v3", the CVM DescribeInstances request
at X-TC-Timestamp 1551113065 with the documented example key), not against our own
arithmetic; no request leaves the machine."""
from __future__ import annotations

import hashlib
import json

import pytest

from marketplace.config import Config, ConfigError
from marketplace.notifications.senders import LogSender, SmtpSender, TencentSmsSender, for_channel, tc3_authorization

# Tencent Cloud API documentation, "Signature v3" (e.g. tencentcloud.com/document/product/267/37447,
# section "Signature Calculation Process"): every value below is copied from the page.
DOC_PAYLOAD = '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
DOC_HASHED_PAYLOAD = "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
DOC_SECRET_ID = "AKID**********************0123456789EXAMPLE"
DOC_SECRET_KEY = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
DOC_AUTHORIZATION = ("TC3-HMAC-SHA256 Credential=AKID**********************0123456789EXAMPLE/2019-02-25/cvm/tc3_request, "
                     "SignedHeaders=content-type;host, "
                     "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168")


def test_tc3_signature_matches_tencents_published_example():
    assert hashlib.sha256(DOC_PAYLOAD.encode()).hexdigest() == DOC_HASHED_PAYLOAD
    assert tc3_authorization(DOC_SECRET_ID, DOC_SECRET_KEY, "cvm", "cvm.tencentcloudapi.com", DOC_PAYLOAD,
                             1551113065) == DOC_AUTHORIZATION


def test_the_date_in_the_scope_is_utc_not_fushun():
    # 1551113065 is 2019-02-26 00:44 in UTC+8; the documented scope date is 2019-02-25
    assert "/2019-02-25/sms/tc3_request" in tc3_authorization("id", "key", "sms", "sms.tencentcloudapi.com", "{}",
                                                              1551113065)


def test_send_sms_request_carries_the_number_the_text_and_a_signature_over_that_body():
    sender = TencentSmsSender("AKIDtest", "secret", "1400000000", "抚顺就业", "123456")
    headers, body = sender.request("13800138000", "【抚顺就业】申请进度更新 详情：https://x/me", 1551113065)
    data = json.loads(body)
    assert data["PhoneNumberSet"] == ["+8613800138000"] and data["TemplateParamSet"] == ["【抚顺就业】申请进度更新 详情：https://x/me"]
    assert data["SmsSdkAppId"] == "1400000000" and data["TemplateId"] == "123456"
    assert headers["X-TC-Action"] == "SendSms" and headers["X-TC-Timestamp"] == "1551113065"
    assert headers["Authorization"] == tc3_authorization("AKIDtest", "secret", "sms", "sms.tencentcloudapi.com",
                                                         body.decode(), 1551113065)


def test_senders_are_picked_by_config_and_checked_at_start():
    cfg = Config(ENV="testing")
    assert isinstance(for_channel(cfg, "email"), LogSender) and isinstance(for_channel(cfg, "sms"), LogSender)
    smtp = Config(ENV="testing", EMAIL_SENDER="smtp", SMTP_HOST="mail.example", SMTP_FROM="a@example.com")
    assert isinstance(for_channel(smtp, "email"), SmtpSender)
    with pytest.raises(ConfigError, match="MARKETPLACE_SMTP_HOST"):
        Config.from_env({"MARKETPLACE_EMAIL_SENDER": "smtp"})
    with pytest.raises(ConfigError, match="MARKETPLACE_TENCENT_SECRET_ID"):
        Config.from_env({"MARKETPLACE_SMS_SENDER": "tencent"})
    with pytest.raises(ConfigError, match="MARKETPLACE_SMS_SENDER"):
        Config.from_env({"MARKETPLACE_SMS_SENDER": "aliyun"})
