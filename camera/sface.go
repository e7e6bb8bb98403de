package camera

/*
#cgo CXXFLAGS: -std=c++11 -I/usr/include/opencv4
#cgo LDFLAGS: -lopencv_objdetect -lopencv_dnn -lopencv_imgproc -lopencv_core
#include <stdlib.h>
#include "sface.h"
*/
import "C"

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"path/filepath"
	"unsafe"

	"github.com/uketsuke/uketsuke/camera/cv"
)

// SFaceThresholds are OpenCV's documented cut-off for SFace (cosine
// similarity 0.363, as a distance 1 − cosine). They are not calibrated
// here: no SFace file can be fetched on the project's machines, so its
// accuracy is measured only where a clinic supplies the file (`uketsuke
// face eval` with recognizer = "sface").
var SFaceThresholds = Thresholds{Chip: 1 - 0.363, Print: 1 - 0.363}

// maxModelSize bounds a recogniser file (the official SFace is 37 MiB).
const maxModelSize = 512 << 20

// SFaceModel is an ArcFace-type recogniser through OpenCV's
// FaceRecognizerSF: the face cropped to 112×112 by its five landmarks,
// a 128-value feature, compared by cosine. Not safe for concurrent use.
type SFaceModel struct {
	p        C.SFace
	official bool
}

var _ Model = (*SFaceModel)(nil)

// NewSFace loads a FaceRecognizerSF model: the official SFace file
// (sha256 in face.md), or any model the clinic supplies with its
// contract (input 1×3×112×112 BGR, 128 values out), which is checked on
// a blank face before the model is used. A file named like the official
// one but with another hash is refused as damaged.
func NewSFace(path string) (*SFaceModel, error) {
	sum, err := modelSum(path)
	if err != nil {
		return nil, fmt.Errorf("sface: %w", err)
	}
	official := sum == SFace.SHA256
	if !official && filepath.Base(path) == filepath.Base(SFace.Path) {
		return nil, fmt.Errorf("sface: %w: %s has sha256 %s, want %s", ErrModel, path, sum, SFace.SHA256)
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var cerr *C.char
	p := C.sface_new(cpath, &cerr)
	if p == nil {
		return nil, fmt.Errorf("sface: %s: %s", path, takeErr(cerr))
	}
	m := &SFaceModel{p: p, official: official}
	if err := m.checkContract(); err != nil {
		m.Close()
		return nil, fmt.Errorf("sface: %s: %w", path, err)
	}
	return m, nil
}

// Official reports whether the model is the official SFace file.
func (m *SFaceModel) Official() bool { return m.official }

// checkContract describes a blank face: the model must take the 112×112
// crop and give 128 values.
func (m *SFaceModel) checkContract() error {
	img := cv.NewMatWithSizeFromScalar(cv.NewScalar(128, 128, 128, 0), 160, 160, cv.MatTypeCV8UC3)
	defer img.Close()
	f := Face{Box: image.Rect(40, 40, 120, 120), Score: 1}
	for i, p := range [5][2]float32{{62, 70}, {98, 70}, {80, 90}, {66, 106}, {94, 106}} {
		f.Marks[i] = cv.Point2f{X: p[0], Y: p[1]}
	}
	_, err := m.describe(img, f)
	return err
}

// Close releases the model.
func (m *SFaceModel) Close() error {
	if m.p != nil {
		C.sface_free(m.p)
		m.p = nil
	}
	return nil
}

// DescribeFaces implements Model.
func (m *SFaceModel) DescribeFaces(imgs []cv.Mat, faces []Face) ([]Descriptor, error) {
	out := make([]Descriptor, len(imgs))
	for i, img := range imgs {
		d, err := m.describe(img, faces[i])
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}

func (m *SFaceModel) describe(img cv.Mat, f Face) (Descriptor, error) {
	var d Descriptor
	if m.p == nil {
		return d, errors.New("describe: recogniser closed")
	}
	if img.Empty() || img.Channels() != 3 {
		return d, errors.New("describe: want a non-empty BGR image")
	}
	row := [15]C.float{C.float(f.Box.Min.X), C.float(f.Box.Min.Y), C.float(f.Box.Dx()), C.float(f.Box.Dy())}
	for i, p := range f.Marks {
		row[4+2*i], row[5+2*i] = C.float(p.X), C.float(p.Y)
	}
	row[14] = C.float(f.Score)
	var buf [len(d) + 1]C.float
	var cerr *C.char
	n := C.sface_feature(m.p, unsafe.Pointer(img.Ptr()), &row[0], &buf[0], C.int(len(buf)), &cerr)
	switch {
	case n < 0:
		return d, fmt.Errorf("describe: %s", takeErr(cerr))
	case int(n) != len(d):
		return d, fmt.Errorf("describe: the model gives %d values, want %d", n, len(d))
	}
	for i := range d {
		d[i] = float32(buf[i])
	}
	return d, nil
}

// Distance implements Model: 1 − the cosine similarity.
func (m *SFaceModel) Distance(a, b Descriptor) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	if aa == 0 || bb == 0 {
		return 1
	}
	return 1 - ab/math.Sqrt(aa*bb)
}

// Thresholds implements Model: SFaceThresholds.
func (m *SFaceModel) Thresholds() Thresholds { return SFaceThresholds }

// modelSum checks that path is a regular file of a model's size and
// returns its sha256.
func modelSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrModel, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrModel, err)
	}
	if !st.Mode().IsRegular() || st.Size() == 0 || st.Size() > maxModelSize {
		return "", fmt.Errorf("%w: %s is not a model file (%d bytes, %v)", ErrModel, path, st.Size(), st.Mode().Type())
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%w: %w", ErrModel, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
