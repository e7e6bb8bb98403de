package facecase

import (
	"image"
	"slices"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/camera/cv"
)

// BenchmarkDecision is one whole decision from its images: a tray photo
// of the card front, the chip photo and three live frames. Reported: the
// p50 and p95 over the iterations (target p95 ≤ 200 ms on 2 cores).
func BenchmarkDecision(b *testing.B) {
	c, photos, gen := setup(b)
	holder := []Photo{}
	for _, p := range photos {
		if p.Identity == "lfw:George_W_Bush" {
			holder = append(holder, p)
		}
	}
	chip, err := ChipPhoto(c.Engine.Detector(), holder[0].Image, 60)
	if err != nil {
		b.Fatal(err)
	}
	ph, err := gen.NextWith("fine", holder[0].Image)
	if err != nil {
		b.Fatal(err)
	}
	defer ph.Frame.Close()
	var live []cv.Mat
	for _, p := range holder[1:4] {
		m, err := cv.ImageToMatRGB(p.Image)
		if err != nil {
			b.Fatal(err)
		}
		defer m.Close()
		// A camera frame: the photo in the middle of a 640×480 view.
		frame := cv.NewMatWithSizeFromScalar(cv.NewScalar(90, 90, 90, 0), 480, 640, cv.MatTypeCV8UC3)
		defer frame.Close()
		roi := frame.Region(imageRect(m, frame))
		m.CopyTo(&roi)
		roi.Close()
		live = append(live, frame)
	}
	k := Case{Chip: chip, Front: ph.Frame, Live: live}
	var took []float64
	for b.Loop() {
		t0 := time.Now()
		r, err := c.Check(k)
		took = append(took, float64(time.Since(t0).Microseconds())/1000)
		if err != nil || r.Decision != Match || r.Scores.Evidence != "print" {
			b.Fatalf("decision %+v, %v", r, err)
		}
	}
	slices.Sort(took)
	b.ReportMetric(took[len(took)/2], "p50-ms")
	b.ReportMetric(took[min(len(took)-1, len(took)*95/100)], "p95-ms")
}

// imageRect centres m's size in frame.
func imageRect(m, frame cv.Mat) image.Rectangle {
	x, y := (frame.Cols()-m.Cols())/2, (frame.Rows()-m.Rows())/2
	return image.Rect(x, y, x+m.Cols(), y+m.Rows())
}
