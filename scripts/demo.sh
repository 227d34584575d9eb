#!/usr/bin/env bash
# Install, create the database, load the demo data and serve the marketplace on the
# embedded default (SQLite, embedded search, tasks in-process) at http://127.0.0.1:8000/
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh requirements.txt
export FLASK_APP=marketplace
.venv/bin/flask db-upgrade
.venv/bin/flask demo-load
exec .venv/bin/flask serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
