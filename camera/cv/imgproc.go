package cv

// #include <stdlib.h>
// #include "cv.h"
import "C"

import (
	"image"
	"image/color"
	"unsafe"
)

// InterpolationFlags chooses how resampling interpolates.
type InterpolationFlags int

// Interpolations.
const (
	InterpolationNearest InterpolationFlags = 0
	InterpolationLinear  InterpolationFlags = 1
	InterpolationCubic   InterpolationFlags = 2
	InterpolationArea    InterpolationFlags = 3
)

// BorderType chooses what lies outside an image.
type BorderType int

// Borders.
const (
	BorderConstant  BorderType = 0
	BorderReplicate BorderType = 1
	BorderDefault   BorderType = 4
)

// ColorConversionCode is a cvtColor conversion.
type ColorConversionCode int

// Colour conversions.
const (
	ColorBGRAToBGR   ColorConversionCode = 1
	ColorBGRToRGB    ColorConversionCode = 4
	ColorBGRToGray   ColorConversionCode = 6
	ColorGrayToBGR   ColorConversionCode = 8
	ColorYUV2BGRYUY2 ColorConversionCode = 116
)

// ThresholdType is a threshold rule, optionally with ThresholdOtsu.
type ThresholdType int

// Thresholds.
const (
	ThresholdBinary    ThresholdType = 0
	ThresholdBinaryInv ThresholdType = 1
	ThresholdOtsu      ThresholdType = 8
)

// AdaptiveThresholdType is how an adaptive threshold weighs the block.
type AdaptiveThresholdType int

// AdaptiveThresholdMean takes the block's mean.
const AdaptiveThresholdMean AdaptiveThresholdType = 0

// MorphShape is a structuring element's shape.
type MorphShape int

// MorphRect is a filled rectangle.
const MorphRect MorphShape = 0

// MorphType is a morphological operation.
type MorphType int

// MorphOpen is erosion then dilation.
const MorphOpen MorphType = 2

// RotateFlag is a rotation by a multiple of 90°.
type RotateFlag int

// Rotations.
const (
	Rotate90Clockwise        RotateFlag = 0
	Rotate180Clockwise       RotateFlag = 1
	Rotate90CounterClockwise RotateFlag = 2
)

// TemplateMatchMode is a matchTemplate score.
type TemplateMatchMode int

// TmCcoeffNormed is the normalised correlation coefficient.
const TmCcoeffNormed TemplateMatchMode = 5

// rgba is an OpenCV Scalar of a colour: B, G, R, A.
func rgba(c color.RGBA) Scalar {
	return Scalar{float64(c.B), float64(c.G), float64(c.R), float64(c.A)}
}

// Resize resizes src into dst: to sz, or by fx, fy when sz is zero.
func Resize(src Mat, dst *Mat, sz image.Point, fx, fy float64, interp InterpolationFlags) error {
	return check("resize", C.cv_resize(src.p, dst.out(), C.int(sz.X), C.int(sz.Y), C.double(fx), C.double(fy), C.int(interp)))
}

// CvtColor converts src's colour space into dst.
func CvtColor(src Mat, dst *Mat, code ColorConversionCode) error {
	return check("convert colour", C.cv_cvt_color(src.p, dst.out(), C.int(code)))
}

// GaussianBlur blurs src into dst with a ksize Gaussian kernel.
func GaussianBlur(src Mat, dst *Mat, ksize image.Point, sigmaX, sigmaY float64, border BorderType) error {
	return check("gaussian blur", C.cv_gaussian_blur(src.p, dst.out(), C.int(ksize.X), C.int(ksize.Y), C.double(sigmaX), C.double(sigmaY), C.int(border)))
}

// Threshold thresholds src into dst and returns the threshold used
// (Otsu's, when asked for).
func Threshold(src Mat, dst *Mat, thresh, maxval float32, t ThresholdType) (float32, error) {
	var used C.double
	err := check("threshold", C.cv_threshold(src.p, dst.out(), C.double(thresh), C.double(maxval), C.int(t), &used))
	return float32(used), err
}

// AdaptiveThreshold thresholds each pixel of src against its block.
func AdaptiveThreshold(src Mat, dst *Mat, maxval float32, method AdaptiveThresholdType, t ThresholdType, block int, c float32) error {
	return check("adaptive threshold", C.cv_adaptive_threshold(src.p, dst.out(), C.double(maxval), C.int(method), C.int(t), C.int(block), C.double(c)))
}

// GetStructuringElement returns a kernel of the shape and size; an empty
// Mat when OpenCV refuses it.
func GetStructuringElement(shape MorphShape, ksize image.Point) Mat {
	var p C.Mat
	if check("structuring element", C.cv_structuring_element(C.int(shape), C.int(ksize.X), C.int(ksize.Y), &p)) != nil {
		return NewMat()
	}
	return Mat{p: p}
}

