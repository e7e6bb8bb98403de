package eligibility

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/uketsuke/uketsuke/internal/atomicfile"
	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// Terminal is the eligibility port over the 資格確認端末's shared folder:
// it writes req/OQSsiquc01req_<id>.xml and waits for
// res/OQSsiquc01res_<id>.xml.
//
// A query by card identity needs a certified face-authentication reader on
// the terminal; Uketsuke's own reader cannot make one, so such a query
// answers kiosk.ErrNeedsNumbers and the kiosk asks for the numbers.
type Terminal struct {
	Dir         string        // the shared folder holding req/ and res/
	Institution string        // 医療機関コード (10 digits)
	Archive     string        // where answered files are moved; empty: deleted
	Timeout     time.Duration // default 60s
	Poll        time.Duration // default 200ms
	Clock       kiosk.Clock
}

var _ kiosk.EligibilityChecker = (*Terminal)(nil)

// Check sends one query and waits for its answer.
func (t *Terminal) Check(ctx context.Context, q kiosk.EligibilityQuery) (kiosk.EligibilityResult, error) {
	if q.ByNumbers == nil {
		return kiosk.EligibilityResult{}, fmt.Errorf("資格確認端末: %w", kiosk.ErrNeedsNumbers)
	}
	clock := t.Clock
	if clock == nil {
		clock = kiosk.SystemClock{}
	}
	timeout, poll := t.Timeout, t.Poll
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	if poll <= 0 {
		poll = 200 * time.Millisecond
	}
	now := clock.Now()
	id := uniqueID(now)
	body, err := NewRequest(*q.ByNumbers, t.Institution, id, wareki.Today(now)).Marshal()
	if err != nil {
		return kiosk.EligibilityResult{}, fmt.Errorf("資格確認 request: %w", err)
	}
	// Atomically: the terminal must never pick up a half-written request.
	if err := atomicfile.WriteFile(filepath.Join(t.Dir, "req", "OQSsiquc01req_"+id+".xml"), body, 0o644); err != nil {
		return kiosk.EligibilityResult{}, fmt.Errorf("資格確認端末 %s: %w: %w", t.Dir, kiosk.ErrEligibilityUnavailable, err)
	}
	res := filepath.Join(t.Dir, "res", "OQSsiquc01res_"+id+".xml")
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r, err := waitFor(ctx, res, poll)
	if err != nil {
		return kiosk.EligibilityResult{}, err
	}
	t.archive(res)
	return r.Kiosk()
}

// settle is how long an answer that does not parse must stay unchanged
// before it is taken as malformed rather than still being written.
const settle = time.Second

// waitFor polls for the answer file and parses it. A file still being
// written (a half that does not parse yet) is read again until it parses;
// one that stays malformed for settle, or until the deadline, is an error
// answer, not a missing one.
func waitFor(ctx context.Context, path string, poll time.Duration) (*Response, error) {
	var last []byte
	var lastErr error
	var since time.Time
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		b, err := ReadFile(path)
		if errors.Is(err, ErrNotRegular) || errors.Is(err, ErrTooLarge) {
			return nil, fmt.Errorf("資格確認端末 answer: %w", err)
		}
		if err == nil {
			r, perr := Parse(b)
			if perr == nil {
				return r, nil
			}
			if since.IsZero() || !bytes.Equal(b, last) {
				last, since = b, time.Now() // first sight, or still being written
			}
			lastErr = perr
			if time.Since(since) >= settle {
				return nil, fmt.Errorf("資格確認端末 answer %s: %w", filepath.Base(path), perr)
			}
		}
		select {
		case <-ctx.Done():
			if lastErr != nil {
				return nil, fmt.Errorf("資格確認端末 answer %s: %w", filepath.Base(path), lastErr)
			}
			return nil, fmt.Errorf("資格確認端末: no answer in time: %w: %w", kiosk.ErrEligibilityUnavailable, ctx.Err())
		case <-tick.C:
		}
	}
}

func (t *Terminal) archive(path string) {
	if t.Archive == "" {
		_ = os.Remove(path)
		return
	}
	if err := os.MkdirAll(t.Archive, 0o700); err == nil {
		if os.Rename(path, filepath.Join(t.Archive, filepath.Base(path))) == nil {
			return
		}
	}
	_ = os.Remove(path)
}

// uniqueID names a request: time to the millisecond plus random bytes.
func uniqueID(now time.Time) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s%03d%s", now.In(wareki.Tokyo).Format("20060102150405"), now.Nanosecond()/1e6, hex.EncodeToString(b))
}
