package app

import (
	"math"

	"fyne.io/fyne/v2"
)

// The screens are laid out for a 1280×720 canvas; every screen fits it
// (the tests check each one as it is shown).
const (
	DesignWidth  = 1280
	DesignHeight = 720
)

// FitScale is the scale at which the 1280×720 design fits a w × h pixel
// screen and fills it in one direction: the smaller of the two ratios,
// rounded down to a tenth (Fyne keeps one decimal of a scale; rounding up
// would push the bottom row off the screen), from 0.5 to 4. 1280×720,
// 1280×800 and 1366×768 draw at 1; a portrait 1080×1920 screen gets 0.8,
// a canvas 1350 wide and 2400 tall.
func FitScale(w, h int) float32 {
	if w <= 0 || h <= 0 {
		return 1
	}
	s := math.Min(float64(w)/DesignWidth, float64(h)/DesignHeight)
	s = math.Floor(s*10+1e-9) / 10
	return float32(math.Max(0.5, math.Min(4, s)))
}

// bodyLayout gives its one object the full width and, on a screen taller
// than the design, the design's height, centred: on a portrait screen a
// screen's content stays together in the middle instead of clinging to
// the top, far from 係員を呼ぶ at the bottom.
type bodyLayout struct{ height float32 }

func (l bodyLayout) MinSize(objs []fyne.CanvasObject) fyne.Size { return objs[0].MinSize() }

func (l bodyLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	h := size.Height
	if l.height < h {
		h = max(l.height, objs[0].MinSize().Height)
	}
	objs[0].Resize(fyne.NewSize(size.Width, h))
	objs[0].Move(fyne.NewPos(0, (size.Height-h)/2))
}
