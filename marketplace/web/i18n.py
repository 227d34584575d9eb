"""Language: Chinese first, English second. ``?lang=en`` switches and is remembered in a
cookie; otherwise the account's choice, then the configured default (zh)."""
from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_babel import Babel, gettext
from flask_login import current_user

LANGS = ("zh", "en")


def current_lang() -> str:
    if "lang" in g:
        return g.lang
    lang = request.args.get("lang") or request.cookies.get("lang")
    if lang not in LANGS:
        try:
            lang = current_user.locale if current_user and current_user.is_authenticated else None
        except Exception:  # outside a request with a user loader
            lang = None
    if lang not in LANGS:
        lang = current_app.config["MARKETPLACE"].DEFAULT_LOCALE
    g.lang = lang
    return lang


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=lambda: "zh_Hans_CN" if current_lang() == "zh" else "en")

    @app.after_request
    def _remember(response):
        lang = request.args.get("lang")
        if lang in LANGS:
            response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
        return response

    @app.context_processor
    def _inject():
        return {"lang": current_lang(), "_": gettext}
