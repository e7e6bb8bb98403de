package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk/wareki"
	"github.com/uketsuke/uketsuke/printer/escpos"
	"github.com/uketsuke/uketsuke/storage"
)

// repoRoot is where `make run` runs the binary: the demo's default paths
// (personas, simulator) are relative to it.
const repoRoot = "../.."

// demoEnv is the environment of a demo run: no display unless given, a
// fresh HOME, and the shared test photos.
func demoEnv(t *testing.T, display string) []string {
	t.Helper()
	shared := sharedDir()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DISPLAY=") && !strings.HasPrefix(kv, "WAYLAND_DISPLAY=") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	env = append(env, "HOME="+t.TempDir(), "UKETSUKE_SHARED="+shared, "LANG=C.UTF-8")
	if display != "" {
		env = append(env, "DISPLAY="+display)
	}
	return env
}

// startDemoKiosk runs `uketsuke run --demo` with args on display, its
// output into logPath; stop ends it (SIGTERM) and waits, also at the
// test's end.
func startDemoKiosk(t *testing.T, display, logPath string, args ...string) (stop func()) {
	t.Helper()
	bin, _ := filepath.Abs(binary(t))
	ctx, cancel := context.WithCancel(t.Context())
	cmd := exec.CommandContext(ctx, bin, append([]string{"run", "--demo"}, args...)...)
	cmd.Dir, cmd.Env = repoRoot, demoEnv(t, display)
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); _ = cmd.Wait(); logf.Close() }) }
	t.Cleanup(stop)
	return stop
}

