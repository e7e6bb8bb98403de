// Package facecase decides one face case — the chip photo as read from
// the card, a photo of the card front, live frames — the way the kiosk
// does: the printed photo counts only when it is proven to be the chip's
// own picture, and then the live face is matched against it; otherwise
// against the chip photo alone. It also builds such cases from a
// labelled face set (genuine holders, impostors, tampered cards) and
// measures the decision on them. Images, descriptors and scores stay in
// memory.
package facecase

import (
	"errors"
	"fmt"
	"image"
	"image/draw"
	"math"
	"sync"

	"github.com/uketsuke/uketsuke/camera/cv"

	"github.com/uketsuke/uketsuke/camera"
	"github.com/uketsuke/uketsuke/camera/cardfront"
	"github.com/uketsuke/uketsuke/camera/cardfront/artwork"
	"github.com/uketsuke/uketsuke/camera/picture"
)

// Case is one face decision's input.
type Case struct {
	Chip  []byte   // the chip photo as read from the card (JPEG 2000, JPEG or PNG)
	Front cv.Mat   // a photo of the card front, BGR; empty or zero: none was taken
	Live  []cv.Mat // live frames, BGR
}

// Outcome is a case's decision.
type Outcome string

// The outcomes.
const (
	Match    Outcome = "match"
	NoMatch  Outcome = "no-match"
	Unusable Outcome = "unusable" // no face in the chip photo or in any live frame
)

// Result is a decided case: what `uketsuke face verify` prints.
type Result struct {
	Decision Outcome `json:"decision"`
	// SamePicture: whether the printed photo is the chip's own picture;
	// nil when no printed photo could be compared.
	SamePicture *bool  `json:"same_picture"`
	Scores      Scores `json:"scores"`
	Reason      string `json:"reason,omitempty"` // why a case is unusable, or why the print was not compared
}

// Scores are the figures behind a Result. Distances: a match is at most
// the threshold; the picture score: the same picture is at least it.
type Scores struct {
	Evidence         string   `json:"evidence,omitempty"` // "print" or "chip": which comparison decided
	Picture          *float64 `json:"picture,omitempty"`
	PictureThreshold float64  `json:"picture_threshold"`
	LivePrint        *float64 `json:"live_print,omitempty"`
	PrintThreshold   float64  `json:"print_threshold"`
	LiveChip         *float64 `json:"live_chip,omitempty"`
	ChipThreshold    float64  `json:"chip_threshold"`
	Frames           int      `json:"frames"`
}

// Checker decides cases. Not safe for concurrent use.
type Checker struct {
	Engine *camera.Engine
	// Front finds the printed photo on a card-front photo; nil: fronts
	// are not looked at.
	Front *cardfront.Reader
	// Thresholds override the recogniser's (zero: Engine.Thresholds).
	Thresholds camera.Thresholds
	// Live, if set, is a second detector that finds the faces of the live
	// frames while the engine reads the chip photo; nil: the engine's.
	Live *camera.Detector
}

func (c *Checker) thresholds() camera.Thresholds {
	if c.Thresholds == (camera.Thresholds{}) {
		return c.Engine.Thresholds()
	}
	return c.Thresholds
}

// CheckEncoded is Check of a case given as encoded images (JPEG, PNG,
// JPEG 2000): the chip photo, the card front (nil: none) and the live
// frames. An image that does not decode makes the case unusable (the
// front: as if none were given, and says so).
func (c *Checker) CheckEncoded(chip, front []byte, live [][]byte) (Result, error) {
	k := Case{Chip: chip}
	defer func() {
		if present(k.Front) {
			k.Front.Close()
		}
		for _, m := range k.Live {
			m.Close()
		}
	}()
	decode := func(data []byte) (cv.Mat, bool) {
		m, err := cv.IMDecode(data, cv.IMReadColor)
		if err != nil || m.Empty() {
			m.Close()
			return cv.Mat{}, false
		}
		return m, true
	}
	for i, data := range live {
		m, ok := decode(data)
		if !ok {
			return c.Unusable(fmt.Sprintf("live frame %d is not an image", i+1)), nil
		}
		k.Live = append(k.Live, m)
	}
	frontOK := true
	if front != nil {
		k.Front, frontOK = decode(front)
	}
	r, err := c.Check(k)
	if err == nil && !frontOK && r.Reason == "" {
		r.Reason = "the card front is not an image"
	}
	return r, err
}

