package camera

import (
	"errors"
	"fmt"
	"image"
	"math"

	"github.com/uketsuke/uketsuke/camera/cv"
)

// ErrNoFace means no usable face was found in the image.
var ErrNoFace = errors.New("no face found")

// Engine detects, aligns and describes faces. Not safe for concurrent use.
type Engine struct {
	det *Detector
	rec Model
}

// NewEngine loads YuNet and the dlib ResNet from dir, checking both files.
func NewEngine(dir string) (*Engine, error) {
	return NewEngineWith(dir, RecognizerOptions{})
}

// RecognizerOptions choose the recogniser.
type RecognizerOptions struct {
	// Name is "dlib" (the default) or "sface" (FaceRecognizerSF).
	Name string
	// Model is the sface model file; "": the official SFace file in the
	// models folder.
	Model string
}

// NewEngineWith loads YuNet from dir and the recogniser chosen.
func NewEngineWith(dir string, o RecognizerOptions) (*Engine, error) {
	det, err := NewDetector(YuNet.In(dir))
	if err != nil {
		return nil, err
	}
	var rec Model
	switch o.Name {
	case "", "dlib":
		rec, err = NewRecognizer(DlibResNet.In(dir))
	case "sface":
		path := o.Model
		if path == "" {
			path = SFace.In(dir).Path
		}
		rec, err = NewSFace(path)
	default:
		err = fmt.Errorf("recogniser %q: want dlib or sface", o.Name)
	}
	if err != nil {
		det.Close()
		return nil, err
	}
	return &Engine{det: det, rec: rec}, nil
}

// Close releases the models.
func (e *Engine) Close() error {
	return errors.Join(e.det.Close(), e.rec.Close())
}

// Detector is the engine's face detector, for other checks on the same
// images (it is not safe for concurrent use either).
func (e *Engine) Detector() *Detector { return e.det }

// DescribePrinted describes the face of the printed photo cut from a
// card front (BGR, or grey): as it is, for the live face (which is
// compared with it in colour, DescribeFace), and as the chip photo sees
// it (DescribeLive at the chip's face width; chipWidth 0: not computed).
// width is the printed face's width in px.
func (e *Engine) DescribePrinted(photo cv.Mat, chipWidth int) (face, forChip Descriptor, width int, err error) {
	bgr := photo
	if photo.Channels() == 1 {
		bgr = cv.NewMat()
		defer bgr.Close()
		cv.CvtColor(photo, &bgr, cv.ColorGrayToBGR)
	}
	face, f, err := e.Describe(bgr)
	if err != nil {
		return face, forChip, 0, fmt.Errorf("printed photo: %w", err)
	}
	if chipWidth > 0 {
		forChip, err = e.DescribeLive(bgr, f, chipWidth)
	}
	return face, forChip, f.Width(), err
}

// Detect finds the faces of a BGR frame.
func (e *Engine) Detect(img cv.Mat) ([]Face, error) { return e.det.Detect(img) }

// Central picks the face nearest the image centre: the largest one is
// often a blurred face in the background of a large photo (face.md).
func Central(faces []Face, size image.Point) (Face, bool) {
	best, bestD := Face{}, math.Inf(1)
	for _, f := range faces {
		c := f.Box.Min.Add(f.Box.Max).Div(2)
		d := math.Hypot(float64(c.X-size.X/2), float64(c.Y-size.Y/2))
		if d < bestD {
			best, bestD = f, d
		}
	}
	return best, !math.IsInf(bestD, 1)
}

// DescribeFace describes face f of img with the engine's recogniser.
func (e *Engine) DescribeFace(img cv.Mat, f Face) (Descriptor, error) {
	ds, err := e.DescribeFaces([]cv.Mat{img}, []Face{f})
	if err != nil {
		return Descriptor{}, err
	}
	return ds[0], nil
}

// DescribeFaces is DescribeFace of face i of image i, in one pass of the
// network.
func (e *Engine) DescribeFaces(imgs []cv.Mat, faces []Face) ([]Descriptor, error) {
	return e.rec.DescribeFaces(imgs, faces)
}

// Distance compares two descriptors of the engine's recogniser.
func (e *Engine) Distance(a, b Descriptor) float64 { return e.rec.Distance(a, b) }

// Thresholds are the engine's recogniser's.
func (e *Engine) Thresholds() Thresholds { return e.rec.Thresholds() }

