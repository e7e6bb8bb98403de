// Package picture tells whether the photo printed on a card front is the
// very picture the card's chip holds — not a photo of the same person,
// the same image through print and camera. A photo glued over the print
// fails it, and so does another photo of the holder.
//
// Both photos are aligned by the five landmarks of their face to one
// frame at about the chip's resolution (the printed one is brought down
// to it), evened out in grey levels, and compared by normalised
// cross-correlation over a small search of shift, turn and scale that
// absorbs the landmarks' error. Faces, frames and scores live in memory
// only.
package picture

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"

	"github.com/uketsuke/uketsuke/camera/cv"

	"github.com/uketsuke/uketsuke/camera"
)

// The frame both photos are brought to: the landmarks of camera.Template
// scaled by frameScale (eyes about 26 px apart, as in a chip photo whose
// face is 60 px wide) and moved by frameOffset, in a frameW × frameH
// frame that holds the face, the hair and a little of the background.
const (
	frameW, frameH = 88, 104
	frameScale     = 0.5
	inset          = 8 // the chip's frame less this margin is sought in the print's
)

var frameOffset = [2]float64{frameW/2 - 74.0*frameScale, 40 - 47.1*frameScale}

// Threshold is the least score of one picture. Calibrated on generated
// cards (see the package's tests and `uketsuke face eval`).
const Threshold = 0.90

// ErrNoFace means a photo shows no face to align by.
var ErrNoFace = errors.New("picture: no face")

// Matcher compares photos. Not safe for concurrent use (the detector).
type Matcher struct {
	Detector *camera.Detector
}

// minSide is the smallest photo side handed to the detector: YuNet needs
// some room around a chip photo's small face.
const minSide = 240

// Compare gives how alike the chip photo and the printed photo are as
// pictures: the best normalised cross-correlation of their aligned
// frames, from −1 to 1. Either image may be grey or BGR.
func (m *Matcher) Compare(chip, printed cv.Mat) (float64, error) {
	a, err := m.Prepare(chip)
	if err != nil {
		return 0, fmt.Errorf("chip photo: %w", err)
	}
	defer a.Close()
	b, err := m.Prepare(printed)
	if err != nil {
		return 0, fmt.Errorf("printed photo: %w", err)
	}
	defer b.Close()
	return Score(a, b)
}

// SamePicture implements camera.PictureMatcher: Compare, and whether
// the score reaches Threshold.
func (m *Matcher) SamePicture(chip, printed cv.Mat) (float64, bool, error) {
	s, err := m.Compare(chip, printed)
	return s, err == nil && s >= Threshold, err
}

var _ camera.PictureMatcher = (*Matcher)(nil)

// Score is Compare of two prepared photos: the chip's and the print's.
func Score(chip, printed *Photo) (float64, error) {
	fa := chip.frame(0, 1)
	defer fa.Close()
	// What of the frame lies within the chip photo (a photo cropped
	// tight to the face leaves the frame's edges out) is sought.
	in := image.Rect(inset, inset, frameW-inset, frameH-inset).Intersect(chip.inside())
	if in.Dx() < frameW/2 || in.Dy() < frameH/2 {
		return 0, fmt.Errorf("chip photo: %w", ErrTooTight)
	}
	templ := fa.Region(in)
	defer templ.Close()
	best := math.Inf(-1)
	res, mask := cv.NewMat(), cv.NewMat()
	defer res.Close()
	defer mask.Close()
	score := func(turn, scale float64) float64 {
		fb := printed.frame(turn, scale)
		defer fb.Close()
		cv.MatchTemplate(fb, templ, &res, cv.TmCcoeffNormed, mask)
		_, v, _, _, err := cv.MinMaxLoc(res)
		if err != nil {
			return math.Inf(-1)
		}
		return float64(v)
	}
	// Coarse to fine: the landmarks of a small, soft chip photo can be
	// a few degrees and some per cent off.
	bestTurn, bestScale := 0.0, 1.0
	for _, turn := range []float64{-6, -3, 0, 3, 6} {
		for _, scale := range []float64{0.9, 0.95, 1, 1.05, 1.1} {
			if v := score(turn, scale); v > best {
				best, bestTurn, bestScale = v, turn, scale
			}
		}
	}
	t0, s0 := bestTurn, bestScale
	for _, dt := range []float64{-1.5, 0, 1.5} {
		for _, ds := range []float64{-0.025, 0, 0.025} {
			if dt != 0 || ds != 0 {
				best = math.Max(best, score(t0+dt, s0+ds))
			}
		}
	}
	return best, nil
}

// ErrTooTight means the chip photo shows too little around its face to
// compare.
var ErrTooTight = errors.New("picture: photo cropped too tight to the face")