// Unusable is the result of a case that cannot be decided, and why.
func (c *Checker) Unusable(why string) Result {
	t := c.thresholds()
	return Result{Decision: Unusable, Reason: why, Scores: Scores{PictureThreshold: picture.Threshold, PrintThreshold: t.Print, ChipThreshold: t.Chip}}
}

// Check decides one case. Bad images give an unusable result, not an
// error; an error is a failure of the models themselves.
func (c *Checker) Check(k Case) (Result, error) {
	t := c.thresholds()
	res := c.Unusable("")
	// The card-front reader has its own detector, and so may Live: the
	// printed photo and the live faces are found while the engine works
	// on the chip photo.
	var printed cv.Mat
	var detail float64
	var seen bool
	var frontErr error
	waitFront := start(present(k.Front) && c.Front != nil, true, func() {
		printed, detail, seen, frontErr = c.Front.Photo(k.Front)
	})
	defer func() {
		if waitFront(); seen {
			printed.Close()
		}
	}()
	var lives []live
	var liveErr error
	waitLive := start(true, c.Live != nil, func() { lives, liveErr = c.liveFaces(k.Live) })
	if c.Live != nil {
		defer waitLive() // the goroutine ends before the frames are closed
	}
	chip, err := c.chip(k.Chip)
	if err != nil {
		if errors.Is(err, camera.ErrCorruptPhoto) || errors.Is(err, camera.ErrNoFace) {
			res.Reason = err.Error()
			return res, nil
		}
		return res, err
	}
	defer chip.Close()
	if waitLive(); liveErr != nil {
		return res, liveErr
	}
	if len(lives) == 0 {
		res.Reason = "no face in the live frames"
		return res, nil
	}
	var print *camera.Print
	waitFront()
	switch {
	case frontErr != nil:
		return res, frontErr
	case seen:
		var err error
		if print, res.Reason, err = c.Engine.PrintEvidence(&picture.Matcher{Detector: c.Engine.Detector()}, chip.grey, printed, detail, chip.width); err != nil {
			return res, err
		}
	case present(k.Front) && c.Front != nil:
		res.Reason = "no card photo seen on the front"
	}
	// When the print decides, the chip photo is only a second opinion:
	// one frame is compared with it.
	byPrint := print != nil && print.Same
	var forChip, forPrint []camera.Descriptor
	var imgs []cv.Mat
	var faces []camera.Face
	for i, l := range lives {
		img := k.Live[l.frame]
		if i == 0 || !byPrint {
			d, err := c.Engine.DescribeLive(img, l.face, chip.width)
			if err != nil {
				return res, err
			}
			forChip = append(forChip, d)
		}
		imgs, faces = append(imgs, img), append(faces, l.face)
	}
	if byPrint {
		var err error
		if forPrint, err = c.Engine.DescribeFaces(imgs, faces); err != nil {
			return res, err
		}
	}
	dec, err := camera.Judge(chip.desc, forChip, print, forPrint, c.Engine.Distance, t)
	if err != nil {
		return res, err
	}
	out := resultOf(dec, t)
	out.Reason = res.Reason
	return out, nil
}

// resultOf turns a decision into a Result.
func resultOf(d camera.Decision, t camera.Thresholds) Result {
	r := Result{Decision: NoMatch, Scores: Scores{Evidence: d.Evidence.String(), PictureThreshold: picture.Threshold,
		PrintThreshold: t.Print, ChipThreshold: t.Chip, Frames: d.Frames, LiveChip: num(d.ChipDistance),
		LivePrint: num(d.PrintDistance), Picture: num(d.Picture)}}
	if d.Matched {
		r.Decision = Match
	}
	if !math.IsNaN(d.Picture) {
		same := d.Picture >= picture.Threshold
		r.SamePicture = &same
	}
	return r
}

