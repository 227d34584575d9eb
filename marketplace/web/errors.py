"""Domain errors → HTTP, in one place. JSON on the API, a page in the person's language
on pages. Anything unexpected is a 500 that leaks no detail."""
from __future__ import annotations

import logging

from flask import Flask, render_template, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from marketplace.errors import DomainError
from marketplace.web.forms import message
from marketplace.web.i18n import current_lang

log = logging.getLogger(__name__)

_HTTP_MESSAGES = {
    400: ("请求格式不正确", "bad request"),
    401: ("请先登录", "please log in first"),
    403: ("您的账户无权执行此操作", "your account may not do this"),
    404: ("页面或记录不存在", "not found"),
    405: ("不支持此请求方式", "method not allowed"),
    413: ("上传内容太大（最多 2 MB）", "request too large (2 MB at most)"),
    429: ("请求太频繁，请稍后再试", "too many requests, try again later"),
    500: ("系统出错，请稍后再试；问题已记录", "internal error; it has been logged"),
}


def logged_path() -> str:
    """The request's path for a log line, with a secret in it (a view argument named
    ``token``: a hall display link) cut to its first four characters."""
    path = request.path
    secret = (request.view_args or {}).get("token")
    if isinstance(secret, str) and len(secret) > 4:
        path = path.replace(secret, secret[:4] + "…")
    return path


def _is_api() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, body: dict):
    if _is_api():
        return {"error": body}, status
    msg = body["message"]["zh" if current_lang() == "zh" else "en"]
    return render_template("error.html", status=status, message=msg, details=body.get("details", [])), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        if _is_api():
            return error_response(exc.status, exc.to_dict())
        # a page: fields by their labels, each reason once, in the page's language
        details = [] if exc.code == "validation_failed" else exc.details
        return render_template("error.html", status=exc.status, message=message(exc), details=details), exc.status

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        zh, en = _HTTP_MESSAGES.get(exc.code, (exc.name, exc.name))
        if exc.code == 400 and "CSRF" in (exc.description or ""):
            zh, en = "表单已过期，请刷新页面后重试", "the form expired; reload the page and try again"
        return error_response(exc.code, {"code": exc.name.lower().replace(" ", "_"), "message": {"zh": zh, "en": en}})

    @app.errorhandler(OperationalError)
    def _database_unavailable(exc: OperationalError):
        # the database is down, restarting, or (SQLite) busy beyond the busy timeout: the
        # request's transaction is rolled back by the teardown; nothing was saved
        log.warning("database unavailable on %s %s: %s", request.method, logged_path(), exc.orig)
        resp = error_response(503, {"code": "unavailable", "message": {
            "zh": "数据库暂时繁忙或不可用，未保存任何内容，请稍后重试",
            "en": "the database is busy or unavailable; nothing was saved; try again shortly"}})
        if isinstance(resp, tuple):
            body, status = resp
            return body, status, {"Retry-After": "5"}
        return resp

    @app.errorhandler(Exception)
    def _bug(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, logged_path())
        zh, en = _HTTP_MESSAGES[500]
        return error_response(500, {"code": "internal_error", "message": {"zh": zh, "en": en}})
