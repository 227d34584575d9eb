"""Every welfare endpoint called as every role: 401/403 for roles not allowed, never 5xx.
(The core matrix in tests/web parametrises over the routes registered when it is
collected; this one imports the welfare routes first, so they are always covered.)"""
from __future__ import annotations

import pytest

import marketplace.app  # noqa: F401  (registers every area's routes)
from marketplace.core.models import ROLES
from marketplace.web.apispec import ROUTES
from tests.web.test_authorisation import _url, world  # noqa: F401  (fixture)

CASES = [(spec, method, role) for spec in ROUTES if spec.rule.startswith("/welfare/")
         for method in spec.methods for role in ("anonymous",) + ROLES]


@pytest.mark.parametrize("spec,method,role", CASES, ids=[f"{m} {s.rule} as {r}" for s, m, r in CASES])
def test_every_welfare_endpoint_for_every_role(client, make, world, spec, method, role):  # noqa: F811
    headers = {} if role == "anonymous" else make.token(world["users"][role])
    r = client.open(_url(spec.rule, world), method=method, headers=headers, json={} if method != "GET" else None)
    if role in spec.roles:
        assert r.status_code not in (401, 403), (r.status_code, r.json)
    else:
        assert r.status_code == (401 if role == "anonymous" else 403), (r.status_code, r.json)
    assert r.status_code < 500