func num(x float64) *float64 {
	if math.IsNaN(x) {
		return nil
	}
	x = math.Round(x*1e4) / 1e4
	return &x
}

// chipSide is the chip photo described and decoded for the picture test.
type chipSide struct {
	desc  camera.Descriptor
	width int
	grey  cv.Mat
	pic   *picture.Photo // prepared for the picture test by Evaluate; nil: not, or it cannot be
}

func (s *chipSide) Close() {
	s.grey.Close()
	if s.pic != nil {
		s.pic.Close()
	}
}

func (c *Checker) chip(data []byte) (*chipSide, error) {
	d, w, err := c.Engine.DescribeCard(data)
	if err != nil {
		return nil, err
	}
	s := &chipSide{desc: d, width: w}
	s.grey, _ = cv.IMDecode(data, cv.IMReadGrayScale)
	return s, nil
}

// start runs f — in a goroutine when concurrent, else when first waited
// for; not at all unless run — and returns the wait, which may be called
// more than once.
func start(run, concurrent bool, f func()) (wait func()) {
	switch {
	case !run:
		return func() {}
	case !concurrent:
		return sync.OnceFunc(f)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	return func() { <-done }
}

// liveFaces finds the face of each live frame that shows one.
func (c *Checker) liveFaces(frames []cv.Mat) ([]live, error) {
	var out []live
	for i, img := range frames {
		l, ok, err := c.live(img)
		if err != nil {
			return nil, err
		}
		if ok {
			l.frame = i
			out = append(out, l)
		}
	}
	return out, nil
}

// present reports whether m holds an image (the zero Mat does not).
func present(m cv.Mat) bool { return m.Ptr() != nil && !m.Empty() }

// live is one live frame's face.
type live struct {
	face  camera.Face
	frame int // index in Case.Live
}

func (c *Checker) live(img cv.Mat) (live, bool, error) {
	if !present(img) || img.Channels() != 3 {
		return live{}, false, nil
	}
	det := c.Live
	if det == nil {
		det = c.Engine.Detector()
	}
	faces, err := det.Detect(img)
	if err != nil {
		return live{}, false, err
	}
	f, ok := camera.Central(faces, image.Pt(img.Cols(), img.Rows()))
	return live{face: f}, ok, nil
}

// MaxFaceFraction is the widest a face may be, as a fraction of the
// photo's width, in a photo that can serve as a card's 証明写真: the
// application photo's rules (head and shoulders, the head about 70–80 %
// of the height) give a face box of about 0.55–0.6 of the width. A
// tighter crop is no ID photo.
const MaxFaceFraction = 0.65

// ErrNotIDPhoto is a photo cropped too tight to the face to be a card's
// photo.
var ErrNotIDPhoto = errors.New("photo cropped too tight to serve as an ID photo")

// ChipPhoto is what a card's chip holds of a face photo: its 4:5 ID
// crop in grey with the face width px wide, as JPEG 2000 at 20:1. It
// returns camera.ErrNoFace when the crop shows no face, ErrNotIDPhoto
// when the face fills it.
func ChipPhoto(det *camera.Detector, img image.Image, width int) ([]byte, error) {
	m, f, err := idPhoto(det, img)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	return camera.CardLikeAt(m, f, width)
}

// idPhoto is the 4:5 ID crop of img (BGR) and its face.
func idPhoto(det *camera.Detector, img image.Image) (cv.Mat, camera.Face, error) {
	r := artwork.CoverCrop(img.Bounds(), artwork.PhotoAspect)
	crop := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(crop, crop.Rect, img, r.Min, draw.Src)
	m, err := cv.ImageToMatRGB(crop)
	if err != nil {
		return m, camera.Face{}, err
	}
	faces, err := det.Detect(m)
	if err != nil {
		m.Close()
		return m, camera.Face{}, err
	}
	f, ok := camera.Central(faces, image.Pt(m.Cols(), m.Rows()))
	switch {
	case !ok:
		err = camera.ErrNoFace
	case float64(f.Width()) > MaxFaceFraction*float64(m.Cols()):
		err = ErrNotIDPhoto
	}
	if err != nil {
		m.Close()
	}
	return m, f, err
}