// Dilate dilates src into dst.
func Dilate(src Mat, dst *Mat, kernel Mat) error {
	return check("dilate", C.cv_dilate(src.p, dst.out(), kernel.p))
}

// MorphologyEx applies op with kernel.
func MorphologyEx(src Mat, dst *Mat, op MorphType, kernel Mat) error {
	return check("morphology", C.cv_morphology_ex(src.p, dst.out(), C.int(op), kernel.p))
}

// Rotate rotates src by a multiple of 90°.
func Rotate(src Mat, dst *Mat, code RotateFlag) error {
	return check("rotate", C.cv_rotate(src.p, dst.out(), C.int(code)))
}

// Flip flips src: 0 about the x axis, 1 about the y axis, -1 both.
func Flip(src Mat, dst *Mat, code int) error {
	return check("flip", C.cv_flip(src.p, dst.out(), C.int(code)))
}

// WarpAffine maps src through the 2×3 matrix m into an sz image.
func WarpAffine(src Mat, dst *Mat, m Mat, sz image.Point) error {
	return WarpAffineWithParams(src, dst, m, sz, InterpolationLinear, BorderConstant, color.RGBA{})
}

// WarpAffineWithParams is WarpAffine with the interpolation and border.
func WarpAffineWithParams(src Mat, dst *Mat, m Mat, sz image.Point, interp InterpolationFlags, border BorderType, value color.RGBA) error {
	sc := rgba(value).c()
	defer C.free(unsafe.Pointer(sc))
	return check("warp affine", C.cv_warp_affine(src.p, dst.out(), m.p, C.int(sz.X), C.int(sz.Y), C.int(interp), C.int(border), sc))
}

// WarpPerspective maps src through the 3×3 matrix m into an sz image.
func WarpPerspective(src Mat, dst *Mat, m Mat, sz image.Point) error {
	return WarpPerspectiveWithParams(src, dst, m, sz, InterpolationLinear, BorderConstant, color.RGBA{})
}

// WarpPerspectiveWithParams is WarpPerspective with the interpolation
// and border.
func WarpPerspectiveWithParams(src Mat, dst *Mat, m Mat, sz image.Point, interp InterpolationFlags, border BorderType, value color.RGBA) error {
	sc := rgba(value).c()
	defer C.free(unsafe.Pointer(sc))
	return check("warp perspective", C.cv_warp_perspective(src.p, dst.out(), m.p, C.int(sz.X), C.int(sz.Y), C.int(interp), C.int(border), sc))
}

// Point2f is a point with float32 coordinates.
type Point2f struct{ X, Y float32 }

// GetPerspectiveTransform2f returns the 3×3 matrix mapping the four
// points src onto dst.
func GetPerspectiveTransform2f(src, dst []Point2f) (Mat, error) {
	if len(src) != 4 || len(dst) != 4 {
		return NewMat(), &Error{Op: "perspective transform", Msg: "needs 4 points each"}
	}
	var a, b [8]C.float
	for i := range 4 {
		a[2*i], a[2*i+1] = C.float(src[i].X), C.float(src[i].Y)
		b[2*i], b[2*i+1] = C.float(dst[i].X), C.float(dst[i].Y)
	}
	var p C.Mat
	if err := check("perspective transform", C.cv_perspective_transform(&a[0], &b[0], &p)); err != nil {
		return NewMat(), err
	}
	return Mat{p: p}, nil
}

// GetRotationMatrix2D returns the 2×3 matrix rotating by angle degrees
// about center and scaling.
func GetRotationMatrix2D(center image.Point, angle, scale float64) Mat {
	var p C.Mat
	if check("rotation matrix", C.cv_rotation_matrix(C.double(center.X), C.double(center.Y), C.double(angle), C.double(scale), &p)) != nil {
		return NewMat()
	}
	return Mat{p: p}
}

// CopyMakeBorder copies src into dst with a border around it.
func CopyMakeBorder(src Mat, dst *Mat, top, bottom, left, right int, border BorderType, value color.RGBA) error {
	sc := rgba(value).c()
	defer C.free(unsafe.Pointer(sc))
	return check("copy make border", C.cv_copy_make_border(src.p, dst.out(), C.int(top), C.int(bottom), C.int(left), C.int(right), C.int(border), sc))
}

// ConnectedComponentsWithStats labels src's 8-connected components and
// returns how many labels there are (background included); stats holds
// x, y, width, height, area per label.
func ConnectedComponentsWithStats(src Mat, labels, stats, centroids *Mat) (int, error) {
	var n C.int
	err := check("connected components", C.cv_connected_components(src.p, labels.out(), stats.out(), centroids.out(), &n))
	return int(n), err
}

// BitwiseNot inverts src's bits.
func BitwiseNot(src Mat, dst *Mat) error {
	return check("bitwise not", C.cv_bitwise_not(src.p, dst.out()))
}

