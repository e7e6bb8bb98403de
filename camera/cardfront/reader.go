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
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/uketsuke/uketsuke/camera/cv"

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
	Blurred              // a card, too blurred (moving, out of focus) to read
	NotFront             // a card, but not a マイナンバーカード front (its back, another card)
	Front                // a マイナンバーカード front
)

func (k Kind) String() string {
	switch k {
	case NoCard:
		return "no-card"
	case TooSmall:
		return "too-small"
	case Blurred:
		return "blurred"
	case NotFront:
		return "not-front"
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
	// Box bounds the card in the frame (empty without a card).
	Box image.Rectangle

	birth      wareki.Date
	expiryYear int
	code       string
	photo      image.Image // the printed photo, upright, in colour
}

// Birth is the birth date, when it was read.
func (r Reading) Birth() (wareki.Date, bool) { return r.birth, !r.birth.IsZero() }

// ExpiryYear is the card's 有効期限 year, when it was read.
func (r Reading) ExpiryYear() (int, bool) { return r.expiryYear, r.expiryYear != 0 }

// SecurityCode is the セキュリティコード, when it was read.
func (r Reading) SecurityCode() (string, bool) { return r.code, r.code != "" }

// PrintedPhoto is the photo printed on the front — the face with its
// hair and shoulders, upright, in colour, at the rectified card's
// resolution (about 11.7 px/mm) — when the front was read. detail is how
// much of that resolution the camera resolved (the card's width in the
// frame over the rectified width, at most 1): a card seen 500 px wide
// gives 0.5. It is the patient's face: memory only, dropped with the
// reading.
func (r Reading) PrintedPhoto() (photo image.Image, detail float64, ok bool) {
	return r.photo, detailOf(r.Width), r.photo != nil
}

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

// minSharpness is the least variance of the Laplacian of the rectified
// greyscale card for it to be read. Below it (a card held up and moving,
// out of focus, or small and enlarged) Tesseract misreads digits alike at
// every scale and in both models ("48" as "43", "1567" as "1367"), which
// agreement cannot catch; a document camera's photo is well above it.
const minSharpness = 40

// Confidence thresholds (Tesseract's 0..100) for a field to count.
const (
	minConfDate = 80
	minConfCode = 70
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
	jpn, digits, jpnDigits *tess.Engine
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
			if w.digits, err = tess.New("eng", "0123456789"); err == nil {
				w.jpnDigits, err = tess.New("jpn", "0123456789")
			}
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
		if w.jpnDigits != nil {
			w.jpnDigits.Close()
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

// ErrNotImage is returned by ReadImage for data that is no JPEG or PNG.
var ErrNotImage = errors.New("cardfront: not a JPEG or PNG image")

// ReadImage reads one encoded photo (JPEG or PNG) of a card, in memory.
func (r *Reader) ReadImage(data []byte) (Reading, error) {
	frame, err := cv.IMDecode(data, cv.IMReadColor)
	if err != nil || frame.Empty() {
		frame.Close()
		return Reading{}, ErrNotImage
	}
	defer frame.Close()
	return r.Read(frame)
}

// Read reads one BGR frame.
func (r *Reader) Read(frame cv.Mat) (Reading, error) {
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
	out := Reading{Kind: TooSmall, Width: f.width, Box: f.corners.bounds()}
	if f.width < MinWidth {
		return out, nil
	}
	card := rectify(frame, f.corners)
	defer card.Close()
	if sharpness(card) < minSharpness {
		out.Kind = Blurred
		return out, nil
	}
	ways, err := r.orientations(card)
	if err != nil {
		return Reading{}, err
	}
	defer func() {
		for _, w := range ways {
			w.card.Close()
		}
	}()
	out.Kind = NotFront
	today := wareki.Today(r.now())
	for _, w := range ways {
		gray := cv.NewMat()
		cv.CvtColor(w.card, &gray, cv.ColorBGRToGray)
		// Cut before fields, which paints rules out of the card.
		photo := printedPhoto(w.card, w.face)
		fields, front := r.fields(gray, w.face, today)
		gray.Close()
		if front {
			fields.Kind, fields.Width, fields.Box, fields.photo = Front, f.width, out.Box, photo
			return fields, nil
		}
	}
	return out, nil
}

// Photo finds the card in a BGR frame and cuts out its printed photo
// in colour (the region of Reading.PrintedPhoto), without reading any
// text: the face decision's fast path. ok is false when no card photo
// is seen; otherwise the caller closes the photo. detail is as
// Reading.PrintedPhoto's.
func (r *Reader) Photo(frame cv.Mat) (photo cv.Mat, detail float64, ok bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.det == nil {
		return cv.Mat{}, 0, false, ErrClosed
	}
	if frame.Empty() || frame.Channels() != 3 {
		return cv.Mat{}, 0, false, errors.New("cardfront: want a non-empty BGR frame")
	}
	f, found := findCard(frame)
	if !found || f.width < MinWidth {
		return cv.Mat{}, 0, false, nil
	}
	card := rectify(frame, f.corners)
	defer card.Close()
	ways, err := r.orientations(card)
	if err != nil {
		return cv.Mat{}, 0, false, err
	}
	defer func() {
		for _, w := range ways {
			w.card.Close()
		}
	}()
	if len(ways) == 0 {
		return cv.Mat{}, 0, false, nil
	}
	// Without the card's name read, the layout decides: a front's photo
	// is on its right.
	w := ways[0]
	if len(ways) == 2 && w.face.Min.X <= rectW/2 && ways[1].face.Min.X > rectW/2 {
		w = ways[1]
	}
	photo = cutPhoto(w.card, w.face)
	if photo.Empty() {
		photo.Close()
		return cv.Mat{}, 0, false, nil
	}
	return photo, detailOf(f.width), true, nil
}

// faceWidth: the card is searched for its photo's face at this width.
const faceWidth = 400

// oriented is the rectified card one way up, with the face in its photo.
type oriented struct {
	card cv.Mat
	face image.Rectangle
}

// orientations returns the rectified card each way up that shows
// a face the size of a card photo's, the likelier first. YuNet finds
// faces upside down too, but scores them lower: the way up with the
// clearly better face comes first, and in a near tie the one with the
// photo on the card's right. The caller closes the cards.
func (r *Reader) orientations(card cv.Mat) ([]oriented, error) {
	small := cv.NewMat()
	defer small.Close()
	cv.Resize(card, &small, image.Pt(faceWidth, faceWidth*rectH/rectW), 0, 0, cv.InterpolationArea)
	const k = float64(rectW) / faceWidth
	type cand struct {
		turned bool
		face   image.Rectangle
		logit  float64
	}
	var cands []cand
	for _, turned := range []bool{false, true} {
		if turned {
			cv.Rotate(small, &small, cv.Rotate180Clockwise)
		}
		faces, err := r.det.Detect(small)
		if err != nil {
			return nil, fmt.Errorf("cardfront: %w", err)
		}
		// The holder's face is the largest one in the photo.
		var best *camera.Face
		for i, fc := range faces {
			w := float64(fc.Box.Dx()) / faceWidth
			if fc.Score < 0.7 || w < 0.06 || w > 0.4 {
				continue
			}
			if best == nil || fc.Box.Dx()*fc.Box.Dy() > best.Box.Dx()*best.Box.Dy() {
				best = &faces[i]
			}
		}
		if best == nil {
			continue
		}
		p := math.Min(float64(best.Score), 1-1e-9)
		b := best.Box
		cands = append(cands, cand{turned, image.Rect(int(float64(b.Min.X)*k), int(float64(b.Min.Y)*k), int(float64(b.Max.X)*k), int(float64(b.Max.Y)*k)), math.Log(p / (1 - p))})
	}
	if len(cands) == 2 {
		d := cands[0].logit - cands[1].logit
		if d <= -1.5 || (d < 1.5 && cands[1].face.Min.X > rectW/2 && cands[0].face.Min.X <= rectW/2) {
			cands[0], cands[1] = cands[1], cands[0]
		}
	}
	var out []oriented
	for _, c := range cands {
		m := card.Clone()
		if c.turned {
			cv.Rotate(m, &m, cv.Rotate180Clockwise)
		}
		out = append(out, oriented{m, c.face})
	}
	return out, nil
}

// printedPhoto is cutPhoto as an image; nil when the region is empty.
func printedPhoto(card cv.Mat, face image.Rectangle) image.Image {
	m := cutPhoto(card, face)
	defer m.Close()
	if m.Empty() {
		return nil
	}
	img, err := m.ToImage()
	if err != nil {
		return nil
	}
	return img
}

// cutPhoto cuts the printed photo around its face out of the upright
// BGR card (photoRegion). The caller closes it.
func cutPhoto(card cv.Mat, face image.Rectangle) cv.Mat {
	r := photoRegion(face, card.Cols(), card.Rows())
	if r.Empty() {
		return cv.NewMat()
	}
	region := card.Region(r)
	defer region.Close()
	out := region.Clone() // a region's rows are not contiguous
	return out
}

// detail is how much of the rectified card's resolution the camera
// resolved: the card's width in the frame over rectW, at most 1.
func detailOf(width float64) float64 { return math.Min(1, width/rectW) }

// photoRegion is the printed photo's region around its face on a
// w × h upright card: the face box widened by 0.6 of its width each
// side, from 0.8 of its height above to 0.6 below.
func photoRegion(face image.Rectangle, w, h int) image.Rectangle {
	fw, fh := face.Dx(), face.Dy()
	return image.Rect(face.Min.X-fw*6/10, face.Min.Y-fh*8/10, face.Max.X+fw*6/10, face.Max.Y+fh*6/10).
		Intersect(image.Rect(0, 0, w, h))
}

// sharpness is the variance of the Laplacian of a BGR card image's grey
// levels: how much fine detail it shows.
func sharpness(card cv.Mat) float64 {
	gray := cv.NewMat()
	defer gray.Close()
	cv.CvtColor(card, &gray, cv.ColorBGRToGray)
	return camera.LaplacianVariance(gray, 1)
}

// lineKind is what a line is read for.
type lineKind int

const (
	lineTitle lineKind = iota // the card's printed name
	lineDate                  // the birth date or the expiry
	lineCode                  // under the photo: the security code
)

// variant is one way of reading a line: an engine, a scale, and whether
// the line's glyphs are spread apart first (the witness, see spread).
type variant struct {
	engine engineKind
	scale  float64
	spread bool
}

// engineKind names a worker's engines.
type engineKind int

const (
	japanese    engineKind = iota // jpn, any character
	digitsEng                     // eng, digits only
	digitsJapan                   // jpn, digits only
)

// Each kind of line is read in these ways, in turn (a birth date's second
// and third readings side by side, see take). Tesseract misreads a
// line now and then in one way and not another, so a date counts only
// when two readings at different scales agree and no reading gave
// another date, and a code only when three readings, by the digit engines
// of both models, agree on it and none gave another. One reading of the
// card's name is enough: a misreading does not make another card's text
// into it. The spread date variant is the witness (see collapsible); the
// one after it settles a birth date the others disagree on.
var variants = [...][]variant{
	lineTitle: {{japanese, 1, false}, {japanese, 0.8, false}, {japanese, 1.3, false}},
	lineDate:  {{japanese, 1.5, false}, {japanese, 2.5, false}, {japanese, 2, false}, {japanese, 1.5, true}, {japanese, 3, false}},
	lineCode:  {{digitsJapan, 1, false}, {digitsEng, 0.8, false}, {digitsJapan, 1.25, false}, {digitsEng, 1, false}, {digitsJapan, 0.8, false}, {digitsJapan, 1.5, false}},
}

// job is one reading of one line.
type job struct {
	line    int
	attempt int
}

// cardLine is a line of the card and what its readings gave.
type cardLine struct {
	kind  lineKind
	box   image.Rectangle
	seen  map[string][]variant // value → the readings that gave it
	value string               // once agreed: "B:date", "E:date", "C:code", "T"
	// witness is what the spread reading of a date line shows of a
	// birth date's digits ("元.5.1", "55.2.17"), "" before it.
	witness string
	reads   int  // readings taken, the witness not counted
	next    int  // the next reading (attempt) to queue
	pending int  // readings queued or running
	done    bool // no more readings
}

// agreed reports whether the readings that gave a value are enough.
func (l *cardLine) agreed(v string) bool {
	by := l.seen[v]
	switch l.kind {
	case lineTitle:
		return len(by) >= 1
	case lineCode:
		// Three readings, both models among them, and no other code.
		eng, jpn := false, false
		for _, r := range by {
			eng = eng || r.engine == digitsEng
			jpn = jpn || r.engine == digitsJapan
		}
		return eng && jpn && len(by) >= 3 && len(l.seen) == 1
	}
	// A date: two readings at different scales and no other date read
	// on the line; for a birth date Tesseract may have read short, the
	// same digits in the witness reading too. A birth date that another
	// reading contradicts counts when more readings gave it and the
	// witness agrees (result then needs the expiry to agree as well).
	if v[0] == 'A' || len(by) < 2 {
		return false
	}
	witnessed := l.witness != "" && l.witness == eraDigits(v)
	if l.unanimous(v) {
		return witnessed || v[0] != 'B' || !collapsible(v)
	}
	if v[0] != 'B' || !witnessed {
		return false
	}
	for o, oby := range l.seen {
		if !l.allows(o, v) && len(oby) >= len(by) {
			return false
		}
	}
	return true
}

// birthSeen reports whether a reading of the line gave a birth date.
func (l *cardLine) birthSeen() bool {
	for o := range l.seen {
		if o[0] == 'B' || o[0] == 'A' {
			return true
		}
	}
	return false
}

// unanimous reports whether no reading of the line gave another value
// than v.
func (l *cardLine) unanimous(v string) bool {
	for o := range l.seen {
		if !l.allows(o, v) {
			return false
		}
	}
	return true
}

// allows reports whether a reading's value o is v, or a date of two
// eras one of which is v's.
func (l *cardLine) allows(o, v string) bool {
	return o == v || o[0] == 'A' && v[0] == 'B' && slices.Contains(strings.Split(o[2:], "|"), v[2:])
}

// resolve settles the line's readings of two eras by the card's expiry
// year (possibleBirth), and agrees the line's value anew.
func (l *cardLine) resolve(expiry int, today wareki.Date) {
	for o, by := range l.seen {
		if o[0] != 'A' {
			continue
		}
		var fit []string
		for _, s := range strings.Split(o[2:], "|") {
			if d, ok := parseISO(s); ok && possibleBirth(d, expiry, today) {
				fit = append(fit, s)
			}
		}
		if len(fit) == 1 {
			delete(l.seen, o)
			l.seen["B:"+fit[0]] = append(l.seen["B:"+fit[0]], by...)
		}
	}
	l.settle()
}

// settle sets the line's value to the one its readings agree on, if any.
func (l *cardLine) settle() {
	l.value = ""
	for sv := range l.seen {
		if l.agreed(sv) {
			l.value = sv
		}
	}
}

// fields finds and reads the title and the three fields on the upright
// card. front is false when the printed card name is not read.
func (r *Reader) fields(gray cv.Mat, face image.Rectangle, today wareki.Date) (Reading, bool) {
	fw, fh := face.Dx(), face.Dy()
	fcx := (face.Min.X + face.Max.X) / 2
	// Around the face is the photo, no text; the code is printed just
	// under the photo, which a large face reaches.
	nearFace := image.Rect(face.Min.X-fw*35/100, face.Min.Y-fh*35/100, face.Max.X+fw*35/100, face.Max.Y)
	q := &queue{today: today}
	var rest, codes []int
	var column []image.Rectangle
	for _, l := range textLines(&gray, nearFace) {
		cx := (l.Min.X + l.Max.X) / 2
		switch {
		case l.Max.X < face.Min.X-fw*3/10 || l.Min.X > face.Max.X+fw*3/10:
			column = append(column, l)
		case l.Min.Y > face.Max.Y && cx > fcx-fw*6/5 && cx < fcx+fw*6/5:
			codes = append(codes, q.add(lineCode, l))
		case l.Min.X < face.Min.X-fw*3/10-2*l.Dy():
			// A line of the column joined to the photo's edge below the
			// face: the column's part.
			l.Max.X = face.Min.X - fw*3/10
			column = append(column, l)
		}
	}
	if len(column) == 0 {
		return Reading{}, false
	}
	// The title is the first line, or the second when a small line is
	// above it.
	q.push(job{line: q.add(lineTitle, column[0])})
	if len(column) > 1 && column[1].Min.Y < gray.Rows()/3 {
		q.push(job{line: q.add(lineTitle, column[1])})
	}
	// The date lines are long lines of large print, usually low on the
	// card: those are tried from the bottom up first, then the rest.
	for i := len(column) - 1; i >= 1; i-- {
		l := column[i]
		if float64(l.Dy()) >= 2.4*mm && float64(l.Dx()) >= 18*mm {
			q.push(job{line: q.add(lineDate, l)})
		} else {
			rest = append(rest, q.add(lineDate, l))
		}
	}
	for _, c := range codes {
		q.push(job{line: c})
	}
	for _, i := range rest {
		q.push(job{line: i})
	}

	var wg sync.WaitGroup
	for _, w := range r.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				j, l, ok := q.pop()
				if !ok {
					return
				}
				v := variants[l.kind][j.attempt]
				eng := [...]*tess.Engine{japanese: w.jpn, digitsEng: w.digits, digitsJapan: w.jpnDigits}[v.engine]
				img := crop(gray, l.box, v.scale, l.kind != lineDate)
				var runs [][2]int
				em := 0
				if v.spread {
					img, runs, em = spread(img)
				}
				syms, err := eng.Line(img)
				if err != nil {
					syms = nil
				}
				text := lineOf(syms)
				text.runs, text.em = runs, em
				q.take(j, text)
			}
		}()
	}
	wg.Wait()
	return q.result()
}

