package main

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"

	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/uketsuke/uketsuke/app"
)

// onXwayland reports whether the X server is Xwayland under a Wayland
// compositor (cage, on the kiosk).
func onXwayland() bool { return os.Getenv("WAYLAND_DISPLAY") != "" }

// fitScreen scales the kiosk's 1280×720 design to the primary monitor
// (app.FitScale), through the FYNE_SCALE Fyne reads, with Fyne's own DPI
// guess turned off: a kiosk screen is read from arm's length whatever its
// density. It must run on the main thread before the window exists; an
// operator's FYNE_SCALE is kept. It returns the screen size it saw.
func fitScreen(log *slog.Logger) (w, h int) {
	if s := os.Getenv("FYNE_SCALE"); s != "" {
		log.Info("screen scale set by FYNE_SCALE", "scale", s)
		return 0, 0
	}
	if err := glfw.Init(); err != nil {
		log.Warn("no display to measure; the screen is drawn at scale 1", "err", err)
		return 0, 0
	}
	m := glfw.GetPrimaryMonitor()
	if m == nil || m.GetVideoMode() == nil {
		log.Warn("no monitor found; the screen is drawn at scale 1")
		return 0, 0
	}
	mode := m.GetVideoMode()
	scale := app.FitScale(mode.Width, mode.Height)
	os.Setenv("FYNE_DISABLE_DPI_DETECTION", "1")
	os.Setenv("FYNE_SCALE", strconv.FormatFloat(float64(scale), 'f', 1, 32))
	log.Info("screen", "size", fmt.Sprintf("%d×%d", mode.Width, mode.Height), "scale", fmt.Sprintf("%.1f", scale))
	return mode.Width, mode.Height
}
