#!/usr/bin/env bash
# Set up a Debian 12 machine to build, run and test Uketsuke.
# Idempotent: installs only what is missing, so a warm re-run takes seconds.
# Run as root, or as a user who can sudo.
#
#   setup-debian.sh          what the kiosk needs to build and run
#   setup-debian.sh --demo   plus the virtual card reader for `make run`'s demo
#   setup-debian.sh --test   plus what the tests need (virtual card reader, OpenSC …)
#
# Never use --demo or --test on a real kiosk: vsmartcard-vpcd listens on
# 0.0.0.0:35963/35964 and anyone on the network could insert a card.
set -euo pipefail

GO_VERSION=1.26.8
GOROOT_DIR=${UKETSUKE_GOROOT:-/usr/local/go}
# sha256 of golang.org/toolchain@v0.0.1-go$GO_VERSION.linux-$arch.zip as served
# by the Go module proxy (the same files `GOTOOLCHAIN` downloads).
declare -A GO_SHA256=(
  [amd64]=30c2b1bf7dcc88d3eb0a1364e47ddd9128edb3110a30e8a0ef61cd5856b31de7
  [arm64]=02b36b6787b3ac767668f630e2998df45a3b1f9ffee08d1bf3ef6487cd658d99
)

# Debian packages, by what needs them. Keep this list the only one.
PACKAGES=(
  # build: cgo (go test -race), fetching modules and the toolchain
  ca-certificates curl unzip git make gcc libc6-dev pkg-config
  # the time zone database (the binary embeds tzdata too; tools and tests use the system's)
  tzdata
  # the Debian package links Debian's SQLite (go-sqlite3's libsqlite3 tag)
  libsqlite3-dev
  # smart cards: the PC/SC daemon and the headers github.com/ebfe/scard builds against
  pcscd libpcsclite-dev
  # the camera: the four OpenCV 4.6 modules the face and card-front code
  # uses (core, imgproc, dnn, objdetect), and the image codecs it decodes
  # with directly: libjpeg-turbo (JPEG, camera MJPEG) and OpenJPEG (the
  # chip's JPEG 2000 photo)
  libopencv-core-dev libopencv-imgproc-dev libopencv-dnn-dev libopencv-objdetect-dev
  libjpeg-dev libopenjp2-7-dev
  # the voice guidance: Open JTalk with its dictionary and the voice from
  # Debian contrib (enabled below) for Japanese, espeak-ng for English, sox
  # to check what they say, aplay (alsa-utils) to play it
  open-jtalk open-jtalk-mecab-naist-jdic hts-voice-nitech-jp-atr503-m001 espeak-ng sox alsa-utils
  # the card front's 照合番号B: Tesseract and its Japanese and English models
  libtesseract-dev tesseract-ocr-jpn tesseract-ocr-eng
  # the screen: exactly what Fyne's cgo (GLFW, OpenGL) builds against; the
  # Japanese font is extracted from Noto Sans CJK at set-up and embedded;
  # Xvfb runs the kiosk where there is no display (make run on a server)
  libgl-dev libx11-dev libxrandr-dev libxxf86vm-dev libxi-dev libxcursor-dev libxinerama-dev
  fonts-noto-cjk xvfb xauth
  # the demo's screenshots of the real screen (ImageMagick's import)
  imagemagick
)
# npm fetches the face recogniser's weights at set-up; use the machine's
# own npm when it has one.
command -v npm >/dev/null || PACKAGES+=(npm)
TEST_PACKAGES=(
  # the virtual card reader driver our virtual My Number card plugs into,
  # independent PC/SC clients for cross-checks (pcsc_scan, opensc-tool, pkcs15-tool),
  # and the JPEG 2000 encoder the virtual card stores its photo with
  vsmartcard-vpcd pcsc-tools opensc libopenjp2-tools
  # the sqlite3 tool, to tamper with the audit log in tests
  sqlite3
  # driving the real window under Xvfb
  xdotool
  # reading doctor's JSON in the package test
  python3
  # the Debian package: checking it, and the kiosk session it installs
  # (cage with Xwayland, on its headless backend, photographed with grim)
  lintian cage xwayland grim
  # installing the package into a clean Debian 12 tree
  debootstrap
  chromium # the desk console and the waiting-room pages in a real browser (headless)
  postgresql-15 # one queue for many kiosks: a real server, started by the tests in a temporary directory
)
# The demo (make run) needs the virtual card reader too; a real kiosk is
# set up without either flag.
DEMO_PACKAGES=(vsmartcard-vpcd libopenjp2-tools)
case "${1:-}" in
  --test) PACKAGES+=("${TEST_PACKAGES[@]}") ;;
  --demo) PACKAGES+=("${DEMO_PACKAGES[@]}") ;;
