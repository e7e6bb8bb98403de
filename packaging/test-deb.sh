#!/usr/bin/env bash
# The Debian package, for real, on this machine (run as root, by
# run-tests.sh): build the previous and the current package, lintian,
# install the current one into a clean Debian 12 tree made by debootstrap,
# install the previous one on this machine with apt, systemd-analyze verify every unit,
# `uketsuke doctor` as the service user with the virtual card reader,
# the kiosk session under cage's headless backend photographed with grim,
# an upgrade with data present, an older package over a newer database,
# and a purge that leaves the patient data.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH DEBIAN_FRONTEND=noninteractive
art=.build/artifacts/deb
rm -rf "$art" && mkdir -p "$art"
step() { printf '\n-- %s\n' "$*"; }
die() { echo "PACKAGE TEST FAILED: $*" >&2; exit 1; }
as_kiosk() { runuser -u uketsuke -- "$@"; }
[ "$(id -u)" -eq 0 ] || die "run as root (it installs the package)"

# A machine that had the package before starts clean, and is left clean
# however the test ends (a package left installed would hand its
# /etc/uketsuke/config.toml to every later test run on this machine).
clean_machine() {
  pkill -KILL -u uketsuke 2>/dev/null || true # the package's processes (a desk, a kiosk session)
  apt-get purge -y -q uketsuke >/dev/null 2>&1 || true
  rm -rf /var/lib/uketsuke /var/lib/uketsuke-audit /etc/uketsuke
}
clean_machine
trap 'code=$?; [ "$code" -eq 0 ] || clean_machine; exit "$code"' EXIT

step "build: the previous package (an older version of this tree) and the current one"
current=$(./packaging/build-deb.sh)
version=$(dpkg-deb -f "$current" Version)
previous=$(./packaging/build-deb.sh "0~git19700101.000000.0000000" 2>/dev/null)
dpkg --compare-versions "$version" gt "$(dpkg-deb -f "$previous" Version)" || die "the current version does not sort after the previous one"
dpkg-deb -f "$current" Depends | tee "$art/depends.txt"
grep -q -- '-dev' "$art/depends.txt" && die "a -dev package among the dependencies"
dpkg-deb -f "$current" Recommends | tee "$art/recommends.txt" | grep -q hts-voice-nitech-jp-atr503-m001 || die "the voice is not recommended"
echo "installed size: $(dpkg-deb -f "$current" Installed-Size) KiB"

step "lintian (errors and warnings fail)"
lintian --fail-on error,warning --display-info "$current" 2>&1 | grep -v '^running with root' | tee "$art/lintian.txt"

