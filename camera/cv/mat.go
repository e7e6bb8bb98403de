// Package cv is the part of OpenCV 4.6 the camera code uses — core,
// imgproc and dnn through a small C interface, JPEG through libjpeg-turbo
// and JPEG 2000 through OpenJPEG — so the kiosk links four OpenCV modules
// and none of highgui, imgcodecs or videoio (and what they pull in:
// GDAL, GStreamer, FFmpeg, Qt).
//
// Names and argument orders follow OpenCV's (and gocv's): a function
// takes its inputs by value and writes its output into a *Mat, which it
// allocates as needed. Every C++ exception becomes an *Error.
package cv

// #cgo CXXFLAGS: -std=c++11 -I/usr/include/opencv4
// #cgo CFLAGS: -I/usr/include/openjpeg-2.5
// #cgo LDFLAGS: -lopencv_dnn -lopencv_imgproc -lopencv_core -ljpeg -lopenjp2
// #include <stdlib.h>
// #include "cv.h"
import "C"

import (
	"fmt"
	"image"
	"unsafe"
)

// Error is a failure OpenCV or a codec reported.
type Error struct {
	Op  string // the operation, e.g. "resize"
	Msg string // OpenCV's or the codec's message
}

func (e *Error) Error() string { return "cv: " + e.Op + ": " + e.Msg }

// check turns a message from the C side into an *Error and frees it.
func check(op string, msg *C.char) error {
	if msg == nil {
		return nil
	}
	defer C.free(unsafe.Pointer(msg))
	return &Error{Op: op, Msg: C.GoString(msg)}
}

// MatType is an OpenCV element type: depth and channel count.
type MatType int

// The element types the camera code uses.
const (
	MatTypeCV8U    MatType = 0
	MatTypeCV8UC1  MatType = 0
	MatTypeCV8UC2  MatType = 8
	MatTypeCV8UC3  MatType = 16
	MatTypeCV8UC4  MatType = 24
	MatTypeCV16SC3 MatType = 19
	MatTypeCV32S   MatType = 4
	MatTypeCV32F   MatType = 5
	MatTypeCV64F   MatType = 6
)

// Scalar is up to four values, one per channel (B, G, R, A for colour).
type Scalar struct{ Val1, Val2, Val3, Val4 float64 }

// NewScalar returns the Scalar of v1…v4.
func NewScalar(v1, v2, v3, v4 float64) Scalar { return Scalar{v1, v2, v3, v4} }

func (s Scalar) c() *C.double {
	v := (*C.double)(C.malloc(4 * C.size_t(unsafe.Sizeof(C.double(0)))))
	a := unsafe.Slice(v, 4)
	a[0], a[1], a[2], a[3] = C.double(s.Val1), C.double(s.Val2), C.double(s.Val3), C.double(s.Val4)
	return v
}

func scalarOf(v *[4]C.double) Scalar {
	return Scalar{float64(v[0]), float64(v[1]), float64(v[2]), float64(v[3])}
}

// Mat is an OpenCV matrix, held in C memory until Close. The zero Mat is
// empty; as an output it is allocated on first use.
type Mat struct{ p C.Mat }

// NewMat returns an empty Mat.
func NewMat() Mat { return Mat{p: C.cv_mat_new()} }

// NewMatWithSize returns a rows × cols Mat of type t filled with zeros
// (never another frame's leftovers); an empty Mat when OpenCV refuses the
// size.
func NewMatWithSize(rows, cols int, t MatType) Mat {
	var p C.Mat
	if check("new mat", C.cv_mat_new_size(C.int(rows), C.int(cols), C.int(t), nil, &p)) != nil {
		return NewMat()
	}
	return Mat{p: p}
}

// NewMatWithSizeFromScalar returns a rows × cols Mat of type t filled
// with s; an empty Mat when OpenCV refuses the size.
func NewMatWithSizeFromScalar(s Scalar, rows, cols int, t MatType) Mat {
	sc := s.c()
	defer C.free(unsafe.Pointer(sc))
	var p C.Mat
	if check("new mat", C.cv_mat_new_size(C.int(rows), C.int(cols), C.int(t), sc, &p)) != nil {
		return NewMat()
	}
	return Mat{p: p}
}

// Close frees the matrix; the Mat is empty afterwards. It never fails.
func (m *Mat) Close() error {
	if m.p != nil {
		C.cv_mat_free(m.p)
		m.p = nil
	}
	return nil
}

// out is the handle of an output Mat, allocating it if needed.
func (m *Mat) out() C.Mat {
	if m.p == nil {
		m.p = C.cv_mat_new()
	}
	return m.p
}

// Ptr is the cv::Mat* behind m, for C++ code of the camera package; nil
// for the zero Mat.
func (m Mat) Ptr() unsafe.Pointer { return unsafe.Pointer(m.p) }

// Empty reports whether m has no elements.
func (m Mat) Empty() bool { return m.p == nil || C.cv_mat_empty(m.p) != 0 }

// Rows is the number of rows.
func (m Mat) Rows() int {
	if m.p == nil {
		return 0
	}
	return int(C.cv_mat_rows(m.p))
}

// Cols is the number of columns.
func (m Mat) Cols() int {
	if m.p == nil {
		return 0
	}
	return int(C.cv_mat_cols(m.p))
}

// Type is the element type.
func (m Mat) Type() MatType {
	if m.p == nil {
		return 0
	}
	return MatType(C.cv_mat_type(m.p))
}

// Channels is the number of channels per element.
func (m Mat) Channels() int { return int(m.Type())>>3 + 1 }

// Total is the number of elements.
func (m Mat) Total() int {
	if m.p == nil {
		return 0
	}
	return int(C.cv_mat_total(m.p))
}

