package facecase

import (
	"context"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/camera/cv"

	"github.com/uketsuke/uketsuke/camera"
	"github.com/uketsuke/uketsuke/camera/cardfront/photoset"
	"github.com/uketsuke/uketsuke/camera/picture"
	"github.com/uketsuke/uketsuke/kiosk"
)

// printedPhoto is the printed photo the card-front step hands over.
type printedPhoto struct {
	img    image.Image
	detail float64
}

// printOf reads the printed photo of a tray photo of p's card, as the
// kiosk's card-front step does.
func printOf(t *testing.T, c *Checker, gen *photoset.Generator, p Photo) *printedPhoto {
	t.Helper()
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
	return &printedPhoto{img, detail}
}

// liveFeed is a camera showing photos 2–5 of an lfw identity, 10 a second.
func liveFeed(t *testing.T, id string) *camera.Feed {
	t.Helper()
	name := strings.TrimPrefix(id, "lfw:")
	dir := t.TempDir()
	for i := 2; i <= 5; i++ {
		abs, _ := filepath.Abs(filepath.Join(facesDir(), "krasserm-lfw", name, name+"_000"+string(rune('0'+i))+".jpg"))
		if err := os.Symlink(abs, filepath.Join(dir, string(rune('a'+i))+".jpg")); err != nil {
			t.Fatal(err)
		}
	}
	src, err := camera.OpenFolder(dir, 10)
	if err != nil {
		t.Fatal(err)
	}
	feed := camera.StartFeed(src, 4)
	t.Cleanup(feed.Close)
	return feed
}

// verifyOnce makes one face decision of v, which must not fail.
func verifyOnce(t *testing.T, v *camera.Verifier) kiosk.FaceMatch {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m, err := v.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

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
	verify := func(pr *printedPhoto, live string) kiosk.FaceMatch {
		t.Helper()
		v := &camera.Verifier{Engine: c.Engine, Feed: liveFeed(t, live), Pictures: &picture.Matcher{Detector: c.Engine.Detector()}}
		if err := v.Enroll(context.Background(), chipA); err != nil {
			t.Fatal(err)
		}
		defer v.Forget()
		if pr != nil {
			v.SetPrinted(pr.img, pr.detail)
		}
		return verifyOnce(t, v)
	}
	printA, printB := printOf(t, c, gen, byID(t, photos, a, 0)), printOf(t, c, gen, byID(t, photos, b, 0))
	for _, tc := range []struct {
		name     string
		printed  *printedPhoto
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

func (m *countingMatcher) SamePicture(chip, printed cv.Mat) (float64, bool, error) {
	m.n++
	return m.PictureMatcher.SamePicture(chip, printed)
}

// TestVerifierWeighsThePrintOncePerSession: a second attempt reuses the
// print's evidence; a new print or a new chip photo is weighed again.
func TestVerifierWeighsThePrintOncePerSession(t *testing.T) {
	c, photos, gen := setup(t)
	const id = "lfw:George_W_Bush"
	chip, err := ChipPhoto(c.Engine.Detector(), byID(t, photos, id, 0).Image, camera.CardFaceWidth)
	if err != nil {
		t.Fatal(err)
	}
	pr := printOf(t, c, gen, byID(t, photos, id, 0))
	m := &countingMatcher{PictureMatcher: &picture.Matcher{Detector: c.Engine.Detector()}}
	v := &camera.Verifier{Engine: c.Engine, Feed: liveFeed(t, id), Pictures: m}
	defer v.Forget()
	if err := v.Enroll(context.Background(), chip); err != nil {
		t.Fatal(err)
	}
	v.SetPrinted(pr.img, pr.detail)
	verify := func() {
		t.Helper()
		if fm := verifyOnce(t, v); fm.Evidence != kiosk.EvidencePrint {
			t.Fatalf("%+v", fm)
		}
	}
	verify()
	verify()
	if m.n != 1 {
		t.Errorf("two attempts weighed the print %d times, want once", m.n)
	}
	v.SetPrinted(pr.img, pr.detail)
	verify()
	if m.n != 2 {
		t.Errorf("a new print was not weighed again (%d)", m.n)
	}
}
