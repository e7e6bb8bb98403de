package cv

// #include <stdlib.h>
// #include "cv.h"
import "C"

import (
	"image"
	"unsafe"
)

// RetrievalMode chooses which contours FindContours returns.
type RetrievalMode int

// Retrieval modes.
const (
	RetrievalExternal RetrievalMode = 0
	RetrievalList     RetrievalMode = 1
)

// ContourApproximationMode chooses how contour points are stored.
type ContourApproximationMode int

// ChainApproxSimple keeps only the ends of straight runs.
const ChainApproxSimple ContourApproximationMode = 2

// FindContours returns the contours of a binary image.
func FindContours(src Mat, mode RetrievalMode, method ContourApproximationMode) ([][]image.Point, error) {
	var n C.int
	var lens, pts *C.int
	if err := check("find contours", C.cv_find_contours(src.p, C.int(mode), C.int(method), &n, &lens, &pts)); err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(lens))
	defer C.free(unsafe.Pointer(pts))
	ls := unsafe.Slice(lens, int(n))
	total := 0
	for _, l := range ls {
		total += int(l)
	}
	ps := unsafe.Slice(pts, 2*total)
	out := make([][]image.Point, len(ls))
	k := 0
	for i, l := range ls {
		c := make([]image.Point, int(l))
		for j := range c {
			c[j] = image.Pt(int(ps[k]), int(ps[k+1]))
			k += 2
		}
		out[i] = c
	}
	return out, nil
}

// flat is pts as x y pairs in C memory; the caller frees it.
func flat(pts []image.Point) *C.int {
	p := (*C.int)(C.malloc(C.size_t(2*len(pts)+1) * C.size_t(unsafe.Sizeof(C.int(0)))))
	a := unsafe.Slice(p, 2*len(pts))
	for i, q := range pts {
		a[2*i], a[2*i+1] = C.int(q.X), C.int(q.Y)
	}
	return p
}

// ContourArea is the area a contour encloses.
func ContourArea(c []image.Point) float64 {
	if len(c) == 0 {
		return 0
	}
	p := flat(c)
	defer C.free(unsafe.Pointer(p))
	return float64(C.cv_contour_area(p, C.int(len(c))))
}

// ArcLength is a contour's perimeter (closed) or length.
func ArcLength(c []image.Point, closed bool) float64 {
	if len(c) == 0 {
		return 0
	}
	p := flat(c)
	defer C.free(unsafe.Pointer(p))
	return float64(C.cv_arc_length(p, C.int(len(c)), cbool(closed)))
}

// ApproxPolyDP simplifies a contour to a polygon within eps of it.
func ApproxPolyDP(c []image.Point, eps float64, closed bool) ([]image.Point, error) {
	if len(c) == 0 {
		return nil, nil
	}
	p := flat(c)
	defer C.free(unsafe.Pointer(p))
	var n C.int
	var out *C.int
	if err := check("approximate polygon", C.cv_approx_poly(p, C.int(len(c)), C.double(eps), cbool(closed), &n, &out)); err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(out))
	a := unsafe.Slice(out, 2*int(n))
	poly := make([]image.Point, int(n))
	for i := range poly {
		poly[i] = image.Pt(int(a[2*i]), int(a[2*i+1]))
	}
	return poly, nil
}

// BoundingRect is the upright rectangle around a contour.
func BoundingRect(c []image.Point) image.Rectangle {
	if len(c) == 0 {
		return image.Rectangle{}
	}
	p := flat(c)
	defer C.free(unsafe.Pointer(p))
	var r [4]C.int
	C.cv_bounding_rect(p, C.int(len(c)), &r[0])
	return image.Rect(int(r[0]), int(r[1]), int(r[0]+r[2]), int(r[1]+r[3]))
}

// RotatedRect is a rectangle at an angle.
type RotatedRect struct {
	Center        Point2f
	Width, Height float32
	Angle         float32    // degrees
	Points        [4]Point2f // its corners
}

// MinAreaRect is the smallest rotated rectangle around a contour.
func MinAreaRect(c []image.Point) RotatedRect {
	if len(c) == 0 {
		return RotatedRect{}
	}
	p := flat(c)
	defer C.free(unsafe.Pointer(p))
	var v [13]C.float
	C.cv_min_area_rect(p, C.int(len(c)), &v[0])
	r := RotatedRect{Center: Point2f{float32(v[0]), float32(v[1])}, Width: float32(v[2]), Height: float32(v[3]), Angle: float32(v[4])}
	for i := range 4 {
		r.Points[i] = Point2f{float32(v[5+2*i]), float32(v[6+2*i])}
	}
	return r
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
