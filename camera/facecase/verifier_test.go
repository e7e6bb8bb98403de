package facecase

import (
	"context"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/uketsuke/uketsuke/camera"
	"github.com/uketsuke/uketsuke/camera/cardfront/photoset"
	"github.com/uketsuke/uketsuke/camera/picture"
	"github.com/uketsuke/uketsuke/kiosk"
)

// TestVerifierUsesThePrintedPhoto is the kiosk's face port with the
// card-front step's printed photo: the holder is decided by the print,
// a card with someone else's photo printed on it is refused as
// tampered, and without a front the chip photo decides.
func TestVerifierUsesThePrintedPhoto(t *testing.T) {
	c, photos, gen := setup(t)
	const a, b = "lfw:George_W_Bush", "lfw:Tony_Blair"
	chipA, err := ChipPhoto(c.Engine.Detector(), byID(t, photos, a, 0).Image, camera.CardFaceWidth)
	if err != nil {
		t.Fatal(err)
	}
	type printed struct {
		img    image.Image
		detail float64
	}
	printOf := func(p Photo) *printed {
		ph, err := gen.NextWith(photoset.Fine, p.Image)
		if err != nil {
			t.Fatal(err)
		}
		defer ph.Frame.Close()
		r, err := c.Front.Read(ph.Frame)
		if err != nil {
			t.Fatal(err)
		}
		img, detail, ok := r.PrintedPhoto()
		if !ok {
			t.Fatalf("no printed photo read (%v)", r)
		}
		if detail < 0.85 {
			t.Fatalf("the card seen at %.2f of the rectified resolution", detail)
		}
		return &printed{img, detail}
	}
	folder := func(id string) string {
		dir := t.TempDir()
		for i := 1; i <= 4; i++ {
			p := filepath.Join(facesDir(), "krasserm-lfw", strings.TrimPrefix(id, "lfw:"), strings.TrimPrefix(id, "lfw:")+"_000"+string(rune('1'+i))+".jpg")
			abs, _ := filepath.Abs(p)
			if err := os.Symlink(abs, filepath.Join(dir, string(rune('a'+i))+".jpg")); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	verify := func(pr *printed, live string) kiosk.FaceMatch {
		t.Helper()
		src, err := camera.OpenFolder(folder(live), 10)
		if err != nil {
			t.Fatal(err)
		}
		feed := camera.StartFeed(src, 4)
		defer feed.Close()
		v := &camera.Verifier{Engine: c.Engine, Feed: feed, Pictures: &picture.Matcher{Detector: c.Engine.Detector()}}
		if err := v.Enroll(context.Background(), chipA); err != nil {
			t.Fatal(err)
		}
		defer v.Forget()
		if pr != nil {
			v.SetPrinted(pr.img, pr.detail)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		m, err := v.Verify(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	printA, printB := printOf(byID(t, photos, a, 0)), printOf(byID(t, photos, b, 0))
	for _, tc := range []struct {
		name     string
		printed  *printed
		live     string
		matched  bool
		evidence string
	}{
		{"holder", printA, a, true, kiosk.EvidencePrint},
		{"someone else with the holder's card", printA, b, false, kiosk.EvidencePrint},
		{"B's photo glued on A's card, B live", printB, b, false, kiosk.EvidenceConflict},
		{"no front seen", nil, a, true, kiosk.EvidenceChip},
	} {
		if m := verify(tc.printed, tc.live); m.Matched != tc.matched || m.Evidence != tc.evidence {
			t.Errorf("%s: %+v, want matched %v by %s", tc.name, m, tc.matched, tc.evidence)
		}
	}
}

// countingMatcher counts the picture tests.
type countingMatcher struct {
	camera.PictureMatcher
	n int
}

func (m *countingMatcher) SamePicture(chip, printed gocv.Mat) (float64, bool, error) {
	m.n++
	return m.PictureMatcher.SamePicture(chip, printed)
}

// TestVerifierWeighsThePrintOncePerSession: a second attempt reuses the
// print's evidence; a new print or a new chip photo is weighed again.
func TestVerifierWeighsThePrintOncePerSession(t *testing.T) {
	c, photos, gen := setup(t)
	holder := byID(t, photos, "lfw:George_W_Bush", 0)
	chip, err := ChipPhoto(c.Engine.Detector(), holder.Image, camera.CardFaceWidth)
	if err != nil {
		t.Fatal(err)
	}
	ph, err := gen.NextWith(photoset.Fine, holder.Image)
	if err != nil {
		t.Fatal(err)
	}
	defer ph.Frame.Close()
	r, err := c.Front.Read(ph.Frame)
	if err != nil {
		t.Fatal(err)
	}
	img, detail, ok := r.PrintedPhoto()
	if !ok {
		t.Fatal("no printed photo")
	}
	dir := t.TempDir()
	for i := 2; i <= 5; i++ {
		abs, _ := filepath.Abs(filepath.Join(facesDir(), "krasserm-lfw/George_W_Bush", "George_W_Bush_000"+string(rune('0'+i))+".jpg"))
		os.Symlink(abs, filepath.Join(dir, string(rune('a'+i))+".jpg"))
	}
	src, err := camera.OpenFolder(dir, 10)
	if err != nil {
		t.Fatal(err)
	}
	feed := camera.StartFeed(src, 4)
	defer feed.Close()
	m := &countingMatcher{PictureMatcher: &picture.Matcher{Detector: c.Engine.Detector()}}
	v := &camera.Verifier{Engine: c.Engine, Feed: feed, Pictures: m}
	defer v.Forget()
	if err := v.Enroll(context.Background(), chip); err != nil {
		t.Fatal(err)
	}
	v.SetPrinted(img, detail)
	verify := func() {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if fm, err := v.Verify(ctx); err != nil || fm.Evidence != kiosk.EvidencePrint {
			t.Fatalf("%+v, %v", fm, err)
		}
	}
	verify()
	verify()
	if m.n != 1 {
		t.Errorf("two attempts weighed the print %d times, want once", m.n)
	}
	v.SetPrinted(img, detail)
	verify()
	if m.n != 2 {
		t.Errorf("a new print was not weighed again (%d)", m.n)
	}
}
