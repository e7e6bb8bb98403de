#!/usr/bin/env bash
# Put the J-LIS 利用者証明用 CA certificates into reader/trust/jlis, where the
# binary embeds them. They come from the shared reference folder (public
# data, as J-LIS publishes it) and are accepted only with the SHA-256
# fingerprints J-LIS publishes, pinned here and again in reader/trust.
# Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
. packaging/shared-dir.sh
OUT=reader/trust/jlis
declare -A SHA=(
  [jlis_auth_ca_2015.pem]=4dcfc4ca0aaf9fb2a3081b3f0c991c320b3acc008667a341eeaec5af1d58ca7d
  [jlis_auth_ca_2023.pem]=64114f29620c24ed2631d46476a040e7ee740d956089c00b036a6a8118c322b5
)
log() { printf 'trust: %s\n' "$*" >&2; }
fingerprint() { sed -e "/-----/d" "$1" | base64 -d 2>/dev/null | sha256sum | cut -d" " -f1; }
mkdir -p "$OUT"
for f in "${!SHA[@]}"; do
  if [ -f "$OUT/$f" ] && [ "$(fingerprint "$OUT/$f")" = "${SHA[$f]}" ]; then
    continue
  fi
  src=${UKETSUKE_SHARED:-}/trust/$f
  [ -n "${UKETSUKE_SHARED:-}" ] && [ -f "$src" ] || { log "missing $src (the shared reference folder's trust/)"; exit 1; }
  if [ "$(fingerprint "$src")" != "${SHA[$f]}" ]; then
    log "$src does not have the published fingerprint ${SHA[$f]}: refusing it"; exit 1
  fi
  install -m 0644 "$src" "$OUT/$f"
  log "installed $f"
done
