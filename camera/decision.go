package camera

import (
	"errors"
	"fmt"
	"math"

	"github.com/uketsuke/uketsuke/camera/cv"
)

// CardThreshold is the largest descriptor distance accepted between the
// chip photo and the live face. Calibrated, not guessed: `uketsuke face
// eval` on shared/testdata/faces chose 0.532 at FAR 1e-3 on the training
// identities (on the held-out ones: TAR 75.6%, FAR 0.36%); live-vs-live
// pairs chose 0.558. Re-run the evaluation when the model or the pipeline
// changes.
const CardThreshold = 0.53

// PrintThreshold is the largest descriptor distance accepted between the
// printed photo (seen by the card camera, proven to be the chip's own
// picture) and the live face. Calibrated at FAR 1e-3 on generated cases
// (`uketsuke face eval --cases`, camera/facecase).
const PrintThreshold = 0.56

// MinPrintFace is the least width in camera pixels of the printed face
// for the live face to be matched against it: the card camera must see
// the card about 900 px across (10.5 px/mm) or more. PrintThreshold was
// calibrated on such prints.
const MinPrintFace = 90

// Thresholds are a recogniser's calibrated cut-offs: a distance at most
// the threshold is a match.
type Thresholds struct {
	Chip  float64 // live face vs chip photo
	Print float64 // live face vs printed photo
}

// DlibThresholds are the dlib ResNet's.
var DlibThresholds = Thresholds{Chip: CardThreshold, Print: PrintThreshold}

// Evidence says which comparison decided a face match.
type Evidence int

// The kinds of evidence.
const (
	// EvidenceChip: the live face against the chip photo alone (no card
	// front was seen, or its printed photo was not the chip's picture).
	EvidenceChip Evidence = iota + 1
	// EvidencePrint: the live face against the printed photo, which was
	// proven to be the chip's own picture.
	EvidencePrint
	// EvidenceConflict: the printed photo shows someone other than the
	// chip photo — a tampered card; refused whatever the live face.
	EvidenceConflict
)

// String is the evidence's name in results and the audit.
func (e Evidence) String() string {
	switch e {
	case EvidenceChip:
		return "chip"
	case EvidencePrint:
		return "print"
	case EvidenceConflict:
		return "conflict"
	}
	return "none"
}

// Print is the printed photo's side of a decision.
type Print struct {
	Picture float64    // how alike the print and the chip photo are as pictures
	Same    bool       // the print is the chip's own picture
	Face    Descriptor // the printed face, as compared with a live face
	// ForChip is the printed face as compared with the chip photo (in
	// grey, at the chip's resolution); HasFace says both are set.
	ForChip Descriptor
	HasFace bool
}

// Decision is the outcome of a face match. It holds no image and no
// descriptor, only what the audit and the UI need.
type Decision struct {
	Matched   bool
	Evidence  Evidence
	Distance  float64 // the deciding distance
	Threshold float64 // and its threshold
	// ChipDistance is the live face's distance to the chip photo, always
	// computed: the deciding one, or the second opinion.
	ChipDistance float64
	// PrintDistance is the live face's distance to the printed photo; NaN
	// when the print was not compared.
	PrintDistance float64
	// PrintChipDistance is the printed face's distance to the chip
	// photo, when the print was not the chip's picture; else NaN.
	PrintChipDistance float64
	// Picture is the same-picture score; NaN when there was no print.
	Picture float64
	Frames  int
}

// ErrNoFrames means there was no live face to compare.
var ErrNoFrames = errors.New("no live face frames")

// Decide compares the card descriptor with several live frames: the live
// descriptors are averaged (one frame's blink, blur or turn counts less)
// and the fused descriptor must be within threshold of the card's.
func Decide(card Descriptor, live []Descriptor, threshold float64) (Decision, error) {
	return Judge(card, live, nil, nil, Distance, Thresholds{Chip: threshold})
}

// Judge decides with the printed photo as well. forChip are the live
// descriptors as compared with the chip photo (when the print decides,
// one frame's is enough: the chip is then a second opinion), forPrint as
// compared with the print (nil print: no card front). When the print is the chip's own
// picture, the live face must match the print. Otherwise the live face
// is matched against the chip photo alone, as Decide does — unless the
// printed face is plainly someone other than the chip's (farther than
// the chip threshold): a tampered card is refused.
func Judge(chip Descriptor, forChip []Descriptor, print *Print, forPrint []Descriptor, dist func(a, b Descriptor) float64, t Thresholds) (Decision, error) {
	if len(forChip) == 0 {
		return Decision{}, ErrNoFrames
	}
	d := Decision{Evidence: EvidenceChip, ChipDistance: dist(chip, fuse(forChip)), PrintDistance: math.NaN(),
		PrintChipDistance: math.NaN(), Picture: math.NaN(), Frames: max(len(forChip), len(forPrint))}
	d.Distance, d.Threshold = d.ChipDistance, t.Chip
	if print != nil {
		d.Picture = print.Picture
		switch {
		case print.Same && print.HasFace && len(forPrint) > 0:
			d.PrintDistance = dist(print.Face, fuse(forPrint))
			d.Evidence, d.Distance, d.Threshold = EvidencePrint, d.PrintDistance, t.Print
		case print.HasFace:
			d.PrintChipDistance = dist(chip, print.ForChip)
			if d.PrintChipDistance > t.Chip {
				d.Evidence, d.Distance = EvidenceConflict, d.PrintChipDistance
			}
		}
	}
	d.Matched = d.Distance <= d.Threshold
	return d, nil
}

// fuse is the mean of descriptors.
func fuse(ds []Descriptor) Descriptor {
	var f Descriptor
	for _, d := range ds {
		for i := range f {
			f[i] += d[i] / float32(len(ds))
		}
	}
	return f
}

// PrintEvidence compares the printed photo with the chip photo as a
// picture and describes the printed face. detail is how much of the
// printed photo's resolution the camera resolved (cardfront's
// PrintedPhoto): the face's width times detail must be MinPrintFace or
// more for the live face to be matched against it. It returns nil and
// why when the print is no evidence either way (no face to align by, a
// chip photo cropped too tight, no face to describe, seen too small); a
// print that is another picture is returned with Same false, and why.
func (e *Engine) PrintEvidence(pm PictureMatcher, chip, printed cv.Mat, detail float64, chipWidth int) (*Print, string, error) {
	score, same, err := pm.SamePicture(chip, printed)
	if err != nil {
		return nil, "not comparable as a picture: " + err.Error(), nil
	}
	p := &Print{Picture: score, Same: same}
	// The printed face against the chip photo is needed only to tell a
	// tampered card: when the print is not the chip's picture.
	if same {
		chipWidth = 0
	}
	face, forChip, width, err := e.DescribePrinted(printed, chipWidth)
	switch {
	case errors.Is(err, ErrNoFace):
		return nil, "no face to describe in the printed photo", nil
	case err != nil:
		return nil, "", err
	case same && float64(width)*detail < MinPrintFace:
		// Thresholds were calibrated on prints seen at the card camera's
		// resolution; a blurrier print would accept more strangers.
		return nil, fmt.Sprintf("printed face seen %.0f px wide, under %d: the card camera sees it too small", float64(width)*detail, MinPrintFace), nil
	}
	p.Face, p.ForChip, p.HasFace = face, forChip, true
	if !same {
		return p, "the printed photo is not the chip's picture", nil
	}
	return p, "", nil
}
