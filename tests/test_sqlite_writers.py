"""SQLite, the embedded default, with several writers at once (the server runs one
process per core, each with threads). A transaction that reads and then writes must wait
for the write lock, not fail with "database is locked": jobs and unsafe requests begin
with BEGIN IMMEDIATE (marketplace.db)."""
from __future__ import annotations

import threading
import time

from sqlalchemy import text

from marketplace import create_app
from marketplace.cli import upgrade_database
from marketplace.core import indexing
from marketplace.db import Database, writing
from tests.conftest import Factories


def _race(db: Database, n: int, mark: bool) -> list[Exception]:
    with db.engine.begin() as c:
        c.exec_driver_sql("CREATE TABLE IF NOT EXISTS seats (id INTEGER PRIMARY KEY, taken_by INTEGER)")
    errors: list[Exception] = []

    def take(i: int) -> None:
        s = db.session()
        try:
            with writing(mark):
                taken = s.execute(text("SELECT count(*) FROM seats")).scalar()  # read first ...
                time.sleep(0.05)  # ... while the others read too
                s.execute(text("INSERT INTO seats (taken_by) VALUES (:i)"), {"i": i * 1000 + taken})
                s.commit()
        except Exception as exc:  # noqa: BLE001 - collected and asserted on
            errors.append(exc)
            s.rollback()
        finally:
            s.close()

    threads = [threading.Thread(target=take, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return errors


def test_writers_that_read_first_all_succeed_in_turn(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'writers.db'}")
    assert _race(db, 6, mark=True) == []
    with db.engine.connect() as c:
        rows = c.exec_driver_sql("SELECT taken_by FROM seats ORDER BY id").fetchall()
    # each saw every earlier writer's seat: the transactions ran one after another
    assert [r[0] % 1000 for r in rows] == list(range(6))


def test_without_the_write_intent_they_fail_which_is_why_it_exists(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'writers.db'}")
    errors = _race(db, 6, mark=False)
    assert errors and all("locked" in str(e) for e in errors)


def test_jobs_units_of_work_take_the_write_lock_at_begin(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'jobs.db'}")
    with db.engine.begin() as c:
        c.exec_driver_sql("CREATE TABLE n (v INTEGER)")
    errors: list[Exception] = []

    def job(i: int) -> None:
        try:
            with db.unit_of_work() as s:
                s.execute(text("SELECT count(*) FROM n")).scalar()
                time.sleep(0.05)
                s.execute(text("INSERT INTO n VALUES (:i)"), {"i": i})
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=job, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with db.engine.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM n").scalar() == 5



def _saver(db: Database, sql: str, waited: list[float]):
    """A write made as a request makes it (its own transaction); how long it waited is noted."""
    def save_elsewhere():
        t0 = time.monotonic()
        with db.unit_of_work() as s:
            s.execute(text(sql))
        waited.append(time.monotonic() - t0)
    return save_elsewhere


def test_the_site_keeps_writing_while_the_search_index_is_rebuilt(tmp_path):
    """``flask reindex`` reads every posting for minutes at 100,000 rows. It must not hold
    the write lock meanwhile: an employer saving a posting in the middle of it is saved at
    once, not refused after the 30 s busy timeout."""
    app = create_app({"ENV": "testing", "INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "test-secret"})
    upgrade_database(app)
    db, rt = app.extensions["db"], app.extensions["runtime"]
    with db.unit_of_work() as s:
        for i in range(3):
            Factories(s, app.extensions["cipher"]).posting(title=f"焊工{i}")
    waited: list[float] = []
    save_elsewhere = _saver(db, "UPDATE postings SET headcount = headcount + 1 WHERE id = (SELECT min(id) FROM postings)",
                            waited)

    def progress(done, total):
        if done and not waited:  # in the middle of the rebuild, its transaction open
            t = threading.Thread(target=save_elsewhere)
            t.start()
            t.join(40)

    with db.unit_of_work(write=False) as s:
        assert indexing.reindex(s, rt.backend, rt.encoder, "posting", batch=1, progress=progress) == 3
    assert waited and waited[0] < 5, waited
    with db.engine.connect() as c:
        assert c.exec_driver_sql("SELECT max(headcount) FROM postings").scalar() == 3  # 2 + the saved change
    db.engine.dispose()


def test_the_site_keeps_writing_while_the_daily_outreach_decides(tmp_path, monkeypatch):
    """政策找人 decides for every registered person (a city's registry: tens of seconds). It
    ran in one write transaction, and for its whole length every page's write waited and
    then failed after the 30 s busy timeout. Now it decides in read-only transactions and
    records in short ones: a person saving their profile in the middle is saved at once."""
    from marketplace.core import outreach  # noqa: PLC0415
    from marketplace.core.tasks import policy_outreach  # noqa: PLC0415

    app = create_app({"ENV": "testing", "INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "test-secret"})
    upgrade_database(app)
    db = app.extensions["db"]
    with db.unit_of_work() as s:
        make = Factories(s, app.extensions["cipher"])
        make.org(internship_base=True)
        make.posting(kind="internship", title="会计见习生", education_min=4)
        for i in range(3):
            make.profile(user=make.user("person"), name=f"毕业生{i}", education=5, graduation_year=2023)
    waited: list[float] = []
    save_elsewhere = _saver(db, "UPDATE profiles SET summary = '会开叉车' WHERE id = (SELECT min(id) FROM profiles)", waited)

    decide = outreach.people_findings

    def deciding(*a, **kw):
        found = decide(*a, **kw)
        t = threading.Thread(target=save_elsewhere)  # in the middle of the run, its transaction open
        t.start()
        t.join(40)
        return found

    monkeypatch.setattr(outreach, "people_findings", deciding)
    with app.app_context():
        told = policy_outreach.run("2024-03-01")
    assert told["R1"] == 3
    assert waited and waited[0] < 5, waited
    with db.engine.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM profiles WHERE summary = '会开叉车'").scalar() == 1
    db.engine.dispose()