// elemSize is the size of one element (all its channels) in bytes.
func (m Mat) elemSize() int {
	if m.p == nil {
		return 0
	}
	return int(C.cv_mat_elem_size(m.p))
}

// Clone returns a deep copy; an empty Mat when OpenCV fails.
func (m Mat) Clone() Mat {
	var p C.Mat
	if check("clone", C.cv_mat_clone(m.p, &p)) != nil {
		return NewMat()
	}
	return Mat{p: p}
}

// CopyTo copies m into dst.
func (m Mat) CopyTo(dst *Mat) error { return check("copy", C.cv_mat_copy_to(m.p, dst.out())) }

// Region returns a view of the part of m inside r (r clipped to m's
// bounds; an empty Mat when nothing is left). The view shares m's data
// and must be closed too.
func (m Mat) Region(r image.Rectangle) Mat {
	r = r.Intersect(image.Rect(0, 0, m.Cols(), m.Rows()))
	if r.Empty() {
		return NewMat()
	}
	var p C.Mat
	if check("region", C.cv_mat_region(m.p, C.int(r.Min.X), C.int(r.Min.Y), C.int(r.Dx()), C.int(r.Dy()), &p)) != nil {
		return NewMat()
	}
	return Mat{p: p}
}

// SetTo sets every element to s.
func (m Mat) SetTo(s Scalar) error {
	if m.p == nil {
		return nil
	}
	sc := s.c()
	defer C.free(unsafe.Pointer(sc))
	return check("set to", C.cv_mat_set_to(m.p, sc))
}

// ConvertTo converts m to type t into dst.
func (m Mat) ConvertTo(dst *Mat, t MatType) error {
	return m.ConvertToWithParams(dst, t, 1, 0)
}

// ConvertToWithParams converts m to type t into dst, each value v becoming
// alpha·v + beta.
func (m Mat) ConvertToWithParams(dst *Mat, t MatType, alpha, beta float32) error {
	return check("convert", C.cv_mat_convert_to(m.p, dst.out(), C.int(t), C.double(alpha), C.double(beta)))
}

// Mean is the mean of each channel (zero for an empty Mat).
func (m Mat) Mean() Scalar {
	var v [4]C.double
	if m.Empty() || check("mean", C.cv_mat_mean(m.p, &v[0])) != nil {
		return Scalar{}
	}
	return scalarOf(&v)
}

// Sum is the sum of each channel (zero for an empty Mat).
func (m Mat) Sum() Scalar {
	var v [4]C.double
	if m.Empty() || check("sum", C.cv_mat_sum(m.p, &v[0])) != nil {
		return Scalar{}
	}
	return scalarOf(&v)
}

// rowBytes is the C memory of row y: cols × elemSize bytes.
func (m Mat) rowBytes(y int) []byte {
	n := m.Cols() * m.elemSize()
	base := unsafe.Pointer(C.cv_mat_data(m.p))
	return unsafe.Slice((*byte)(unsafe.Add(base, y*int(C.cv_mat_step(m.p)))), n)
}

// continuous reports whether the rows follow each other without gaps.
func (m Mat) continuous() bool {
	return m.Rows() <= 1 || int(C.cv_mat_step(m.p)) == m.Cols()*m.elemSize()
}

// ToBytes returns a copy of the elements, row after row.
func (m Mat) ToBytes() []byte {
	if m.Empty() {
		return nil
	}
	out := make([]byte, 0, m.Rows()*m.Cols()*m.elemSize())
	for y := 0; y < m.Rows(); y++ {
		out = append(out, m.rowBytes(y)...)
	}
	return out
}

// DataPtrUint8 is m's own memory as bytes, valid until Close; an error
// for a view whose rows are not contiguous.
func (m Mat) DataPtrUint8() ([]uint8, error) {
	if m.Empty() {
		return nil, nil
	}
	if !m.continuous() {
		return nil, &Error{Op: "data", Msg: "the Mat's rows are not contiguous (a region view)"}
	}
	base := (*byte)(unsafe.Pointer(C.cv_mat_data(m.p)))
	return unsafe.Slice(base, m.Rows()*m.Cols()*m.elemSize()), nil
}

// at is the address of the size-byte value at row, col (col counted in
// values of that size), panicking outside the Mat as a slice index does.
func (m Mat) at(row, col, size int) unsafe.Pointer {
	if row < 0 || row >= m.Rows() || col < 0 || (col+1)*size > m.Cols()*m.elemSize() {
		panic(fmt.Sprintf("cv: index (%d, %d) outside a %d × %d Mat", row, col, m.Rows(), m.Cols()))
	}
	base := unsafe.Pointer(C.cv_mat_data(m.p))
	return unsafe.Add(base, row*int(C.cv_mat_step(m.p))+col*size)
}

// GetUCharAt is the byte at row, col.
func (m Mat) GetUCharAt(row, col int) uint8 { return *(*uint8)(m.at(row, col, 1)) }

// GetIntAt is the int32 at row, col.
func (m Mat) GetIntAt(row, col int) int32 { return *(*int32)(m.at(row, col, 4)) }

// GetFloatAt is the float32 at row, col.
func (m Mat) GetFloatAt(row, col int) float32 { return *(*float32)(m.at(row, col, 4)) }

// GetDoubleAt is the float64 at row, col.
func (m Mat) GetDoubleAt(row, col int) float64 { return *(*float64)(m.at(row, col, 8)) }

// SetDoubleAt sets the float64 at row, col.
func (m Mat) SetDoubleAt(row, col int, v float64) { *(*float64)(m.at(row, col, 8)) = v }
