"""Application factory: extensions attach with ``init_app``, blueprints register here."""
from __future__ import annotations

import logging

from flask import Flask

from .config import ROOT, Config
from .crypto import Cipher
from .db import Database
from .runtime import Runtime


def build_app(config: Config | dict | None = None) -> Flask:
    if config is None:
        config = Config.from_env()
    elif isinstance(config, dict):
        config = Config.from_env(**config)
    config.check()
    app = Flask(__name__, static_folder=str(ROOT / "static"), static_url_path="/static",
                template_folder="templates")
    app.config.update(
        SECRET_KEY=config.SECRET_KEY,
        MARKETPLACE=config,
        TESTING=config.ENV == "testing",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.ENV == "production",
        REMEMBER_COOKIE_SECURE=config.ENV == "production",
        REMEMBER_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        JSON_SORT_KEYS=False,
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE=config.DEFAULT_LOCALE,
        # One catalogue per area (core, internships, welfare, fairs, ...), merged by Flask-Babel.
        BABEL_TRANSLATION_DIRECTORIES=";".join(sorted(str(p) for p in (ROOT / "marketplace" / "i18n").iterdir()
                                                      if p.is_dir())),
    )
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["db"] = Database(config.database_url)
    app.extensions["cipher"] = Cipher(config.data_key)
    app.extensions["runtime"] = Runtime(config)

    from jobs.celery_app import init_celery

    init_celery(app, config)

    from .web import init_web

    init_web(app)

    from . import cli

    cli.init_app(app)
    logging.getLogger(__name__).info("marketplace ready on %s", config.database_url.split("@")[-1])
    return app
