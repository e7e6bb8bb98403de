package cv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"testing"
)

// gradient is a w × h B G R test card: smooth ramps and a sharp square,
// so codecs have both to keep.
func gradient(t testing.TB, w, h int) Mat {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{uint8(255 * x / w), uint8(255 * y / h), uint8(128 + 100*math.Sin(float64(x+y)/9)), 255}
			if x > w/4 && x < w/2 && y > h/4 && y < h/2 {
				c = color.RGBA{250, 250, 250, 255}
			}
			img.Set(x, y, c)
		}
	}
	m, err := ImageToMatRGB(img)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// psnr is the peak signal-to-noise ratio of b against a, in dB.
func psnr(t testing.TB, a, b Mat) float64 {
	t.Helper()
	if a.Rows() != b.Rows() || a.Cols() != b.Cols() || a.Type() != b.Type() {
		t.Fatalf("%d×%d type %d against %d×%d type %d", a.Cols(), a.Rows(), a.Type(), b.Cols(), b.Rows(), b.Type())
	}
	x, y := a.ToBytes(), b.ToBytes()
	var se float64
	for i := range x {
		d := float64(x[i]) - float64(y[i])
		se += d * d
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(se/float64(len(x))))
}

func TestJPEGRoundTrip(t *testing.T) {
	m := gradient(t, 320, 240)
	defer m.Close()
	data, err := EncodeJPEG(m, 95)
	if err != nil {
		t.Fatal(err)
	}
	if Sniff(data) != FormatJPEG {
		t.Fatalf("encoded JPEG sniffs as %v", Sniff(data))
	}
	back, err := IMDecode(data, IMReadColor)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if p := psnr(t, m, back); p < 35 {
		t.Errorf("JPEG q95 round trip PSNR %.1f dB, want ≥ 35", p)
	}
	grey, err := IMDecode(data, IMReadGrayScale)
	if err != nil {
		t.Fatal(err)
	}
	defer grey.Close()
	want := NewMat()
	defer want.Close()
	if err := CvtColor(m, &want, ColorBGRToGray); err != nil {
		t.Fatal(err)
	}
	if grey.Channels() != 1 {
		t.Fatalf("grey decode has %d channels", grey.Channels())
	}
	if p := psnr(t, want, grey); p < 35 {
		t.Errorf("JPEG grey decode PSNR %.1f dB against cvtColor, want ≥ 35", p)
	}
}

// The chip's photo is JPEG 2000: as a JP2 file and as a bare codestream
// (the jp2c box's content), grey and colour.
func TestJPEG2000RoundTrip(t *testing.T) {
	m := gradient(t, 160, 200)
	defer m.Close()
	grey := NewMat()
	defer grey.Close()
	if err := CvtColor(m, &grey, ColorBGRToGray); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		img  Mat
		min  float64
	}{{"colour", m, 28}, {"grey", grey, 30}} {
		data, err := EncodeJPEG2000(c.img, 20)
		if err != nil {
			t.Fatal(err)
		}
		raw := c.img.Rows() * c.img.Cols() * c.img.Channels()
		if len(data) > raw/15 {
			t.Errorf("%s: 20:1 gave %d bytes of %d", c.name, len(data), raw)
		}
		if Sniff(data) != FormatJP2 {
			t.Fatalf("%s: encoded JP2 sniffs as %v", c.name, Sniff(data))
		}
		i := bytes.Index(data, []byte("jp2c"))
		if i < 4 {
			t.Fatalf("%s: no jp2c box", c.name)
		}
		code := data[i+4:]
		if Sniff(code) != FormatJ2K {
			t.Fatalf("%s: codestream sniffs as %v", c.name, Sniff(code))
		}
		for name, d := range map[string][]byte{"jp2": data, "j2k": code} {
			flag := IMReadColor
			if c.img.Channels() == 1 {
				flag = IMReadGrayScale
			}
			back, err := IMDecode(d, flag)
			if err != nil {
				t.Fatalf("%s %s: %v", c.name, name, err)
			}
			if p := psnr(t, c.img, back); p < c.min {
				t.Errorf("%s %s: 20:1 round trip PSNR %.1f dB, want ≥ %.0f", c.name, name, p, c.min)
			}
			back.Close()
		}
	}
}

