package app

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
)

// Target is a tappable tile on screen, for the demo autopilot and for
// tests that drive a real window with xdotool.
type Target struct {
	Title string  `json:"title"`
	X     float32 `json:"x"` // centre, in window coordinates
	Y     float32 `json:"y"`
	W     float32 `json:"w"` // size
	H     float32 `json:"h"`
}

// Tap taps the tile titled title on the current screen, as a finger
// would; it reports whether there was one. Call it on the UI goroutine.
func (u *UI) Tap(title string) bool {
	var found *tile
	eachTile(u.win.Content(), func(t *tile) bool {
		if strings.TrimSpace(t.Title) == title {
			found = t
			return true
		}
		return false
	})
	if found == nil {
		return false
	}
	found.Tapped(&fyne.PointEvent{})
	return true
}

// Targets lists the tiles on screen with their centres. Call it on the
// UI goroutine after the screen was laid out.
func (u *UI) Targets() []Target {
	var out []Target
	d := fyne.CurrentApp().Driver()
	eachTile(u.win.Content(), func(t *tile) bool {
		if !t.Visible() {
			return false
		}
		p := d.AbsolutePositionForObject(t)
		s := t.Size()
		out = append(out, Target{Title: strings.TrimSpace(t.Title), X: p.X + s.Width/2, Y: p.Y + s.Height/2, W: s.Width, H: s.Height})
		return false
	})
	return out
}

// eachTile visits the tiles under o until f returns true.
func eachTile(o fyne.CanvasObject, f func(*tile) bool) bool {
	switch c := o.(type) {
	case *tile:
		return f(c)
	case *fyne.Container:
		for _, ch := range c.Objects {
			if eachTile(ch, f) {
				return true
			}
		}
	case *container.Scroll:
		return eachTile(c.Content, f)
	}
	return false
}
