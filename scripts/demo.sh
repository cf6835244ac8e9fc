#!/usr/bin/env bash
# Quick start: set up, then group the bundled sample corpus (five articles, three languages) into stories.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/narratrace demo "$@"