// queue hands out the readings of one card's lines to the workers and
// collects what they read.
type queue struct {
	mu      sync.Mutex
	today   wareki.Date
	lines   []cardLine
	jobs    []job
	running int
	foreign bool // a birth date printed in 西暦 was seen
}

func (q *queue) add(k lineKind, box image.Rectangle) int {
	q.lines = append(q.lines, cardLine{kind: k, box: box, seen: map[string][]variant{}})
	return len(q.lines) - 1
}

// push queues the first reading of a line, after those queued.
func (q *queue) push(j job) {
	q.jobs = append(q.jobs, j)
	q.lines[j.line].next = j.attempt + 1
	q.lines[j.line].pending++
}

// pop takes the next reading that still matters. It returns false when
// none is left and none running could add one.
func (q *queue) pop() (job, cardLine, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.jobs) > 0 {
		j := q.jobs[0]
		q.jobs = q.jobs[1:]
		l := q.lines[j.line]
		// A date line or the title once found is not sought further;
		// every line under the photo is read (two codes there are none).
		if l.done || j.attempt == 0 && l.kind == lineDate && q.found('B') && q.found('E') || l.kind == lineTitle && q.found('T') {
			q.lines[j.line].pending--
			continue
		}
		q.running++
		return j, l, true
	}
	return job{}, cardLine{}, false
}

