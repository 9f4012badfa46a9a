#!/bin/sh
# The TAXII benchmark before and after a change, in one run: bench/taxii
# built from the tree at BASE (exported to a temporary directory) and from
# the working tree, then run alternately ROUNDS times with the same
# arguments, the load average printed before each run.
#
#   bench/taxii/compare.sh BASE ROUNDS [bench/taxii flags...]
#
# e.g. bench/taxii/compare.sh f084a0b 2 -n 1000000 -engines sqlite,postgres \
#        -pg 'postgres://cascade@127.0.0.1:55433/postgres?sslmode=disable'
set -eu
base=${1:?usage: bench/taxii/compare.sh BASE ROUNDS [flags...]}
rounds=${2:?usage: bench/taxii/compare.sh BASE ROUNDS [flags...]}
shift 2
top=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d /tmp/cascade-taxii-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
git -C "$top" archive "$base" | tar -x -C "$tmp"
(cd "$tmp" && go build -o "$tmp/before" ./bench/taxii)
(cd "$top" && go build -o "$tmp/after" ./bench/taxii)
i=1
while [ "$i" -le "$rounds" ]; do
	for side in before after; do
		echo "== $side ($([ $side = before ] && echo "$base" || git -C "$top" rev-parse --short HEAD)), round $i, load average $(cut -d' ' -f1-3 /proc/loadavg)"
		"$tmp/$side" "$@" | grep -E '^(sqlite|postgres) '
	done
	i=$((i + 1))
done
