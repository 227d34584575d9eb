"""Web layer: JSON API under /api/v1, HTML pages, sessions and tokens.

The one place that commits for a request: ``after_request`` commits when the response
is a success and rolls back otherwise, then sends the tasks the services queued.
"""
from __future__ import annotations

import logging
import re

from flask import Flask, current_app, g, redirect, request, session, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter

from marketplace import clock
from marketplace.core import accounts
from marketplace.db import mark_writing, take_after_commit, unmark_writing
from marketplace.errors import DomainError
from marketplace.web import i18n
from marketplace.web.errors import error_response, register_error_handlers

log = logging.getLogger(__name__)
csrf = CSRFProtect()
login_manager = LoginManager()


def db() -> Session:
    """The request's session, created on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db"].session()
    return g.db_session


def cipher():
    return current_app.extensions["cipher"]


def runtime():
    return current_app.extensions["runtime"]


def settings():
    return current_app.config["MARKETPLACE"]


def client_address() -> str:
    """The client's address: the connection's, or, behind ``TRUSTED_PROXIES`` reverse
    proxies, the one the outermost trusted proxy saw (each proxy appends the address it
    was called from to X-Forwarded-For; entries left of that are the client's own words)."""
    n = settings().TRUSTED_PROXIES
    direct = request.remote_addr or "unknown"
    if n == 0:
        return direct
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    return hops[-n][:64] if len(hops) >= n else direct


def login_limits() -> accounts.LoginLimits:
    cfg = settings()
    return accounts.LoginLimits(cfg.LOGIN_MAX_FAILURES, cfg.LOGIN_ACCOUNT_MAX_FAILURES, cfg.LOGIN_ADDRESS_MAX_FAILURES,
                                cfg.LOGIN_MAX_DELAY_SECONDS, cfg.LOGIN_QUIET_MINUTES)


def sign_in(user) -> None:
    """Start a server-side session for ``user`` in this browser (the cookie holds its key)."""
    session.clear()  # nothing from before the login carries over (session fixation)
    key = accounts.start_session(db(), user, settings().SESSION_HOURS)
    login_user(user)
    session["sid"] = key


def sign_out() -> None:
    """End this browser's session on the server: the cookie, replayed, is worth nothing."""
    accounts.end_session(db(), session.get("sid"))
    logout_user()
    session.clear()


def session_key() -> str | None:
    return session.get("sid")


def dispatch(tasks) -> None:
    send = current_app.extensions["send_task"]
    for name, args in tasks:
        send(name, *args)


class _IdConverter(IntegerConverter):
    """``<int:...>`` in every route: ids fit the database's 64-bit integers, so a huge
    number is a plain 404 instead of an overflow deep in the driver; and they are ASCII
    digits only (``\\d`` would also match full-width ``１２`` and ``int()`` would read it
    as 12: one record with many addresses)."""

    regex = r"[0-9]+"

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(url_map, *args, **kwargs)


def carries_personal_data() -> bool:
    """Whether this request's answer may hold someone's personal data, so that no browser
    or proxy may keep a copy (``Cache-Control: no-store``): every ``/api/v1`` answer
    (an API client is always someone) and every answer to a signed-in user except static
    files. Public pages seen signed out stay cacheable."""
    if request.endpoint in ("static", "favicon"):
        return False
    return request.path.startswith("/api/") or bool(current_user and current_user.is_authenticated)


#: JSON bodies nest at most this deep; the deepest the API takes is about 4 (a list of
#: objects in an object). A 1,000-deep body would otherwise exhaust the parser's stack.
MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


def json_too_deep(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text ``raw`` opens more than ``limit`` arrays/objects inside each
    other, found without parsing it (brackets inside strings do not count)."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth = 0
    for m in _JSON_BRACKET.finditer(_JSON_STRING.sub(b'""', raw)):
        depth += 1 if m.group() in (b"[", b"{") else -1
        if depth > limit:
            return True
    return False


#: the pages a person whose password an admin reset may still open
_WHILE_PASSWORD_MUST_CHANGE = frozenset({"pages.change_password", "pages.logout", "pages.logout_everywhere", "static",
                                         "pages.login"})


def init_web(app: Flask) -> None:
    """Sessions, CSRF, sign-in, the commit after each request, security headers and error
    pages. Blueprints are registered by the app factory, which names every area."""
    app.url_map.converters["int"] = _IdConverter
    i18n.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "pages.login"
    login_manager.session_protection = "strong"
    # flask-login's own "Please log in to access this page." in the page's language
    login_manager.login_message_category = "info"
    login_manager.localize_callback = lambda _m: ("请先登录，再打开此页面" if i18n.current_lang() == "zh"
                                                  else "Please log in to open this page.")

    @login_manager.user_loader
    def _load(user_id: str):
        key = session.get("sid")
        if not (user_id.isascii() and user_id.isdigit()) or not isinstance(key, str):
            return None
        return accounts.user_for_session(db(), int(user_id), key)

    @app.before_request
    def _password_change_first():
        # after an admin's reset the person chooses a new password before anything else
        if (request.endpoint in _WHILE_PASSWORD_MUST_CHANGE or request.path.startswith("/api/")
                or not current_user.is_authenticated or not current_user.must_change_password):
            return None
        return redirect(url_for("pages.change_password"))

    @app.before_request
    def _refuse_deep_json():
        # one place for every JSON request, before any view or parser sees the body
        if request.is_json and json_too_deep(request.get_data(cache=True)):
            raise DomainError(f"请求体嵌套过深（最多 {MAX_JSON_DEPTH} 层）", f"the JSON body nests too deep (at most "
                              f"{MAX_JSON_DEPTH} levels)", field="body", code="too_deep")

    @app.before_request
    def _mark_writes():
        g.db_writing = mark_writing(request.method not in ("GET", "HEAD", "OPTIONS"))

    @app.after_request
    def _commit(response):
        session = g.pop("db_session", None)
        if session is None:
            return response
        try:
            if response.status_code < 400:
                try:
                    session.commit()
                except IntegrityError:
                    session.rollback()
                    log.info("commit refused by a constraint (concurrent duplicate)")
                    return error_response(409, {"code": "conflict", "message": {
                        "zh": "该操作与另一项同时进行的操作冲突，请刷新后重试",
                        "en": "this conflicted with a simultaneous change; reload and try again"}})
                except OperationalError:
                    session.rollback()
                    log.exception("database unavailable at commit")
                    return error_response(503, {"code": "unavailable", "message": {
                        "zh": "数据库暂时不可用，未保存任何内容，请稍后重试",
                        "en": "the database is unavailable; nothing was saved; try again shortly"}})
                dispatch(take_after_commit(session))
            else:
                session.rollback()
        finally:
            session.close()
        return response

    @app.teardown_request
    def _close(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()
        token = g.pop("db_writing", None)
        if token is not None:
            try:
                unmark_writing(token)
            except ValueError:  # set in another context (streamed responses): nothing to undo
                pass

    @app.after_request
    def _security_headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                     "script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'")
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "same-origin")
        if settings().ENV == "production":
            h.setdefault("Strict-Transport-Security", "max-age=31536000")
        if carries_personal_data():
            h["Cache-Control"] = "no-store"
        return response

    @app.get("/favicon.ico")
    def favicon():
        # browsers ask for it on every site whatever the page links: a file, not a 404 in the log
        return app.send_static_file("favicon.ico")

    # every time a page shows is Fushun's (stored times are UTC): {{ local_time(x.at, "%Y-%m-%d %H:%M") }}
    app.jinja_env.globals.update(local_time=clock.local_time, local_date=clock.local_date)
    register_error_handlers(app)