// BitwiseOr is a | b.
func BitwiseOr(a, b Mat, dst *Mat) error {
	return check("bitwise or", C.cv_bitwise_or(a.p, b.p, dst.out()))
}

// Max is the elementwise maximum of a and b.
func Max(a, b Mat, dst *Mat) error { return check("max", C.cv_max(a.p, b.p, dst.out())) }

// Add is a + b, saturated.
func Add(a, b Mat, dst *Mat) error { return check("add", C.cv_add(a.p, b.p, dst.out())) }

// Subtract is a − b, saturated.
func Subtract(a, b Mat, dst *Mat) error { return check("subtract", C.cv_subtract(a.p, b.p, dst.out())) }

// AbsDiff is |a − b|.
func AbsDiff(a, b Mat, dst *Mat) error { return check("absdiff", C.cv_absdiff(a.p, b.p, dst.out())) }

// InRangeWithScalar sets dst to 255 where lo ≤ src ≤ hi, else 0.
func InRangeWithScalar(src Mat, lo, hi Scalar, dst *Mat) error {
	l, h := lo.c(), hi.c()
	defer C.free(unsafe.Pointer(l))
	defer C.free(unsafe.Pointer(h))
	return check("in range", C.cv_in_range(src.p, l, h, dst.out()))
}

// Laplacian is src's Laplacian in depth ddepth.
func Laplacian(src Mat, dst *Mat, ddepth MatType, ksize int, scale, delta float64, border BorderType) error {
	return check("laplacian", C.cv_laplacian(src.p, dst.out(), C.int(ddepth), C.int(ksize), C.double(scale), C.double(delta), C.int(border)))
}

// MeanStdDev writes each channel's mean and standard deviation.
func MeanStdDev(src Mat, mean, std *Mat) error {
	return check("mean std dev", C.cv_mean_std_dev(src.p, mean.out(), std.out()))
}

// MatchTemplate slides templ over img and scores each place by method;
// mask may be empty.
func MatchTemplate(img, templ Mat, result *Mat, method TemplateMatchMode, mask Mat) error {
	var mp C.Mat
	if !mask.Empty() {
		mp = mask.p
	}
	return check("match template", C.cv_match_template(img.p, templ.p, result.out(), C.int(method), mp))
}

// MinMaxLoc is the smallest and largest value of a one-channel src and
// where they are.
func MinMaxLoc(src Mat) (minVal, maxVal float32, minLoc, maxLoc image.Point, err error) {
	var lo, hi C.double
	var a, b [2]C.int
	err = check("min max loc", C.cv_min_max_loc(src.p, &lo, &hi, &a[0], &b[0]))
	return float32(lo), float32(hi), image.Pt(int(a[0]), int(a[1])), image.Pt(int(b[0]), int(b[1])), err
}

// Canny finds edges with hysteresis thresholds t1, t2.
func Canny(src Mat, edges *Mat, t1, t2 float32) error {
	return check("canny", C.cv_canny(src.p, edges.out(), C.double(t1), C.double(t2)))
}

// EqualizeHist equalises a grey image's histogram.
func EqualizeHist(src Mat, dst *Mat) error {
	return check("equalize hist", C.cv_equalize_hist(src.p, dst.out()))
}

// Hconcat puts a and b side by side.
func Hconcat(a, b Mat, dst *Mat) error { return check("hconcat", C.cv_hconcat(a.p, b.p, dst.out())) }

// Rectangle draws r's outline (filled when thickness < 0).
func Rectangle(img *Mat, r image.Rectangle, c color.RGBA, thickness int) error {
	sc := rgba(c).c()
	defer C.free(unsafe.Pointer(sc))
	return check("rectangle", C.cv_rectangle(img.out(), C.int(r.Min.X), C.int(r.Min.Y), C.int(r.Max.X), C.int(r.Max.Y), sc, C.int(thickness)))
}

// Line draws a line from p1 to p2.
func Line(img *Mat, p1, p2 image.Point, c color.RGBA, thickness int) error {
	sc := rgba(c).c()
	defer C.free(unsafe.Pointer(sc))
	return check("line", C.cv_line(img.out(), C.int(p1.X), C.int(p1.Y), C.int(p2.X), C.int(p2.Y), sc, C.int(thickness)))
}

// RandN fills m with normally distributed values.
func RandN(m *Mat, mean, std Scalar) error {
	a, b := mean.c(), std.c()
	defer C.free(unsafe.Pointer(a))
	defer C.free(unsafe.Pointer(b))
	return check("randn", C.cv_randn(m.out(), a, b))
}

// SetRNGSeed seeds OpenCV's random generator of the calling thread.
func SetRNGSeed(seed int) { C.cv_set_rng_seed(C.int(seed)) }
