#!/bin/sh
# Alert delivery before and after a change, in one run: BenchmarkAlerts of
# the tree at BASE (exported to a temporary directory) and of the working
# tree, each built once, then run in turns ROUNDS times with the same N,
# so both sides share the machine's state as far as one machine allows.
#
#   bench/alerts/compare.sh BASE [N] [ROUNDS] [SIDES]
#
# e.g. bench/alerts/compare.sh 1e0ae08 10000, or, for the open-loop sides
# alone with a backlog that lasts their 15 s at 1,200 deliveries a second:
#   bench/alerts/compare.sh main 20000 4 '(no-sink-20|paced-20)'
# SIDES is a regular expression of BenchmarkAlerts' sides (default: all).
# Prints each run's benchmark lines.
set -eu
base=${1:?usage: bench/alerts/compare.sh BASE [N] [ROUNDS] [SIDES]}
n=${2:-10000}
rounds=${3:-1}
sides=${4:-.}
top=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d /tmp/cascade-alerts-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
git -C "$top" archive "$base" | tar -x -C "$tmp"
(cd "$tmp" && go test -c -o "$tmp/before.test" ./internal/server/)
(cd "$top" && go test -c -o "$tmp/after.test" ./internal/server/)
i=1
while [ "$i" -le "$rounds" ]; do
	for side in before after; do
		if [ "$side" = before ]; then
			echo "== round $i, before: $base"
			dir=$tmp
		else
			echo "== round $i, after: working tree ($(git -C "$top" rev-parse --short HEAD))"
			dir=$top
		fi
		# Each test binary runs in its own tree's package directory, as go test does.
		(cd "$dir/internal/server" && CASCADE_ALERT_BENCH_N=$n "$tmp/$side.test" -test.run '^$' \
			-test.bench "BenchmarkAlerts/$sides" -test.benchtime=1x | grep -E '^Benchmark|queued')
	done
	i=$((i + 1))
done
