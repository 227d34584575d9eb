"""The ranking pools as shared snapshots (issue 18, item 1): built by the job, mapped by the
server, with what changed since the build served from the delta at once, and requests
answered while a new version is built and swapped in.

These tests commit (the job reads in its own transactions and threads), so they run on an
app of their own: its own SQLite file and instance folder, snapshots on."""
from __future__ import annotations

import datetime as dt
import threading

import pytest

from marketplace import clock, create_app
from marketplace.cli import upgrade_database
from marketplace.core import pool_serving, pool_snapshots
from marketplace.core.models import User
from matching import store
from tests.conftest import Factories

WELD = "负责钢结构和压力管道焊接，按图纸施工，需持焊工证。"
COOK = "负责食堂炒菜和面点制作，保证出餐卫生。"


@pytest.fixture(scope="module")
def served(app, tmp_path_factory):
    """An app with snapshots on, seeded and committed, its snapshots built by the job."""
    folder = tmp_path_factory.mktemp("pools-app")
    served = create_app({"ENV": "testing", "DATABASE_URL": f"sqlite:///{folder / 'm.db'}", "SECRET_KEY": "t",
                         "INSTANCE_DIR": str(folder), "POOL_SNAPSHOTS": 1})
    upgrade_database(served)
    served.extensions["runtime"]._encoder = app.extensions["runtime"].encoder  # one model in the test process
    database = served.extensions["db"]
    with served.app_context(), database.unit_of_work() as s:
        make = Factories(s, served.extensions["cipher"], served.extensions["runtime"])
        org = make.org()
        hr = make.user("employer", organisation=org)
        posts = {t: make.posting(organisation=org, created_by=hr, title=t, skills=sk, description=d).id
                 for t, sk, d in (("电焊工", ["电焊", "氩弧焊"], WELD), ("厨师", ["炒菜", "面点"], COOK),
                                  ("保安员", ["巡逻", "监控"], "负责小区巡逻和监控室值守。"))}
        # R14: a person whose category a caseworker has not confirmed yet (not the newest row:
        # the newest change is the watermark, and a row changed at it is in the delta)
        waiting = make.profile(name="待确认者", skills=["档案整理", "办公软件"], desired_jobs="档案管理员",
                               categories=("disabled",))
        waiting.categories[0].confirmed_at = None
        welder = make.profile(name="焊工王", skills=["电焊", "氩弧焊"], desired_jobs="电焊工", summary="八年电焊，持焊工证")
        cook = make.profile(name="厨师李", skills=["炒菜", "面点"], desired_jobs="厨师", summary="会做家常菜")
        # R14: a post for disabled people
        targeted = make.posting(organisation=org, created_by=hr, title="档案管理员", skills=["档案整理", "办公软件"],
                                description="负责单位档案整理和录入。", target_group="disabled")
        ids = {"hr": hr.id, "welder": welder.id, "welder_user": welder.user_id, "cook_user": cook.user_id,
               "cook": cook.id, "targeted": targeted.id, "waiting": waiting.id,
               "caseworker": make.user("caseworker", district="望花区").id, **posts}
    # everything written so far is in the snapshot, nothing in the delta
    old_margin, pool_snapshots.WATERMARK_MARGIN = pool_snapshots.WATERMARK_MARGIN, dt.timedelta(0)
    with served.app_context():
        built = pool_snapshots.run(database, served.extensions["runtime"])
    assert set(built) == {"postings", "profiles"} and built["postings"]["why"] == "no snapshot"
    yield served, ids
    pool_snapshots.WATERMARK_MARGIN = old_margin
    served.extensions["db"].engine.dispose()


def _token(served, user_id) -> dict:
    with served.app_context(), served.extensions["db"].unit_of_work() as s:
        return Factories(s, served.extensions["cipher"]).token(s.get(User, user_id))


def _titles(client, served, profile_id, user_id) -> list[str]:
    r = client.get(f"/api/v1/profiles/{profile_id}/recommendations", headers=_token(served, user_id))
    assert r.status_code == 200, r.json
    return [i["posting"]["title"] for i in r.json["items"] if i["eligible"]]


def _names(client, served, posting_id, headers) -> list[str]:
    r = client.get(f"/api/v1/postings/{posting_id}/candidates?include_ineligible=1", headers=headers)
    assert r.status_code == 200, r.json
    return [i["profile"]["name"] for i in r.json["items"]]


