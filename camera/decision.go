package camera

import "errors"

// CardThreshold is the largest descriptor distance accepted between the
// chip photo and the live face. Calibrated, not guessed: `uketsuke face
// eval` on shared/testdata/faces chose 0.532 at FAR 1e-3 on the training
// identities (on the held-out ones: TAR 75.6%, FAR 0.36%); live-vs-live
// pairs chose 0.558. Re-run the evaluation when the model or the pipeline
// changes.
const CardThreshold = 0.53

// Decision is the outcome of a face match. It holds no image and no
// descriptor, only what the audit and the UI need.
type Decision struct {
	Matched   bool
	Distance  float64
	Threshold float64
	Frames    int
}

// ErrNoFrames means there was no live face to compare.
var ErrNoFrames = errors.New("no live face frames")

// Decide compares the card descriptor with several live frames: the live
// descriptors are averaged (one frame's blink, blur or turn counts less)
// and the fused descriptor must be within threshold of the card's.
func Decide(card Descriptor, live []Descriptor, threshold float64) (Decision, error) {
	if len(live) == 0 {
		return Decision{}, ErrNoFrames
	}
	var fused Descriptor
	for _, d := range live {
		for i := range fused {
			fused[i] += d[i] / float32(len(live))
		}
	}
	dist := Distance(card, fused)
	return Decision{Matched: dist <= threshold, Distance: dist, Threshold: threshold, Frames: len(live)}, nil
}
