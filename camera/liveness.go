package camera

import (
	"image"
	"math"

	"github.com/uketsuke/uketsuke/camera/cv"
)

// Liveness is a first defence against a photo held up to the camera: the
// live face must be seen over several frames, the frames must not be
// identical (a frozen or replayed still), and the face must show the
// small natural motion of a person standing still (a print fixed to a
// stand shows none).
//
// It does not stop a video replayed on a screen, a photo moved by hand, a
// mask, or a person who lends their card to a look-alike: certified
// face-authentication readers use dedicated hardware for that, and staff
// remain the last check (目視確認).
type Liveness struct {
	prev      cv.Mat
	hasPrev   bool
	nose      [][2]float64
	identical int
	frames    int
}

// Liveness thresholds: mean absolute difference (0–255) below which two
// face crops count as the same image, and the least spread of the nose
// position, relative to the face width, of a living person.
const (
	identicalDiff = 0.6
	minMotion     = 0.002
)

// Observe adds a frame with its accepted face.
func (l *Liveness) Observe(img cv.Mat, f Face) {
	region := f.Box.Intersect(image.Rect(0, 0, img.Cols(), img.Rows()))
	if region.Empty() {
		return
	}
	roi := img.Region(region)
	grey, crop := cv.NewMat(), cv.NewMat()
	cv.CvtColor(roi, &grey, cv.ColorBGRToGray)
	roi.Close()
	cv.Resize(grey, &crop, image.Pt(64, 64), 0, 0, cv.InterpolationArea)
	grey.Close()
	if l.hasPrev {
		diff := cv.NewMat()
		cv.AbsDiff(crop, l.prev, &diff)
		if diff.Mean().Val1 < identicalDiff {
			l.identical++
		}
		diff.Close()
		l.prev.Close()
	}
	l.prev, l.hasPrev = crop, true
	w := math.Max(float64(f.Width()), 1)
	l.nose = append(l.nose, [2]float64{float64(f.Marks[2].X) / w, float64(f.Marks[2].Y) / w})
	l.frames++
}

// Live reports whether the frames so far look like a living person.
func (l *Liveness) Live() (bool, string) {
	switch {
	case l.frames < 2:
		return false, "too few frames"
	case l.identical > 0:
		return false, "identical frames"
	}
	var mx, my float64
	for _, p := range l.nose {
		mx += p[0] / float64(len(l.nose))
		my += p[1] / float64(len(l.nose))
	}
	var v float64
	for _, p := range l.nose {
		v += (p[0]-mx)*(p[0]-mx) + (p[1]-my)*(p[1]-my)
	}
	if math.Sqrt(v/float64(len(l.nose))) < minMotion {
		return false, "no motion"
	}
	return true, ""
}

// Reset drops everything observed.
func (l *Liveness) Reset() {
	if l.hasPrev {
		l.prev.Close()
	}
	*l = Liveness{}
}
