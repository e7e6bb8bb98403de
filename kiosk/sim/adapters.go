package sim

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// Clock is a virtual clock that the simulation moves forward by the modeled
// duration of every action; nothing sleeps.
type Clock struct{ now time.Time }

// Now returns the virtual time.
func (c *Clock) Now() time.Time { return c.now }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.now = c.now.Add(d) }

// Card is an in-memory My Number card with real counter semantics: wrong
// PINs count down from 3 and lock at 0; wrong 照合番号B count down from 10.
type Card struct {
	persona   *Persona
	pinLeft   int
	codeBLeft int
	ops       int // card operations so far, for removal mid-session
}

// Insert puts the persona's card on the reader.
func (c *Card) Insert(p *Persona) {
	c.persona, c.ops = p, 0
	c.pinLeft, c.codeBLeft = p.PINTries, 10
}

func (c *Card) op() error {
	c.ops++
	if c.persona == nil || (c.persona.RemoveAtOp > 0 && c.ops >= c.persona.RemoveAtOp) {
		return kiosk.ErrCardRemoved
	}
	return nil
}

// ReadCard implements kiosk.CardReader.
func (c *Card) ReadCard(context.Context) (kiosk.CardInfo, error) {
	if err := c.op(); err != nil {
		return kiosk.CardInfo{}, fmt.Errorf("read certificate: %w", err)
	}
	if c.persona.CardFault {
		return kiosk.CardInfo{}, fmt.Errorf("read certificate: %w", kiosk.ErrNoReader)
	}
	return kiosk.CardInfo{CertSerial: c.persona.ID, CertNotAfter: c.persona.CertNotAfter}, nil
}

// PINTries implements kiosk.CardReader.
func (c *Card) PINTries(context.Context) (int, error) {
	if err := c.op(); err != nil {
		return 0, fmt.Errorf("query PIN tries: %w", err)
	}
	return c.pinLeft, nil
}

// VerifyPIN implements kiosk.CardReader.
func (c *Card) VerifyPIN(ctx context.Context, pin kiosk.PIN) (kiosk.CardInfo, error) {
	if err := c.op(); err != nil {
		return kiosk.CardInfo{}, fmt.Errorf("verify PIN: %w", err)
	}
	if c.pinLeft <= 0 {
		return kiosk.CardInfo{}, fmt.Errorf("verify PIN: %w", kiosk.ErrPINBlocked)
	}
	if string(pin.Bytes()) != c.persona.PIN {
		c.pinLeft--
		return kiosk.CardInfo{}, fmt.Errorf("verify PIN: %w", &kiosk.PINError{Remaining: c.pinLeft})
	}
	c.pinLeft = 3
	return c.ReadCard(ctx)
}

// ReadFacePhoto implements kiosk.CardReader.
func (c *Card) ReadFacePhoto(_ context.Context, code kiosk.CodeB) ([]byte, error) {
	if err := c.op(); err != nil {
		return nil, fmt.Errorf("read card face: %w", err)
	}
	if c.codeBLeft <= 0 {
		return nil, fmt.Errorf("read card face: %w", kiosk.ErrCodeBBlocked)
	}
	want, err := kiosk.NewCodeB(c.persona.Birth, c.persona.CardExpiryYear, c.persona.SecurityCode)
	if err != nil || string(code.Bytes()) != string(want.Bytes()) {
		c.codeBLeft--
		return nil, fmt.Errorf("read card face: %w", &kiosk.CodeBError{Remaining: c.codeBLeft})
	}
	c.codeBLeft = 10
	return []byte("simulated JPEG 2000 photo of " + c.persona.ID), nil
}

// Face is an in-memory face verifier: the persona's face matches on the
// attempt its FaceMatchOn says (0 = never).
type Face struct {
	card     *Card
	enrolled bool
	attempts int
}

// Enroll implements kiosk.FaceVerifier.
func (f *Face) Enroll(context.Context, []byte) error {
	f.enrolled, f.attempts = true, 0
	return nil
}

// Verify implements kiosk.FaceVerifier.
func (f *Face) Verify(context.Context) (kiosk.FaceMatch, error) {
	if !f.enrolled {
		return kiosk.FaceMatch{}, fmt.Errorf("verify face: nothing enrolled")
	}
	f.attempts++
	p := f.card.persona
	if p.FaceMatchOn > 0 && f.attempts >= p.FaceMatchOn {
		return kiosk.FaceMatch{Matched: true, Score: 0.82}, nil
	}
	return kiosk.FaceMatch{Matched: false, Score: 0.31}, nil
}

// Forget implements kiosk.FaceVerifier.
func (f *Face) Forget() { f.enrolled, f.attempts = false, 0 }

// Eligibility answers from the current persona.
type Eligibility struct{ card *Card }

// Check implements kiosk.EligibilityChecker.
func (e *Eligibility) Check(_ context.Context, q kiosk.EligibilityQuery) (kiosk.EligibilityResult, error) {
	p := e.card.persona
	switch {
	case p.TerminalDown:
		return kiosk.EligibilityResult{}, fmt.Errorf("資格確認端末: %w", kiosk.ErrEligibilityUnavailable)
	case q.ByNumbers == nil && q.ByCard != nil && !p.KnownNumbers:
		return kiosk.EligibilityResult{}, fmt.Errorf("card %s: %w", q.ByCard.CertSerial, kiosk.ErrNeedsNumbers)
	}
	return kiosk.EligibilityResult{
		Validity: p.Validity, Card: p.Insurance, Birth: p.Birth, Name: p.Name,
		Ratio: "030", LateElderly: p.Insurance.Insurer.IsLateElderly(), ResultSource: "sim",
	}, nil
}

// Store is an in-memory visit store that numbers visits per Tokyo day,
// gapless, with an optional prefix.
type Store struct {
	mu      sync.Mutex
	prefix  string
	perDay  map[wareki.Date]int
	Visits  []kiosk.Visit
	waiting int
}

// NewStore returns an empty store.
func NewStore(prefix string) *Store { return &Store{prefix: prefix, perDay: map[wareki.Date]int{}} }

// Register implements kiosk.VisitStore.
func (s *Store) Register(_ context.Context, v kiosk.Visit) (kiosk.Ticket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	day := wareki.Today(v.CreatedAt)
	s.perDay[day]++
	s.Visits = append(s.Visits, v)
	t := kiosk.Ticket{
		VisitID: fmt.Sprintf("sim-%s-%04d", day.Compact(), s.perDay[day]),
		Number:  fmt.Sprintf("%s%03d", s.prefix, s.perDay[day]),
		Waiting: s.waiting,
	}
	s.waiting++
	return t, nil
}

// Audit keeps audit rows in memory.
type Audit struct{ Rows []kiosk.AuditEntry }

// Append implements kiosk.AuditLog.
func (a *Audit) Append(_ context.Context, e kiosk.AuditEntry) error {
	a.Rows = append(a.Rows, e)
	return nil
}

// teeAudit appends to two logs.
type teeAudit struct{ a, b kiosk.AuditLog }

func (t teeAudit) Append(ctx context.Context, e kiosk.AuditEntry) error {
	return errors.Join(t.a.Append(ctx, e), t.b.Append(ctx, e))
}
