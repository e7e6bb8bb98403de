package cardfront

import (
	"fmt"
	"image"
	"testing"

	"github.com/uketsuke/uketsuke/camera/cv"
)

// blank is a white line image.
func blank(w, h int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	return img
}

func fill(img *image.Gray, r image.Rectangle, v uint8) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.Pix[y*img.Stride+x] = v
		}
	}
}

// bandRuns are the runs of columns with ink in a row band.
func bandRuns(img *image.Gray, top, bot int) [][2]int {
	var runs [][2]int
	in := false
	for x := 0; x < img.Rect.Dx(); x++ {
		ink := false
		for y := top; y < bot; y++ {
			ink = ink || img.Pix[y*img.Stride+x] < 128
		}
		switch {
		case ink && !in:
			runs = append(runs, [2]int{x, x + 1})
		case ink:
			runs[len(runs)-1][1] = x + 1
		}
		in = ink
	}
	return runs
}

// TestSpreadMovesGlyphsApart: two digits a pixel apart (what Tesseract
// reads as one) stand a third of the text's height apart after spread,
// each as wide as before; the era's kanji, the first two ems, stay whole.
func TestSpreadMovesGlyphsApart(t *testing.T) {
	img := blank(160, 50) // text band: rows 10–40, an em of 30 px
	for _, r := range []image.Rectangle{
		image.Rect(5, 12, 20, 38), image.Rect(22, 12, 30, 38), // 和: 禾 and 口
		image.Rect(70, 12, 78, 38), image.Rect(79, 12, 87, 38), // 11
		image.Rect(110, 12, 130, 38),
	} {
		fill(img, r, 0)
	}
	out, given, em := spread(img)
	runs := bandRuns(out, 10, 40)
	if len(runs) != 5 {
		t.Fatalf("runs %v, want 5 glyphs", runs)
	}
	if fmt.Sprint(given) != fmt.Sprint(runs) || em != 30 {
		t.Errorf("spread gives runs %v at an em of %d, its image has %v at 30", given, em, runs)
	}
	for i, want := range []int{15, 8, 8, 8, 20} {
		if w := runs[i][1] - runs[i][0]; w != want {
			t.Errorf("glyph %d is %d px wide, want %d", i, w, want)
		}
	}
	if gap := runs[1][0] - runs[0][1]; gap != 2 {
		t.Errorf("the era's parts moved %d px apart", gap)
	}
	if gap := runs[3][0] - runs[2][1]; gap < 10 {
		t.Errorf("the digits are %d px apart, want ≥ 10", gap)
	}
	if gap := runs[4][0] - runs[3][1]; gap != 110-87 {
		t.Errorf("a wide gap changed to %d px", gap)
	}
	if out.Rect.Dy() != img.Rect.Dy() {
		t.Errorf("height %d", out.Rect.Dy())
	}
	if tiny, _, _ := spread(blank(1, 1)); tiny.Rect.Dx() != 1 {
		t.Error("a 1×1 image is not left alone")
	}
}

// TestClearRulesKeepsText: a frame's slanted rule above a line is painted
// out; the glyphs and a long-vowel mark (ー, long and thin but short) stay.
func TestClearRulesKeepsText(t *testing.T) {
	img := blank(300, 60)
	for x := 5; x < 295; x++ { // a rule rising 9 px over the line
		fill(img, image.Rect(x, 12-x/33, x+1, 14-x/33), 0)
	}
	fill(img, image.Rect(40, 20, 60, 50), 0)   // a glyph
	fill(img, image.Rect(80, 34, 110, 37), 0)  // ー
	fill(img, image.Rect(130, 20, 150, 50), 0) // a glyph
	m, err := cv.ImageGrayToMatGray(img)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	clearRules(&m, 30)
	out := image.NewGray(img.Rect)
	copy(out.Pix, m.ToBytes())
	if runs := bandRuns(out, 0, 16); len(runs) != 0 {
		t.Errorf("the rule is left: %v", runs)
	}
	if runs := bandRuns(out, 16, 60); len(runs) != 3 {
		t.Errorf("text columns %v, want the two glyphs and ー", runs)
	}
}

// TestSpreadKeepsAGlyphOfFaintStrokesWhole: a 日 whose horizontals were
// blurred light (two dark verticals joined by grey) stays one glyph, not
// two spread apart; two digits with paper between them are still parted.
func TestSpreadKeepsAGlyphOfFaintStrokesWhole(t *testing.T) {
	img := blank(200, 50) // an em of 30 px, grey print on grey paper as photographed
	fill(img, img.Rect, 230)
	for _, r := range []image.Rectangle{
		image.Rect(5, 12, 20, 38), image.Rect(22, 12, 30, 38), // the era
		image.Rect(70, 12, 78, 38), image.Rect(81, 12, 89, 38), // 11
		image.Rect(110, 12, 114, 38), image.Rect(126, 12, 130, 38), // 日's verticals
	} {
		fill(img, r, 30)
	}
	for _, y := range []int{12, 25, 37} { // 日's horizontals, blurred light
		fill(img, image.Rect(114, y, 126, y+1), 150)
	}
	out, runs, em := spread(img)
	if em != 30 {
		t.Fatalf("em %d", em)
	}
	if len(runs) != 5 {
		t.Fatalf("runs %v, want the era's two parts, two digits and 日", runs)
	}
	if w := runs[4][1] - runs[4][0]; w != 20 {
		t.Errorf("日 is %d px wide, want 20 (whole)", w)
	}
	if gap := runs[3][0] - runs[2][1]; gap < 10 {
		t.Errorf("the digits are %d px apart, want ≥ 10", gap)
	}
	if out.Rect.Dx() <= img.Rect.Dx() {
		t.Errorf("nothing was spread: %d px wide", out.Rect.Dx())
	}
}
