#!/usr/bin/env bash
# Install everything into .venv from scratch (idempotent). torch is installed first and
# pinned: 2.13.0 is a local CPU build here; an unpinned torch would pull a multi-GB CUDA
# build through sentence-transformers.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-$(command -v python3.11 || command -v python3)}"
REQ="${1:-requirements.txt}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q torch==2.13.0
.venv/bin/python -m pip install -q -r "$REQ"
echo "installed $REQ into .venv"
