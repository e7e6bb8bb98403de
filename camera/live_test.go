package camera

import (
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/camera/cv"
)

func readFace(t *testing.T, rel string) cv.Mat {
	t.Helper()
	m := mustRead(t, filepath.Join(facesDir, rel))
	t.Cleanup(func() { m.Close() })
	return m
}

// mustRead decodes an image file (B G R); the caller closes it.
func mustRead(t testing.TB, path string) cv.Mat {
	t.Helper()
	m, err := cv.IMRead(path, cv.IMReadColor)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func assess(t *testing.T, e *Engine, img cv.Mat) Problem {
	t.Helper()
	faces, err := e.Detect(img)
	if err != nil {
		t.Fatal(err)
	}
	_, p := DefaultGate().Assess(img, faces)
	return p
}

func TestQualityGate(t *testing.T) {
	e := newTestEngine(t)
	good := readFace(t, "krasserm-lfw/Colin_Powell/Colin_Powell_0001.jpg")
	if p := assess(t, e, good); p != QualityOK {
		t.Fatalf("a good portrait: %s", p)
	}
	derive := func(f func(dst *cv.Mat)) cv.Mat {
		m := cv.NewMat()
		f(&m)
		t.Cleanup(func() { m.Close() })
		return m
	}
	cases := map[Problem]cv.Mat{
		NoFace: derive(func(d *cv.Mat) {
			*d = cv.NewMatWithSizeFromScalar(cv.NewScalar(128, 128, 128, 0), 250, 250, cv.MatTypeCV8UC3)
		}),
		TooDark:   derive(func(d *cv.Mat) { good.ConvertToWithParams(d, cv.MatTypeCV8UC3, 0.2, 0) }),
		TooBright: derive(func(d *cv.Mat) { good.ConvertToWithParams(d, cv.MatTypeCV8UC3, 1, 150) }),
		Blurry:    derive(func(d *cv.Mat) { cv.GaussianBlur(good, d, image.Pt(0, 0), 4, 4, cv.BorderDefault) }),
		TooSmall: derive(func(d *cv.Mat) {
			cv.CopyMakeBorder(good, d, 500, 500, 500, 500, cv.BorderConstant, color.RGBA{128, 128, 128, 0})
		}),
		OffCentre: derive(func(d *cv.Mat) {
			cv.CopyMakeBorder(good, d, 0, 0, 0, 300, cv.BorderConstant, color.RGBA{128, 128, 128, 0})
		}),
		Tilted: derive(func(d *cv.Mat) {
			rot := cv.GetRotationMatrix2D(image.Pt(125, 125), 30, 1)
			defer rot.Close()
			cv.WarpAffine(good, d, rot, image.Pt(250, 250))
		}),
		ManyFaces: derive(func(d *cv.Mat) {
			other := readFace(t, "krasserm-lfw/Tony_Blair/Tony_Blair_0001.jpg")
			cv.Hconcat(good, other, d)
		}),
	}
	for want, img := range cases {
		if got := assess(t, e, img); got != want {
			t.Errorf("%s frame assessed as %s", want, got)
		}
		if want.Guidance() == "" {
			t.Errorf("%s has no guidance", want)
		}
	}
}

// faceIn reads a dataset image and finds its central face; the image is
// closed at the end of the test.
func faceIn(t testing.TB, e *Engine, rel string) (cv.Mat, Face) {
	t.Helper()
	img := mustRead(t, filepath.Join(facesDir, rel))
	t.Cleanup(func() { img.Close() })
	faces, err := e.Detect(img)
	if err != nil {
		t.Fatal(err)
	}
	f, ok := Central(faces, imgSize(img))
	if !ok {
		t.Fatalf("no face in %s", rel)
	}
	return img, f
}

func TestLivenessRefusesAStill(t *testing.T) {
	e := newTestEngine(t)
	img, f := faceIn(t, e, "krasserm-lfw/Colin_Powell/Colin_Powell_0001.jpg")
	var still Liveness
	defer still.Reset()
	for range 3 {
		still.Observe(img, f)
	}
	if ok, why := still.Live(); ok || why != "identical frames" {
		t.Fatalf("a still image passed: %v %q", ok, why)
	}
	// The same face moving a pixel or two each frame, with its own noise: live.
	var moving Liveness
	defer moving.Reset()
	for i := range 3 {
		m := cv.NewMat()
		shift := cv.NewMatWithSize(2, 3, cv.MatTypeCV64F)
		for k, v := range []float64{1, 0, float64(i * 2), 0, 1, float64(i)} {
			shift.SetDoubleAt(k/3, k%3, v)
		}
		cv.WarpAffine(img, &m, shift, image.Pt(img.Cols(), img.Rows()))
		shift.Close()
		fs, _ := e.Detect(m)
		g, _ := Central(fs, imgSize(m))
		moving.Observe(m, g)
		m.Close()
	}
	if ok, why := moving.Live(); !ok {
		t.Fatalf("a moving face refused: %s", why)
	}
}

// folderOf links the given dataset images into a temporary folder.
func folderOf(t *testing.T, rels ...string) string { return folderOfTB(t, rels...) }

func folderOfTB(t testing.TB, rels ...string) string {
	t.Helper()
	dir := t.TempDir()
	for i, r := range rels {
		abs, _ := filepath.Abs(filepath.Join(facesDir, r))
		if err := os.Symlink(abs, filepath.Join(dir, string(rune('a'+i))+filepath.Ext(r))); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// cardPhotoOf makes the card-like chip photo of a dataset image.
func cardPhotoOf(t testing.TB, e *Engine, rel string) []byte {
	t.Helper()
	img, f := faceIn(t, e, rel)
	photo, err := CardLike(img, f)
	if err != nil {
		t.Fatal(err)
	}
	return photo
}

// TestVerifierFromAnImageFolder is the face path end to end: an image
// folder as the camera, the card-like photo of another image as the chip
// photo, and a decision.
func TestVerifierFromAnImageFolder(t *testing.T) {
	e := newTestEngine(t)
	photo := cardPhotoOf(t, e, "krasserm-lfw/George_W_Bush/George_W_Bush_0001.jpg")
	verify := func(dir string) (bool, error) {
		// 10 frames a second: slower than the verifier, so no frame is
		// dropped and a looping folder never shows the same image twice in
		// a row (which liveness rightly refuses).
		src, err := OpenFolder(dir, 10)
		if err != nil {
			t.Fatal(err)
		}
		feed := StartFeed(src, 4)
		defer feed.Close()
		var guided []Problem
		var previews int
		v := &Verifier{Engine: e, Feed: feed, OnGuidance: func(p Problem) { guided = append(guided, p) },
			OnFrame: func(img image.Image, box image.Rectangle) {
				previews++
				if img.Bounds().Dx() > PreviewWidth || !box.In(img.Bounds().Inset(-2)) {
					t.Errorf("preview %v with face box %v", img.Bounds(), box)
				}
			}}
		if err := v.Enroll(context.Background(), photo); err != nil {
			t.Fatal(err)
		}
		defer v.Forget()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		m, err := v.Verify(ctx)
		if len(guided) == 0 || previews != len(guided) {
			t.Errorf("%d guidance verdicts, %d previews", len(guided), previews)
		}
		return m.Matched, err
	}
	if ok, err := verify(folderOf(t, "krasserm-lfw/George_W_Bush/George_W_Bush_0002.jpg",
		"krasserm-lfw/George_W_Bush/George_W_Bush_0003.jpg", "krasserm-lfw/George_W_Bush/George_W_Bush_0004.jpg",
		"krasserm-lfw/George_W_Bush/George_W_Bush_0005.jpg")); err != nil || !ok {
		t.Errorf("the card holder: matched %v, %v", ok, err)
	}
	if ok, err := verify(folderOf(t, "krasserm-lfw/Tony_Blair/Tony_Blair_0002.jpg",
		"krasserm-lfw/Tony_Blair/Tony_Blair_0003.jpg", "krasserm-lfw/Tony_Blair/Tony_Blair_0004.jpg",
		"krasserm-lfw/Tony_Blair/Tony_Blair_0005.jpg")); err != nil || ok {
		t.Errorf("someone else: matched %v, %v", ok, err)
	}
	if _, err := verify(folderOf(t, "krasserm-lfw/George_W_Bush/George_W_Bush_0002.jpg")); !errors.Is(err, ErrNotLive) {
		t.Errorf("one photo held still: %v, want not live", err)
	}
}

func TestForgetDropsTheCard(t *testing.T) {
	e := newTestEngine(t)
	img, f := faceIn(t, e, "krasserm-lfw/Colin_Powell/Colin_Powell_0001.jpg")
	photo, _ := CardLike(img, f)
	v := &Verifier{Engine: e}
	if err := v.Enroll(context.Background(), photo); err != nil {
		t.Fatal(err)
	}
	if len(v.Photo()) == 0 {
		t.Fatal("no photo kept for 目視確認")
	}
	v.Forget()
	if v.Photo() != nil || v.card != nil {
		t.Fatal("Forget kept the photo or the descriptor")
	}
	if _, err := v.Verify(context.Background()); err == nil {
		t.Fatal("verify without a card succeeded")
	}
}

// slowSource hands out numbered frames as fast as asked.
type countSource struct{ n int }

func (c *countSource) Read() (cv.Mat, error) {
	c.n++
	return cv.NewMatWithSizeFromScalar(cv.NewScalar(float64(c.n%256), 0, 0, 0), 4, 4, cv.MatTypeCV8UC3), nil
}
func (c *countSource) Close() error { return nil }

func TestFeedDropsOldFramesForASlowConsumer(t *testing.T) {
	feed := StartFeed(&countSource{}, 2)
	defer feed.Close()
	deadline := time.After(5 * time.Second)
	for feed.Dropped() == 0 {
		select {
		case <-deadline:
			t.Fatal("nothing dropped by a full buffer")
		default:
			time.Sleep(time.Millisecond)
		}
	}
	m, err := feed.Next(context.Background())
	if err != nil || m.Empty() {
		t.Fatalf("next: %v", err)
	}
	m.Close()
}

// stampSource hands out frames stamped with the time they were taken,
// the first four at once, then one per tick of gate.
type stampSource struct {
	n    int
	gate chan struct{}
}

func (s *stampSource) Read() (cv.Mat, error) {
	if s.n++; s.n > 4 {
		<-s.gate
	}
	m := cv.NewMatWithSize(1, 8, cv.MatTypeCV8UC1)
	b, _ := m.DataPtrUint8()
	binary.LittleEndian.PutUint64(b, uint64(time.Now().UnixNano()))
	return m, nil
}
func (s *stampSource) Close() error { return nil }

// TestFlushedFeedGivesFramesFromNow: after Flush, the next frame was
// taken after it; what another reader left waiting is gone.
func TestFlushedFeedGivesFramesFromNow(t *testing.T) {
	src := &stampSource{gate: make(chan struct{})}
	feed := StartFeed(src, 4)
	defer func() { close(src.gate); feed.Close() }()
	time.Sleep(50 * time.Millisecond) // four old frames wait in the buffer
	flushed := time.Now()
	feed.Flush()
	src.gate <- struct{}{}
	m, err := feed.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	b, _ := m.DataPtrUint8()
	if taken := time.Unix(0, int64(binary.LittleEndian.Uint64(b))); taken.Before(flushed) {
		t.Fatalf("a frame from %s before the flush", flushed.Sub(taken))
	}
}
