#!/usr/bin/env bash
# Release build: cascade for linux, windows and darwin on amd64 and arm64,
# and a SHA256SUMS over them, into OUTDIR (default dist/).
#
#   scripts/release.sh [OUTDIR]
#
# Two runs from the same commit with the same Go toolchain give the same
# bytes (.ci/run checks it). What makes them so:
#   -trimpath          no build directory or module cache path in the binary
#   CGO_ENABLED=0      no host C toolchain or libc in the output
#   -buildvcs=false    the Go toolchain records no VCS state of its own (time,
#                      "modified" flag that an untracked file flips); the one
#                      version stamp is ours, below, so a build from a source
#                      tarball with CASCADE_VERSION set gives the same bytes
#   -buildid=          no build ID (it is a hash of the inputs, but empty
#                      leaves nothing for a cache state to vary)
#   GOAMD64/GOARM64, GOFLAGS, GOEXPERIMENT pinned, so the caller's environment
#                      cannot change the code generated
# CASCADE_RELEASE_TARGETS ("os/arch ...") builds fewer targets, as CI does.
# The version is `git describe --tags --always --dirty` (or CASCADE_VERSION),
# linked into internal/cli.Version, which `cascade version` prints.
set -euo pipefail
out=${1:-}
[ -n "$out" ] && mkdir -p -- "$out" && out=$(cd -- "$out" && pwd)
cd "$(dirname "$0")/.."
out=${out:-dist}
version=${CASCADE_VERSION:-$(git describe --tags --always --dirty)}
targets=${CASCADE_RELEASE_TARGETS:-"linux/amd64 linux/arm64 windows/amd64 windows/arm64 darwin/amd64 darwin/arm64"}

mkdir -p "$out"
export CGO_ENABLED=0 GOFLAGS=-mod=readonly GOAMD64=v1 GOARM64=v8.0 GOEXPERIMENT=
for t in $targets; do
  os=${t%/*} arch=${t#*/}
  name="cascade-$version-$os-$arch"
  [ "$os" = windows ] && name="$name.exe"
  GOOS=$os GOARCH=$arch go build -trimpath -buildvcs=false \
    -ldflags="-buildid= -X github.com/cascade-ir/cascade/internal/cli.Version=$version" \
    -o "$out/$name" ./cmd/cascade
done
(cd "$out" && rm -f SHA256SUMS && sha256sum -- cascade-"$version"-* >SHA256SUMS)
echo "$out: cascade $version"
cat "$out/SHA256SUMS"
