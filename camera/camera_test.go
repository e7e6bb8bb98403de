package camera

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/uketsuke/uketsuke/camera/cv"
)

// shared is the project's reference folder: $UKETSUKE_SHARED (set by
// make test), else ../shared beside the checkout.
func shared() string {
	if d := os.Getenv("UKETSUKE_SHARED"); d != "" {
		return d
	}
	return "../../shared"
}

var facesDir = filepath.Join(shared(), "testdata", "faces")

func TestEstimateSimilarityRecoversATransform(t *testing.T) {
	want := Similarity{A: 1.3 * math.Cos(0.2), B: 1.3 * math.Sin(0.2), TX: -12.5, TY: 30}
	src := [][2]float64{{10, 20}, {60, 22}, {35, 50}, {15, 80}, {55, 82}}
	dst := make([][2]float64, len(src))
	for i, p := range src {
		x, y := want.Apply(p[0], p[1])
		dst[i] = [2]float64{x, y}
	}
	got, err := EstimateSimilarity(src, dst)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []float64{got.A - want.A, got.B - want.B, got.TX - want.TX, got.TY - want.TY} {
		if math.Abs(d) > 1e-9 {
			t.Fatalf("estimated %+v, want %+v", got, want)
		}
	}
	if _, err := EstimateSimilarity(src[:1], dst[:1]); err == nil {
		t.Error("one point pair accepted")
	}
	same := [][2]float64{{1, 1}, {1, 1}, {1, 1}}
	if _, err := EstimateSimilarity(same, same); err == nil {
		t.Error("coincident points accepted")
	}
}

func TestScores(t *testing.T) {
	s := Scores{Genuine: []float64{0.2, 0.3, 0.4, 0.7}, Impostor: []float64{0.5, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6}}
	th := s.ThresholdAtFAR(0.1) // one impostor of ten may pass
	if r := s.At(th); r.FAR != 0.1 || r.TAR != 1 || th >= 0.8 {
		t.Fatalf("at FAR 0.1: %+v", r)
	}
	th = s.ThresholdAtFAR(0.05) // none may pass
	if r := s.At(th); r.FAR != 0 || r.TAR != 0.75 || th >= 0.5 {
		t.Fatalf("at FAR 0.05: %+v", r)
	}
	eer, _ := s.EER()
	if math.Abs(eer-0.05) > 1e-9 { // at 0.7: FRR 0, FAR 0.1
		t.Fatalf("EER %.3f", eer)
	}
}

func TestDecide(t *testing.T) {
	var card, near, far Descriptor
	for i := range card {
		card[i] = 0.1
		near[i] = 0.1 + 0.01
		far[i] = -0.1
	}
	d, err := Decide(card, []Descriptor{near, near}, CardThreshold)
	if err != nil || !d.Matched || d.Frames != 2 || d.Threshold != CardThreshold {
		t.Fatalf("near: %+v %v", d, err)
	}
	if d, _ := Decide(card, []Descriptor{far, near}, CardThreshold); d.Matched {
		t.Fatalf("one far frame fused with a near one matched: %+v", d)
	}
	if _, err := Decide(card, nil, CardThreshold); !errors.Is(err, ErrNoFrames) {
		t.Fatal("no frames accepted")
	}
}

// TestBadModelFilesAreErrorsNotCrashes: OpenCV aborts the process on a bad
// model; the check must catch each case first.
func TestBadModelFilesAreErrorsNotCrashes(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(YuNet.In(modelDir(t)).Path)
	if err != nil {
		t.Fatal(err)
	}
	altered := append([]byte(nil), good...)
	altered[len(altered)/2] ^= 0xFF
	for name, data := range map[string][]byte{"truncated": good[:1000], "altered": altered, "garbage": []byte("not a model")} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		m := YuNet
		m.Path = p
		if _, err := NewDetector(m); !errors.Is(err, ErrModel) {
			t.Errorf("%s detector model: %v", name, err)
		}
		r := DlibResNet
		r.Path = p
		if _, err := NewRecognizer(r); !errors.Is(err, ErrModel) {
			t.Errorf("%s recogniser model: %v", name, err)
		}
	}
	if _, err := NewEngine(filepath.Join(dir, "missing")); !errors.Is(err, ErrModel) {
		t.Errorf("missing models: %v", err)
	}
}

