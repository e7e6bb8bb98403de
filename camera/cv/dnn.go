package cv

// #include <stdlib.h>
// #include "cv.h"
import "C"

import (
	"image"
	"unsafe"
)

// Net is an OpenCV DNN network, held in C memory until Close.
type Net struct{ p C.Net }

// ReadNetFromONNX loads an ONNX model.
func ReadNetFromONNX(path string) (Net, error) {
	cs := C.CString(path)
	defer C.free(unsafe.Pointer(cs))
	var p C.Net
	if err := check("read ONNX "+path, C.cv_net_read_onnx(cs, &p)); err != nil {
		return Net{}, err
	}
	return Net{p: p}, nil
}

// Close frees the network. It never fails.
func (n *Net) Close() error {
	if n.p != nil {
		C.cv_net_free(n.p)
		n.p = nil
	}
	return nil
}

// Empty reports whether n holds no network.
func (n Net) Empty() bool { return n.p == nil }

// SetInput sets the blob as the input called name ("" for the first).
func (n Net) SetInput(blob Mat, name string) error {
	if n.p == nil {
		return &Error{Op: "set input", Msg: "no network"}
	}
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	return check("set input", C.cv_net_set_input(n.p, blob.p, cs))
}

// Forward runs the network up to the output called name ("" for the
// last layer) and returns it.
func (n Net) Forward(name string) (Mat, error) {
	if n.p == nil {
		return NewMat(), &Error{Op: "forward", Msg: "no network"}
	}
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	var p C.Mat
	if err := check("forward", C.cv_net_forward(n.p, cs, &p)); err != nil {
		return NewMat(), err
	}
	return Mat{p: p}, nil
}

// BlobFromImages makes an NCHW blob of images resized to size, scaled by
// scale after subtracting mean.
func BlobFromImages(images []Mat, blob *Mat, scale float64, size image.Point, mean Scalar, swapRB, crop bool, ddepth MatType) error {
	if len(images) == 0 {
		return &Error{Op: "blob from images", Msg: "no images"}
	}
	ps := (*C.Mat)(C.malloc(C.size_t(len(images)) * C.size_t(unsafe.Sizeof(C.Mat(nil)))))
	defer C.free(unsafe.Pointer(ps))
	a := unsafe.Slice(ps, len(images))
	for i, m := range images {
		a[i] = m.p
	}
	mc := mean.c()
	defer C.free(unsafe.Pointer(mc))
	return check("blob from images", C.cv_blob_from_images(ps, C.int(len(images)), blob.out(), C.double(scale), C.int(size.X), C.int(size.Y), mc, cbool(swapRB), cbool(crop), C.int(ddepth)))
}
