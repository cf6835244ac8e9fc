#!/usr/bin/env bash
# Static checks, configured in pyproject.toml: ruff (style, imports, common bugs), mypy (types of the package)
# and lint-imports (the stage order of docs/architecture.md, no import cycles). Runs all three and fails if
# any fails, so one run shows every finding. Installs the `lint` extra (pinned by constraints.txt) into .venv
# when a tool is missing.
set -uo pipefail
cd "$(dirname "$0")/.."

tools_present() {
  [ -x .venv/bin/python ] && .venv/bin/python - <<'EOF' 2>/dev/null
from importlib.metadata import version
for dist in ("ruff", "mypy", "types-PyYAML", "import-linter"):
    version(dist)
EOF
}
if ! tools_present; then
  NARRATRACE_EXTRAS=lint bash scripts/setup.sh || { echo "lint: could not install the lint extra" >&2; exit 1; }
fi

failed=()
run() {
  local name=$1
  shift
  echo "== $name: $*"
  "$@" || failed+=("$name")
}
run ruff .venv/bin/ruff check .
run mypy .venv/bin/mypy
# the package imported by lint-imports is the one installed in .venv (editable: this tree)
run lint-imports .venv/bin/lint-imports --no-cache

if [ ${#failed[@]} -gt 0 ]; then
  echo "lint: failed: ${failed[*]}" >&2
  exit 1
fi
echo "lint: ruff, mypy and lint-imports passed"
