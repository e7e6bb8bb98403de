package app

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// The screens a kiosk is sold with, landscape and portrait.
var screenSizes = []struct{ w, h int }{
	{1024, 768}, {1280, 720}, {1280, 800}, {1366, 768}, {1920, 1080}, {1080, 1920},
}

func TestFitScale(t *testing.T) {
	want := map[[2]int]float32{
		{1024, 768}: 0.8, {1280, 720}: 1, {1280, 800}: 1, {1366, 768}: 1,
		{1920, 1080}: 1.5, {1080, 1920}: 0.8, {2560, 1600}: 2, {640, 480}: 0.5, {0, 0}: 1,
	}
	for s, w := range want {
		if got := FitScale(s[0], s[1]); got != w {
			t.Errorf("FitScale(%d, %d) = %v, want %v", s[0], s[1], got, w)
		}
	}
	for _, s := range screenSizes {
		k := FitScale(s.w, s.h)
		if lw, lh := float32(s.w)/k, float32(s.h)/k; lw < DesignWidth || lh < DesignHeight {
			t.Errorf("%d×%d at %.1f is a %.0f×%.0f canvas, smaller than the design", s.w, s.h, k, lw, lh)
		}
	}
}

// TestGoldenScreenSizes draws key screens at each screen size as the
// kiosk shows them there (the canvas scaled by FitScale): every screen's
// content fits (the harness checks each screen shown), and the images are
// the reviewed ones in testdata/golden/sizes.
func TestGoldenScreenSizes(t *testing.T) {
	steps := []struct {
		name string
		do   func(h *harness)
	}{
		{"welcome", func(h *harness) {}},
		{"entering-pin", func(h *harness) { h.pinPath(); h.typeDigits("12") }},
		{"ticket", func(h *harness) { h.pinPath(); h.typeDigits("1234"); h.tap("決定"); h.tap("すべて提供する") }},
	}
	for _, sz := range screenSizes {
		for _, s := range steps {
			name := fmt.Sprintf("%dx%d-%s", sz.w, sz.h, s.name)
			t.Run(name, func(t *testing.T) {
				h := newHarnessAt(t, sz.w, sz.h)
				s.do(h)
				img := h.w.Canvas().Capture()
				if b := img.Bounds(); b.Dx() != sz.w || b.Dy() != sz.h {
					t.Fatalf("captured %d×%d, want the screen's %d×%d", b.Dx(), b.Dy(), sz.w, sz.h)
				}
				// 係員を呼ぶ is wholly on the screen, at the bottom.
				var call *tile
				eachTile(h.w.Content(), func(t *tile) bool {
					if strings.TrimSpace(t.Title) == "係員を呼ぶ" {
						call = t
					}
					return call != nil
				})
				if call == nil {
					t.Fatalf("no 係員を呼ぶ on %s", h.ui.Screen())
				}
				pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(call)
				canvas := h.w.Canvas().Size()
				if bottom := pos.Y + call.Size().Height; bottom > canvas.Height || pos.X+call.Size().Width > canvas.Width || bottom < canvas.Height-120 {
					t.Errorf("係員を呼ぶ at %v size %v on a %v canvas", pos, call.Size(), canvas)
				}
				test.AssertImageMatches(t, "golden/sizes/"+name+".png", img)
			})
		}
	}
}
