#!/bin/sh
# compare.sh OLD_COMMIT [bench flags]: builds this benchmark at OLD_COMMIT
# (git archive into a temporary directory, no worktree) and at the work
# tree, then runs old, new, old, new with the same flags, so both are
# measured on the same loaded machine in one go. Read the CPU figures
# first: on a shared machine wall time mostly measures the neighbours.
#
#	bench/trace/compare.sh 1e0ae08 -runs 3
set -eu
old=${1:?usage: compare.sh OLD_COMMIT [bench flags]}
shift
root=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d /tmp/tracecmp.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/src"
git -C "$root" archive "$old" | tar -x -C "$tmp/src"
(cd "$tmp/src" && go build -o "$tmp/old" ./bench/trace)
(cd "$root" && go build -o "$tmp/new" ./bench/trace)
for round in 1 2; do
	for b in old new; do
		echo "== $b ($round)"
		"$tmp/$b" "$@"
	done
done
