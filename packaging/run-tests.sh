#!/usr/bin/env bash
# Every test of the project: format and vet checks, unit and end-to-end
# tests, the seed corpora of all fuzz targets, and the race detector on the
# concurrent core. Prints a summary of how many tests ran.
# Services the tests need are started here and stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
. packaging/shared-dir.sh # the tests read the shared photos through UKETSUKE_SHARED
[ -n "$UKETSUKE_SHARED" ] || { echo "the shared reference folder (../shared) was not found; set UKETSUKE_SHARED"; exit 1; }
mkdir -p .build
log=.build/test.log
: >"$log"

step() { printf '\n== %s\n' "$*"; }

# The card tests (ebfe/scard → pcscd → vsmartcard-vpcd → our virtual
# card) start a pcscd when none answers and stop it afterwards
# (reader/readertest), one test binary at a time.

# The binary reads /etc/uketsuke/config.toml first: an installed package
# (or one an interrupted package test left) would be read by the tests.
if [ -e /etc/uketsuke/config.toml ]; then
  if [ "${CI:-}" = true ] && [ "$(id -u)" -eq 0 ]; then
    echo "an installed uketsuke package was found; purging it before the tests (CI)"
    apt-get purge -y -q uketsuke >/dev/null 2>&1 || true
    rm -rf /etc/uketsuke
  else
    echo "/etc/uketsuke/config.toml exists: the tests would read it. Remove the package first (apt-get purge uketsuke)."
    exit 1
  fi
fi

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.build/*'))
if [ -n "$unformatted" ]; then
  echo "not gofmt-formatted:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...

# The screen (app) and the binary's wiring (cmd) run once, under the race
# detector; the end-to-end tests there run the binary built without it.
raced="./app/... ./cmd/..."
step "go test (unit, end-to-end, fuzz seed corpora)"
start=$(date +%s)
set +e
go test -count=1 -v $(go list ./... | grep -v -e '/app$' -e '/app/' -e '/cmd/') 2>&1 | tee -a "$log" | grep -E '^(ok|FAIL)\s|--- FAIL|^panic:|^\s+\S+_test\.go:[0-9]+:' 
status=${PIPESTATUS[0]}

step "go test -race (the screen, the binary's wiring, the kiosk's runner, the store under concurrent check-ins, eligibility, the site queue)"
go test -count=1 -race -v $raced ./kiosk/... ./eligibility/ ./storage/ ./sitequeue/... 2>&1 | tee -a "$log" | grep -E '^(ok|FAIL)\s|^panic:|WARNING: DATA RACE|--- FAIL|^\s+\S+_test\.go:[0-9]+:'
race=${PIPESTATUS[0]}
set -e
secs=$(( $(date +%s) - start ))

top=$(grep -cE '^--- PASS' "$log" || true)
pass=$(grep -cE '^\s*--- PASS' "$log" || true)
fail=$(grep -cE '^\s*--- FAIL' "$log" || true)
skip=$(grep -cE '^\s*--- SKIP' "$log" || true)
pkgs=$(grep -cE '^(ok|FAIL)\s' "$log" || true)
printf '\nGo test summary: %d passed (%d top-level tests and fuzz seed sets, the rest subtests), %d failed, %d skipped; %d package runs including the race run; %ds\n' \
  "$pass" "$top" "$fail" "$skip" "$pkgs" "$secs"
if [ "$status" -ne 0 ] || [ "$race" -ne 0 ]; then
  # What a failed package printed besides its passing tests, the last 40
  # lines each: a TestMain that stops before any test says why only here.
  awk '/^(ok|FAIL)[ \t]/ { if ($1 == "FAIL" && n) { print "\n== output of " $2; for (i = (n > 40 ? n - 39 : 1); i <= n; i++) print b[i] } n = 0; next }
       /^(=== (RUN|PAUSE|CONT|NAME)|\s*--- PASS|PASS$)/ { next }
       { b[++n] = $0 }' "$log"
  echo "TESTS FAILED (full log: $log)"
  exit 1
fi

# The Debian package, installed on this machine for real (root: apt, a
# system user, /var/lib). CI runs as root; elsewhere it asks sudo.
step "the Debian package: build, lintian, install, systemd-analyze verify, doctor, cage + grim, upgrade, purge"
start=$(date +%s)
if [ "$(id -u)" -eq 0 ]; then ./packaging/test-deb.sh; else sudo --preserve-env=PATH,UKETSUKE_SHARED ./packaging/test-deb.sh; fi
printf 'package test: %ds\n' "$(( $(date +%s) - start ))"