func newTestEngine(t *testing.T) *Engine {
	t.Helper()
	e, err := NewEngine(modelDir(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func TestCorruptCardPhoto(t *testing.T) {
	e := newTestEngine(t)
	img := mustRead(t, filepath.Join(facesDir, "krasserm-lfw/Tony_Blair/Tony_Blair_0001.jpg"))
	defer img.Close()
	_, f, err := e.Describe(img)
	if err != nil {
		t.Fatal(err)
	}
	photo, err := CardLike(img, f)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"empty":     nil,
		"garbage":   []byte("this is not a JPEG 2000 photo at all"),
		"truncated": photo[:len(photo)/3],
		"header":    photo[:12],
	} {
		if _, _, err := e.DescribeCard(b); err == nil {
			t.Errorf("%s card photo accepted", name)
		}
	}
	if _, _, err := e.DescribeCard(photo); err != nil {
		t.Fatalf("the intact photo: %v", err)
	}
}

func TestDetectorFindsOneFaceWithLandmarks(t *testing.T) {
	e := newTestEngine(t)
	img := mustRead(t, filepath.Join(facesDir, "krasserm-lfw/Colin_Powell/Colin_Powell_0001.jpg"))
	defer img.Close()
	faces, err := e.Detect(img)
	if err != nil || len(faces) == 0 {
		t.Fatalf("faces %v, %v", faces, err)
	}
	f, _ := Central(faces, imgSize(img))
	for i, p := range f.Marks {
		if !(float64(p.X) > float64(f.Box.Min.X) && float64(p.X) < float64(f.Box.Max.X) && float64(p.Y) > float64(f.Box.Min.Y) && float64(p.Y) < float64(f.Box.Max.Y)) {
			t.Errorf("landmark %d at %v outside the box %v", i, p, f.Box)
		}
	}
	if f.Marks[0].X >= f.Marks[1].X {
		t.Errorf("right eye (image left) %v is not left of the left eye %v", f.Marks[0], f.Marks[1])
	}
}

// TestCardVersusLive is the match end to end on real photos: the card-like
// photo of one image against other photos of the same person and of others.
func TestCardVersusLive(t *testing.T) {
	e := newTestEngine(t)
	describe := func(path string) (Descriptor, cv.Mat, Face) {
		img := mustRead(t, filepath.Join(facesDir, path))
		d, f, err := e.Describe(img)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return d, img, f
	}
	_, cardImg, cardFace := describe("krasserm-lfw/George_W_Bush/George_W_Bush_0001.jpg")
	defer cardImg.Close()
	photo, err := CardLike(cardImg, cardFace)
	if err != nil {
		t.Fatal(err)
	}
	card, cardWidth, err := e.DescribeCard(photo)
	if err != nil {
		t.Fatal(err)
	}
	liveOf := func(path string) Descriptor {
		_, img, f := describe(path)
		defer img.Close()
		d, err := e.DescribeLive(img, f, cardWidth)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	same := []Descriptor{liveOf("krasserm-lfw/George_W_Bush/George_W_Bush_0002.jpg"), liveOf("krasserm-lfw/George_W_Bush/George_W_Bush_0003.jpg")}
	other := []Descriptor{liveOf("krasserm-lfw/Tony_Blair/Tony_Blair_0002.jpg"), liveOf("krasserm-lfw/Tony_Blair/Tony_Blair_0003.jpg")}
	if d, _ := Decide(card, same, CardThreshold); !d.Matched {
		t.Errorf("same person rejected: %+v", d)
	}
	if d, _ := Decide(card, other, CardThreshold); d.Matched {
		t.Errorf("another person accepted: %+v", d)
	}
}

func FuzzReadLabels(f *testing.F) {
	f.Add("path,identity,source\na.jpg,lfw:A,x\nb.jpg,lfw:B\n")
	f.Add("a.jpg\n")
	f.Add("\"unterminated,x\n")
	f.Fuzz(func(t *testing.T, csv string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "labels.csv"), []byte(csv), 0o600); err != nil {
			t.Fatal(err)
		}
		samples, err := ReadLabels(dir)
		if err != nil {
			return
		}
		for _, s := range samples {
			if s.Path == "" || filepath.Dir(s.Path) == "" {
				t.Fatalf("sample without a path: %+v", s)
			}
		}
	})
}
