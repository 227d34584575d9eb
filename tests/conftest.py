"""Shared fixtures. The suite runs against SQLite by default and against PostgreSQL when
``MARKETPLACE_TEST_DATABASE_URL`` is set (``.ci/run`` runs it both ways). Each run gets
its own PostgreSQL schema, so parallel runs do not meet. The schema is built by the
Alembic migrations, so the migrations are tested too. Each test runs inside a
transaction that is rolled back (the ``db`` fixture)."""
from __future__ import annotations

import datetime as dt
import itertools
import os
import re

import pytest
from sqlalchemy import text
from werkzeug.security import generate_password_hash

from marketplace import clock, create_app
from marketplace.cli import upgrade_database
from marketplace.core import indexing, policy_admin
from marketplace.core.accounts import issue_token
from marketplace.core.models import Organisation, OrganisationVerification, Posting, Profile, ProfileCategory, User
from marketplace.db import make_engine
from marketplace.idcodes import credit_code_check_char
from tests import services as svc

pytest_plugins = ["tests.browser_fixtures"]

PG_URL = os.environ.get("MARKETPLACE_TEST_DATABASE_URL", "")


def _engine_for_run(tmp_path_factory):
    if PG_URL:
        svc.ensure_postgres()
        schema = f"t_{os.getpid()}"
        admin = make_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
        engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})

        def drop():
            engine.dispose()
            e = make_engine(PG_URL)
            with e.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            e.dispose()

        return engine, drop, f"{PG_URL}?options=-csearch_path%3D{schema}"
    path = tmp_path_factory.mktemp("db") / "test.db"
    url = f"sqlite:///{path}"
    return make_engine(url), lambda: None, url


@pytest.fixture(scope="session")
def database_url_and_engine(tmp_path_factory):
    engine, drop, url = _engine_for_run(tmp_path_factory)
    yield url, engine
    drop()


@pytest.fixture(scope="session")
def app(database_url_and_engine, tmp_path_factory):
    url, engine = database_url_and_engine
    # POOL_SNAPSHOTS=0: every test ranks from its own rows (a snapshot built by one test, e.g.
    # by the periodic tasks, would outlive its rolled-back rows); tests/web/test_pool_snapshots.py
    # turns them on in a folder of its own
    application = create_app({"ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": "test-secret",
                              "INSTANCE_DIR": str(tmp_path_factory.mktemp("instance")), "POOL_SNAPSHOTS": 0})
    upgrade_database(application)
    application.config["WTF_CSRF_ENABLED"] = False  # pages are CSRF-tested in test_security.py
    yield application
    application.extensions["db"].engine.dispose()


@pytest.fixture
def db(app):
    """A session inside a transaction rolled back after the test; the app's request
    sessions join the same transaction through savepoints."""
    database = app.extensions["db"]
    conn = database.engine.connect()
    trans = conn.begin()
    original = database.factory
    database.bind_to(conn)
    session = database.session()
    try:
        yield session
    finally:
        session.close()
        database.factory = original
        trans.rollback()
        conn.close()
        runtime = app.extensions["runtime"]
        if runtime._backend is not None:  # the index is not transactional: empty it with the rollback
            runtime.backend.clear()
            runtime.invalidate()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def city_set(db, make):
    """``city_set("fushun-2020-any-early")``: the admin makes that set the city's in force
    (as the policy administrator does in the app; rolled back with the test)."""
    def choose(name: str):
        policy_admin.set_city_default(db, make.user("admin"), name, clock.today())
    return choose


@pytest.fixture
def cipher(app):
    return app.extensions["cipher"]


_seq = itertools.count(1)


@pytest.fixture
def make(db, cipher, app):
    """Factories: ``make.user(role)``, ``make.org()``, ``make.profile()``, ``make.posting()``,
    ``make.token(user)``; each flushes and returns the model. ``make.index(obj)`` puts a
    posting or profile into the search index as the indexing task would."""
    return Factories(db, cipher, app.extensions["runtime"])


