package camera

import (
	"errors"
	"fmt"
	"image"
	"math"

	"github.com/uketsuke/uketsuke/camera/cv"

	"github.com/uketsuke/uketsuke/camera/dlibconv"
)

// Descriptor is a 128-float face descriptor of the dlib ResNet. It lives
// in memory for one session only; never store or log it.
type Descriptor [128]float32

// Distance is the Euclidean distance between two descriptors (dlib's
// customary same-person cut-off is 0.6).
func Distance(a, b Descriptor) float64 {
	var s float64
	for i := range a {
		d := float64(a[i] - b[i])
		s += d * d
	}
	return math.Sqrt(s)
}

// Model is a face recogniser: it describes detected faces, compares
// descriptors, and knows its calibrated thresholds. Not safe for
// concurrent use.
type Model interface {
	// DescribeFaces describes face i of BGR image i.
	DescribeFaces(imgs []cv.Mat, faces []Face) ([]Descriptor, error)
	// Distance is how unlike two descriptors are (0: the same).
	Distance(a, b Descriptor) float64
	// Thresholds are the largest distances still a match.
	Thresholds() Thresholds
	Close() error
}

// Recognizer is the default Model: the converted dlib ResNet through
// OpenCV's dnn module, on face chips aligned to 150×150. Not safe for
// concurrent use.
type Recognizer struct {
	net cv.Net
}

// NewRecognizer loads the ONNX model after checking the file's size and
// digest.
func NewRecognizer(m ModelFile) (*Recognizer, error) {
	if err := m.Check(); err != nil {
		return nil, fmt.Errorf("recogniser: %w", err)
	}
	net, err := cv.ReadNetFromONNX(m.Path)
	if err != nil {
		return nil, fmt.Errorf("recogniser: %w", err)
	}
	return &Recognizer{net: net}, nil
}

// Close releases the network.
func (r *Recognizer) Close() error { return r.net.Close() }

var _ Model = (*Recognizer)(nil)

// Distance implements Model: the Euclidean distance.
func (r *Recognizer) Distance(a, b Descriptor) float64 { return Distance(a, b) }

// Thresholds implements Model: DlibThresholds.
func (r *Recognizer) Thresholds() Thresholds { return DlibThresholds }

// DescribeFaces implements Model: each face aligned to the 150×150
// template, described with its mirror image (test-time flip, which evens
// out lighting and pose asymmetry), all in one pass of the network.
func (r *Recognizer) DescribeFaces(imgs []cv.Mat, faces []Face) ([]Descriptor, error) {
	var chips []cv.Mat
	defer func() {
		for _, c := range chips {
			c.Close()
		}
	}()
	for i, img := range imgs {
		chip, err := Align(img, faces[i])
		if err != nil {
			return nil, err
		}
		flipped := cv.NewMat()
		cv.Flip(chip, &flipped, 1)
		chips = append(chips, chip, flipped)
	}
	ds, err := r.DescribeAll(chips)
	if err != nil {
		return nil, err
	}
	out := make([]Descriptor, len(imgs))
	for n := range out {
		for i := range out[n] {
			out[n][i] = (ds[2*n][i] + ds[2*n+1][i]) / 2
		}
	}
	return out, nil
}

// Describe computes the descriptor of a 150×150 chip in OpenCV's BGR order.
func (r *Recognizer) Describe(chip cv.Mat) (Descriptor, error) {
	ds, err := r.DescribeAll([]cv.Mat{chip})
	if err != nil {
		return Descriptor{}, err
	}
	return ds[0], nil
}

// DescribeAll computes the descriptors of several chips in one pass of
// the network (a batch uses the cores better than one chip at a time).
func (r *Recognizer) DescribeAll(chips []cv.Mat) ([]Descriptor, error) {
	for _, chip := range chips {
		if chip.Empty() || chip.Cols() != dlibconv.InputSize || chip.Rows() != dlibconv.InputSize || chip.Channels() != 3 {
			return nil, errors.New("describe: want 150×150 colour chips")
		}
	}
	// (RGB − mean) / 256, planar RGB: blobFromImage subtracts the mean in
	// the image's channel order, so swap to RGB first.
	blob := cv.NewMat()
	defer blob.Close()
	if err := cv.BlobFromImages(chips, &blob, 1/dlibconv.Scale, image.Pt(dlibconv.InputSize, dlibconv.InputSize),
		cv.NewScalar(dlibconv.Mean[0], dlibconv.Mean[1], dlibconv.Mean[2], 0), true, false, cv.MatTypeCV32F); err != nil {
		return nil, fmt.Errorf("describe: %w", err)
	}
	if err := r.net.SetInput(blob, ""); err != nil {
		return nil, fmt.Errorf("describe: %w", err)
	}
	out, err := r.net.Forward("")
	defer out.Close()
	if err != nil {
		return nil, fmt.Errorf("describe: %w", err)
	}
	ds := make([]Descriptor, len(chips))
	if out.Total() != len(ds)*len(ds[0]) {
		return nil, fmt.Errorf("describe: network gave %d values, want %d", out.Total(), len(ds)*len(ds[0]))
	}
	for n := range ds {
		for i := range ds[n] {
			ds[n][i] = out.GetFloatAt(n, i)
		}
	}
	return ds, nil
}
