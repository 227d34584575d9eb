"""Celery through a real worker on a real Redis: a published posting reaches the search
index by the worker, and while Redis is down writes still commit, the task waits in the
outbox, and it is sent and done once Redis is back."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from marketplace import create_app
from marketplace.cli import upgrade_database
from marketplace.core import verification
from marketplace.core.models import Posting, TaskOutbox, User
from marketplace.core.schemas import VerifyIn
from search import get_backend
from tests import services as svc

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.redis, pytest.mark.slow]
BROKER = "redis://127.0.0.1:6379/15"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    svc.ensure_redis()
    subprocess.run(["redis-cli", "-n", "15", "flushdb"], check=False, capture_output=True)
    instance = tmp_path_factory.mktemp("worker")
    env = dict(os.environ, MARKETPLACE_ENV="testing", MARKETPLACE_INSTANCE_DIR=str(instance),
               MARKETPLACE_SECRET_KEY="worker-test-secret", MARKETPLACE_CELERY_BROKER_URL=BROKER,
               MARKETPLACE_DATABASE_URL=f"sqlite:///{instance / 'm.db'}")

    app = create_app({k[len("MARKETPLACE_"):]: v for k, v in env.items() if k.startswith("MARKETPLACE_")})
    upgrade_database(app)
    log = open(instance / "worker.log", "w")
    worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "jobs.worker", "worker", "--pool=solo",
                               "-Q", "marketplace", "--loglevel=INFO"], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    yield app, instance
    worker.terminate()
    worker.wait(timeout=30)
    log.close()
    app.extensions["db"].engine.dispose()
    svc.ensure_redis()


def _employer_token(app, client):
    org_id = client.post("/api/v1/auth/register/employer", json={
        "username": "hr_worker", "password": "strong-pass-1", "display_name": "HR",
        "organisation": {"name": "抚顺测试机械厂", "org_type": "enterprise", "district": "望花区",
                         "credit_code": "91350100M000100Y43"}}).json["organisation"]["id"]
    with app.extensions["db"].unit_of_work() as s:  # the district's caseworker verifies it, so it may publish
        cw = User(username="cw_worker", password_hash="x", display_name="cw", role="caseworker", district="望花区")
        s.add(cw)
        s.flush()
        verification.verify(s, cw, org_id, VerifyIn(checked="营业执照原件"))
    return {"Authorization": "Bearer " + client.post("/api/v1/auth/token", json={
        "username": "hr_worker", "password": "strong-pass-1"}).json["token"]}


def _publish(client, h, title):
    pid = client.post("/api/v1/postings", headers=h, json={
        "kind": "job", "title": title, "description": "负责设备巡检和日常维护保养工作。", "district": "望花区"}).json["id"]
    r = client.post(f"/api/v1/postings/{pid}/publish", headers=h)
    assert r.status_code == 200
    return pid


def _indexed(instance, pid, timeout=120) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        backend = get_backend("embedded", path=str(instance / "search.db"))
        try:
            if str(pid) in backend.get_ids("posting"):
                return True
        finally:
            backend.close()
        time.sleep(0.5)
    return False


def test_a_real_worker_indexes_after_commit_and_the_outbox_survives_a_redis_outage(stack):
    app, instance = stack
    client = app.test_client()
    h = _employer_token(app, client)
    first = _publish(client, h, "设备点检员")
    assert _indexed(instance, first), (instance / "worker.log").read_text()[-3000:]

    svc.stop_redis()
    try:
        second = _publish(client, h, "设备维修工")  # the write commits though the broker is down
        with app.extensions["db"].unit_of_work() as s:
            assert s.get(Posting, second).status == "published"
            assert s.scalar(select(func.count()).select_from(TaskOutbox)) == 1
        assert not _indexed(instance, second, timeout=2)
    finally:
        svc.ensure_redis()
    r = subprocess.run([sys.executable, "-m", "flask", "--app", "marketplace", "flush-outbox"], cwd=ROOT,
                       env=dict(os.environ, MARKETPLACE_ENV="testing", MARKETPLACE_INSTANCE_DIR=str(instance),
                                MARKETPLACE_SECRET_KEY="worker-test-secret", MARKETPLACE_CELERY_BROKER_URL=BROKER,
                                MARKETPLACE_DATABASE_URL=f"sqlite:///{instance / 'm.db'}"),
                       capture_output=True, text=True)
    assert "1 tasks sent" in r.stdout, r.stdout + r.stderr
    assert _indexed(instance, second)
    with app.extensions["db"].unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(TaskOutbox)) == 0
