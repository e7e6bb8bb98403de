package camera

import (
	"context"
	"image"
	"testing"
	"time"
)

// benchVerifier is a verifier enrolled with George W. Bush's chip photo,
// fed at 30 frames a second (an ordinary webcam) from other photos of him.
func benchVerifier(b *testing.B, v *Verifier, live ...string) *Verifier {
	b.Helper()
	e, err := NewEngine("../.build/models")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close() })
	card := cardPhotoOf(b, e, "krasserm-lfw/George_W_Bush/George_W_Bush_0001.jpg")
	src, err := OpenFolder(folderOfTB(b, live...), 30)
	if err != nil {
		b.Fatal(err)
	}
	feed := StartFeed(src, 2)
	b.Cleanup(feed.Close)
	v.Engine, v.Feed = e, feed
	if err := v.Enroll(context.Background(), card); err != nil {
		b.Fatal(err)
	}
	return v
}

// BenchmarkVerify measures a whole face decision as the kiosk makes it:
// three good frames, liveness, fusion and the decision. Reported: ms per
// decision.
func BenchmarkVerify(b *testing.B) {
	v := benchVerifier(b, &Verifier{}, "krasserm-lfw/George_W_Bush/George_W_Bush_0002.jpg",
		"krasserm-lfw/George_W_Bush/George_W_Bush_0003.jpg", "krasserm-lfw/George_W_Bush/George_W_Bush_0004.jpg",
		"krasserm-lfw/George_W_Bush/George_W_Bush_0005.jpg")
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		m, err := v.Verify(ctx)
		cancel()
		if err != nil || !m.Matched {
			b.Fatalf("decision: %+v, %v", m, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/decision")
}

// BenchmarkPreviewRate measures how many preview frames a second the face
// screen gets while the patient is still being guided (every frame fails
// the quality gate, so the verifier keeps looking), from a 30 fps source
// of the shared photos. Target: at least 15.
func BenchmarkPreviewRate(b *testing.B) {
	frames := 0
	gate := DefaultGate()
	gate.MinFaceFraction = 2 // no face is ever close enough: guidance forever
	v := benchVerifier(b, &Verifier{Gate: gate, OnFrame: func(image.Image, image.Rectangle) { frames++ }},
		"krasserm-lfw/George_W_Bush/George_W_Bush_0002.jpg", "krasserm-lfw/George_W_Bush/George_W_Bush_0003.jpg")
	start := time.Now()
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, _ = v.Verify(ctx)
		cancel()
	}
	b.ReportMetric(float64(frames)/time.Since(start).Seconds(), "preview-fps")
}