// DescribeLive describes a live face for comparison with a card photo:
// in greyscale, as the chip photo is, and, when the live face is larger
// than the card's face (cardWidth, 0: unknown), brought down to that
// resolution and back up, so that both sides carry the same detail.
// Measured on the shared set: card TAR@FAR 1e-3 70.8% → 73.1%.
func (e *Engine) DescribeLive(img cv.Mat, f Face, cardWidth int) (Descriptor, error) {
	grey, back := cv.NewMat(), cv.NewMat()
	defer grey.Close()
	defer back.Close()
	cv.CvtColor(img, &grey, cv.ColorBGRToGray)
	cv.CvtColor(grey, &back, cv.ColorGrayToBGR)
	if cardWidth > 0 && f.Width() > cardWidth {
		k := float64(cardWidth) / float64(f.Width())
		small, big := cv.NewMat(), cv.NewMat()
		defer small.Close()
		defer big.Close()
		cv.Resize(back, &small, image.Pt(max(int(float64(back.Cols())*k), 1), max(int(float64(back.Rows())*k), 1)), 0, 0, cv.InterpolationArea)
		cv.Resize(small, &big, image.Pt(back.Cols(), back.Rows()), 0, 0, cv.InterpolationCubic)
		return e.DescribeFace(big, f)
	}
	return e.DescribeFace(back, f)
}

// Describe finds the face nearest the centre of a BGR image and describes it.
func (e *Engine) Describe(img cv.Mat) (Descriptor, Face, error) {
	faces, err := e.det.Detect(img)
	if err != nil {
		return Descriptor{}, Face{}, err
	}
	f, ok := Central(faces, image.Pt(img.Cols(), img.Rows()))
	if !ok {
		return Descriptor{}, Face{}, ErrNoFace
	}
	d, err := e.DescribeFace(img, f)
	return d, f, err
}

// cardFaceWidth is the face width a small card face is scaled to before
// the final detection (measured on the shared set: 0 / 100 / 160 / 240 px
// gave card TAR@FAR 1e-3 of 70.3 / 70.8 / 68.8 / 70.6 %).
const cardFaceWidth = 100

// minCardSide is the smallest photo side handed to the detector.
const minCardSide = 240

// DescribeCard decodes the chip photo (JPEG 2000, greyscale) in memory and
// describes its face, upscaling a small face before detecting it again. It
// also returns the face's width in the photo as stored, for DescribeLive.
func (e *Engine) DescribeCard(photo []byte) (Descriptor, int, error) {
	img, err := cv.IMDecode(photo, cv.IMReadColor)
	if err != nil || img.Empty() {
		img.Close()
		return Descriptor{}, 0, fmt.Errorf("decode card photo: %w", errors.Join(err, ErrCorruptPhoto))
	}
	defer img.Close()
	// YuNet needs some room: bring a tiny photo up to minCardSide first;
	// pre is that factor, to report the face width as stored.
	pre := 1.0
	if side := min(img.Cols(), img.Rows()); side < minCardSide {
		k := float64(minCardSide) / float64(side)
		pre = k
		big := cv.NewMat()
		cv.Resize(img, &big, image.Pt(int(float64(img.Cols())*k+0.5), int(float64(img.Rows())*k+0.5)), 0, 0, cv.InterpolationCubic)
		img.Close()
		img = big
	}
	faces, err := e.det.Detect(img)
	if err != nil {
		return Descriptor{}, 0, err
	}
	f, ok := Central(faces, image.Pt(img.Cols(), img.Rows()))
	if !ok {
		return Descriptor{}, 0, fmt.Errorf("card photo: %w", ErrNoFace)
	}
	stored := int(float64(f.Width()) / pre)
	if w := f.Width(); w > 0 && w < cardFaceWidth {
		k := float64(cardFaceWidth) / float64(w)
		big := cv.NewMat()
		defer big.Close()
		cv.Resize(img, &big, image.Pt(int(float64(img.Cols())*k), int(float64(img.Rows())*k)), 0, 0, cv.InterpolationCubic)
		if faces, err := e.det.Detect(big); err == nil {
			if g, ok := Central(faces, image.Pt(big.Cols(), big.Rows())); ok {
				d, err := e.DescribeFace(big, g)
				return d, stored, err
			}
		}
	}
	d, err := e.DescribeFace(img, f)
	return d, stored, err
}

// ErrCorruptPhoto is a card photo that does not decode as an image.
var ErrCorruptPhoto = errors.New("card photo does not decode")

func imgSize(m cv.Mat) image.Point { return image.Pt(m.Cols(), m.Rows()) }
