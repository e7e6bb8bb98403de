// Package cardfront reads the parts of 照合番号B — the birth date, the
// card's expiry year and the セキュリティコード — from a camera frame of a
// マイナンバーカード front, as the certified face-authentication readers do.
//
// It finds the card in the frame (any size, angle and perspective),
// rectifies it, turns it upright by the face in its printed photo, checks
// the printed card name, and reads only the three fields with Tesseract.
// A field is given only when it reads as a valid value with confidence;
// anything else is left unread, since a wrong 照合番号B costs one of the
// card's ten tries. The back of the card (the 個人番号) and other cards are
// recognised before any text on them is read and yield nothing. Frames,
// crops and readings live in memory only.
package cardfront

import (
	"errors"
	"fmt"
	"image"
	"math"
	"sync"
	"time"

	"gocv.io/x/gocv"

	"github.com/uketsuke/uketsuke/camera"
	"github.com/uketsuke/uketsuke/camera/cardfront/tess"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// Kind is what a frame shows.
type Kind int

// What a frame shows.
const (
	NoCard   Kind = iota // no card found
	TooSmall             // a card, too far away to read
	NotFront             // a card, but not a マイナンバーカード front (its back, another card)
	Unclear              // a card with a face photo, not clear enough this time to tell which way up it is
	Front                // a マイナンバーカード front
)

func (k Kind) String() string {
	switch k {
	case NoCard:
		return "no-card"
	case TooSmall:
		return "too-small"
	case NotFront:
		return "not-front"
	case Unclear:
		return "unclear"
	case Front:
		return "front"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Reading is what was read from one frame (or several, by a Tracker).
// The values are secret parts of 照合番号B: every format masks them.
type Reading struct {
	Kind Kind
	// Width is the card's long edge in frame pixels (0 without a card).
	Width float64

	birth      wareki.Date
	expiryYear int
	code       string
}

// Birth is the birth date, when it was read.
func (r Reading) Birth() (wareki.Date, bool) { return r.birth, !r.birth.IsZero() }

// ExpiryYear is the card's 有効期限 year, when it was read.
func (r Reading) ExpiryYear() (int, bool) { return r.expiryYear, r.expiryYear != 0 }

// SecurityCode is the セキュリティコード, when it was read.
func (r Reading) SecurityCode() (string, bool) { return r.code, r.code != "" }

// Complete reports whether all three parts were read.
func (r Reading) Complete() bool {
	return !r.birth.IsZero() && r.expiryYear != 0 && r.code != ""
}

// String names what was read, never the values.
func (r Reading) String() string {
	mark := func(ok bool) string {
		if ok {
			return "read"
		}
		return "unread"
	}
	return fmt.Sprintf("cardfront.Reading{%s birth:%s expiry:%s code:%s}", r.Kind,
		mark(!r.birth.IsZero()), mark(r.expiryYear != 0), mark(r.code != ""))
}

// GoString is String, so %#v masks too.
func (r Reading) GoString() string { return r.String() }

// Format masks the values in every verb.
func (r Reading) Format(f fmt.State, _ rune) { fmt.Fprint(f, r.String()) }

// MinWidth is the narrowest card (long edge, frame pixels) read: below it
// the print is too small for a reading to be trusted.
const MinWidth = 420

// Confidence thresholds (Tesseract's 0..100) for a field to count.
const (
	minConfDate = 80
	minConfCode = 85
)

// Options configure a Reader.
type Options struct {
	Detector camera.ModelFile // YuNet, to find the printed photo
	Workers  int              // parallel OCR engines; 0: 2
	Now      func() time.Time // for the date checks; nil: time.Now
}

// Reader reads card fronts. Read is safe for concurrent use; calls are
// served one at a time.
type Reader struct {
	mu      sync.Mutex
	det     *camera.Detector
	workers []*worker
	now     func() time.Time
}

// worker is one goroutine's OCR engines.
type worker struct {
	jpn, digits *tess.Engine
}

// New loads the detector and the OCR engines.
func New(o Options) (*Reader, error) {
	det, err := camera.NewDetector(o.Detector)
	if err != nil {
		return nil, fmt.Errorf("cardfront: %w", err)
	}
	r := &Reader{det: det, now: o.Now}
	if r.now == nil {
		r.now = time.Now
	}
	n := o.Workers
	if n <= 0 {
		n = 2
	}
	for range n {
		w := &worker{}
		if w.jpn, err = tess.New("jpn", ""); err == nil {
			w.digits, err = tess.New("eng", "0123456789")
		}
		r.workers = append(r.workers, w)
		if err != nil {
			r.Close()
			return nil, fmt.Errorf("cardfront: %w (install tesseract-ocr-jpn and tesseract-ocr-eng: make setup)", err)
		}
	}
	return r, nil
}

// Close releases the engines.
func (r *Reader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range r.workers {
		if w.jpn != nil {
			w.jpn.Close()
		}
		if w.digits != nil {
			w.digits.Close()
		}
	}
	r.workers = nil
	if r.det != nil {
		r.det.Close()
		r.det = nil
	}
	return nil
}

// ErrClosed is returned by Read after Close.
var ErrClosed = errors.New("cardfront: reader closed")

// Read reads one BGR frame.
func (r *Reader) Read(frame gocv.Mat) (Reading, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.det == nil {
		return Reading{}, ErrClosed
	}
	if frame.Empty() || frame.Channels() != 3 {
		return Reading{}, errors.New("cardfront: want a non-empty BGR frame")
	}
	f, ok := findCard(frame)
	if !ok {
		return Reading{Kind: NoCard}, nil
	}
	out := Reading{Kind: TooSmall, Width: f.width}
	if f.width < MinWidth {
		return out, nil
	}
	card, face, ok, sure, err := r.upright(frame, f.corners)
	if err != nil {
		return Reading{}, err
	}
	if !ok {
		out.Kind = NotFront
		return out, nil
	}
	if !sure {
		out.Kind = Unclear
		return out, nil
	}
	defer card.Close()
	gray := gocv.NewMat()
	defer gray.Close()
	gocv.CvtColor(card, &gray, gocv.ColorBGRToGray)
	fields, front := r.fields(gray, face, wareki.Today(r.now()))
	if !front {
		out.Kind = NotFront
		return out, nil
	}
	fields.Kind, fields.Width = Front, f.width
	return fields, nil
}

// faceWidth: the card is searched for its photo's face at this width.
const faceWidth = 400

// upright rectifies the card so that the face in its photo is upright,
// and returns that face's box. YuNet finds faces upside down too, but
// scores them lower: the way up with the clearly better face wins, and a
// near tie is settled by the photo being on the card's right. ok is false
// when no way up shows a face the size of a card photo's; sure is false
// when the tie stays.
func (r *Reader) upright(frame gocv.Mat, q quad) (card gocv.Mat, face image.Rectangle, ok, sure bool, err error) {
	card = rectify(frame, q)
	small := gocv.NewMat()
	defer small.Close()
	gocv.Resize(card, &small, image.Pt(faceWidth, faceWidth*rectH/rectW), 0, 0, gocv.InterpolationArea)
	const k = float64(rectW) / faceWidth
	var best [2]image.Rectangle
	var logit [2]float64
	for i := range 2 {
		if i == 1 {
			gocv.Rotate(small, &small, gocv.Rotate180Clockwise)
		}
		faces, err := r.det.Detect(small)
		if err != nil {
			card.Close()
			return gocv.Mat{}, image.Rectangle{}, false, false, fmt.Errorf("cardfront: %w", err)
		}
		logit[i] = math.Inf(-1)
		for _, fc := range faces {
			w := float64(fc.Box.Dx()) / faceWidth
			if fc.Score < 0.7 || w < 0.06 || w > 0.4 {
				continue
			}
			p := math.Min(float64(fc.Score), 1-1e-9)
			if l := math.Log(p / (1 - p)); l > logit[i] {
				b := fc.Box
				logit[i] = l
				best[i] = image.Rect(int(float64(b.Min.X)*k), int(float64(b.Min.Y)*k), int(float64(b.Max.X)*k), int(float64(b.Max.Y)*k))
			}
		}
	}
	none := math.Inf(-1)
	pick := -1
	switch d := logit[0] - logit[1]; {
	case logit[0] == none && logit[1] == none:
		card.Close()
		return gocv.Mat{}, image.Rectangle{}, false, false, nil
	case d >= 1.5 || logit[1] == none:
		pick = 0
	case d <= -1.5 || logit[0] == none:
		pick = 1
	default:
		for i := range 2 {
			if best[i].Min.X > rectW/2 {
				pick = i
				break
			}
		}
	}
	if pick < 0 {
		card.Close()
		return gocv.Mat{}, image.Rectangle{}, true, false, nil
	}
	if pick == 1 {
		gocv.Rotate(card, &card, gocv.Rotate180Clockwise)
	}
	return card, best[pick], true, true, nil
}

// job is one line to recognise.
type job struct {
	kind  jobKind
	box   image.Rectangle
	scale float64
	want  string // for a confirmation: the value the first reading gave
}

type jobKind int

const (
	jobTitle   jobKind = iota
	jobDate            // a line that may be the birth date or the expiry
	jobCode            // a line under the photo that may be the security code
	jobConfirm         // the same line read again at another scale
)

// Scales the lines are read at: Tesseract drops one of a doubled digit
// ("11" as "1") now and then, at one scale and not another, so a date or
// code counts only when a second reading at another scale agrees.
const (
	dateScale    = 1.5
	confirmScale = 2.5
	codeScale    = 1.0
	codeConfirm  = 1.5
)

// fields finds and reads the title and the three fields on the upright
// card. front is false when the printed card name is not read.
func (r *Reader) fields(gray gocv.Mat, face image.Rectangle, today wareki.Date) (Reading, bool) {
	fw, fh := face.Dx(), face.Dy()
	nearFace := image.Rect(face.Min.X-fw*35/100, face.Min.Y-fh*35/100, face.Max.X+fw*35/100, face.Max.Y+fh*35/100)
	lines := textLines(&gray, nearFace)
	var column, under []image.Rectangle
	for _, l := range lines {
		cx := (l.Min.X + l.Max.X) / 2
		switch {
		case l.Max.X < face.Min.X-fw*3/10 || l.Min.X > face.Max.X+fw*3/10:
			column = append(column, l)
		case l.Min.Y > face.Max.Y && cx > face.Min.X-fw/2 && cx < face.Max.X+fw/2:
			under = append(under, l)
		}
	}
	if len(column) == 0 {
		return Reading{}, false
	}
	q := &queue{}
	q.push(job{kind: jobTitle, box: column[0], scale: 1})
	if len(column) > 1 && column[1].Min.Y < gray.Rows()/3 {
		q.push(job{kind: jobTitle, box: column[1], scale: 1})
	}
	// The date lines are long lines of large print, usually low on the
	// card: those are tried from the bottom up first, then the rest.
	var rest []job
	for i := len(column) - 1; i >= 1; i-- {
		j := job{kind: jobDate, box: column[i], scale: dateScale}
		if float64(column[i].Dy()) >= 2.4*mm && float64(column[i].Dx()) >= 18*mm {
			q.push(j)
		} else {
			rest = append(rest, j)
		}
	}
	for _, u := range under {
		q.push(job{kind: jobCode, box: u, scale: codeScale})
	}
	for _, j := range rest {
		q.push(j)
	}

	var wg sync.WaitGroup
	for _, w := range r.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				j, ok := q.pop()
				if !ok {
					return
				}
				eng := w.jpn
				if j.kind == jobCode || (j.kind == jobConfirm && j.want[0] == 'C') {
					eng = w.digits
				}
				syms, err := eng.Line(crop(gray, j.box, j.scale))
				if err != nil {
					q.finish()
					continue
				}
				q.take(j, lineOf(syms), today)
			}
		}()
	}
	wg.Wait()
	return q.result()
}

