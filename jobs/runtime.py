"""How a task reaches the database: the current Flask app's when there is one (eager
mode, tests), else one built from the environment once per worker process (so a model
or a connection is never shared across a fork)."""
from __future__ import annotations

import functools

from flask import current_app, has_app_context

from marketplace import clock
from marketplace.crypto import Cipher
from marketplace.db import Database
from marketplace.runtime import Runtime


@functools.lru_cache(maxsize=1)
def _worker_resources():
    cfg = clock.worker_config()  # the same settings the clock and the policy choice read
    return cfg, Database(cfg.database_url), Cipher(cfg.data_key), Runtime(cfg)


def _app():
    return current_app._get_current_object() if has_app_context() else None


def database():
    app = _app()
    return app.extensions["db"] if app is not None else _worker_resources()[1]


def runtime():
    """The search backend and encoder holder of this process."""
    app = _app()
    return app.extensions["runtime"] if app is not None else _worker_resources()[3]


def cipher():
    """The data key's cipher of this process (personal data at rest)."""
    app = _app()
    return app.extensions["cipher"] if app is not None else _worker_resources()[2]


def config():
    app = _app()
    return app.config["MARKETPLACE"] if app is not None else _worker_resources()[0]
