#!/usr/bin/env bash
# Build dist/uketsuke_<version>_amd64.deb with dpkg-deb from a staged tree.
#   build-deb.sh [VERSION]
# VERSION defaults to 0~git<commit time>.<short hash> (grows with every
# commit, so a newer build always upgrades an older one). The runtime
# dependencies come from dpkg-shlibdeps: libraries only, never -dev
# packages. Needs `make setup` (Go, the -dev packages, the face models).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
. packaging/shared-dir.sh

version=${1:-0~git$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y%m%d.%H%M%S).$(git rev-parse --short=7 HEAD)}
arch=$(dpkg --print-architecture)
stage=.build/deb/root
out=dist/uketsuke_${version}_${arch}.deb
log() { printf 'deb: %s\n' "$*" >&2; }

rm -rf .build/deb && mkdir -p "$stage/DEBIAN" dist
install -d -m 0755 "$stage"/usr/bin "$stage"/usr/share/uketsuke/models "$stage"/usr/share/doc/uketsuke \
  "$stage"/usr/share/man/man1 "$stage"/etc/uketsuke "$stage"/lib/systemd/system "$stage"/usr/share/polkit-1/rules.d

log "building the binary $version"
# System SQLite (libsqlite3-0) instead of the embedded copy; PIE, full RELRO.
CGO_LDFLAGS="${CGO_LDFLAGS:-} -Wl,-z,relro,-z,now" go build -trimpath -buildmode=pie -tags libsqlite3 \
  -ldflags "-s -w -X main.version=$version -X main.revision=$(git rev-parse HEAD)" -o "$stage/usr/bin/uketsuke" ./cmd/uketsuke

./packaging/setup-models.sh >/dev/null
install -m 0644 .build/models/face_detection_yunet_2022mar.onnx .build/models/dlib_face_recognition_resnet.onnx "$stage/usr/share/uketsuke/models/"
d=packaging/deb
install -m 0644 "$d/config.toml" "$stage/etc/uketsuke/config.toml"
install -m 0644 "$d"/uketsuke-kiosk.service "$d"/uketsuke-desk.service "$stage/lib/systemd/system/"
install -m 0644 "$d/60-uketsuke-pcscd.rules" "$stage/usr/share/polkit-1/rules.d/"
install -m 0644 README.md "$stage/usr/share/doc/uketsuke/README.md"
gzip -9n "$stage/usr/share/doc/uketsuke/README.md"

{
  cat "$d/copyright.head"
  echo "MIT licence (YuNet, face-api, face-api.js):"; echo
  sed 's/^/  /; s/^  $/  ./' "$UKETSUKE_SHARED/models/LICENSES/YuNet-opencv_zoo-MIT.txt" | tail -n +4
  echo; echo "SIL Open Font License 1.1 (Noto Sans CJK JP):"; echo
  sed 's/^/  /; s/^  $/  ./' assets/fonts/LICENSE-NotoSansCJK.txt
} >"$stage/usr/share/doc/uketsuke/copyright"
chmod 0644 "$stage/usr/share/doc/uketsuke/copyright"

date=$(TZ=UTC git log -1 --format=%cd --date=format-local:'%a, %d %b %Y %H:%M:%S +0000')
printf 'uketsuke (%s) unstable; urgency=medium\n\n  * Built from commit %s.\n\n -- Uketsuke developers <uketsuke@users.noreply.github.com>  %s\n' \
  "$version" "$(git rev-parse HEAD)" "$date" | gzip -9n >"$stage/usr/share/doc/uketsuke/changelog.gz"

# The manual page, from the binary's own help, so the two never differ.
"$stage/usr/bin/uketsuke" help | packaging/manpage.sh "$version" | gzip -9n >"$stage/usr/share/man/man1/uketsuke.1.gz"

# Runtime dependencies: the shared libraries the binary links, as packages.
mkdir -p .build/deb/src/debian
printf 'Source: uketsuke\n\nPackage: uketsuke\nArchitecture: any\n' >.build/deb/src/debian/control
shlibs=$(cd .build/deb/src && dpkg-shlibdeps -O -e "../root/usr/bin/uketsuke" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { log "dpkg-shlibdeps found no dependencies"; exit 1; }
if grep -q -- '-dev' <<<"$shlibs"; then log "a -dev package among the dependencies: $shlibs"; exit 1; fi

size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<CONTROL
Package: uketsuke
Version: $version
Architecture: $arch
Maintainer: Uketsuke developers <uketsuke@users.noreply.github.com>
Installed-Size: $size
Depends: $shlibs, adduser, pcscd, cage, xwayland, tesseract-ocr-jpn, tesseract-ocr-eng
Recommends: systemd-timesyncd | chrony | time-daemon, open-jtalk, open-jtalk-mecab-naist-jdic, hts-voice-nitech-jp-atr503-m001, espeak-ng, alsa-utils
Section: misc
Priority: optional
Homepage: https://github.com/uketsuke/uketsuke
Description: reception kiosk for Japanese clinics and pharmacies
 Uketsuke checks a patient in at the reception desk: it reads the マイナ保険証
 on a PC/SC reader, verifies the card's J-LIS signatures, authenticates the
 holder by face or by PIN, asks the consent questions, checks eligibility
 through the clinic's 資格確認端末, registers the visit in a local queue and
 prints the reception number. Manual entry of a 資格確認書 is a normal path.
 .
 The package runs the kiosk screen full screen under cage on tty1 at boot,
 with a systemd watchdog; the kiosk hands the visits to the clinic system
 nightly, purges personal data past retention and backs its database up
 daily.
 The command "uketsuke doctor" checks the installation.
CONTROL
echo /etc/uketsuke/config.toml >"$stage/DEBIAN/conffiles"
install -m 0755 "$d/postinst" "$d/prerm" "$d/postrm" "$stage/DEBIAN/"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles" "$stage/DEBIAN/md5sums"

rm -f dist/uketsuke_*_"$arch".deb.tmp
dpkg-deb --root-owner-group -Zxz --build "$stage" "$out" >/dev/null
log "$out: installed size ${size} KiB; depends on $shlibs, adduser, pcscd, cage, xwayland, tesseract-ocr-jpn, tesseract-ocr-eng"
echo "$out"