// TestRunWithoutADisplayWalksTheDemo is `make run` on a machine without a
// display: its own Xvfb, six demo patients through every path over the
// real stack (virtual card over pcscd, image camera, simulator, real
// store), a screenshot of every screen.
func TestRunWithoutADisplayWalksTheDemo(t *testing.T) {
	bin, _ := filepath.Abs(binary(t))
	data := t.TempDir()
	// A clinic's configuration with a file export and a nightly sync due
	// since midnight: the demo must send nothing there.
	export := filepath.Join(t.TempDir(), "export")
	cfg := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("[sync]\ntime = \"00:00\"\n[sync.export]\ndir = %q\n", export)), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, bin, "run", "--demo", "--config", cfg, "--data-dir", data)
	cmd.Dir, cmd.Env = repoRoot, demoEnv(t, "")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("run --demo: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{
		"no display: running on a virtual screen", "patient 1 — taro", "card insertion → choosing-method",
		// taro's face matches his card; someone else's does not.
		`msg="face decision" matched=true evidence=print`, "the camera shows kiyoshi", `msg="face decision" matched=false evidence=print`, "screen: pin-locked", "screen: manual-entry-review", "screen: result",
		"screen: staff-menu", "screen: choosing-document", "last tap → ticket", "done: 9 patients walked, 6 tickets",
		// The card camera reads taro's card front whole, and hanako's in
		// the glare only in part: her code is typed.
		"screen: reading-card-front", `msg="card front read"`, "birth=true expiry=true code=true", "birth=true expiry=true code=false", "screen: entering-code-b-3",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the demo did not print %q:\n%s", want, text)
		}
	}
	for _, page := range []string{"guide-index", "guide-registration", "guide-pin", "guide-notice", "guide-bring", "guide-certificate", "guide-cert-expiry", "guide-old-card"} {
		if !strings.Contains(text, "screen: "+page) {
			t.Errorf("the guidance page %s was not shown", page)
		}
	}
	// The slip printed in demo mode, as a file, with the page's facts.
	if files, _ := filepath.Glob(filepath.Join(export, "*")); len(files) != 0 {
		t.Errorf("the demo wrote into the clinic's export folder: %v", files)
	}
	// Everything the demo writes is in its own folder, never the kiosk's store.
	if _, err := os.Stat(filepath.Join(data, "uketsuke.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the demo touched the real store: %v", err)
	}
	demo := filepath.Join(data, "demo")
	slips, _ := filepath.Glob(filepath.Join(demo, "prints", "slip-*.txt"))
	if len(slips) != 1 {
		t.Fatalf("%d slips printed, want 1", len(slips))
	}
	if b, _ := os.ReadFile(slips[0]); !strings.Contains(string(b), "3回続けてまちがえると") || !strings.Contains(string(b), "うけつけデモ医院") {
		t.Fatalf("slip:\n%s", b)
	}
	tickets, _ := filepath.Glob(filepath.Join(demo, "prints", "ticket-*.txt"))
	if len(tickets) != 6 {
		t.Errorf("%d tickets printed, want 6", len(tickets))
	}
	// The tickets in ESC/POS, decoded: Shift_JIS kanji, the number in
	// large type, a QR code, a cut.
	for _, f := range tickets {
		job, err := os.ReadFile(strings.TrimSuffix(f, ".txt") + ".escpos")
		if err != nil {
			t.Fatal(err)
		}
		cmds, err := escpos.Decode(job)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		printed := escpos.Printed(cmds)
		text, _ := os.ReadFile(f)
		number := ticketNumber(string(text))
		if !strings.Contains(printed, "うけつけデモ医院") || number == "" || !strings.Contains(printed, "\n"+number+"\n") {
			t.Errorf("%s: printed %q", f, printed)
		}
		var qr, cut, big, kanji bool
		for _, c := range cmds {
			qr = qr || c.Name == "qr-print"
			cut = cut || c.Name == "cut"
			big = big || (c.Name == "size" && c.Arg != 0)
			kanji = kanji || c.Name == "kanji-on"
		}
		if !qr || !cut || !big || !kanji {
			t.Errorf("%s: QR %v, cut %v, large type %v, kanji mode %v in %v", f, qr, cut, big, kanji, cmds)
		}
	}
	// The demo spoke every screen's line into files (no sound device
	// here), the ticket's with its number, and checked each one.
	if !strings.Contains(text, "voice: ") || !strings.Contains(text, "every one audible") ||
		!strings.Contains(text, "said: voice.ticket 「受付が終わりました。受付番号は、1番です。") ||
		!strings.Contains(text, "said: voice.consent") {
		t.Errorf("the demo's voice:\n%s", text)
	}
	lines, _ := filepath.Glob(filepath.Join(demo, "voice", "*.wav"))
	if len(lines) < 30 {
		t.Errorf("%d spoken lines recorded", len(lines))
	}
	shots, _ := filepath.Glob(filepath.Join(demo, "screenshots", "*.png"))
	if len(shots) < 40 {
		t.Fatalf("%d screenshots", len(shots))
	}
	for _, s := range shots {
		checkScreenshot(t, s, 1280, 800)
	}
	// The tickets are visits in the demo's own store, which a real kiosk
	// refuses to run on.
	st, err := storage.Open(filepath.Join(demo, "uketsuke.db"), storage.Options{KioskID: "kiosk-1"})
	if err != nil {
		t.Fatal(err)
	}
	if n := visitsSince(t, st, start); n != 6 {
		t.Fatalf("%d visits stored, want the 6 tickets", n)
	}
	if err := st.CheckNotDemo(context.Background()); !errors.Is(err, storage.ErrDemoStore) {
		t.Errorf("the demo store is not marked: %v", err)
	}
	// The kiosk reported its devices and doctor's checks for the desk.
	if sts, err := st.KioskStatuses(context.Background()); err != nil || len(sts) != 1 ||
		!strings.Contains(string(sts[0].Devices), `"Name":"reader"`) || !strings.Contains(string(sts[0].Devices), `"Name":"data directory"`) {
		t.Errorf("the kiosk's device report: %v %+v", err, sts)
	}
	st.Close()
	realRun := exec.CommandContext(ctx, bin, "run", "--data-dir", demo)
	realRun.Dir, realRun.Env = repoRoot, demoEnv(t, "")
	if out, err := realRun.CombinedOutput(); err == nil || !strings.Contains(string(out), "this database holds demo data") {
		t.Errorf("a real run on the demo's store: %v\n%s", err, out)
	}
}

// visitsSince counts the visits of the business days from start to now.
func visitsSince(t *testing.T, st *storage.Store, start time.Time) int {
	t.Helper()
	n := 0
	for _, day := range uniqueDays(start, time.Now()) {
		rows, err := st.List(context.Background(), day)
		if err != nil {
			t.Fatal(err)
		}
		n += len(rows)
	}
	return n
}

func uniqueDays(from, to time.Time) []string {
	a, b := wareki.Today(from).String(), wareki.Today(to).String()
	if a == b {
		return []string{a}
	}
	return []string{a, b}
}

// checkScreenshot fails unless path is a 1280×800 PNG with something on it.
func checkScreenshot(t *testing.T, path string, w, h int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("%s: %v, want %d×%d", path, b, w, h)
	}
	if distinctColours(img) < 8 {
		t.Fatalf("%s is blank", filepath.Base(path))
	}
}

func distinctColours(img image.Image) int {
	seen := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			r, g, bb, _ := img.At(x, y).RGBA()
			seen[r>>8<<16|g>>8<<8|bb>>8] = true
		}
	}
	return len(seen)
}

// ticketNumber is the 受付番号 of a printed ticket's text file.
func ticketNumber(text string) string {
	lines := strings.Split(text, "\n")
	if len(lines) < 3 || lines[0] != "受付番号" {
		return ""
	}
	return strings.TrimSpace(lines[2])
}
