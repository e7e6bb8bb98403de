package cardfront

import (
	"context"
	"errors"
	"image"
	"log/slog"
	"time"

	"github.com/uketsuke/uketsuke/camera"
	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// Hints are the catalog keys of the guidance the scanner gives.
const (
	HintShow   = "cardfront.show"   // no card in view: カードの表面をカメラに向けてください
	HintCloser = "cardfront.closer" // too far: もう少し近づけてください
	HintTurn   = "cardfront.turn"   // a back or another card: 表面を向けてください
	HintHold   = "cardfront.hold"   // a front, not yet read: そのまま動かさないでください
)

// Scanner is the kiosk's CardFrontReader: it reads frames from a camera
// feed — the card camera over the tray, or the face camera when there is
// none — until every part of 照合番号B was read the same in Agree frames,
// or Window has passed. A part read two different ways in the session is
// left unread: the patient types it.
type Scanner struct {
	Reader *Reader
	Feed   *camera.Feed
	// Agree is how many frames must give a part the same value; 0: 2.
	Agree int
	// Window is how long the scanner looks before it returns what it has;
	// 0: 4 s.
	Window time.Duration
	// OnFrame, if set, gets a small preview of each frame read, with the
	// card's outline box, for the live view.
	OnFrame func(preview image.Image, card image.Rectangle)
	// OnHint, if set, gets the guidance key when it changes.
	OnHint func(key string)
	// OnPrinted, if set, gets the printed photo of every frame read as a
	// front (Reading.PrintedPhoto), for the face decision. The receiver
	// keeps it in memory for the session only.
	OnPrinted func(photo image.Image, detail float64)
	// Log gets one line per reading: which parts, how long; never values.
	Log *slog.Logger
}

var _ kiosk.CardFrontReader = (*Scanner)(nil)

// ReadCardFront implements kiosk.CardFrontReader.
func (s *Scanner) ReadCardFront(ctx context.Context) (kiosk.CodeBParts, error) {
	window := s.Window
	if window <= 0 {
		window = 4 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, window)
	defer cancel()
	s.Feed.Flush()
	t := NewTracker(s.Agree)
	defer t.Release()
	start, frames := time.Now(), 0
	defer func() {
		if s.Log != nil {
			p := t.Result()
			s.Log.Info("card front read", "frames", frames, "ms", time.Since(start).Milliseconds(),
				"birth", !p.Birth.IsZero(), "expiry", p.ExpiryYear != 0, "code", p.SecurityCode != "")
		}
	}()
	hint := ""
	// A feed with frames waiting hands one over whatever ctx says: the
	// window is checked here.
	for !t.Result().Complete() && ctx.Err() == nil {
		frame, err := s.Feed.Next(ctx)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
				return t.Result(), nil
			}
			return t.Result(), err
		}
		frames++
		r, err := s.Reader.Read(frame)
		if s.OnFrame != nil {
			if img, box, perr := camera.Preview(frame, r.Box); perr == nil {
				s.OnFrame(img, box)
			}
		}
		frame.Close()
		if err != nil {
			return t.Result(), err
		}
		t.Add(r)
		if p, detail, ok := r.PrintedPhoto(); ok && r.Kind == Front && s.OnPrinted != nil {
			s.OnPrinted(p, detail)
		}
		if s.Log != nil {
			s.Log.Debug("card front frame", "kind", r.Kind.String(), "reading", r.String())
		}
		if h := hintOf(r); h != hint && s.OnHint != nil {
			hint = h
			s.OnHint(h)
		}
	}
	return t.Result(), nil
}

func hintOf(r Reading) string {
	switch r.Kind {
	case NoCard:
		return HintShow
	case TooSmall:
		return HintCloser
	case NotFront:
		return HintTurn
	}
	return HintHold
}

// Tracker adds up the readings of several frames: a part counts once it
// was read the same in Agree frames and never otherwise.
type Tracker struct {
	agree  int
	births map[wareki.Date]int
	years  map[int]int
	codes  map[string]int
}

// NewTracker makes a tracker that wants agree equal readings (0: 2).
func NewTracker(agree int) *Tracker {
	if agree <= 0 {
		agree = 2
	}
	return &Tracker{agree: agree, births: map[wareki.Date]int{}, years: map[int]int{}, codes: map[string]int{}}
}

// Add takes one frame's reading.
func (t *Tracker) Add(r Reading) {
	if r.Kind != Front {
		return
	}
	if b, ok := r.Birth(); ok {
		t.births[b]++
	}
	if y, ok := r.ExpiryYear(); ok {
		t.years[y]++
	}
	if c, ok := r.SecurityCode(); ok {
		t.codes[c]++
	}
}

// Result is what counts so far.
func (t *Tracker) Result() kiosk.CodeBParts {
	var p kiosk.CodeBParts
	p.Birth, _ = settled(t.births, t.agree)
	p.ExpiryYear, _ = settled(t.years, t.agree)
	p.SecurityCode, _ = settled(t.codes, t.agree)
	return p
}

// settled is the one value seen at least agree times, when no other was seen.
func settled[K comparable](seen map[K]int, agree int) (K, bool) {
	var zero K
	if len(seen) != 1 {
		return zero, false
	}
	for k, n := range seen {
		if n >= agree {
			return k, true
		}
	}
	return zero, false
}

// Release drops what the tracker holds.
func (t *Tracker) Release() {
	clear(t.births)
	clear(t.years)
	clear(t.codes)
}