esac

log() { printf 'setup: %s\n' "$*" >&2; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { log "run as root or install sudo"; exit 1; }
  SUDO=(sudo)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != 'install ok installed' ]; then
    missing+=("$p")
  fi
done
# The Japanese voice is in Debian's contrib component: add contrib to the
# Debian archive's own entries (never another archive, never -security).
enable_contrib() {
  local f=/etc/apt/sources.list.d/debian.sources tmp
  if [ -f "$f" ]; then
    tmp=$(mktemp)
    awk '/^URIs:/ { main = ($0 ~ /\/debian\/?([[:space:]]|$)/) }
         /^$/ { main = 0 }
         /^Components:/ && main && $0 !~ /[[:space:]]contrib([[:space:]]|$)/ { $0 = $0 " contrib" }
         { print }' "$f" >"$tmp"
    if ! cmp -s "$f" "$tmp"; then
      log "enabling contrib in $f (for the Japanese voice)"
      "${SUDO[@]}" install -m 0644 "$tmp" "$f"
    fi
    rm -f "$tmp"
  fi
  if [ -f /etc/apt/sources.list ] && grep -Eq '^deb\s+\S+/debian/?\s+\S+\s+main(\s|$)' /etc/apt/sources.list &&
     grep -E '^deb\s+\S+/debian/?\s' /etc/apt/sources.list | grep -vq contrib; then
    log "enabling contrib in /etc/apt/sources.list (for the Japanese voice)"
    "${SUDO[@]}" sed -Ei '/^deb\s+\S+\/debian\/?\s/{/contrib/!s/$/ contrib/}' /etc/apt/sources.list
  fi
}
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  case " ${missing[*]} " in *" hts-voice-nitech-jp-atr503-m001 "*) enable_contrib ;; esac
  "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=900 update -qq
  "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}"
fi

# Go: Debian's golang-go is too old; take the official toolchain from the
# Go module proxy and check it against the pinned hash.
have_go() {
  local v
  v=$("$GOROOT_DIR"/bin/go env GOVERSION 2>/dev/null) || return 1
  [ "$(printf '%s\n%s\n' "go$GO_VERSION" "$v" | sort -V | head -n1)" = "go$GO_VERSION" ]
}
if ! have_go; then
  arch=$(dpkg --print-architecture)
  want=${GO_SHA256[$arch]:-}
  [ -n "$want" ] || { log "no pinned Go toolchain for $arch"; exit 1; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  url="${GOPROXY_URL:-https://proxy.golang.org}/golang.org/toolchain/@v/v0.0.1-go$GO_VERSION.linux-$arch.zip"
  log "downloading Go $GO_VERSION from $url"
  curl -sSfL --retry 3 -o "$tmp/go.zip" "$url"
  echo "$want  $tmp/go.zip" | sha256sum -c --quiet -
  unzip -q "$tmp/go.zip" -d "$tmp"
  "${SUDO[@]}" rm -rf "$GOROOT_DIR"
  "${SUDO[@]}" mkdir -p "$(dirname "$GOROOT_DIR")"
  "${SUDO[@]}" mv "$tmp/golang.org/toolchain@v0.0.1-go$GO_VERSION.linux-$arch" "$GOROOT_DIR"
  "${SUDO[@]}" chmod -R a+rX "$GOROOT_DIR"
  # Module zips carry no file modes; the go command sets these the same way.
  "${SUDO[@]}" chmod a+x "$GOROOT_DIR"/bin/* "$GOROOT_DIR"/pkg/tool/*/*
  log "installed $("$GOROOT_DIR"/bin/go version)"
fi