class Factories:
    def __init__(self, session, cipher, runtime=None):
        self.s = session
        self.cipher = cipher
        self.runtime = runtime

    def index(self, *objs):
        for obj in objs:
            fn = indexing.index_posting if isinstance(obj, Posting) else indexing.index_profile
            fn(self.s, self.runtime.backend, self.runtime.encoder, obj.id)
        self.runtime.invalidate()

    def org(self, org_type="enterprise", district="望花区", internship_base=True, verified=True, **kw):
        """A verified organisation with these facts; ``verified=False``: one that registered
        asking for them (an ordinary enterprise with a pending request, as registration leaves it)."""
        n = next(_seq)
        body = f"9121040{n:010d}"
        facts = dict(org_type=org_type, is_internship_base=internship_base,
                     internship_base_since_on=dt.date(2019, 1, 1) if internship_base else None)
        org = Organisation(name=kw.pop("name", f"测试单位{n}有限公司"), district=district,
                           credit_code=body + credit_code_check_char(body),
                           verification_status="verified" if verified else "pending",
                           **(facts if verified else dict(org_type="enterprise", is_internship_base=False)), **kw)
        self.s.add(org)
        self.s.flush()
        if not verified:
            self.s.add(OrganisationVerification(
                organisation_id=org.id, origin="register", requested_org_type=org_type,
                requested_internship_base=internship_base,
                requested_internship_base_since_on=facts["internship_base_since_on"],
                documents=[{"name": "营业执照", "number": org.credit_code}], status="pending"))
            self.s.flush()
        return org

    def user(self, role="person", organisation=None, district=None, password="secret-pass-1", **kw):
        n = next(_seq)
        if role in ("employer", "agency") and organisation is None:
            organisation = self.org(org_type="hr_agency" if role == "agency" else "enterprise")
        if role == "caseworker" and district is None:
            district = "望花区"
        u = User(username=kw.pop("username", f"{role}{n}"), password_hash=generate_password_hash(password, method="pbkdf2:sha256:1000"),
                 display_name=kw.pop("display_name", f"{role} {n}"), role=role,
                 organisation_id=organisation.id if organisation else None, district=district, **kw)
        self.s.add(u)
        self.s.flush()
        return u

    def profile(self, user=None, district="望花区", education=4, skills=("焊接",), published=True, categories=(), **kw):
        if user is None:
            user = self.user("person")
        p = Profile(user_id=user.id, name=kw.pop("name", "张三"), gender=kw.pop("gender", "男"),
                    birth_on=kw.pop("birth_on", dt.date(1998, 5, 1)), district=district, education=education,
                    skills=list(skills), published=published, **kw)
        for c in categories:
            p.categories.append(ProfileCategory(category=c, confirmed_at=dt.datetime(2020, 1, 1)))
        self.s.add(p)
        self.s.flush()
        return p

    def posting(self, organisation=None, kind="job", status="published", **kw):
        if organisation is None:
            organisation = self.org()
        creator = kw.pop("created_by", None) or self.user("employer", organisation=organisation)
        defaults = dict(title="电焊工", description="负责钢结构焊接，按图纸施工。", skills=["焊接", "电焊"], education_min=0,
                        salary_min=4000, salary_max=6000, headcount=2, district="望花区")
        if kind == "internship":
            defaults.update(period_months=6, stipend=1500)
        if kind == "public_welfare":
            defaults.update(temporary=True, term_months=6)
        defaults.update(kw)
        p = Posting(organisation_id=organisation.id, created_by_id=creator.id, kind=kind, status=status, **defaults)
        self.s.add(p)
        self.s.flush()
        return p

    def token(self, user) -> dict:
        tok, _ = issue_token(self.s, user, 1)
        return {"Authorization": f"Bearer {tok}"}


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "app" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)