func TestPNGAndImages(t *testing.T) {
	m := gradient(t, 64, 48)
	defer m.Close()
	data, err := EncodePNG(m)
	if err != nil {
		t.Fatal(err)
	}
	back, err := IMDecode(data, IMReadColor)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if p := psnr(t, m, back); !math.IsInf(p, 1) {
		t.Errorf("PNG is lossless, round trip PSNR %.1f dB", p)
	}
	g := image.NewGray(image.Rect(0, 0, 5, 3))
	for i := range g.Pix {
		g.Pix[i] = uint8(i * 10)
	}
	gm, err := ImageGrayToMatGray(g)
	if err != nil {
		t.Fatal(err)
	}
	defer gm.Close()
	if gm.GetUCharAt(2, 4) != 140 || gm.Rows() != 3 || gm.Cols() != 5 {
		t.Errorf("grey mat %d×%d, (2,4) = %d", gm.Cols(), gm.Rows(), gm.GetUCharAt(2, 4))
	}
	img, err := back.ToImage()
	if err != nil {
		t.Fatal(err)
	}
	r, gr, b, _ := img.At(10, 10).RGBA()
	want := color.RGBA{uint8(255 * 10 / 64), uint8(255 * 10 / 48), uint8(128 + 100*math.Sin(20.0/9)), 255}
	if uint8(r>>8) != want.R || uint8(gr>>8) != want.G || uint8(b>>8) != want.B {
		t.Errorf("ToImage (10,10) = %d %d %d, want %v", r>>8, gr>>8, b>>8, want)
	}
}

