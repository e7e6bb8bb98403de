#!/usr/bin/env bash
# Put the kiosk's Japanese font into assets/fonts, where the binary embeds it.
# Fyne cannot load the .ttc collections Debian's fonts-noto-cjk ships, so
# face 0 ("Noto Sans CJK JP") of the Regular and Bold collections is
# extracted into standalone OpenType files by cmd/fontextract, checked
# against pinned hashes (golden screenshots depend on the exact font), and
# shipped with the package's licence (SIL OFL 1.1). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
SRC=/usr/share/fonts/opentype/noto
OUT=assets/fonts
declare -A SHA=(
  [Regular]=b2a1d35ef922900f4e8e23df6a5c8e827e3e00f629b688776f23ad507f5b9352
  [Bold]=3d49592b07f29018b60c47f91e82129a515a10b8d6265d056e9f4b59a50714c0
)
log() { printf 'fonts: %s\n' "$*" >&2; }
mkdir -p "$OUT"
for w in Regular Bold; do
  f=$OUT/NotoSansCJKjp-$w.otf
  if [ -f "$f" ] && echo "${SHA[$w]}  $f" | sha256sum -c --quiet - 2>/dev/null; then
    continue
  fi
  [ -f "$SRC/NotoSansCJK-$w.ttc" ] || { log "missing $SRC/NotoSansCJK-$w.ttc (apt-get install fonts-noto-cjk)"; exit 1; }
  log "extracting Noto Sans CJK JP $w"
  go run ./cmd/fontextract -face 0 "$SRC/NotoSansCJK-$w.ttc" "$f"
  if ! echo "${SHA[$w]}  $f" | sha256sum -c --quiet - 2>/dev/null; then
    log "warning: $f differs from the pinned font (another fonts-noto-cjk version?): golden screenshots may not match"
  fi
done
cp /usr/share/doc/fonts-noto-cjk/copyright "$OUT/LICENSE-NotoSansCJK.txt"
