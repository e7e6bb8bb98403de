package tess

import (
	"image"
	"image/color"
	"strings"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/uketsuke/uketsuke/assets"
)

// render draws s in Noto Sans CJK, black on white, 40 px high.
func render(t *testing.T, s string) *image.Gray {
	t.Helper()
	f, err := opentype.Parse(assets.FontRegular)
	if err != nil {
		t.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 36, DPI: 72})
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	img := image.NewGray(image.Rect(0, 0, 40*len([]rune(s))+40, 60))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	d := font.Drawer{Dst: img, Src: image.NewUniform(color.Black), Face: face, Dot: fixed.P(20, 44)}
	d.DrawString(s)
	return img
}

func TestLineReadsJapaneseAndDigits(t *testing.T) {
	jpn, err := New("jpn", "")
	if err != nil {
		t.Fatal(err)
	}
	defer jpn.Close()
	digits, err := New("eng", "0123456789")
	if err != nil {
		t.Fatal(err)
	}
	defer digits.Close()
	for _, c := range []struct {
		e    *Engine
		text string
	}{{jpn, "昭和55年2月17日生"}, {jpn, "個人番号カード"}, {digits, "2285"}} {
		syms, err := c.e.Line(render(t, c.text))
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, s := range syms {
			if s.Conf < 50 || s.Box.Empty() {
				t.Errorf("%q: symbol %+v", c.text, s)
			}
			b.WriteString(s.Text)
		}
		if got := strings.ReplaceAll(b.String(), " ", ""); got != c.text {
			t.Errorf("read %q, want %q", got, c.text)
		}
	}
	// Tiny and blank images read as nothing, without an error.
	if syms, err := jpn.Line(image.NewGray(image.Rect(0, 0, 2, 2))); err != nil || len(syms) != 0 {
		t.Fatalf("tiny image: %v %v", syms, err)
	}
	jpn.Close()
	if _, err := jpn.Line(render(t, "2285")); err == nil {
		t.Fatal("a closed engine read")
	}
}

func TestNewRefusesAMissingModel(t *testing.T) {
	if _, err := New("xxx", ""); err == nil {
		t.Fatal("a missing model loaded")
	}
}
