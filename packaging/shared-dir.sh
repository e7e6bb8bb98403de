# Sourced by the set-up and test scripts: find the project's reference
# material (../shared: face model, test photos) and export UKETSUKE_SHARED.
# Order: $UKETSUKE_SHARED, ../shared beside the checkout, then ../shared beside
# the repository this checkout was cloned from (a fresh clone elsewhere).
find_shared() {
  local c origin
  for c in "${UKETSUKE_SHARED:-}" "$PWD/../shared"; do
    [ -n "$c" ] && [ -d "$c" ] && { (cd "$c" && pwd); return; }
  done
  origin=$(git remote get-url origin 2>/dev/null || true)
  if [ -n "$origin" ] && [ -d "$origin/../shared" ]; then
    (cd "$origin/../shared" && pwd)
  fi
}
UKETSUKE_SHARED=$(find_shared)
export UKETSUKE_SHARED