// found reports whether a line gave an agreed value of the kind.
func (q *queue) found(kind byte) bool {
	for _, l := range q.lines {
		if l.value != "" && l.value[0] == kind {
			return true
		}
	}
	return false
}

// take records reading j's text, and queues the line's next reading
// (first, so that it decides soon) while its readings do not agree; a
// line that gave a birth date has its next two readings (three, with
// the witness, when the date is collapsible) queued at once, so that
// the workers take them side by side. While another reading of the line
// is on its way, that one decides what comes next. When every reading
// of every title line has failed, the card is no front and the other
// lines are not read.
func (q *queue) take(j job, text line) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.running--
	l := &q.lines[j.line]
	l.pending--
	var v string
	var promising bool
	if variants[l.kind][j.attempt].spread {
		l.witness = witnessOf(text)
	} else {
		l.reads++
		if v, promising = q.parse(l.kind, text); v != "" {
			l.seen[v] = append(l.seen[v], variants[l.kind][j.attempt])
			// What follows a birth date on its line (性別) is not read again.
			if end, ok := birthEnd(text); ok && (v[0] == 'B' || v[0] == 'A') {
				x := cardX(l.box, variants[l.kind][j.attempt].scale, end) + l.box.Dy()/3
				if x > l.box.Min.X+l.box.Dy() && x < l.box.Max.X {
					l.box.Max.X = x
				}
			}
		}
	}
	l.settle()
	// A birth date is read a third time (without the expiry's month and
	// day to check it against, it needs three readings and no other);
	// anything else agreed is done.
	if l.value != "" && (l.kind != lineDate || l.value[0] != 'B' || l.reads >= 3) {
		l.done = true
	}
	if l.done || l.pending > 0 {
		return
	}
	want := 1
	if l.kind == lineDate && l.birthSeen() && l.reads == 1 {
		want = 2
		if v != "" && v[0] == 'B' && collapsible(v) {
			want = 3
		}
	}
	// A line goes on to another reading when this one gave a value, or
	// looked like its kind without parsing; other lines stop. The title
	// is read every way until it is found.
	var more []job
	for len(more) < want && (v != "" || promising || len(l.seen) > 0 || l.kind == lineTitle) {
		next := l.next
		// The witness is for birth dates only.
		if next < len(variants[l.kind]) && variants[l.kind][next].spread && !l.birthSeen() {
			next++
		}
		if next >= len(variants[l.kind]) {
			break
		}
		more = append(more, job{line: j.line, attempt: next})
		l.next = next + 1
	}
	if len(more) > 0 {
		l.pending += len(more)
		q.jobs = append(more, q.jobs...)
		return
	}
	l.done = true
	if l.kind == lineTitle && !q.found('T') && q.titlesDone() {
		q.jobs = nil
	}
}

