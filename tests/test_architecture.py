"""The design's rules, held by checks rather than memory."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from marketplace.config import Config, ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_import_direction_contracts_hold():
    r = subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--config", str(ROOT / ".importlinter")],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_importing_the_package_has_no_side_effects():
    code = ("import sys, marketplace; "
            "assert 'flask' not in sys.modules and 'sqlalchemy' not in sys.modules, sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_production_refuses_to_start_without_secrets():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Config.from_env({"MARKETPLACE_ENV": "production"})
    with pytest.raises(ConfigError, match="DATA_KEY"):
        Config.from_env({"MARKETPLACE_ENV": "production", "MARKETPLACE_SECRET_KEY": "x" * 40})
    with pytest.raises(ConfigError, match="whole number"):
        Config.from_env({"MARKETPLACE_TOKEN_TTL_HOURS": "many"})
    with pytest.raises(ConfigError, match="ELASTICSEARCH_URL"):
        Config.from_env({"MARKETPLACE_SEARCH_BACKEND": "elasticsearch"})


def test_every_model_column_has_a_doc_comment():
    paths = [*(ROOT / "marketplace" / "core" / "models").glob("*.py"), *(ROOT / "marketplace").glob("*/models.py")]
    assert len(paths) >= 10, paths  # the core's model modules and every area's
    for path in paths:
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if re.match(r"\s+\w+: Mapped\[", line) and not re.match(r"\s+id: Mapped", line):
                assert lines[i - 1].strip().startswith("#:"), f"{path.name}:{i + 1} {line.strip()}"


def test_the_migrations_build_what_the_models_say(tmp_path):
    """A column or index added to a model without its migration would exist in tests (and
    nowhere else): after `upgrade heads`, autogenerate must find nothing left to do."""
    url = f"sqlite:///{tmp_path / 'check.db'}"
    env = dict(os.environ, MARKETPLACE_DATABASE_URL=url)
    flask = [sys.executable, "-m", "flask", "--app", "marketplace"]
    subprocess.run(flask + ["db-upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    r = subprocess.run([str(Path(sys.executable).with_name("alembic")), "check"], cwd=ROOT, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0 and "No new upgrade operations" in r.stdout + r.stderr, r.stdout + r.stderr


def test_ruff_finds_nothing():
    """pyflakes, import order, and imports at the top of files (PLC0415): an import inside a
    function is marked with the reason (a start-up cycle, or something heavy loaded on demand)."""
    r = subprocess.run([str(Path(sys.executable).with_name("ruff")), "check", "--no-cache", "."], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def _sources():
    for top in ("marketplace", "jobs", "matching", "search"):
        yield from (ROOT / top).rglob("*.py")


def test_no_listener_on_every_session_and_nothing_found_by_file_name():
    """Areas talk through marketplace.hooks, wired by name in marketplace.app: no ORM listener
    on the global Session class (it ran only once its module happened to be imported) and no
    module discovered by its file name."""
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"listens_for\(\s*Session\b|event\.listen\(\s*Session\b", text), path
        assert "iter_modules" not in text and "import_module(" not in text, path


def test_no_module_grows_past_400_lines_without_saying_why():
    for path in (ROOT / "marketplace").rglob("*.py"):
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) > 420:
            head = "\n".join(lines[:40])
            assert "400 lines" in head, f"{path.relative_to(ROOT)}: {len(lines)} lines and no reason in its docstring"


def test_every_page_title_block_is_only_a_title():
    """A page's ``{% block title %}`` holds its title and closes on the same line: two merges
    once left a page's body inside its title (the browser showed neither)."""
    for path in (ROOT / "marketplace").rglob("*.html"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "{% block title %}" in line:
                rest = line.split("{% block title %}", 1)[1]
                assert "{% endblock %}" in rest and "{% include" not in rest and "<" not in rest.split("{% endblock %}")[0], \
                    f"{path.relative_to(ROOT)}:{n}: the title block must hold only the title"
