package camera

import (
	"errors"
	"image"
	"image/color"
	"math"

	"github.com/uketsuke/uketsuke/camera/cv"

	"github.com/uketsuke/uketsuke/camera/dlibconv"
)

// Template is where the five landmarks sit in the 150×150 chip the dlib
// network expects (face.md).
var Template = [5][2]float64{
	{47.733, 47.140},  // right eye (image left)
	{100.281, 47.123}, // left eye
	{74.017, 77.162},  // nose tip
	{52.270, 107.812}, // right mouth corner
	{95.786, 107.799}, // left mouth corner
}

// Similarity is x' = a·x − b·y + tx, y' = b·x + a·y + ty: rotation, uniform
// scale and translation.
type Similarity struct{ A, B, TX, TY float64 }

// Apply maps a point.
func (s Similarity) Apply(x, y float64) (float64, float64) {
	return s.A*x - s.B*y + s.TX, s.B*x + s.A*y + s.TY
}

// Scale is the transform's scale factor.
func (s Similarity) Scale() float64 { return math.Hypot(s.A, s.B) }

// EstimateSimilarity returns the least-squares similarity mapping src onto
// dst (Umeyama's method without reflection, in closed form for 2-D).
func EstimateSimilarity(src, dst [][2]float64) (Similarity, error) {
	n := float64(len(src))
	if len(src) < 2 || len(src) != len(dst) {
		return Similarity{}, errors.New("similarity: need two or more point pairs")
	}
	var sx, sy, dx, dy float64
	for i := range src {
		sx += src[i][0]
		sy += src[i][1]
		dx += dst[i][0]
		dy += dst[i][1]
	}
	sx, sy, dx, dy = sx/n, sy/n, dx/n, dy/n
	var num1, num2, den float64
	for i := range src {
		x, y := src[i][0]-sx, src[i][1]-sy
		u, v := dst[i][0]-dx, dst[i][1]-dy
		num1 += x*u + y*v
		num2 += x*v - y*u
		den += x*x + y*y
	}
	if den == 0 {
		return Similarity{}, errors.New("similarity: source points coincide")
	}
	a, b := num1/den, num2/den
	return Similarity{A: a, B: b, TX: dx - (a*sx - b*sy), TY: dy - (b*sx + a*sy)}, nil
}

// Align warps the face of img to the 150×150 chip. The caller closes the
// returned Mat.
func Align(img cv.Mat, f Face) (cv.Mat, error) {
	src := make([][2]float64, 5)
	for i, p := range f.Marks {
		src[i] = [2]float64{float64(p.X), float64(p.Y)}
	}
	s, err := EstimateSimilarity(src, Template[:])
	if err != nil {
		return cv.NewMat(), err
	}
	m := cv.NewMatWithSize(2, 3, cv.MatTypeCV64F)
	defer m.Close()
	for i, v := range []float64{s.A, -s.B, s.TX, s.B, s.A, s.TY} {
		m.SetDoubleAt(i/3, i%3, v)
	}
	out := cv.NewMat()
	cv.WarpAffineWithParams(img, &out, m, image.Pt(dlibconv.InputSize, dlibconv.InputSize),
		cv.InterpolationLinear, cv.BorderReplicate, color.RGBA{})
	return out, nil
}
