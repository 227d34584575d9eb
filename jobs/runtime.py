"""How a task reaches the database: the current Flask app's when there is one (eager
mode, tests), else one built from the environment once per worker process."""
from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1)
def _worker_app():
    from marketplace import create_app

    return create_app()


def app():
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app._get_current_object()
    return _worker_app()


def database():
    return app().extensions["db"]