// titlesDone reports whether every title line has had all its readings.
func (q *queue) titlesDone() bool {
	for _, l := range q.lines {
		if l.kind == lineTitle && !l.done {
			return false
		}
	}
	return true
}

// parse gives a reading's value ("" for none) and whether the text looks
// like a line of the kind all the same (worth another reading).
func (q *queue) parse(k lineKind, l line) (value string, promising bool) {
	switch k {
	case lineTitle:
		if isTitle(l) {
			return "T", true
		}
		return "", strings.Contains(l.text, "カード")
	case lineDate:
		if ds, c, seireki := birthOf(l, q.today); len(ds) == 1 && c >= minConfDate {
			return "B:" + ds[0].String(), true
		} else if len(ds) == 2 && c >= minConfDate {
			// Two eras fit: the expiry decides (resolve).
			return "A:" + ds[0].String() + "|" + ds[1].String(), true
		} else if seireki {
			q.foreign = true
		}
		if d, c, ok := expiryOf(l, q.today); ok && c >= minConfDate {
			return "E:" + d.String(), true
		}
		return "", strings.Contains(l.text, "年") && (strings.Contains(l.text, "生") || strings.Contains(l.text, "有効"))
	case lineCode:
		if c, conf, ok := codeOf(l); ok && conf >= minConfCode {
			return "C:" + c, true
		}
		n := len(l.text)
		return "", n >= 2 && n <= 6 && strings.Trim(l.text, "0123456789") == ""
	}
	return "", false
}

