package picture

import (
	"errors"
	"image"
	"image/draw"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uketsuke/uketsuke/camera/cv"

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
func chipOf(t testing.TB, det *camera.Detector, img image.Image) cv.Mat {
	t.Helper()
	r := artwork.CoverCrop(img.Bounds(), artwork.PhotoAspect)
	crop := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(crop, crop.Rect, img, r.Min, draw.Src)
	m, err := cv.ImageToMatRGB(crop)
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
		return cv.NewMat()
	}
	jp2, err := camera.CardLike(m, f)
	if err != nil {
		t.Fatal(err)
	}
	chip, err := cv.IMDecode(jp2, cv.IMReadGrayScale)
	if err != nil {
		t.Fatal(err)
	}
	return chip
}

// TestOnePictureAndAnother compares chip photos with tray photos of
// printed cards: each card's own print is its picture, another
// person's print and another photo of the same person are not, and a
// photo without a face is an error. The figures over the whole set are
// measured in camera/facecase.
func TestOnePictureAndAnother(t *testing.T) {
	det, err := camera.NewDetector(camera.YuNet.In(modelDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer det.Close()
	rd, err := cardfront.New(cardfront.Options{Detector: camera.YuNet.In(modelDir()), Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var ps []person
	for _, p := range people(t) {
		if strings.HasPrefix(p.id, "lfw:") {
			ps = append(ps, p)
		}
	}
	ps = []person{ps[0], ps[1], ps[10], ps[20]} // two of one person, two others
	if ps[0].id != ps[1].id || ps[1].id == ps[2].id || ps[2].id == ps[3].id {
		t.Fatalf("unexpected photo set: %s %s %s %s", ps[0].id, ps[1].id, ps[2].id, ps[3].id)
	}
	gen, err := photoset.New(5, []image.Image{ps[0].img})
	if err != nil {
		t.Fatal(err)
	}
	m := &Matcher{Detector: det}
	prints := make([]cv.Mat, len(ps))
	for i, p := range ps {
		ph, err := gen.NextWith(photoset.Fine, p.img)
		if err != nil {
			t.Fatal(err)
		}
		pr, _, ok, err := rd.Photo(ph.Frame)
		ph.Frame.Close()
		if err != nil || !ok {
			t.Fatalf("no printed photo on card %d: %v", i, err)
		}
		prints[i] = pr
		defer pr.Close()
	}
	for i, p := range ps {
		chip := chipOf(t, det, p.img)
		for j := range ps {
			s, err := m.Compare(chip, prints[j])
			if err != nil {
				t.Fatalf("chip %d vs print %d: %v", i, j, err)
			}
			if same := s >= Threshold; same != (i == j) {
				t.Errorf("chip %d (%s) vs print %d (%s): score %.3f, same picture %v", i, p.id, j, ps[j].id, s, same)
			}
		}
		blank := cv.NewMatWithSizeFromScalar(cv.NewScalar(200, 200, 200, 0), 300, 240, cv.MatTypeCV8UC3)
		if _, err := m.Compare(chip, blank); !errors.Is(err, ErrNoFace) {
			t.Errorf("a print without a face: %v, want ErrNoFace", err)
		}
		blank.Close()
		chip.Close()
	}
}