// Garbage, truncation and size bombs are errors, never crashes or huge
// allocations.
func TestBadImages(t *testing.T) {
	m := gradient(t, 64, 48)
	defer m.Close()
	jpg, _ := EncodeJPEG(m, 80)
	jp2, _ := EncodeJPEG2000(m, 20)
	bomb := bytes.Clone(jpg)
	sof := bytes.Index(bomb, []byte{0xff, 0xc0})
	if sof < 0 {
		t.Fatal("no SOF0 in the encoded JPEG")
	}
	binary.BigEndian.PutUint16(bomb[sof+5:], 60000)
	binary.BigEndian.PutUint16(bomb[sof+7:], 60000)
	var pngBomb bytes.Buffer
	if err := png.Encode(&pngBomb, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	pb := pngBomb.Bytes()
	binary.BigEndian.PutUint32(pb[16:], 50000) // IHDR width
	binary.BigEndian.PutUint32(pb[20:], 50000) // and height (CRC now wrong too)
	for name, d := range map[string][]byte{
		"empty":         nil,
		"text":          []byte("this is not an image"),
		"jpeg header":   jpg[:20],
		"jp2 header":    jp2[:40],
		"jp2 truncated": jp2[:len(jp2)/3],
		"jpeg bomb":     bomb,
		"png bomb":      pb,
	} {
		got, err := IMDecode(d, IMReadColor)
		var e *Error
		if err == nil || !errors.As(err, &e) {
			t.Errorf("%s: decoded %d×%d, err %v; want a cv.Error", name, got.Cols(), got.Rows(), err)
		}
		if !got.Empty() {
			t.Errorf("%s: returned a non-empty Mat with the error", name)
		}
		got.Close()
	}
}

// A C++ exception is an error, not an abort.
func TestExceptionsAreErrors(t *testing.T) {
	empty := NewMat()
	defer empty.Close()
	dst := NewMat()
	defer dst.Close()
	if err := Resize(empty, &dst, image.Pt(10, 10), 0, 0, InterpolationLinear); err == nil {
		t.Error("resizing an empty Mat succeeded")
	}
	grey := NewMatWithSize(4, 4, MatTypeCV8UC1)
	defer grey.Close()
	var e *Error
	if err := CvtColor(grey, &dst, ColorBGRToGray); !errors.As(err, &e) || e.Op != "convert colour" || e.Msg == "" {
		t.Errorf("BGR→grey of a grey Mat: %v", err)
	}
	var zero Mat // never made: an empty input, a fresh output
	if err := GaussianBlur(zero, &dst, image.Pt(3, 3), 0, 0, BorderDefault); err == nil {
		t.Error("blurring the zero Mat succeeded")
	}
	var out Mat
	defer out.Close()
	if err := GaussianBlur(grey, &out, image.Pt(3, 3), 0, 0, BorderDefault); err != nil || out.Rows() != 4 {
		t.Errorf("blur into the zero Mat: %v, %d rows", err, out.Rows())
	}
	if _, err := ReadNetFromONNX("/dev/null"); err == nil {
		t.Error("an empty file loaded as a network")
	}
}

func TestRegionClips(t *testing.T) {
	m := NewMatWithSizeFromScalar(NewScalar(7, 0, 0, 0), 10, 20, MatTypeCV8UC1)
	defer m.Close()
	r := m.Region(image.Rect(15, 5, 30, 30))
	defer r.Close()
	if r.Cols() != 5 || r.Rows() != 5 {
		t.Errorf("clipped region is %d×%d, want 5×5", r.Cols(), r.Rows())
	}
	if _, err := r.DataPtrUint8(); err == nil {
		t.Error("a strided view gave its memory as one slice")
	}
	if b := r.ToBytes(); len(b) != 25 || b[24] != 7 {
		t.Errorf("region bytes %v", b)
	}
	if out := m.Region(image.Rect(30, 30, 40, 40)); !out.Empty() {
		t.Error("a region outside the Mat is not empty")
	}
	if s := m.Sum(); s.Val1 != 7*200 {
		t.Errorf("sum %v, want 1400", s.Val1)
	}
	defer func() {
		if recover() == nil {
			t.Error("GetUCharAt outside the Mat did not panic")
		}
	}()
	m.GetUCharAt(10, 0)
}

func TestContours(t *testing.T) {
	m := NewMatWithSize(100, 150, MatTypeCV8UC1)
	defer m.Close()
	if err := m.SetTo(NewScalar(0, 0, 0, 0)); err != nil {
		t.Fatal(err)
	}
	if err := Rectangle(&m, image.Rect(20, 30, 120, 80), color.RGBA{255, 255, 255, 0}, -1); err != nil {
		t.Fatal(err)
	}
	cs, err := FindContours(m, RetrievalExternal, ChainApproxSimple)
	if err != nil || len(cs) != 1 {
		t.Fatalf("%d contours, %v; want 1", len(cs), err)
	}
	if a := ContourArea(cs[0]); a < 100*50*0.95 || a > 101*51 {
		t.Errorf("area %.0f, want about 5000", a)
	}
	if bb := BoundingRect(cs[0]); bb != image.Rect(20, 30, 121, 81) {
		t.Errorf("bounding rect %v", bb)
	}
	poly, err := ApproxPolyDP(cs[0], 0.02*ArcLength(cs[0], true), true)
	if err != nil || len(poly) != 4 {
		t.Errorf("polygon %v, %v; want 4 corners", poly, err)
	}
	r := MinAreaRect(cs[0])
	if math.Abs(float64(r.Center.X)-70) > 1 || math.Abs(float64(r.Center.Y)-55) > 1 {
		t.Errorf("min area rect centre %v", r.Center)
	}
}

func FuzzIMDecode(f *testing.F) {
	m := gradient(f, 40, 30)
	jpg, _ := EncodeJPEG(m, 70)
	jp2, err := EncodeJPEG2000(m, 10)
	if err != nil {
		f.Fatal(err)
	}
	pngData, _ := EncodePNG(m)
	m.Close()
	f.Add(jpg)
	f.Add(jp2)
	f.Add(jp2[bytes.Index(jp2, []byte("jp2c"))+4:])
	f.Add(pngData)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, flag := range []IMReadFlag{IMReadColor, IMReadGrayScale} {
			got, err := IMDecode(data, flag)
			if err == nil {
				if got.Empty() || got.Rows()*got.Cols() > MaxPixels {
					t.Fatalf("decoded %d×%d without an error", got.Cols(), got.Rows())
				}
				want := 3
				if flag == IMReadGrayScale {
					want = 1
				}
				if got.Channels() != want || got.Type()&7 != MatTypeCV8U {
					t.Fatalf("decoded type %d, want 8-bit × %d", got.Type(), want)
				}
			}
			got.Close()
		}
	})
}

// TestNewMatIsZeroed: a new Mat holds zeros, whatever the memory held
// before (a "blank" frame must be blank).
func TestNewMatIsZeroed(t *testing.T) {
	for range 20 {
		junk := NewMatWithSizeFromScalar(NewScalar(255, 255, 255, 0), 720, 1280, MatTypeCV8UC3)
		junk.Close()
		m := NewMatWithSize(720, 1280, MatTypeCV8UC3)
		b, err := m.DataPtrUint8()
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range b {
			if v != 0 {
				m.Close()
				t.Fatalf("byte %d of a new Mat is %d", i, v)
			}
		}
		m.Close()
	}
}
