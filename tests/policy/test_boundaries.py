"""The policy package stays pure: no Flask, no ORM, nothing else from `marketplace`."""

from __future__ import annotations

import ast
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import marketplace.policy as policy
from tests.sources import parse

PACKAGE = Path(policy.__file__).resolve().parent
FORBIDDEN_TOP = {"flask", "flask_login", "flask_wtf", "flask_babel", "sqlalchemy", "alembic", "celery",
                 "matching", "search", "jobs"}


def imports(path: Path):
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, 0
        elif isinstance(node, ast.ImportFrom):
            yield node.module or "", node.level


def test_policy_imports_nothing_outside_itself():
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 10
    for path in files:
        for module, level in imports(path):
            top = module.split(".")[0]
            where = f"{path.name} imports {module!r}"
            assert level <= 1, where                       # no `from .. import` out of the package
            assert top not in FORBIDDEN_TOP, where
            assert top != "marketplace" or module.startswith("marketplace.policy"), where


def test_public_api_is_complete():
    for name in policy.__all__:
        assert hasattr(policy, name), name


def test_no_money_literals_in_code():
    """Amounts live in policy sets: no decimal-string literals such as "1500.00" in the code."""
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(parse(path)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Decimal" and node.args:
                arg = node.args[0]
                assert not isinstance(arg, ast.Constant) or arg.value == "0.01", f"{path.name}: Decimal literal"


def test_decisions_serialise_to_json(fushun):
    d = policy.hiring_subsidy(fushun, policy.HireFacts(date(2020, 5, 1), date(2020, 5, 1), 12, Decimal("800"), True,
                                                      date(2019, 1, 1)))
    text = json.dumps(d.to_json(), ensure_ascii=False)
    assert json.loads(text)["amount"] == "2400.00"
    refused = policy.check_extension(fushun, hard_to_employ=True, period_ends_on=date(2020, 6, 1),
                                     stably_employed=False, prior_extensions=0)
    assert json.loads(json.dumps(refused.to_json()))["details"]["new_end"] == "2021-06-01"
