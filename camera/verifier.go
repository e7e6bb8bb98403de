package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"sync"
	"time"

	"github.com/uketsuke/uketsuke/camera/cv"

	"github.com/uketsuke/uketsuke/kiosk"
)

// ErrNotLive means the frames looked like a photo or a frozen image.
var ErrNotLive = errors.New("the face did not look live")

// PictureMatcher tells whether a printed photo is the chip photo's own
// picture (camera/picture implements it). Either image may be grey or BGR.
type PictureMatcher interface {
	SamePicture(chip, printed cv.Mat) (score float64, same bool, err error)
}

// Verifier is the kiosk's face port (kiosk.FaceVerifier): it holds the
// chip photo's descriptor for one session, reads live frames from a Feed,
// guides the patient through the quality gate, and decides over several
// good frames. When the card-front step handed it the printed photo
// (SetPrinted) and that is the chip's own picture, the live face is
// matched against the print (Judge). Nothing it handles is written
// anywhere.
type Verifier struct {
	Engine *Engine
	Feed   *Feed
	Gate   Gate // zero: DefaultGate
	Frames int  // good frames per decision (default 3)
	// Thresholds override the recogniser's (zero: Engine.Thresholds).
	Thresholds Thresholds
	// Pictures compares the printed photo with the chip's; nil: printed
	// photos are not used.
	Pictures PictureMatcher
	// OnGuidance, if set, receives the quality verdict of every frame for
	// the patient screen.
	OnGuidance func(Problem)
	// OnFrame, if set, receives every frame as a small preview (at most
	// PreviewWidth wide) with the face box in its coordinates, for the
	// patient screen's live view. The image is a fresh copy that the
	// receiver drops with the session; nothing is written anywhere.
	OnFrame func(preview image.Image, face image.Rectangle)
	// PreviewInterval is the least time between two previews (0: every
	// frame); frames in between are not converted at all.
	PreviewInterval time.Duration
	Log             *slog.Logger

	mu        sync.Mutex
	card      *Descriptor
	cardWidth int
	photo     []byte
	printed   cv.Mat // BGR; empty: no front seen this session
	// evidence is the print's evidence, weighed once per chip and print
	// (weighed says it was; nil evidence: none).
	evidence *Print
	weighed  bool
	detail   float64
}

var _ kiosk.FaceVerifier = (*Verifier)(nil)

// Enroll describes the chip photo and keeps it (and the photo, for staff
// 目視確認) in memory until Forget.
func (v *Verifier) Enroll(_ context.Context, photo []byte) error {
	d, width, err := v.Engine.DescribeCard(photo)
	if err != nil {
		return fmt.Errorf("enroll card photo: %w", err)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.card, v.cardWidth = &d, width
	v.photo = append([]byte(nil), photo...)
	v.dropEvidence()
	return nil
}

// SetPrinted keeps the photo printed on the card front, as the card
// camera saw it, and how much detail the camera resolved in it (see
// PrintEvidence), for this session (until Forget). The card-front
// scanner calls it.
func (v *Verifier) SetPrinted(photo image.Image, detail float64) {
	m, err := cv.ImageToMatRGB(photo)
	if err != nil {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.printed.Close()
	v.printed, v.detail = m, detail
	v.dropEvidence()
}

// Photo returns a copy of the enrolled chip photo for staff 目視確認, or nil.
func (v *Verifier) Photo() []byte {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]byte(nil), v.photo...)
}

// Verify captures live frames until enough good ones are seen (or ctx
// ends), checks liveness, and compares them with the card: with the
// printed photo when it is the chip's own picture, else with the chip.
func (v *Verifier) Verify(ctx context.Context) (kiosk.FaceMatch, error) {
	v.mu.Lock()
	card, cardWidth := v.card, v.cardWidth
	v.mu.Unlock()
	if card == nil {
		return kiosk.FaceMatch{}, errors.New("verify: no card photo enrolled")
	}
	want := v.Frames
	if want <= 0 {
		want = 3
	}
	t := v.Thresholds
	if t == (Thresholds{}) {
		t = v.Engine.Thresholds()
	}
	print, err := v.print(cardWidth)
	if err != nil {
		return kiosk.FaceMatch{}, err
	}
	v.Feed.Flush()
	var forChip, forPrint []Descriptor
	var lv Liveness
	var lastPreview time.Time
	defer lv.Reset()
	for len(forChip) < want {
		frame, err := v.Feed.Next(ctx)
		if err != nil {
			return kiosk.FaceMatch{}, fmt.Errorf("verify: %w", err)
		}
		d, face, problem, err := v.frame(frame, &lv, cardWidth)
		if err == nil && problem == QualityOK && print != nil && print.Same {
			var p Descriptor
			if p, err = v.Engine.DescribeFace(frame, face); err == nil {
				forPrint = append(forPrint, p)
			}
		}
		if v.OnFrame != nil && time.Since(lastPreview) >= v.PreviewInterval {
			if img, box, perr := Preview(frame, face.Box); perr == nil {
				lastPreview = time.Now()
				v.OnFrame(img, box)
			}
		}
		frame.Close()
		if err != nil {
			return kiosk.FaceMatch{}, err
		}
		if v.OnGuidance != nil {
			v.OnGuidance(problem)
		}
		if problem == QualityOK {
			forChip = append(forChip, d)
		}
	}
	if ok, why := lv.Live(); !ok {
		v.logf("face refused as not live", "why", why)
		return kiosk.FaceMatch{}, fmt.Errorf("%w: %s", ErrNotLive, why)
	}
	dec, err := Judge(*card, forChip, print, forPrint, v.Engine.Distance, t)
	if err != nil {
		return kiosk.FaceMatch{}, err
	}
	v.logf("face decision", "matched", dec.Matched, "evidence", dec.Evidence.String(),
		"distance", fmt.Sprintf("%.3f", dec.Distance), "threshold", dec.Threshold)
	return kiosk.FaceMatch{Matched: dec.Matched, Score: dec.Distance, Evidence: dec.Evidence.String()}, nil
}

