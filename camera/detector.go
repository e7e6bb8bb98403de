package camera

/*
#cgo CXXFLAGS: -std=c++11 -I/usr/include/opencv4
#cgo LDFLAGS: -lopencv_objdetect -lopencv_dnn -lopencv_imgproc -lopencv_core
#include <stdlib.h>
#include "yunet.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"image"
	"unsafe"

	"github.com/uketsuke/uketsuke/camera/cv"
)

// Face is one detected face, in the coordinates of the frame given to
// Detect.
type Face struct {
	Box   image.Rectangle
	Marks [5]cv.Point2f // right eye, left eye, nose tip, right and left mouth corner (as seen in the image)
	Score float32
}

// Width is the face box's width in pixels.
func (f Face) Width() int { return f.Box.Dx() }

// Detector finds faces with YuNet 2022mar (OpenCV 4.6's FaceDetectorYN).
// Not safe for concurrent use.
type Detector struct {
	p C.YuNet
}

// maxFaces bounds the faces reported per frame.
const maxFaces = 16

// NewDetector loads YuNet after checking the file.
func NewDetector(m ModelFile) (*Detector, error) {
	if err := m.Check(); err != nil {
		return nil, fmt.Errorf("detector: %w", err)
	}
	path := C.CString(m.Path)
	defer C.free(unsafe.Pointer(path))
	var cerr *C.char
	p := C.yunet_new(path, 0.6, 0.3, 50, &cerr)
	if p == nil {
		return nil, fmt.Errorf("detector: %s", takeErr(cerr))
	}
	return &Detector{p: p}, nil
}

// Close releases the detector.
func (d *Detector) Close() error {
	if d.p != nil {
		C.yunet_free(d.p)
		d.p = nil
	}
	return nil
}

// maxDetectWidth: larger frames are downscaled before detection (17.5 ms
// at 640×480; face.md), and the results scaled back.
const maxDetectWidth = 640

// Detect finds the faces in a BGR frame.
func (d *Detector) Detect(img cv.Mat) ([]Face, error) {
	if d.p == nil {
		return nil, errors.New("detect: detector closed")
	}
	if img.Empty() || img.Channels() != 3 {
		return nil, errors.New("detect: want a non-empty BGR image")
	}
	src, scale := img, 1.0
	if img.Cols() > maxDetectWidth {
		scale = float64(img.Cols()) / maxDetectWidth
		small := cv.NewMat()
		defer small.Close()
		cv.Resize(img, &small, image.Pt(maxDetectWidth, int(float64(img.Rows())/scale+0.5)), 0, 0, cv.InterpolationArea)
		src = small
	}
	var buf [maxFaces * 15]C.float
	var cerr *C.char
	n := C.yunet_detect(d.p, unsafe.Pointer(src.Ptr()), &buf[0], maxFaces, &cerr)
	if n < 0 {
		return nil, fmt.Errorf("detect: %s", takeErr(cerr))
	}
	faces := make([]Face, int(n))
	for i := range faces {
		v := func(j int) float64 { return float64(buf[i*15+j]) * scale }
		faces[i].Box = image.Rect(int(v(0)), int(v(1)), int(v(0)+v(2)), int(v(1)+v(3)))
		for k := range 5 {
			faces[i].Marks[k] = cv.Point2f{X: float32(v(4 + 2*k)), Y: float32(v(5 + 2*k))}
		}
		faces[i].Score = float32(buf[i*15+14])
	}
	return faces, nil
}

func takeErr(c *C.char) string {
	if c == nil {
		return "unknown error"
	}
	defer C.free(unsafe.Pointer(c))
	return C.GoString(c)
}
