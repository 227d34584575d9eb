#!/usr/bin/env bash
# Install everything (dev tools, Debian's chromium for the browser tests and wrk for the load test included),
# then run the whole suite twice: on SQLite and on PostgreSQL. Services the tests need
# (PostgreSQL, Redis) are started by the tests if they are not running.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh requirements-dev.txt
# wrk drives the load test's smoke run (tests/test_benchmarks_smoke.py)
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi wqy || ! command -v wrk >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei wrk) >/dev/null \
    || echo "warning: could not install chromium or wrk; browser tests and the load-test smoke will be skipped with the reason"
fi
export PYTHONDONTWRITEBYTECODE=1
status=0
echo "=== test suite on SQLite ==="
.venv/bin/python -m pytest "$@" || status=$?
echo "=== test suite on PostgreSQL ==="
MARKETPLACE_TEST_DATABASE_URL="${MARKETPLACE_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}" \
  .venv/bin/python -m pytest -m db "$@" || status=$?
exit $status