step "a clean Debian 12 tree (debootstrap, minbase): the package brings everything it needs"
# What the test machine happens to have installed hides a missing
# dependency; a fresh tree from Debian's archive does not.
root=$(mktemp -d /var/tmp/uketsuke-root.XXXXXX)
chmod 0755 "$root" # the tree's / (mktemp makes it 0700: no user could enter it)
drop_root() { umount "$root/proc" 2>/dev/null || true; rm -rf "$root"; }
trap drop_root EXIT
mirror=$(awk '$1 == "URIs:" { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
debootstrap --variant=minbase bookworm "$root" "${mirror:-http://deb.debian.org/debian}" >"$art/debootstrap.log" 2>&1 ||
  { tail -20 "$art/debootstrap.log"; die "debootstrap"; }
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$current" "$root/tmp/uketsuke.deb"
mount -t proc proc "$root/proc"
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q /tmp/uketsuke.deb >"$art/chroot-install.log" 2>&1 ||
  { tail -30 "$art/chroot-install.log"; die "apt-get install in the clean tree"; }
echo "clean tree: $(grep -c '^Get:' "$art/chroot-install.log") packages fetched with the kiosk's"
missing=$(chroot "$root" ldd /usr/bin/uketsuke | grep 'not found' || true)
[ -z "$missing" ] || die "libraries missing in the clean tree: $missing"
chroot "$root" /usr/bin/uketsuke version | head -1
set +e
chroot "$root" runuser -u uketsuke -- sh -c 'cd / && uketsuke doctor --json' >"$art/chroot-doctor.json"
set -e
python3 - "$art/chroot-doctor.json" <<'PY'
import json, sys
c = {x["name"]: x for x in json.load(open(sys.argv[1]))["checks"]}
# No pcscd, camera or terminal runs in a chroot; what the package itself
# sets up must be right.
for name in ("config", "data directory", "audit chain", "face models"):
    assert c[name]["verdict"] == "ok", c[name]
print("clean tree: doctor finds the package's own set-up ok (%s)" % ", ".join(n for n in c if c[n]["verdict"] == "ok"))
PY
ours=$(awk '/^Setting up uketsuke /{on=1; next} /^(Setting up|Processing triggers) /{on=0} on' "$art/chroot-install.log")
! grep -qi 'warning\|error' <<<"$ours" || die "the package's set-up warned in the clean tree: $ours"
drop_root
trap - EXIT

step "install the previous package with apt"
apt-get install -y -q "./$previous" >"$art/install.log" 2>&1 || { tail -30 "$art/install.log"; die "apt-get install"; }
getent passwd uketsuke >/dev/null || die "no uketsuke user"
for grp in video audio; do
  [[ " $(id -nG uketsuke) " == *" $grp "* ]] || die "uketsuke is not in the $grp group"
done
for d in /var/lib/uketsuke /var/lib/uketsuke-audit; do
  [ "$(stat -c '%a %U' "$d")" = "700 uketsuke" ] || die "$d: $(stat -c '%a %U' "$d")"
done
[ "$(stat -c '%a %U' /var/lib/uketsuke-audit/audit.key)" = "600 uketsuke" ] || die "the audit key was not created 0600 at install"
grep -qx /etc/uketsuke/config.toml /var/lib/dpkg/info/uketsuke.conffiles || die "config.toml is not a conffile"
man -l /usr/share/man/man1/uketsuke.1.gz 2>/dev/null >"$art/man.txt" && grep -q doctor "$art/man.txt" || die "the manual page does not list doctor"

step "systemd-analyze verify"
systemd-analyze verify /lib/systemd/system/uketsuke-kiosk.service /lib/systemd/system/uketsuke-desk.service 2>&1 | tee "$art/verify.txt"
grep -q . "$art/verify.txt" && die "systemd-analyze verify complained"

step "configure like a clinic (the conffile edited) and run doctor as the service user"
onshi=/srv/uketsuke-test-onshi
rm -rf "$onshi" && install -d -o uketsuke -g uketsuke -m 0700 "$onshi" "$onshi/req" "$onshi/res" "$onshi/face"
sed -i -e "s|^# terminal_dir = .*|terminal_dir = \"$onshi\"|" -e 's|^# institution = .*|institution = "1312345678"|' \
  -e 's|^# device = "/dev/video0"|device = "none"|' /etc/uketsuke/config.toml
started_pcscd=""
if ! pcsc_scan -r >/dev/null 2>&1; then
  pcscd --foreground >"$art/pcscd.log" 2>&1 & started_pcscd=$!
  for _ in $(seq 50); do pcsc_scan -r >/dev/null 2>&1 && break; sleep 0.1; done
fi
# stop_cage ends the kiosk session and whatever its Xwayland left in /tmp
# (an X lock or socket there would mislead the next X server's tests).
stop_cage() {
  pkill -TERM -u uketsuke -x cage 2>/dev/null || true
  for _ in $(seq 50); do pgrep -u uketsuke -x cage >/dev/null || break; sleep 0.1; done
  pkill -KILL -u uketsuke -x cage 2>/dev/null || true
  pkill -KILL -u uketsuke -x Xwayland 2>/dev/null || true
  find /tmp -maxdepth 1 -name '.X*-lock' -user uketsuke -delete 2>/dev/null || true
  find /tmp/.X11-unix -maxdepth 1 -user uketsuke -delete 2>/dev/null || true
}
cleanup() { [ -n "$started_pcscd" ] && kill "$started_pcscd" 2>/dev/null || true; getent passwd uketsuke >/dev/null && stop_cage; }
trap cleanup EXIT
set +e
(cd / && as_kiosk uketsuke doctor) | tee "$art/doctor.txt"
(cd / && as_kiosk uketsuke doctor --json) >"$art/doctor.json"
code=$?
set -e
[ "$code" -eq 0 ] || die "doctor exited $code on the installed package"
python3 - "$art/doctor.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = {x["name"]: x for x in d["checks"]}
assert d["ok"], d
assert c["card reader"]["verdict"] == "warning" and "(virtual)" in c["card reader"]["detail"], c["card reader"]
for name in ("data directory", "audit chain", "terminal folder", "face models", "config"):
    assert c[name]["verdict"] == "ok", c[name]
# The voice: installed with the package (Recommends); this machine has
# no sound card, which is a warning, never a failure.
try:
    sound = "playback" in open("/proc/asound/pcm").read()
except OSError:
    sound = False
v = c["voice"]
assert v["verdict"] == ("ok" if sound else "warning"), v
assert sound or "no sound device" in v["detail"], v
print("doctor: ok; the virtual reader is flagged; voice: %s; %d checks" % (v["detail"], len(c)))
PY

step "the kiosk session: cage (headless) with Xwayland, as the service user, photographed with grim"
rt=$(mktemp -d /tmp/uketsuke-rt.XXXXXX) && chown uketsuke "$rt" && chmod 0700 "$rt"
(cd / && runuser -u uketsuke -- env XDG_RUNTIME_DIR="$rt" WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 \
  cage -d -- /usr/bin/uketsuke run --ui-map "$rt/ui.json") >"$art/cage.log" 2>&1 & cage_pid=$!
shot="$art/cage-1280x720.png"
for _ in $(seq 60); do
  sleep 1
  kill -0 "$cage_pid" 2>/dev/null || { tail -20 "$art/cage.log"; die "cage ended"; }
  if [ -S "$rt/wayland-0" ] && runuser -u uketsuke -- env XDG_RUNTIME_DIR="$rt" WAYLAND_DISPLAY=wayland-0 grim "$rt/shot.png" 2>/dev/null; then
    # wait until the window has drawn more than a blank surface
    if [ "$(stat -c %s "$rt/shot.png")" -gt 20000 ]; then
      cp "$rt/shot.png" "$shot"; break
    fi
  fi
done
[ -s "$shot" ] || { tail -20 "$art/cage.log"; die "no screenshot of the kiosk under cage"; }
echo "screenshot: $shot"
# The screen fills cage's 1280×720 output and 係員を呼ぶ lies wholly on it.
cat >"$art/fits.py" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
w, h, k = m["width"] * m["scale"], m["height"] * m["scale"], m["scale"]
assert abs(w - 1280) <= 1 and abs(h - 719) <= 1, (w, h)
call = [t for t in m["targets"] if t["title"] == "係員を呼ぶ"]
assert call, [t["title"] for t in m["targets"]]
t = call[0]
assert (t["x"] + t["w"] / 2) * k <= 1280 and (t["y"] + t["h"] / 2) * k <= 720 and (t["y"] + t["h"] / 2) * k > 600, t
print("under cage: %s, %.0f×%.0f at scale %.1f, 係員を呼ぶ on screen" % (m["screen"], w, h, k))
PY
# The map is rewritten every 100 ms; the first may predate the first
# layout (every target at the origin): wait for a laid-out one.
for _ in $(seq 50); do
  cp "$rt/ui.json" "$art/cage-ui.json" 2>/dev/null && python3 "$art/fits.py" "$art/cage-ui.json" >/dev/null 2>&1 && break
  sleep 0.2
done
[ -s "$art/cage-ui.json" ] || die "the kiosk under cage wrote no --ui-map"
python3 "$art/fits.py" "$art/cage-ui.json" || die "the kiosk screen does not fit cage's output"
stop_cage; wait "$cage_pid" 2>/dev/null || true

step "the desk as the service user: HTTPS with its own certificate, the display and the console's login"
(cd / && exec runuser -u uketsuke -- uketsuke desk --listen 127.0.0.1:18443) >"$art/desk.log" 2>&1 & desk_pid=$!
for _ in $(seq 50); do [ -f /var/lib/uketsuke/desk/cert.pem ] && curl -sf --cacert /var/lib/uketsuke/desk/cert.pem https://localhost:18443/display >/dev/null && break; sleep 0.2; done
curl -sf --cacert /var/lib/uketsuke/desk/cert.pem https://localhost:18443/display >"$art/display.html" || { cat "$art/desk.log"; die "the desk's display"; }
grep -q 'お呼びしています' "$art/display.html" || die "the display page is not the display"
curl -sf --cacert /var/lib/uketsuke/desk/cert.pem https://localhost:18443/desk/login | grep -q '確認コード' || die "the console's login page"
[ "$(stat -c '%a %U' /var/lib/uketsuke/desk/key.pem)" = "600 uketsuke" ] || die "the desk's key is not 0600 uketsuke"
kill "$desk_pid"; wait "$desk_pid" 2>/dev/null || true
# runuser may leave its child: the desk must be gone before the next run
pkill -TERM -u uketsuke -f 'uketsuke desk' 2>/dev/null || true
for _ in $(seq 50); do pgrep -u uketsuke -f 'uketsuke desk' >/dev/null || break; sleep 0.1; done
pgrep -u uketsuke -f 'uketsuke desk' >/dev/null && die "the desk did not stop"
echo "desk: served the display and the login over HTTPS with its own certificate"
ls /var/lib/uketsuke/backup/uketsuke-*.db >/dev/null 2>&1 || die "the kiosk made no backup at its first start"
[ "$(stat -c '%a %U' /var/lib/uketsuke/backup/uketsuke-*.db)" = "600 uketsuke" ] || die "the backup is not 0600 uketsuke"
(cd / && as_kiosk uketsuke doctor) | grep -E '^OK +backup' || die "doctor does not see the kiosk's backup"

step "data present: a staff account and audit rows"
printf '482916\n482916\n' | as_kiosk uketsuke staff add 1001 --name "受付 花子" >/dev/null
as_kiosk uketsuke audit verify | tee "$art/audit-before.txt"

step "upgrade to the current package"
apt-get install -y -q "./$current" >"$art/upgrade.log" 2>&1 || { tail -30 "$art/upgrade.log"; die "upgrade"; }
# (whole outputs are captured before grep -q: with pipefail, grep -q ending
# the pipe early would fail the pipeline whenever the writer was not done)
installed=$(/usr/bin/uketsuke version)
grep -qF "uketsuke $version " <<<"$installed" || die "the upgrade did not install $version: $installed"
grep -q "^terminal_dir = \"$onshi\"" /etc/uketsuke/config.toml || die "the upgrade overwrote the clinic's config edits"
as_kiosk uketsuke staff list | grep 1001 >/dev/null || die "the staff account was lost in the upgrade"
as_kiosk uketsuke audit verify | tee "$art/audit-after.txt" | grep intact >/dev/null || die "the audit chain is not intact after the upgrade"

step "an older package over a newer database refuses cleanly"
db=/var/lib/uketsuke/uketsuke.db
schema=$(sqlite3 "$db" 'pragma user_version')
sqlite3 "$db" "pragma user_version = $((schema + 1))"
set +e
(cd / && as_kiosk uketsuke doctor) >"$art/doctor-newer.txt"; code=$?
set -e
cat "$art/doctor-newer.txt" | grep -A1 'audit chain'
[ "$code" -eq 1 ] && grep -q 'newer version of Uketsuke' "$art/doctor-newer.txt" || die "a newer database was not refused (doctor exit $code)"
[ "$(sqlite3 "$db" 'pragma user_version')" = "$((schema + 1))" ] || die "the refused database was changed"
sqlite3 "$db" "pragma user_version = $schema"

step "purge leaves the patient data and says where"
apt-get purge -y -q uketsuke >"$art/purge.log" 2>&1 || { tail -20 "$art/purge.log"; die "purge"; }
grep -q 'patient data was NOT removed: the database is in /var/lib/uketsuke' "$art/purge.log" || die "purge did not say where the data is"
[ -f "$db" ] && [ -f /var/lib/uketsuke-audit/audit.key ] || die "purge removed the patient data"
[ ! -e /etc/uketsuke/config.toml ] || die "purge left the configuration"
rm -rf /var/lib/uketsuke /var/lib/uketsuke-audit "$onshi" "$rt"
echo "package: built, lintian-clean, installed, verified, doctor ok, screenshot taken, upgraded, refused a newer database, purged"
