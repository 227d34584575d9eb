"""gunicorn's worker for ``flask serve`` (several processes): gunicorn's own threaded worker,
whose answers to requests it refuses before the app sees them (a request line over
``limit_request_line``, too many or too large header fields, a malformed request) are JSON
in the API's error shape instead of gunicorn's HTML page. gunicorn refuses these before it
has read a path, so it cannot tell an API call from a page: every such answer is JSON.

Limits (set in ``marketplace.cli.serve_processes``): a request line of at most 4094 bytes
(gunicorn's default; the longest URL the app makes, a search with 100 Chinese characters
percent-encoded, is about 1,000), at most 100 header fields of at most 8190 bytes each.
Waitress (``flask serve --workers 1``) has its own limits and answers them in plain text."""
from __future__ import annotations

import json

from gunicorn import util
from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine
from gunicorn.workers.gthread import ThreadWorker

LIMIT_REQUEST_LINE = 4094
LIMIT_REQUEST_FIELDS = 100
LIMIT_REQUEST_FIELD_SIZE = 8190

_MESSAGES = {
    LimitRequestLine: ("request_line_too_long", f"请求地址太长（最多 {LIMIT_REQUEST_LINE} 个字符）",
                       f"the request line is too long ({LIMIT_REQUEST_LINE} characters at most)"),
    LimitRequestHeaders: ("headers_too_large", "请求头太多或太大", "too many or too large request header fields"),
}


class _Captured:
    """Stands in for the client socket while gunicorn writes its HTML error, so that its
    choice of status is kept and its page is not sent."""

    def __init__(self):
        self.data = b""

    def gettimeout(self):
        return 0.0

    def setblocking(self, flag):
        pass

    def sendall(self, data):
        self.data += data

    def send(self, data):
        self.data += data
        return len(data)


def json_error(exc: Exception, status: int, reason: str) -> bytes:
    """The HTTP response gunicorn's refusal becomes: the same status, the API's error body."""
    code, zh, en = _MESSAGES.get(type(exc), ("bad_request" if status < 500 else "internal_error",
                                             "请求格式不正确" if status < 500 else "系统出错，请稍后再试",
                                             "bad request" if status < 500 else "internal error"))
    body = json.dumps({"error": {"code": code, "message": {"zh": zh, "en": en}}}, ensure_ascii=False).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


class JsonErrorWorker(ThreadWorker):
    def handle_error(self, req, client, addr, exc):
        captured = _Captured()
        super().handle_error(req, captured, addr, exc)  # gunicorn logs it and picks the status
        status_line = captured.data.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
        status, reason = (int(status_line[1]), status_line[2]) if len(status_line) == 3 else (500, "Internal Server Error")
        try:
            util.write_nonblock(client, json_error(exc, status, reason))
        except Exception:  # the client went away: nothing to tell it
            self.log.debug("Failed to send error message.")
