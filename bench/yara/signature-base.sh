#!/bin/bash
# Benchmarks cascade yara against yara 4.x on a real-world rule set,
# Neo23x0/signature-base (Detection Rule License 1.1; not kept in this
# repository: pass a checkout's yara/ directory). Two modes:
#
#   bench/yara/signature-base.sh subset SIGBASE/yara [TREE [BENCH FLAGS...]]
#       the issue's benchmark with real rules: the crime_, mal_ and expl_
#       files (347 rules at commit 8a89b3b; files that use external
#       variables left out) concatenated into one file, run by
#       go run ./bench/yara (yara -p 2 -r, cascade yara, cascade scan
#       with the packs) over TREE (default /usr/lib/x86_64-linux-gnu);
#       further flags go to bench/yara (-baseline COMMIT, -scan=false).
#
#   bench/yara/signature-base.sh all SIGBASE/yara TREE [CASCADE_BIN...]
#       every rule file in its own namespace, with the externals Loki
#       sets, yara and each cascade binary (default: one built from this
#       checkout) one after the other in one run over TREE.
#
# Figures: docs/yara.md, "Figures (a real-world rule set: signature-base)".
set -euo pipefail
mode=${1:?mode: subset or all}
dir=${2:?signature-base yara/ directory}
out=${OUT:-/tmp/sigbase-bench}
mkdir -p "$out"
case $mode in
subset)
	tree=${3:-/usr/lib/x86_64-linux-gnu}
	shift $(($# < 3 ? $# : 3))
	: > "$out/subset.yar"
	for f in "$dir"/crime_*.yar "$dir"/mal_*.yar "$dir"/expl_*.yar; do
		if grep -qE '\b(filename|filepath|extension|filetype|owner)\b' "$f"; then
			continue
		fi
		cat "$f" >> "$out/subset.yar"
	done
	echo "subset: $(grep -cE '^\s*(private |global )*rule ' "$out/subset.yar") rules, sha256 $(sha256sum < "$out/subset.yar" | cut -c1-16)"
	exec go run ./bench/yara -rules-file "$out/subset.yar" -dir "$tree" -out "$out" "$@"
	;;
all)
	tree=${3:?tree to scan}
	shift 3
	bins=("$@")
	if [ ${#bins[@]} -eq 0 ]; then
		go build -o "$out/cascade" ./cmd/cascade
		bins=("$out/cascade")
	fi
	args=(-w -p 2 -r -d filename=x -d filepath=x -d extension=x -d filetype=x -d owner=x)
	for f in "$dir"/*.yar; do args+=("$(basename "$f" .yar):$f"); done
	echo "$(ls "$dir"/*.yar | wc -l) rule files; tree $tree; load $(cut -d' ' -f1-3 /proc/loadavg)"
	for e in yara "${bins[@]}"; do
		cmd=("$e" yara)
		[ "$e" = yara ] && cmd=(yara)
		/usr/bin/time -f "$e: %e s wall, %U+%S s CPU, %M KB peak RSS" "${cmd[@]}" "${args[@]}" "$tree" > "$out/out.$(basename "$e")" 2> "$out/err.$(basename "$e")" || true
		tail -1 "$out/err.$(basename "$e")"
		echo "  $(wc -l < "$out/out.$(basename "$e")") matches"
	done
	for e in "${bins[@]}"; do
		if cmp -s <(sort "$out/out.yara") <(sort "$out/out.$(basename "$e")"); then
			echo "$e: same matches as yara"
		else
			echo "$e: matches DIFFER from yara's"
		fi
	done
	echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
	;;
*)
	echo "mode: subset or all" >&2
	exit 2
	;;
esac
