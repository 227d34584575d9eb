"""Typed domain errors. ``web/errors.py`` maps them to HTTP in one place.

Every error carries a message in Chinese and English that tells the person what is
wrong and how to fix it, and, where it is about one input, the field's name.
"""
from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message_zh: str, message_en: str, field: str | None = None, code: str | None = None,
                 details: list[dict] | None = None):
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en
        self.field = field
        if code:
            self.code = code
        self.details = details or []

    def to_dict(self) -> dict:
        d = {"code": self.code, "message": {"zh": self.message_zh, "en": self.message_en}}
        if self.field:
            d["field"] = self.field
        if self.details:
            d["details"] = self.details
        return d


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"


class NotFound(DomainError):
    status = 404
    code = "not_found"

    def __init__(self, what_zh: str = "记录", what_en: str = "record"):
        super().__init__(f"{what_zh}不存在或您无权查看", f"{what_en} not found or not visible to you")


class Forbidden(DomainError):
    status = 403
    code = "forbidden"

    def __init__(self, message_zh: str = "您的账户无权执行此操作", message_en: str = "your account may not do this"):
        super().__init__(message_zh, message_en)


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"

    def __init__(self, message_zh: str = "请先登录", message_en: str = "please log in first"):
        super().__init__(message_zh, message_en)


class Conflict(DomainError):
    status = 409
    code = "conflict"


class NotEligible(DomainError):
    """A rule of POLICY.md refuses the action; the message names the rule."""
    status = 422
    code = "not_eligible"


class PolicyError(DomainError):
    status = 422
    code = "policy_error"


class TooManyRequests(DomainError):
    status = 429
    code = "too_many_requests"
