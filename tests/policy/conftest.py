"""Fixtures for the policy tests: the bundled sets, and a way to build variants."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Callable

import pytest

from marketplace.policy import PolicySet, load_policy_set, parse_policy_set
from marketplace.policy.policy_set import SETS_DIR


@pytest.fixture(scope="session")
def fushun() -> PolicySet:
    return load_policy_set("fushun-2020")


@pytest.fixture(scope="session")
def any_early() -> PolicySet:
    return load_policy_set("fushun-2020-any-early")


@pytest.fixture(scope="session")
def fushun_doc() -> dict[str, Any]:
    return json.loads((SETS_DIR / "fushun-2020.json").read_text(encoding="utf-8"))


@pytest.fixture
def variant(fushun_doc: dict[str, Any]) -> Callable[[Callable[[dict[str, Any]], None]], PolicySet]:
    """Build a set from fushun-2020 after `edit` changes a deep copy of its document."""

    def build(edit: Callable[[dict[str, Any]], None]) -> PolicySet:
        doc = copy.deepcopy(fushun_doc)
        edit(doc)
        return parse_policy_set(doc, "variant")

    return build


@pytest.fixture
def write_set(tmp_path: Path, fushun_doc: dict[str, Any]) -> Callable[..., Path]:
    """Write a (possibly broken) set file into tmp_path and return the directory."""

    def write(name: str, doc: Any = None, text: str | None = None) -> Path:
        if text is None:
            doc = copy.deepcopy(fushun_doc) if doc is None else doc
            text = json.dumps(doc, ensure_ascii=False)
        (tmp_path / f"{name}.json").write_text(text, encoding="utf-8")
        return tmp_path

    return write
