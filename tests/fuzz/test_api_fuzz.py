"""Property-based fuzzing of the whole API from its own OpenAPI document (schemathesis):
every operation, called by a role it admits with generated valid and invalid input, never
answers 5xx. Runs against its own SQLite file with the demo data (the fuzzer writes junk).
``FUZZ_EXAMPLES`` sets examples per operation (default 15 in the suite; the closing note's
figures come from a larger run). The suite's examples are the same on every run
(hypothesis ``derandomize``), so CI passes or fails on the code, not on luck; set
``FUZZ_RANDOM=1`` for exploratory runs with fresh examples (they found the 64-bit body ids)."""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy import select

from marketplace import create_app
from marketplace.cli import upgrade_database
from marketplace.core import accounts, demo
from marketplace.core.models import User

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
RANDOM = os.environ.get("FUZZ_RANDOM") == "1"


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    inst = tmp_path_factory.mktemp("fuzz")
    app = create_app({"ENV": "testing", "INSTANCE_DIR": str(inst), "SECRET_KEY": "fuzz-secret",
                      "LOGIN_MAX_FAILURES": 1000000})
    upgrade_database(app)
    tokens = {}
    with app.extensions["db"].unit_of_work() as s:
        demo.load(s, app.extensions["cipher"])
        for role, username in (("person", "graduate"), ("employer", "employer"), ("caseworker", "caseworker"),
                               ("admin", "admin"), ("organiser", "organiser"), ("agency", None)):
            if username is None:
                continue
            user = s.scalar(select(User).where(User.username == username))
            tokens[role] = accounts.issue_token(s, user, 24)[0]
    app.config["FUZZ_TOKENS"] = tokens
    yield app
    app.extensions["db"].engine.dispose()


def _operations():
    """(label, operation) for every documented operation; the schema is read from the
    app's own /api/v1/openapi.json, so a new endpoint is fuzzed without editing this file."""
    app = create_app({"ENV": "testing", "DATABASE_URL": "sqlite://", "SECRET_KEY": "x"})
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    ops = [r.ok() for r in schema.get_all_operations()]
    app.extensions["db"].engine.dispose()
    return [(op.label, op) for op in ops]


OPERATIONS = _operations()


@pytest.mark.parametrize("label,operation", OPERATIONS, ids=[label for label, _ in OPERATIONS])
def test_no_input_makes_the_api_fail(fuzz_app, label, operation):

    if operation.path == "/api/v1/me/delete":
        pytest.skip("would delete the fuzzing account; covered by tests/web/test_privacy.py")
    if operation.path in ("/api/v1/auth/logout-everywhere", "/api/v1/admin/users/{user_id}/password",
                          "/api/v1/admin/users/{user_id}/sign-out"):
        pytest.skip("would revoke the fuzzing accounts' tokens; covered by tests/security/test_sessions.py")
    roles = operation.definition.raw.get("x-roles", [])
    tokens = fuzz_app.config["FUZZ_TOKENS"]
    role = next((r for r in roles if r in tokens), None)
    client = fuzz_app.test_client()

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None,
              derandomize=not RANDOM)
    def run(case):
        headers = {k: str(v) for k, v in (case.headers or {}).items()}
        if role and operation.path != "/api/v1/auth/token":
            headers["Authorization"] = f"Bearer {tokens[role]}"
        path = case.formatted_path
        body = None if type(case.body).__name__ == "NotSet" else case.body
        response = client.open(path, method=case.method, headers=headers, query_string=case.query,
                               json=body if body is not None and not isinstance(body, bytes) else None,
                               data=body if isinstance(body, bytes) else None)
        assert response.status_code < 500, (case.method, path, case.query, body, response.get_data(as_text=True)[:500])

    run()
