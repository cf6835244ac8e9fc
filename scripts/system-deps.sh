#!/usr/bin/env bash
# Debian packages the test suite needs (browser tests, Spark batch tests). Run as root (CI is root).
# Add a package to PACKAGES with the reason beside it.
set -euo pipefail
PACKAGES=(
  chromium          # headless browser for the web app's end-to-end tests
  chromium-driver
  openjdk-17-jre-headless  # the JVM under pyspark: `narratrace batch` tests run Spark in local mode
  postgresql        # .ci/run's second test run, on PostgreSQL (docs/postgresql.md)
)
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "need root to apt-get install ${missing[*]}; browser and Spark batch tests will skip" >&2; exit 0; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# PostgreSQL: start every cluster that is down, then a role and a database for the tests
# (NARRATRACE_TEST_DB=postgresql://narratrace:narratrace@127.0.0.1/narratrace_test; a CI throwaway).
if [ "$(id -u)" = 0 ] && command -v pg_lsclusters >/dev/null; then
  pg_lsclusters -h | while read -r ver name _port status _rest; do
    case "$status" in online*) ;; *) pg_ctlcluster "$ver" "$name" start ;; esac
  done
  su postgres -s /bin/sh -c "cd / && psql -qX -v ON_ERROR_STOP=1" <<'SQL'
SELECT 'CREATE ROLE narratrace LOGIN PASSWORD ''narratrace''' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'narratrace')\gexec
SELECT 'CREATE DATABASE narratrace_test OWNER narratrace' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'narratrace_test')\gexec
SQL
fi