// inside is the part of the frame (untouched: frame(0, 1)) that the
// photo covers, shrunk by 2 px against the warp's blurred edge.
func (a *Photo) inside() image.Rectangle {
	sim := a.toFrame(0, 1)
	w, h := float64(a.grey.Cols()), float64(a.grey.Rows())
	var xs, ys [4]float64
	for i, c := range [4][2]float64{{0, 0}, {w, 0}, {w, h}, {0, h}} {
		xs[i], ys[i] = sim.Apply(c[0], c[1])
	}
	// The corners in order: top left, top right, bottom right, bottom left.
	x0, x1 := math.Max(xs[0], xs[3]), math.Min(xs[1], xs[2])
	y0, y1 := math.Max(ys[0], ys[1]), math.Min(ys[2], ys[3])
	return image.Rect(int(math.Ceil(x0))+2, int(math.Ceil(y0))+2, int(x1)-2, int(y1)-2)
}

// Photo is a photo prepared for Score: in grey, with its face's
// landmarks. Close it when done.
type Photo struct {
	grey  cv.Mat
	marks [5][2]float64
}

// Close releases the photo.
func (a *Photo) Close() error { return a.grey.Close() }

// Prepare greys img and finds its face: a small photo is brought up for
// the detector, a large one down to about twice the frame's resolution
// (so that the warp averages its pixels instead of picking some).
func (m *Matcher) Prepare(img cv.Mat) (*Photo, error) {
	grey := cv.NewMat()
	if img.Channels() == 1 {
		img.CopyTo(&grey)
	} else {
		cv.CvtColor(img, &grey, cv.ColorBGRToGray)
	}
	resize := func(k float64) {
		interp := cv.InterpolationArea
		if k > 1 {
			interp = cv.InterpolationCubic
		}
		cv.Resize(grey, &grey, image.Pt(max(1, int(float64(grey.Cols())*k+0.5)), max(1, int(float64(grey.Rows())*k+0.5))), 0, 0, interp)
	}
	if side := min(grey.Cols(), grey.Rows()); side < minSide {
		resize(float64(minSide) / float64(side))
	}
	f, err := m.face(grey)
	if err != nil {
		grey.Close()
		return nil, err
	}
	// Eyes frameScale × 52.5 px apart in the frame; twice that here.
	eyes := math.Hypot(float64(f.Marks[1].X-f.Marks[0].X), float64(f.Marks[1].Y-f.Marks[0].Y))
	if want := 2 * frameScale * (camera.Template[1][0] - camera.Template[0][0]); eyes > want {
		resize(want / eyes)
		if f, err = m.face(grey); err != nil {
			grey.Close()
			return nil, err
		}
	}
	a := &Photo{grey: grey}
	for i, p := range f.Marks {
		a.marks[i] = [2]float64{float64(p.X), float64(p.Y)}
	}
	return a, nil
}

// face is the face nearest the centre of a grey image.
func (m *Matcher) face(grey cv.Mat) (camera.Face, error) {
	bgr := cv.NewMat()
	defer bgr.Close()
	cv.CvtColor(grey, &bgr, cv.ColorGrayToBGR)
	faces, err := m.Detector.Detect(bgr)
	if err != nil {
		return camera.Face{}, err
	}
	f, ok := camera.Central(faces, image.Pt(bgr.Cols(), bgr.Rows()))
	if !ok {
		return camera.Face{}, ErrNoFace
	}
	return f, nil
}

// toFrame maps the photo onto the frame, turned and scaled about its
// centre.
func (a *Photo) toFrame(turn, scale float64) camera.Similarity {
	var dst [5][2]float64
	c, s := scale*math.Cos(turn*math.Pi/180), scale*math.Sin(turn*math.Pi/180)
	for i := range dst {
		x := camera.Template[i][0]*frameScale + frameOffset[0] - frameW/2
		y := camera.Template[i][1]*frameScale + frameOffset[1] - frameH/2
		dst[i] = [2]float64{c*x - s*y + frameW/2, s*x + c*y + frameH/2}
	}
	sim, _ := camera.EstimateSimilarity(a.marks[:], dst[:]) // five distinct landmarks
	return sim
}

// frame warps the photo's face to the frame, turned by turn degrees and
// scaled by scale about the frame's centre, as float grey levels evened
// out: equalised, and lightly blurred against print dots and JPEG 2000's
// ringing. The caller closes it.
func (a *Photo) frame(turn, scale float64) cv.Mat {
	sim := a.toFrame(turn, scale)
	mat := cv.NewMatWithSize(2, 3, cv.MatTypeCV64F)
	defer mat.Close()
	for i, v := range []float64{sim.A, -sim.B, sim.TX, sim.B, sim.A, sim.TY} {
		mat.SetDoubleAt(i/3, i%3, v)
	}
	out := cv.NewMat()
	cv.WarpAffineWithParams(a.grey, &out, mat, image.Pt(frameW, frameH), cv.InterpolationLinear, cv.BorderReplicate, color.RGBA{})
	cv.EqualizeHist(out, &out)
	cv.GaussianBlur(out, &out, image.Pt(0, 0), 0.8, 0.8, cv.BorderReplicate)
	out.ConvertTo(&out, cv.MatTypeCV32F)
	return out
}