// result is what the card's readings add up to: each field given by one
// line (or by several with one value), the birth date and the expiry
// agreeing on month and day as a card's expiry is its holder's birthday;
// a birth date without an expiry only when all its readings agree.
func (q *queue) result() (Reading, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.found('T') {
		return Reading{}, false
	}
	expiry, _ := parseISO(q.only('E'))
	// A reading of two eras is settled by the expiry, when one was read.
	if !expiry.IsZero() {
		for i := range q.lines {
			if q.lines[i].kind == lineDate && q.lines[i].value == "" {
				q.lines[i].resolve(expiry.Year, q.today)
			}
		}
	}
	birthThrice := true
	for _, l := range q.lines {
		if l.value != "" && l.value[0] == 'B' && (len(l.seen[l.value]) < 3 || !l.unanimous(l.value)) {
			birthThrice = false
		}
	}
	var out Reading
	birth, _ := parseISO(q.only('B'))
	if q.foreign {
		birth = wareki.Date{}
	}
	switch {
	case !birth.IsZero() && !expiry.IsZero() && (birth.Month != expiry.Month || birth.Day != expiry.Day):
		birth, expiry = wareki.Date{}, wareki.Date{}
	case !birth.IsZero() && expiry.IsZero() && !birthThrice:
		birth = wareki.Date{}
	}
	out.birth = birth
	if !expiry.IsZero() {
		out.expiryYear = expiry.Year
	}
	out.code = q.only('C')
	return out, true
}

