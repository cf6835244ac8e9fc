#!/usr/bin/env bash
# Debian packages the test suite needs (browser tests, Spark batch tests). Run as root (CI is root).
# Add a package to PACKAGES with the reason beside it.
set -euo pipefail
PACKAGES=(
  chromium          # headless browser for the web app's end-to-end tests
  chromium-driver
  openjdk-17-jre-headless  # the JVM under pyspark: `narratrace batch` tests run Spark in local mode
)
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "need root to apt-get install ${missing[*]}; browser and Spark batch tests will skip" >&2; exit 0; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
