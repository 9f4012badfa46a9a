#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine with Go: installs the
# Debian tools the fixture scripts use, starts a throw-away PostgreSQL on
# loopback for the store tests, and runs every test with the race detector.
# Tests that need a tool fail (not skip) here: CASCADE_REQUIRE_TOOLS=1.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  libwin-hivex-perl   # hivexregedit: Windows registry hive fixtures
  sqlite3             # browser history fixtures
  osslsigncode openssl wixl msitools  # signed PE and MSI fixtures
  rpm db5.3-util python3  # rpm database (SQLite, Berkeley DB) and plist fixtures
  openssh-client      # ssh-keygen -H: the reference for hashed known_hosts entries
  liblnk-utils libplist-utils  # lnkinfo, plistutil: references for Shell Links and binary plists
  python3-requests python3-six python3-tz  # the OASIS TAXII 2.1 client the TAXII server is checked with
  python3-flask python3-flask-httpauth  # medallion, the OASIS TAXII 2.1 server the TAXII client is checked with
  yara                # the reference engine for the cascade yara differential tests
  iproute2            # ss: the reference for the live sweep's sockets and their owners
  postgresql          # the store's PostgreSQL tests
  chromium chromium-driver  # the web UI tests
  libscca-utils       # sccainfo: the independent reader of Prefetch fixtures
  rsyslog postfix     # rsyslogd and smtp-sink: the receivers alert syslog and e-mail are checked with
  python3-pefile binutils-mingw-w64-x86-64 binutils-mingw-w64-i686 cpp  # internal/pefile: the reference PE reader, and the linker, windres and dlltool its fixtures are built with
  jq                  # the reader the findings export's JSON Lines are checked with
  mono-mcs            # mcs: builds the .NET fixtures of internal/pefile/clr and the yara dotnet differential test
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
# apt_get ARGS...: apt-get that waits (up to CASCADE_APT_WAIT seconds, 600
# by default) while another package manager holds its lock (unattended
# upgrades on a fresh machine, a colleague's install on a shared one),
# instead of failing. dpkg's own lock is waited for by apt
# (DPkg::Lock::Timeout); the package lists' lock, taken by `update`, is not,
# so a run that failed on a lock is retried.
apt_get() {
  local deadline=$((SECONDS + ${CASCADE_APT_WAIT:-600})) out
  while :; do
    if out=$(DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=60 "$@" 2>&1); then
      [ -z "$out" ] || printf '%s\n' "$out"
      return 0
    fi
    if grep -qE 'Could not get lock|Unable to lock|Unable to acquire' <<<"$out" && ((SECONDS < deadline)); then
      echo "test.sh: another package manager holds the lock; waiting" >&2
      sleep 5
      continue
    fi
    printf '%s\n' "$out" >&2
    return 1
  done
}
if ((${#missing[@]})); then
  apt_get update -qq
  apt_get install -y -qq --no-install-recommends "${missing[@]}"
fi

# A private PostgreSQL on loopback for the duration of the tests.
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
pgdir=$(mktemp -d /tmp/cascade-pg.XXXXXX)
pgport=${CASCADE_PG_PORT:-55432}
run_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ -n "$pgbin" ]; then
  [ "$(id -u)" -eq 0 ] && chown postgres "$pgdir"
  run_pg "$pgbin/initdb" -D "$pgdir/data" -U cascade --auth=trust -E UTF8 >/dev/null
  run_pg "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$pgport -c unix_socket_directories=$pgdir -c fsync=off" start >/dev/null
  trap 'run_pg "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1; rm -rf "$pgdir"' EXIT
  export CASCADE_TEST_POSTGRES="postgres://cascade@127.0.0.1:$pgport/postgres?sslmode=disable"
fi

export CASCADE_REQUIRE_TOOLS=1
go test -race -count=1 -timeout 30m ./...
# Memory bounds are measured without the race detector, which inflates them.
go test -count=1 -run 'TestMillionHashLines' ./internal/intel/sigbase/