def test_rankings_come_from_the_snapshot_and_the_job_builds_only_when_due(served):
    app, ids = served
    client = app.test_client()
    cfg = app.config["MARKETPLACE"]
    assert pool_serving.current(cfg, "postings") and pool_serving.current(cfg, "profiles")
    assert _titles(client, app, ids["welder"], ids["welder_user"])[0] == "电焊工"
    assert _names(client, app, ids["厨师"], _token(app, ids["hr"]))[0] == "厨师李"
    with app.app_context():
        assert pool_snapshots.run(app.extensions["db"], app.extensions["runtime"]) == {}  # nothing due
        with pool_snapshots.build_lock(cfg) as mine:  # another process building: this one does not wait
            assert mine
            assert pool_snapshots.run(app.extensions["db"], app.extensions["runtime"], force=True) == {
                "skipped": "another process is building"}


def test_a_snapshot_built_by_an_older_ranker_is_due_again(served, monkeypatch):
    """A snapshot keeps what the ranker computed when it was built (hub scores, BM25 maxima): one
    of an older format is rebuilt by the job's next run, not served on for the rest of the day."""
    app, _ids = served
    cfg = app.config["MARKETPLACE"]
    with app.app_context(), app.extensions["db"].unit_of_work(write=False) as s:
        assert pool_snapshots.due(s, cfg, "postings", clock.today()) is None
        monkeypatch.setattr(store, "FORMAT", store.FORMAT + 1)
        assert pool_snapshots.due(s, cfg, "postings", clock.today()) == "built by an older ranker"


def test_a_posting_published_after_the_build_is_recommended_at_once_and_a_closed_one_is_gone(served):
    app, ids = served
    client = app.test_client()
    h = _token(app, ids["hr"])
    version = pool_serving.current(app.config["MARKETPLACE"], "postings")
    body = {"kind": "job", "title": "管道电焊工", "description": WELD + "压力管道氩弧焊打底。",
            "skills": ["电焊", "氩弧焊"], "district": "望花区"}
    new = client.post("/api/v1/postings", json=body, headers=h).json
    assert client.post(f"/api/v1/postings/{new['id']}/publish", headers=h).status_code == 200
    titles = _titles(client, app, ids["welder"], ids["welder_user"])
    assert "管道电焊工" in titles[:2] and "电焊工" in titles[:2]
    assert client.post(f"/api/v1/postings/{ids['电焊工']}/close", headers=h).status_code == 200
    titles = _titles(client, app, ids["welder"], ids["welder_user"])
    assert titles[0] == "管道电焊工" and "电焊工" not in titles
    # a person registered after the build is a candidate at once
    with app.app_context(), app.extensions["db"].unit_of_work() as s:
        Factories(s, app.extensions["cipher"]).profile(name="新来的焊工", skills=["电焊", "氩弧焊"],
                                                        desired_jobs="管道电焊工", summary="压力管道焊接十年")
    assert _names(client, app, new["id"], h)[0] in ("新来的焊工", "焊工王")
    assert "新来的焊工" in _names(client, app, new["id"], h)
    assert pool_serving.current(app.config["MARKETPLACE"], "postings") == version  # all from the delta


def test_a_caseworkers_confirmation_reaches_the_candidates_at_once(served):
    """The confirmation changes the engine's decision (R14) without changing the profile row:
    the change log carries it to every process's delta."""
    app, ids = served
    client = app.test_client()
    h = _token(app, ids["hr"])

    def eligible() -> list[str]:
        r = client.get(f"/api/v1/postings/{ids['targeted']}/candidates", headers=h)
        assert r.status_code == 200, r.json
        return [i["profile"]["name"] for i in r.json["items"] if i["eligible"]]

    assert "待确认者" not in eligible()
    r = client.post(f"/api/v1/profiles/{ids['waiting']}/categories/disabled/confirm",
                    headers=_token(app, ids["caseworker"]))
    assert r.status_code == 200, r.json
    assert "待确认者" in eligible()


def test_requests_keep_answering_while_the_job_builds_and_swaps_a_new_version(served):
    app, ids = served
    client = app.test_client()
    cfg = app.config["MARKETPLACE"]
    before = pool_serving.current(cfg, "profiles")
    h = _token(app, ids["hr"])
    failures: list = []

    def rebuild():
        try:
            with app.app_context():
                for _ in range(3):
                    pool_snapshots.run(app.extensions["db"], app.extensions["runtime"], force=True)
        except Exception as exc:  # noqa: BLE001  (reported by the test)
            failures.append(exc)

    job = threading.Thread(target=rebuild)
    job.start()
    answered = 0
    while job.is_alive() or answered < 3:
        assert _titles(client, app, ids["cook"], ids["cook_user"])[0] == "厨师"
        assert _names(client, app, ids["厨师"], h)[0] == "厨师李"
        answered += 1
    job.join()
    assert not failures
    assert pool_serving.current(cfg, "profiles") != before  # a new version was swapped in
    assert len(store.versions(pool_snapshots.root(cfg, "profiles"))) <= 3  # old versions are removed

