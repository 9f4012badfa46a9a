#!/bin/sh
# compare.sh OLD_COMMIT [bench flags]: builds this benchmark at OLD_COMMIT
# (git archive into a temporary directory, no worktree) and at the work
# tree, then runs both at the same time with the same flags, so they share
# the machine's load, and prints the old output, then the new. Read the
# CPU figures first: on a shared machine wall time mostly measures the
# neighbours.
#
#	bench/trace/compare.sh 1e0ae08 -runs 3
set -eu
old=${1:?usage: compare.sh OLD_COMMIT [bench flags]}
shift
root=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d /tmp/tracecmp.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir "$tmp/src"
git -C "$root" archive "$old" | tar -x -C "$tmp/src"
(cd "$tmp/src" && go build -o "$tmp/old" ./bench/trace)
(cd "$root" && go build -o "$tmp/new" ./bench/trace)
"$tmp/old" "$@" >"$tmp/old.out" 2>&1 &
o=$!
"$tmp/new" "$@" >"$tmp/new.out" 2>&1 &
n=$!
rc=0
wait $o || rc=1
wait $n || rc=1
echo "== old ($old)"
cat "$tmp/old.out"
echo "== new ($(git -C "$root" describe --always --dirty))"
cat "$tmp/new.out"
exit $rc
