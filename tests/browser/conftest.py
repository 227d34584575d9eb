"""A real server (waitress, in a thread) on a fresh SQLite file with the demo data, and
Debian's chromium driven by Playwright. Screenshots go to artifacts/screenshots/."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.browser_fixtures import CHROMIUM, SHOTS, shot  # noqa: F401  (re-exported for the tests here)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    from waitress.server import create_server

    from marketplace import create_app
    from marketplace.cli import upgrade_database
    from marketplace.services import demo

    instance = tmp_path_factory.mktemp("live")
    app = create_app({"ENV": "testing", "INSTANCE_DIR": str(instance), "SECRET_KEY": "browser-test-secret"})
    upgrade_database(app)
    with app.extensions["db"].unit_of_work() as s:
        demo.load(s, app.extensions["cipher"])
        demo.load_extras(s, app.extensions["cipher"])
    from marketplace.services import indexing

    rt = app.extensions["runtime"]
    with app.extensions["db"].unit_of_work() as s:
        for doc_type in ("posting", "profile"):
            indexing.reindex(s, rt.backend, rt.encoder, doc_type)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}", app
    server.close()
    app.extensions["db"].engine.dispose()


