package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/storage"
)

// TestRealWindowCheckInsWithXdotool drives the real kiosk window under
// Xvfb as a patient would, with mouse clicks from xdotool: a complete
// マイナ保険証 check-in (the demo card over pcscd, PIN) and a complete
// 資格確認書 check-in. Every screen is photographed from the X server into
// .build/artifacts/window/.
func TestRealWindowCheckInsWithXdotool(t *testing.T) {
	needXTools(t)
	display := testXvfb(t)
	data := t.TempDir()
	uiMapPath := filepath.Join(t.TempDir(), "ui.json")
	artefacts, _ := filepath.Abs(filepath.Join(repoRoot, ".build", "artifacts", "window"))
	os.RemoveAll(artefacts)
	if err := os.MkdirAll(artefacts, 0o755); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	stop := startDemoKiosk(t, display, filepath.Join(artefacts, "kiosk.log"), "--data-dir", data, "--ui-map", uiMapPath)
	d := &xdriver{t: t, display: display, mapPath: uiMapPath, dir: artefacts}
	d.wait("welcome")

	// マイナ保険証: the demo panel puts taro's card on the reader.
	inserted := time.Now()
	d.click("カードを置く")
	d.wait("choosing-method")
	t.Logf("card insertion → method choice (real window): %s", time.Since(inserted).Round(time.Millisecond))
	d.click("暗証番号")
	d.wait("entering-pin")
	d.clicks("1", "2", "3", "4", "決定")
	d.wait("consent")
	d.click("すべて提供する")
	d.wait("ticket")
	t.Logf("last tap → ticket (real window): %s", time.Since(d.lastClick).Round(time.Millisecond))
	d.click("終わる")
	d.wait("welcome")
	d.click("カードを外す")

	// 資格確認書 typed in (a 75+ patient's). The welcome screen redraws when
	// pcscd notices the card gone (0.2–0.5 s later); a tap that lands on the
	// old layout is tapped again, as a patient would.
	d.clickUntil("資格確認書", "manual-entry-insurer")
	d.clicks("3", "9", "1", "3", "1", "0", "0", "8", "つぎへ")
	d.wait("manual-entry-symbol")
	d.click("なし")
	d.wait("manual-entry-number")
	d.clicks("1", "2", "3", "4", "5", "6", "7", "8", "つぎへ")
	d.wait("manual-entry-branch")
	d.click("なし")
	d.wait("manual-entry-birth")
	d.clicks("昭和", "1", "9", "0", "5", "0", "5", "つぎへ")
	d.wait("manual-entry-review")
	d.click("この内容で確認する")
	d.wait("consent")
	d.click("提供する")
	d.wait("ticket")
	d.click("終わる")
	d.wait("welcome")

	stop()
	st, err := storage.Open(filepath.Join(data, "demo", "uketsuke.db"), storage.Options{KioskID: "kiosk-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var paths []string
	for _, day := range uniqueDays(start, time.Now()) {
		rows, err := st.List(context.Background(), day)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			paths = append(paths, r.Path+"/"+r.Auth)
		}
	}
	if got := strings.Join(paths, " "); got != "myna-card/pin certificate/none" {
		t.Fatalf("visits %q, want the PIN check-in and the 資格確認書 one", got)
	}
	if d.shots < 15 {
		t.Fatalf("only %d screenshots", d.shots)
	}
}

// xdriver clicks buttons of the real window by their titles, found in the
// kiosk's --ui-map file.
type xdriver struct {
	t         *testing.T
	display   string
	mapPath   string
	dir       string
	shots     int
	seen      string
	lastClick time.Time
	w, h      int // the screen's size (0: 1280×800)
}

func (d *xdriver) read() uiMap {
	var m uiMap
	b, err := os.ReadFile(d.mapPath)
	if err == nil {
		_ = json.Unmarshal(b, &m)
	}
	return m
}

func (d *xdriver) xdo(args ...string) {
	d.t.Helper()
	c := exec.Command("xdotool", args...)
	c.Env = append(os.Environ(), "DISPLAY="+d.display, "LC_ALL=C.UTF-8")
	if out, err := c.CombinedOutput(); err != nil {
		d.t.Fatalf("xdotool %v: %v %s", args, err, out)
	}
}

// wait waits for the screen and photographs it.
func (d *xdriver) wait(screen string) {
	d.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		m := d.read()
		if strings.HasPrefix(m.Screen, screen) && len(m.Targets) > 0 {
			d.photo(m.Screen)
			return
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("waited for screen %s; it is %q", screen, m.Screen)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (d *xdriver) click(title string) {
	d.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m := d.read()
		for _, tg := range m.Targets {
			if tg.Title == title {
				before, _ := os.ReadFile(d.mapPath)
				k := max(m.Scale, 0.1)
				d.xdo("mousemove", "--sync", fmt.Sprint(int(tg.X*k)), fmt.Sprint(int(tg.Y*k)), "click", "1")
				d.lastClick = time.Now()
				d.settle(before)
				return
			}
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("no button %q on screen %s", title, m.Screen)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// settle waits briefly for the screen to change after a click, so that the
// next click does not land on the old layout.
func (d *xdriver) settle(before []byte) {
	for i := 0; i < 20; i++ {
		time.Sleep(25 * time.Millisecond)
		if now, _ := os.ReadFile(d.mapPath); string(now) != string(before) {
			break
		}
	}
	time.Sleep(60 * time.Millisecond)
}

// clickUntil clicks title until the screen is screen (at most 3 tries).
func (d *xdriver) clickUntil(title, screen string) {
	d.t.Helper()
	for range 3 {
		d.click(title)
		deadline := time.Now().Add(3 * time.Second)
		for time.Now().Before(deadline) {
			if m := d.read(); strings.HasPrefix(m.Screen, screen) && len(m.Targets) > 0 {
				d.wait(screen)
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	d.wait(screen)
}

func (d *xdriver) clicks(titles ...string) {
	d.t.Helper()
	for _, t := range titles {
		d.click(t)
	}
}

// photo saves the X screen once per screen.
func (d *xdriver) photo(screen string) {
	d.t.Helper()
	if screen == d.seen {
		return
	}
	d.seen = screen
	time.Sleep(150 * time.Millisecond)
	d.shots++
	path := filepath.Join(d.dir, fmt.Sprintf("%02d-%s.png", d.shots, screen))
	c := exec.Command("import", "-window", "root", path)
	c.Env = append(os.Environ(), "DISPLAY="+d.display)
	if out, err := c.CombinedOutput(); err != nil {
		d.t.Fatalf("import: %v %s", err, out)
	}
	w, h := d.w, d.h
	if w == 0 {
		w, h = 1280, 800
	}
	checkScreenshot(d.t, path, w, h)
}

// needXTools fails the test when the X tools the window tests drive the
// kiosk with are missing.
func needXTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"Xvfb", "xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: run make setup-test", tool)
		}
	}
}

// testXvfb starts a 1280×800 Xvfb on a free display for the test.
func testXvfb(t *testing.T) string {
	t.Helper()
	stop, display, err := launchXvfb(1280, 800)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return display
}