// queue hands out the jobs of one card and collects what they read.
type queue struct {
	mu      sync.Mutex
	jobs    []job
	running int
	title   bool
	foreign bool
	// Readings that a second reading agreed with, by kind: 'B' birth,
	// 'E' expiry, 'C' code, each as "kind:value".
	confirmed map[string]bool
	births    []wareki.Date
	expiries  []wareki.Date
	codes     []string
}

func (q *queue) push(j job) { q.jobs = append(q.jobs, j) }

// pop takes the next job that still matters, waiting while jobs that
// may add confirmations are running.
func (q *queue) pop() (job, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.jobs) > 0 {
		j := q.jobs[0]
		q.jobs = q.jobs[1:]
		// Every line under the photo is read (two codes there are no
		// code); a date line or the title once found is not sought further.
		if (j.kind == jobDate && len(q.births) > 0 && len(q.expiries) > 0) || (j.kind == jobTitle && q.title) {
			continue
		}
		q.running++
		return j, true
	}
	return job{}, false
}

func (q *queue) finish() {
	q.mu.Lock()
	q.running--
	q.mu.Unlock()
}

// take records what job j read from its line l.
func (q *queue) take(j job, l line, today wareki.Date) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.running--
	again := func(kind byte, value string) {
		// a confirmation goes first: it decides a field
		q.jobs = append([]job{{kind: jobConfirm, box: j.box, scale: j.confirmScale(), want: string(kind) + ":" + value}}, q.jobs...)
	}
	switch j.kind {
	case jobTitle:
		q.title = q.title || isTitle(l)
	case jobDate:
		if d, c, seireki, ok := birthOf(l, today); ok && c >= minConfDate {
			again('B', d.String())
		} else if seireki {
			q.foreign = true
		}
		if d, c, ok := expiryOf(l, today); ok && c >= minConfDate {
			again('E', d.String())
		}
	case jobCode:
		if c, conf, ok := codeOf(l); ok && conf >= minConfCode {
			again('C', c)
		}
	case jobConfirm:
		var got string
		switch j.want[0] {
		case 'B':
			if d, c, _, ok := birthOf(l, today); ok && c >= minConfDate {
				got = "B:" + d.String()
				if got == j.want {
					q.births = append(q.births, d)
				}
			}
		case 'E':
			if d, c, ok := expiryOf(l, today); ok && c >= minConfDate {
				got = "E:" + d.String()
				if got == j.want {
					q.expiries = append(q.expiries, d)
				}
			}
		case 'C':
			if c, conf, ok := codeOf(l); ok && conf >= minConfCode {
				got = "C:" + c
				if got == j.want {
					q.codes = append(q.codes, c)
				}
			}
		}
	}
}

func (j job) confirmScale() float64 {
	if j.kind == jobCode {
		return codeConfirm
	}
	return confirmScale
}

// result is what the card's readings add up to: each field read once
// (and confirmed), the birth date and the expiry agreeing on month and
// day as a card's expiry is its holder's birthday.
func (q *queue) result() (Reading, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.title {
		return Reading{}, false
	}
	var out Reading
	var birth, expiry wareki.Date
	if len(q.births) == 1 && !q.foreign {
		birth = q.births[0]
	}
	if len(q.expiries) == 1 {
		expiry = q.expiries[0]
	}
	if !birth.IsZero() && !expiry.IsZero() && (birth.Month != expiry.Month || birth.Day != expiry.Day) {
		birth, expiry = wareki.Date{}, wareki.Date{}
	}
	out.birth = birth
	if !expiry.IsZero() {
		out.expiryYear = expiry.Year
	}
	if len(q.codes) == 1 {
		out.code = q.codes[0]
	}
	return out, true
}
