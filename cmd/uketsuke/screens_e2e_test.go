package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// TestRealWindowFitsEveryScreen starts the real kiosk full screen on X
// servers of each size a kiosk is sold with, landscape and portrait: the
// canvas fills the screen (scaled by app.FitScale), every button lies
// wholly on it, 係員を呼ぶ at the bottom, and a tap lands (the card is put
// on the reader, the next screen comes). Screenshots go to
// .build/artifacts/screens/.
func TestRealWindowFitsEveryScreen(t *testing.T) {
	needXTools(t)
	artefacts, _ := filepath.Abs(filepath.Join(repoRoot, ".build", "artifacts", "screens"))
	os.RemoveAll(artefacts)
	if err := os.MkdirAll(artefacts, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, sz := range []struct{ w, h int }{{1024, 768}, {1280, 720}, {1366, 768}, {1920, 1080}, {1080, 1920}} {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			stop, display, err := launchXvfb(sz.w, sz.h)
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			dir := filepath.Join(artefacts, fmt.Sprintf("%dx%d", sz.w, sz.h))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			mapPath := filepath.Join(t.TempDir(), "ui.json")
			startDemoKiosk(t, display, filepath.Join(dir, "kiosk.log"), "--data-dir", t.TempDir(), "--ui-map", mapPath)
			d := &xdriver{t: t, display: display, mapPath: mapPath, dir: dir, w: sz.w, h: sz.h}
			for _, step := range []struct{ screen, tap string }{{"welcome", "カードを置く"}, {"choosing-method", "暗証番号"}, {"entering-pin", ""}} {
				d.wait(step.screen)
				m := d.read()
				if math.Abs(float64(m.Width*m.Scale)-float64(sz.w)) > 2 || math.Abs(float64(m.Height*m.Scale)-float64(sz.h)) > 2 {
					t.Errorf("%s: canvas %.0f×%.0f at scale %.1f does not fill the %d×%d screen", m.Screen, m.Width, m.Height, m.Scale, sz.w, sz.h)
				}
				call := false
				for _, tg := range m.Targets {
					if tg.X-tg.W/2 < -1 || tg.Y-tg.H/2 < -1 || tg.X+tg.W/2 > m.Width+1 || tg.Y+tg.H/2 > m.Height+1 {
						t.Errorf("%s: %q at (%.0f, %.0f) size %.0f×%.0f is off the %.0f×%.0f canvas", m.Screen, tg.Title, tg.X, tg.Y, tg.W, tg.H, m.Width, m.Height)
					}
					if tg.Title == "係員を呼ぶ" {
						call = tg.Y+tg.H/2 > m.Height-100
					}
				}
				if !call {
					t.Errorf("%s: no 係員を呼ぶ at the bottom of the screen", m.Screen)
				}
				if step.tap != "" {
					d.click(step.tap)
				}
			}
		})
	}
}
