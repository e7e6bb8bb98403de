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

# pcscd for the card tests (ebfe/scard → pcscd → vsmartcard-vpcd → our
# virtual card). Without systemd nobody starts it, so we do, and stop it
# afterwards if we started it.
pcscd_started=""
stop_services() {
  if [ -n "$pcscd_started" ] && [ -f /run/pcscd/pcscd.pid ]; then
    kill "$(tr -dc '0-9' </run/pcscd/pcscd.pid)" 2>/dev/null || true
  fi
}
trap stop_services EXIT
if [ ! -S /run/pcscd/pcscd.comm ]; then
  step "starting pcscd"
  pcscd --foreground >.build/pcscd.log 2>&1 &
  pcscd_started=$!
  disown "$pcscd_started" # the card tests kill and restart pcscd themselves
  for _ in $(seq 100); do [ -S /run/pcscd/pcscd.comm ] && break; sleep 0.05; done
  [ -S /run/pcscd/pcscd.comm ] || { echo "pcscd did not start (see .build/pcscd.log)"; exit 1; }
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

step "go test -race (the screen, the binary's wiring, the kiosk's runner, the store under concurrent check-ins, eligibility)"
go test -count=1 -race -v $raced ./kiosk/... ./eligibility/ ./storage/ 2>&1 | tee -a "$log" | grep -E '^(ok|FAIL)\s|^panic:|WARNING: DATA RACE|--- FAIL|^\s+\S+_test\.go:[0-9]+:'
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
  echo "TESTS FAILED (full log: $log)"
  exit 1
fi