// print compares the session's printed photo with the chip photo and
// describes it; nil when there is none, or it cannot be compared.
func (v *Verifier) print(chipWidth int) (*Print, error) {
	if v.Pictures == nil {
		return nil, nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.weighed {
		return copyPrint(v.evidence), nil
	}
	if v.printed.Ptr() == nil || v.printed.Empty() {
		return nil, nil
	}
	chip, err := cv.IMDecode(v.photo, cv.IMReadGrayScale)
	if err != nil || chip.Empty() {
		chip.Close()
		return nil, nil
	}
	defer chip.Close()
	p, why, err := v.Engine.PrintEvidence(v.Pictures, chip, v.printed, v.detail, chipWidth)
	if why != "" {
		v.logf("printed photo not used", "why", why)
	}
	if err == nil {
		// A second attempt of the session weighs the same print again
		// the same way: keep the outcome.
		v.evidence, v.weighed = copyPrint(p), true
	}
	return p, err
}

// copyPrint is a copy of p (nil stays nil), so that Forget can clear the
// kept one while a decision still uses its own.
func copyPrint(p *Print) *Print {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

// dropEvidence forgets the weighed evidence (its descriptors with it).
// v.mu is held.
func (v *Verifier) dropEvidence() {
	if v.evidence != nil {
		*v.evidence = Print{}
	}
	v.evidence, v.weighed = nil, false
}

// frame assesses one frame and describes its face when it is good.
func (v *Verifier) frame(img cv.Mat, lv *Liveness, cardWidth int) (Descriptor, Face, Problem, error) {
	faces, err := v.Engine.Detect(img)
	if err != nil {
		return Descriptor{}, Face{}, NoFace, fmt.Errorf("verify: %w", err)
	}
	gate := v.Gate
	if gate == (Gate{}) {
		gate = DefaultGate()
	}
	f, problem := gate.Assess(img, faces)
	if problem != QualityOK {
		return Descriptor{}, f, problem, nil
	}
	lv.Observe(img, f)
	d, err := v.Engine.DescribeLive(img, f, cardWidth)
	return d, f, problem, err
}

// PreviewWidth is the width of the preview frames given to OnFrame.
const PreviewWidth = 480

// Preview scales a frame down to PreviewWidth as an image.Image and the
// face box with it.
func Preview(frame cv.Mat, box image.Rectangle) (image.Image, image.Rectangle, error) {
	k := 1.0
	small := frame
	if frame.Cols() > PreviewWidth {
		k = float64(PreviewWidth) / float64(frame.Cols())
		small = cv.NewMat()
		defer small.Close()
		cv.Resize(frame, &small, image.Pt(PreviewWidth, int(float64(frame.Rows())*k+0.5)), 0, 0, cv.InterpolationArea)
	}
	img, err := small.ToImage()
	if err != nil {
		return nil, image.Rectangle{}, fmt.Errorf("preview: %w", err)
	}
	scale := func(p image.Point) image.Point {
		return image.Pt(int(float64(p.X)*k+0.5), int(float64(p.Y)*k+0.5))
	}
	return img, image.Rectangle{Min: scale(box.Min), Max: scale(box.Max)}, nil
}

// Forget drops the descriptor and the photo: the session has ended.
func (v *Verifier) Forget() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.card != nil {
		*v.card = Descriptor{}
	}
	v.card, v.cardWidth = nil, 0
	clear(v.photo)
	v.photo = nil
	v.printed.Close()
	v.printed = cv.Mat{}
	v.dropEvidence()
}

func (v *Verifier) logf(msg string, args ...any) {
	if v.Log != nil {
		v.Log.Info(msg, args...)
	}
}
