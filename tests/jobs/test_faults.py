"""Faults with nothing lost: a Celery worker killed mid-task (the task runs again on the
next worker and its effect happens once), and the database dropping every connection of
the app (as in a restart) while the app keeps serving without a restart."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from marketplace import create_app
from marketplace.cli import upgrade_database
from marketplace.core.models import Organisation, Posting, User
from marketplace.db import make_engine
from search import get_backend
from tests import services as svc

ROOT = Path(__file__).resolve().parents[2]
BROKER = "redis://127.0.0.1:6379/14"


def _env(instance: Path) -> dict:
    return dict(os.environ, MARKETPLACE_ENV="testing", MARKETPLACE_INSTANCE_DIR=str(instance),
                MARKETPLACE_SECRET_KEY="fault-test-secret", MARKETPLACE_CELERY_BROKER_URL=BROKER,
                MARKETPLACE_DATABASE_URL=f"sqlite:///{instance / 'm.db'}")


def _worker(instance: Path, log):
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "jobs.worker", "worker", "--pool=solo", "-Q",
                             "marketplace", "--include", "tests.jobs.slow_task", "--loglevel=INFO"],
                            cwd=ROOT, env=dict(_env(instance), MARKETPLACE_CELERY_VISIBILITY_TIMEOUT="4"), stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


@pytest.mark.redis
@pytest.mark.slow
def test_a_worker_killed_mid_task_leaves_the_task_for_the_next_one(tmp_path):
    svc.ensure_redis()
    subprocess.run(["redis-cli", "-n", "14", "flushdb"], check=False, capture_output=True)

    app = create_app({k[len("MARKETPLACE_"):]: v for k, v in _env(tmp_path).items() if k.startswith("MARKETPLACE_")})
    upgrade_database(app)
    with app.extensions["db"].unit_of_work() as s:
        org = Organisation(name="抚顺故障测试厂", org_type="enterprise", district="望花区", credit_code="91350100M000100Y43",
                           verification_status="verified")
        s.add(org)
        s.flush()
        u = User(username="hrf", password_hash="x", display_name="hr", role="employer", organisation_id=org.id)
        s.add(u)
        s.flush()
        p = Posting(organisation_id=org.id, created_by_id=u.id, kind="job", title="锅炉工", status="published",
                    description="负责锅炉运行和巡检。", district="望花区")
        s.add(p)
        s.flush()
        pid = p.id
    marker = tmp_path / "runs.log"
    log = open(tmp_path / "worker.log", "w")
    first = _worker(tmp_path, log)
    try:
        app.extensions["celery"].send_task("tests.slow_index_posting", args=[pid, str(marker)],
                                           queue="marketplace")
        for _ in range(120):
            if marker.exists() and "start" in marker.read_text():
                break
            time.sleep(0.25)
        assert marker.read_text().count("start") == 1, (tmp_path / "worker.log").read_text()[-2000:]
        os.killpg(first.pid, signal.SIGKILL)  # mid-task: no acknowledgement was sent
        first.wait(timeout=10)
        second = _worker(tmp_path, log)
        try:
            for _ in range(240):
                if marker.read_text().count("done") >= 1:
                    break
                time.sleep(0.25)
            runs = marker.read_text().split()
            assert runs.count("done") == 1 and runs.count("start") == 2, runs
        finally:
            os.killpg(second.pid, signal.SIGTERM)
            second.wait(timeout=30)
    finally:
        log.close()

    backend = get_backend("embedded", path=str(tmp_path / "search.db"))
    try:
        assert backend.get_ids("posting") == {str(pid)}  # indexed once, not twice
    finally:
        backend.close()
    app.extensions["db"].engine.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("MARKETPLACE_TEST_DATABASE_URL"),
                    reason="needs PostgreSQL: set MARKETPLACE_TEST_DATABASE_URL (scripts/test.sh does)")
def test_the_app_survives_the_database_dropping_its_connections(app):
    """Every connection of the app is terminated by the server (what a restart does to
    them); the next requests succeed on fresh connections (pool_pre_ping), no restart."""
    client = app.test_client()
    assert client.get("/api/v1/health").status_code == 200
    engine = app.extensions["db"].engine
    # warm the pool with a few connections, then have the server kill them all
    conns = [engine.connect() for _ in range(3)]
    pids = [c.execute(text("SELECT pg_backend_pid()")).scalar() for c in conns]
    for c in conns:
        c.close()  # back into the pool, where the next requests will find them dead

    admin = make_engine(os.environ["MARKETPLACE_TEST_DATABASE_URL"])
    with admin.begin() as c:
        for pid in pids:
            c.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    admin.dispose()
    for _ in range(5):
        assert client.get("/api/v1/health").status_code == 200
