#!/bin/sh
# Alert delivery before and after a change, in one run: BenchmarkAlerts of
# the tree at BASE (exported to a temporary directory) and of the working
# tree, one after the other, with the same N.
#
#   bench/alerts/compare.sh BASE [N]
#
# e.g. bench/alerts/compare.sh 1e0ae08 10000. Prints each side's
# deliveries/s and ingest p95 figures.
set -eu
base=${1:?usage: bench/alerts/compare.sh BASE [N]}
n=${2:-10000}
top=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d /tmp/cascade-alerts-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
git -C "$top" archive "$base" | tar -x -C "$tmp"
echo "== before: $base"
(cd "$tmp" && CASCADE_ALERT_BENCH_N=$n go test -run '^$' -bench BenchmarkAlerts -benchtime=1x ./internal/server/ | grep -E '^Benchmark|queued')
echo "== after: working tree ($(git -C "$top" rev-parse --short HEAD))"
(cd "$top" && CASCADE_ALERT_BENCH_N=$n go test -run '^$' -bench BenchmarkAlerts -benchtime=1x ./internal/server/ | grep -E '^Benchmark|queued')
