package camera

import (
	"image"
	"math"

	"github.com/uketsuke/uketsuke/camera/cv"
)

// Problem is why a live frame cannot be used, for patient guidance.
type Problem int

// The quality problems, in the order they are checked.
const (
	QualityOK Problem = iota
	NoFace
	ManyFaces
	OffCentre
	TooSmall
	Tilted
	TooDark
	TooBright
	Blurry
)

// Guidance is the short message the UI shows for a problem.
func (p Problem) Guidance() string {
	return [...]string{
		QualityOK: "そのままお待ちください",
		NoFace:    "カメラの方を向いてください",
		ManyFaces: "お一人でカメラの前にお立ちください",
		TooSmall:  "もう少し近づいてください",
		OffCentre: "画面の枠の中に顔を入れてください",
		Tilted:    "顔をまっすぐにしてください",
		TooDark:   "明るい場所で、帽子やマスクを外してください",
		TooBright: "まぶしすぎます。少し位置をずらしてください",
		Blurry:    "動かずに、そのままお待ちください",
	}[p]
}

func (p Problem) String() string {
	return [...]string{"ok", "no-face", "many-faces", "off-centre", "too-small", "tilted", "too-dark", "too-bright", "blurry"}[p]
}

// Gate holds the quality thresholds for live frames.
type Gate struct {
	MinFaceFraction float64 // face width / frame width
	MaxCentreOffset float64 // face centre offset / frame size, each axis
	MaxTiltDeg      float64 // eye line angle
	MinBrightness   float64 // mean grey of the face, 0–255
	MaxBrightness   float64
	MinSharpness    float64 // variance of the Laplacian of the face
	SecondFaceScore float32 // a second face this confident counts as a person
}

// DefaultGate suits a kiosk camera at 40–70 cm.
func DefaultGate() Gate {
	return Gate{MinFaceFraction: 0.18, MaxCentreOffset: 0.25, MaxTiltDeg: 15,
		MinBrightness: 60, MaxBrightness: 215, MinSharpness: 120, SecondFaceScore: 0.8}
}

// Assess picks the face to use in a frame and says what, if anything, is
// wrong with it.
func (g Gate) Assess(img cv.Mat, faces []Face) (Face, Problem) {
	size := imgSize(img)
	f, ok := Central(faces, size)
	if !ok {
		return Face{}, NoFace
	}
	for _, o := range faces {
		if o != f && o.Score >= g.SecondFaceScore {
			return f, ManyFaces
		}
	}
	c := f.Box.Min.Add(f.Box.Max).Div(2)
	if math.Abs(float64(c.X-size.X/2)) > g.MaxCentreOffset*float64(size.X) ||
		math.Abs(float64(c.Y-size.Y/2)) > g.MaxCentreOffset*float64(size.Y) {
		return f, OffCentre
	}
	if float64(f.Width()) < g.MinFaceFraction*float64(size.X) {
		return f, TooSmall
	}
	dy := float64(f.Marks[1].Y - f.Marks[0].Y)
	dx := float64(f.Marks[1].X - f.Marks[0].X)
	if math.Abs(math.Atan2(dy, dx)*180/math.Pi) > g.MaxTiltDeg {
		return f, Tilted
	}
	region := f.Box.Intersect(image.Rect(0, 0, size.X, size.Y))
	if region.Dx() < 8 || region.Dy() < 8 {
		return f, TooSmall
	}
	roi := img.Region(region)
	defer roi.Close()
	grey := cv.NewMat()
	defer grey.Close()
	cv.CvtColor(roi, &grey, cv.ColorBGRToGray)
	mean := grey.Mean().Val1
	switch {
	case mean < g.MinBrightness:
		return f, TooDark
	case mean > g.MaxBrightness:
		return f, TooBright
	}
	if sharpness(grey) < g.MinSharpness {
		return f, Blurry
	}
	return f, QualityOK
}

// sharpness is the variance of the Laplacian of the face scaled to 96 px
// wide (so that it does not depend on the distance): low when blurred.
// Measured on the shared photos: sharp 2,500–3,800; Gaussian blur σ 2:
// 150–320; σ 3: 60–115; σ 4: 35–70.
func sharpness(grey cv.Mat) float64 {
	norm := cv.NewMat()
	defer norm.Close()
	h := max(grey.Rows()*96/max(grey.Cols(), 1), 1)
	cv.Resize(grey, &norm, image.Pt(96, h), 0, 0, cv.InterpolationArea)
	return LaplacianVariance(norm, 3)
}

// LaplacianVariance is the variance of a greyscale image's Laplacian
// (aperture ksize: 1 or 3): how much fine detail it shows, low when the
// image is blurred.
func LaplacianVariance(grey cv.Mat, ksize int) float64 {
	lap := cv.NewMat()
	defer lap.Close()
	cv.Laplacian(grey, &lap, cv.MatTypeCV64F, ksize, 1, 0, cv.BorderDefault)
	mean, std := cv.NewMat(), cv.NewMat()
	defer mean.Close()
	defer std.Close()
	cv.MeanStdDev(lap, &mean, &std)
	s := std.GetDoubleAt(0, 0)
	return s * s
}
