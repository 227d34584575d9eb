"""A real server (waitress, in a thread) on a fresh SQLite file with the demo data, and
Debian's chromium driven by Playwright. Screenshots go to artifacts/screenshots/."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest

from marketplace import create_app
from marketplace.app import load_demo_extras
from marketplace.cli import upgrade_database
from marketplace.core import demo, indexing
from tests.browser_fixtures import CHROMIUM, SHOTS, login, serving, shot  # noqa: F401  (re-exported for the tests here)

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def demo_site(instance, index: bool = True):
    """``with demo_site(folder) as (base, app):`` the app with the demo data on a fresh SQLite
    file in ``folder``, served by waitress; ``index=False`` skips the search index (for a
    test that changes what other tests rely on, e.g. a policy version, on its own site)."""
    app = create_app({"ENV": "testing", "INSTANCE_DIR": str(instance), "SECRET_KEY": "browser-test-secret"})
    upgrade_database(app)
    with app.extensions["db"].unit_of_work() as s:
        demo.load(s, app.extensions["cipher"])
        load_demo_extras(s, app.extensions["cipher"])
    if index:
        rt = app.extensions["runtime"]
        with app.extensions["db"].unit_of_work() as s:
            for doc_type in ("posting", "profile"):
                indexing.reindex(s, rt.backend, rt.encoder, doc_type)
    with serving(app, threads=4) as base:
        yield base, app


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    with demo_site(tmp_path_factory.mktemp("live")) as site:
        yield site