// only is the value of the kind ('B', 'E', 'C') that the lines agreed
// on, when they agreed on one; "" for none or several.
func (q *queue) only(kind byte) string {
	v := ""
	for _, l := range q.lines {
		if l.value == "" || l.value[0] != kind {
			continue
		}
		if v != "" && v != l.value[2:] {
			return ""
		}
		v = l.value[2:]
	}
	return v
}

// parseISO reads a wareki.Date's String form (YYYY-MM-DD).
func parseISO(s string) (wareki.Date, bool) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return wareki.Date{}, false
	}
	d, err := wareki.NewDate(t.Year(), t.Month(), t.Day())
	return d, err == nil
}

// collapsible reports whether a birth date ("B:YYYY-MM-DD") has a
// one-digit month, day or era year that Tesseract could have made of two
// digits by reading a doubled digit as one ("11" as "1") or dropping one
// ("19" as "9") at every scale alike — and the expiry's month and day
// with it, so that their agreement proves nothing: only the witness
// reading tells them apart.
func collapsible(v string) bool {
	d, ok := parseISO(v[2:])
	if !ok {
		return false
	}
	if d.Month <= 2 || d.Day < 10 {
		return true
	}
	_, y, ok := wareki.EraOf(d)
	return ok && y > 1 && y < 10
}

// eraDigits is how a birth date ("B:YYYY-MM-DD") is printed, in digits:
// era year (元 for 1), month and day, as witnessOf gives them.
func eraDigits(v string) string {
	d, ok := parseISO(v[2:])
	if !ok {
		return ""
	}
	_, y, ok := wareki.EraOf(d)
	if !ok {
		return ""
	}
	ys := strconv.Itoa(y)
	if y == 1 {
		ys = "元"
	}
	return fmt.Sprintf("%s.%d.%d", ys, d.Month, d.Day)
}
