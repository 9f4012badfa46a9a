#!/usr/bin/env bash
# Runs every fuzz target for a while each: scripts/fuzz.sh 10s (CI), or
# scripts/fuzz.sh 10m by hand. Targets are found with go test -list.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-10s}
for pkg in $(go list ./...); do
  for target in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
    echo "-- $pkg $target"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime 1x "$pkg"
  done
done
