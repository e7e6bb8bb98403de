package picture

import (
	"image"
	"image/draw"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gocv.io/x/gocv"

	"github.com/uketsuke/uketsuke/camera"
	"github.com/uketsuke/uketsuke/camera/cardfront"
	"github.com/uketsuke/uketsuke/camera/cardfront/artwork"
	"github.com/uketsuke/uketsuke/camera/cardfront/photoset"
)

func modelDir() string {
	if d := os.Getenv("UKETSUKE_MODELS"); d != "" {
		return d
	}
	return "../../.build/models"
}

func facesDir() string {
	if d := os.Getenv("UKETSUKE_SHARED"); d != "" {
		return filepath.Join(d, "testdata", "faces")
	}
	return "../../../shared/testdata/faces"
}

// person is one shared photo and whose it is.
type person struct {
	id  string
	img image.Image
}

func people(t testing.TB) []person {
	t.Helper()
	samples, err := camera.ReadLabels(facesDir())
	if err != nil {
		t.Fatalf("face photos: %v (set UKETSUKE_SHARED)", err)
	}
	var out []person
	for _, s := range samples {
		data, err := os.ReadFile(s.Path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := camera.DecodeImage(data)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, person{s.Identity, img})
	}
	return out
}

// chipOf is what a chip would hold of a face photo: its 4:5 ID crop in
// grey with the face 60 px wide, through JPEG 2000 at 20:1, decoded.
func chipOf(t testing.TB, det *camera.Detector, img image.Image) gocv.Mat {
	t.Helper()
	r := artwork.CoverCrop(img.Bounds(), artwork.PhotoAspect)
	crop := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(crop, crop.Rect, img, r.Min, draw.Src)
	m, err := gocv.ImageToMatRGB(crop)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	faces, err := det.Detect(m)
	if err != nil {
		t.Fatal(err)
	}
	f, ok := camera.Central(faces, image.Pt(m.Cols(), m.Rows()))
	if !ok {
		return gocv.NewMat()
	}
	jp2, err := camera.CardLike(m, f)
	if err != nil {
		t.Fatal(err)
	}
	chip, err := gocv.IMDecode(jp2, gocv.IMReadGrayScale)
	if err != nil {
		t.Fatal(err)
	}
	return chip
}

// TestScoresOfOnePictureAndOfOthers measures the score of the chip photo
// against the print of the same picture, of another photo of the same
// person, and of other people's photos, on document-camera photos of
// generated cards.
func TestScoresOfOnePictureAndOfOthers(t *testing.T) {
	det, err := camera.NewDetector(camera.YuNet.In(modelDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer det.Close()
	rd, err := cardfront.New(cardfront.Options{Detector: camera.YuNet.In(modelDir()), Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	ps := people(t)
	var imgs []image.Image
	for _, p := range ps {
		imgs = append(imgs, p.img)
	}
	gen, err := photoset.New(5, imgs)
	if err != nil {
		t.Fatal(err)
	}
	m := &Matcher{Detector: det}
	// Prints: one tray photo of a card per shared photo.
	prints := make([]gocv.Mat, len(ps))
	for i, p := range ps {
		ph, err := gen.NextWith(photoset.Tray, p.img)
		if err != nil {
			t.Fatal(err)
		}
		got, err := rd.Read(ph.Frame)
		ph.Frame.Close()
		if err != nil {
			t.Fatal(err)
		}
		prints[i] = gocv.NewMat()
		if g, ok := got.PrintedPhoto(); ok {
			prints[i], _ = gocv.ImageGrayToMatGray(g)
		}
	}
	var chips, printed []*Photo
	for i, p := range ps {
		var c, pr *Photo
		if chip := chipOf(t, det, p.img); !chip.Empty() {
			c, _ = m.Prepare(chip)
			chip.Close()
		}
		if !prints[i].Empty() {
			pr, _ = m.Prepare(prints[i])
		}
		chips, printed = append(chips, c), append(printed, pr)
	}
	var same, sameFace, other []float64
	unusable := 0
	for i, p := range ps {
		for j, q := range ps {
			if p.id != q.id && (i+j)%5 != 0 {
				continue
			}
			if chips[i] == nil || printed[j] == nil {
				unusable++
				continue
			}
			s, err := Score(chips[i], printed[j])
			if err != nil {
				unusable++
				continue
			}
			switch {
			case i == j:
				same = append(same, s)
			case p.id == q.id:
				sameFace = append(sameFace, s)
			default:
				other = append(other, s)
			}
		}
	}
	for i := range chips {
		if chips[i] != nil {
			chips[i].Close()
		}
		if printed[i] != nil {
			printed[i].Close()
		}
	}
	for _, pr := range prints {
		pr.Close()
	}
	show := func(name string, xs []float64) {
		slices.Sort(xs)
		if len(xs) == 0 {
			t.Logf("%s: none", name)
			return
		}
		q := func(p float64) float64 { return xs[min(len(xs)-1, int(p*float64(len(xs))))] }
		t.Logf("%s: n=%d min %.3f p1 %.3f p5 %.3f p50 %.3f p95 %.3f p99 %.3f max %.3f", name, len(xs), xs[0], q(0.01), q(0.05), q(0.5), q(0.95), q(0.99), xs[len(xs)-1])
	}
	show("same picture", same)
	show("same person, other photo", sameFace)
	show("other people", other)
	t.Logf("pairs unusable (no face, or a chip photo cropped too tight): %d", unusable)
	// One picture passes, mostly; another photo never does, of the
	// same person or of anyone else.
	accepted := func(xs []float64) int {
		n := 0
		for _, x := range xs {
			if x >= Threshold {
				n++
			}
		}
		return n
	}
	if n := accepted(sameFace); n != 0 {
		t.Errorf("%d of %d other photos of the same person taken for the chip's picture", n, len(sameFace))
	}
	if n := accepted(other); n != 0 {
		t.Errorf("%d of %d photos of other people taken for the chip's picture", n, len(other))
	}
	if n := accepted(same); len(same) < 100 || 10*n < 9*len(same) {
		t.Errorf("only %d of %d prints of the chip's own picture accepted", n, len(same))
	}
}
