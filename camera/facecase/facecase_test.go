package facecase

import (
	"image"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/uketsuke/uketsuke/camera/cv"

	"github.com/uketsuke/uketsuke/camera"
	"github.com/uketsuke/uketsuke/camera/cardfront"
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

// setup loads the models, the shared photos and a card generator.
func setup(t testing.TB) (*Checker, []Photo, *photoset.Generator) {
	t.Helper()
	e, err := camera.NewEngine(modelDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	rd, err := cardfront.New(cardfront.Options{Detector: camera.YuNet.In(modelDir()), Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rd.Close() })
	samples, err := camera.ReadLabels(facesDir())
	if err != nil {
		t.Fatalf("face photos: %v (set UKETSUKE_SHARED)", err)
	}
	var photos []Photo
	var imgs []image.Image
	for _, s := range samples {
		data, err := os.ReadFile(s.Path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := camera.DecodeImage(data)
		if err != nil {
			t.Fatal(err)
		}
		photos = append(photos, Photo{s.Identity, img})
		imgs = append(imgs, img)
	}
	gen, err := photoset.New(5, imgs)
	if err != nil {
		t.Fatal(err)
	}
	live, err := camera.NewDetector(camera.YuNet.In(modelDir()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { live.Close() })
	return &Checker{Engine: e, Front: rd, Live: live}, photos, gen
}

// TestCasesMeetTheTargets builds a card from every shared photo that can
// serve as an ID photo and decides every genuine holder, one impostor
// and one tampered card per card.
func TestCasesMeetTheTargets(t *testing.T) {
	c, photos, gen := setup(t)
	rep, err := Evaluate(c, gen, photos)
	if err != nil {
		t.Fatal(err)
	}
	g, imp, tam := rep.Cases[Genuine], rep.Cases[Impostor], rep.Cases[Tampered]
	p := rep.Picture
	t.Logf("cards %d of %d photos; genuine %d/%d accepted (%d by print, %d by chip, %d refused as tampered); impostors %d/%d; tampered %d/%d",
		rep.Cards, rep.Photos, g.Accepted, g.Cases, g.ByPrint, g.ByChip, g.Conflict, imp.Accepted, imp.Cases, tam.Accepted, tam.Cases)
	t.Logf("same picture: %d/%d prints of the chip's picture accepted (median %.3f, p5 %.3f); other photos of the same person %d/%d (max %.3f); other people %d/%d (max %.3f)",
		p.SameAccepted, p.Same, p.SameMedian, p.SameP5, p.PersonFA, p.Person, p.PersonMax, p.OthersFA, p.Others, p.OthersMax)
	t.Logf("live vs print TAR %.1f%% FAR %.3f%% at %.2f (TAR %.1f%% at FAR 1e-3); live vs chip TAR %.1f%% FAR %.3f%% at %.2f",
		100*rep.LivePrint.TAR, 100*rep.LivePrint.FAR, rep.LivePrint.UsedThreshold, 100*rep.LivePrint.TAR1e3,
		100*rep.LiveChip.TAR, 100*rep.LiveChip.FAR, rep.LiveChip.UsedThreshold)
	if rep.Cards < 90 || g.Cases < 800 || imp.Cases < 90 || tam.Cases < 90 {
		t.Fatalf("too few cases: %d cards, %d/%d/%d", rep.Cards, g.Cases, imp.Cases, tam.Cases)
	}
	if imp.Accepted != 0 || tam.Accepted != 0 {
		t.Errorf("accepted %d impostors and %d tampered cards", imp.Accepted, tam.Accepted)
	}
	if p.OthersFA != 0 {
		t.Errorf("%d photos of other people taken for the chip's picture", p.OthersFA)
	}
	if p.PersonFA > 1 {
		t.Errorf("%d other photos of the same person taken for the chip's picture", p.PersonFA)
	}
	if 100*p.SameAccepted < 95*p.Same {
		t.Errorf("only %d of %d prints of the chip's picture recognised", p.SameAccepted, p.Same)
	}
	if 100*g.Accepted < 96*g.Cases {
		t.Errorf("only %d of %d genuine holders accepted", g.Accepted, g.Cases)
	}
	if tam.Conflict < tam.Cases*9/10 {
		t.Errorf("only %d of %d tampered cards refused as tampered", tam.Conflict, tam.Cases)
	}
}

// cardOf makes photo p's chip photo and a tray photo of its card front.
func cardOf(t *testing.T, c *Checker, gen *photoset.Generator, p Photo) ([]byte, cv.Mat) {
	t.Helper()
	chip, err := ChipPhoto(c.Engine.Detector(), p.Image, camera.CardFaceWidth)
	if err != nil {
		t.Fatal(err)
	}
	ph, err := gen.NextWith(photoset.Fine, p.Image)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ph.Frame.Close() })
	return chip, ph.Frame
}

func liveOf(t *testing.T, p Photo) cv.Mat {
	t.Helper()
	m, err := cv.ImageToMatRGB(p.Image)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// byID finds the n-th photo of an identity.
func byID(t *testing.T, photos []Photo, id string, n int) Photo {
	t.Helper()
	for _, p := range photos {
		if p.Identity == id {
			if n == 0 {
				return p
			}
			n--
		}
	}
	t.Fatalf("no photo %d of %s", n, id)
	return Photo{}
}

// TestCheckDecidesEachKindOfCase runs whole cases through Check: the
// evidence, the scores and the decision of a holder, an impostor, a
// tampered card, a card whose front was not seen, and bad images.
func TestCheckDecidesEachKindOfCase(t *testing.T) {
	c, photos, gen := setup(t)
	const a, b = "lfw:George_W_Bush", "lfw:Colin_Powell"
	chipA, frontA := cardOf(t, c, gen, byID(t, photos, a, 0))
	_, frontB := cardOf(t, c, gen, byID(t, photos, b, 0))
	liveA, liveB := liveOf(t, byID(t, photos, a, 1)), liveOf(t, byID(t, photos, b, 1))
	// A card held up to the face camera is seen at half the resolution:
	// its print does not decide.
	var small cv.Mat
	for range 20 {
		ph, err := gen.NextWith(photoset.Handheld, byID(t, photos, a, 0).Image)
		if err != nil {
			t.Fatal(err)
		}
		if p, _, ok, _ := c.Front.Photo(ph.Frame); ok {
			p.Close()
			small = ph.Frame
			defer small.Close()
			break
		}
		ph.Frame.Close()
	}
	if small.Ptr() == nil {
		t.Fatal("no hand-held card found in 20 photos")
	}
	blank := cv.NewMatWithSizeFromScalar(cv.NewScalar(128, 128, 128, 0), 480, 640, cv.MatTypeCV8UC3)
	defer blank.Close()
	for _, tc := range []struct {
		name     string
		k        Case
		want     Outcome
		evidence string
		same     *bool
	}{
		{"holder", Case{chipA, frontA, []cv.Mat{liveA}}, Match, "print", ptr(true)},
		{"holder, no front", Case{chipA, cv.Mat{}, []cv.Mat{liveA}}, "", "chip", nil},
		{"impostor", Case{chipA, frontA, []cv.Mat{liveB}}, NoMatch, "print", ptr(true)},
		{"tampered: B's photo on A's card, B live", Case{chipA, frontB, []cv.Mat{liveB}}, NoMatch, "conflict", ptr(false)},
		{"front is not a card", Case{chipA, blank, []cv.Mat{liveA}}, "", "chip", nil},
		{"card seen too small", Case{chipA, small, []cv.Mat{liveA}}, "", "chip", nil},
		{"no face live", Case{chipA, frontA, []cv.Mat{blank}}, Unusable, "", nil},
		{"chip is garbage", Case{[]byte("not a photo"), frontA, []cv.Mat{liveA}}, Unusable, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := c.Check(tc.k)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != "" && r.Decision != tc.want {
				t.Errorf("decision %s, want %s (%+v)", r.Decision, tc.want, r)
			}
			if r.Scores.Evidence != tc.evidence {
				t.Errorf("evidence %q, want %q", r.Scores.Evidence, tc.evidence)
			}
			if (r.SamePicture == nil) != (tc.same == nil) || (r.SamePicture != nil && *r.SamePicture != *tc.same) {
				t.Errorf("same picture %v, want %v", fmtBool(r.SamePicture), fmtBool(tc.same))
			}
			if strings.Contains(tc.name, "small") && !strings.Contains(r.Reason, "too small") {
				t.Errorf("reason %q", r.Reason)
			}
			if r.Decision == Unusable && r.Reason == "" {
				t.Error("an unusable case without a reason")
			}
			if r.Scores.Evidence == "print" && (r.Scores.LivePrint == nil || r.Scores.LiveChip == nil || r.Scores.Picture == nil) {
				t.Errorf("scores missing: %+v", r.Scores)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func fmtBool(b *bool) string {
	if b == nil {
		return "null"
	}
	return strconv.FormatBool(*b)
}

// TestCheckEncodedRefusesWhatDoesNotDecode: a live frame that is no
// image makes the case unusable; a front that is none leaves the chip
// photo to decide, and says why.
func TestCheckEncodedRefusesWhatDoesNotDecode(t *testing.T) {
	c, photos, _ := setup(t)
	chip, err := ChipPhoto(c.Engine.Detector(), byID(t, photos, "lfw:Tony_Blair", 0).Image, camera.CardFaceWidth)
	if err != nil {
		t.Fatal(err)
	}
	live, err := os.ReadFile(filepath.Join(facesDir(), "krasserm-lfw/Tony_Blair/Tony_Blair_0002.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.CheckEncoded(chip, []byte("GIF89a not really"), [][]byte{live})
	if err != nil || r.Decision != Match || r.Scores.Evidence != "chip" || !strings.Contains(r.Reason, "front") {
		t.Errorf("a front that is no image: %+v, %v", r, err)
	}
	r, err = c.CheckEncoded(chip, nil, [][]byte{live, {0xff, 0xd8, 0xff}})
	if err != nil || r.Decision != Unusable || !strings.Contains(r.Reason, "live frame 2") {
		t.Errorf("a live frame that is no image: %+v, %v", r, err)
	}
}
