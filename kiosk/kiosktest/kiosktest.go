// Package kiosktest has in-memory adapters of the kiosk's ports with the
// real semantics — PIN and 照合番号B counters that count down and lock,
// gapless 受付番号 per Tokyo day — for the simulator and for every test of
// the core, the screen and the binary: one set of fakes for all. Each
// adapter is safe for concurrent use (the Runner calls them from its
// request goroutines); hooks, when set, replace a method's behaviour for a
// test that must block or observe.
package kiosktest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// Card is a My Number card on the reader.
type Card struct {
	mu           sync.Mutex
	PIN          string
	PINLeft      int // tries left; 0 is locked
	CodeBLeft    int // 照合番号B tries left (10 on a fresh card); 0 is locked
	Birth        wareki.Date
	ExpiryYear   int
	SecurityCode string
	Info         kiosk.CardInfo // what ReadCard reports
	ReadErr      error          // ReadCard fails with it
	RemoveAtOp   int            // the card leaves the reader at this operation (0: never)
	Photo        []byte         // the chip photo (default: a few bytes)
	ops          int

	OnRead   func(ctx context.Context) (kiosk.CardInfo, error)
	OnTries  func(ctx context.Context) (int, error)
	OnVerify func(ctx context.Context, pin kiosk.PIN) (kiosk.CardInfo, error)
	OnPhoto  func(ctx context.Context, code kiosk.CodeB) ([]byte, error)
}

var _ kiosk.CardReader = (*Card)(nil)

// NewCard returns a card with 3 PIN tries, 10 照合番号B tries and a
// certificate valid for years.
func NewCard(pin string, birth wareki.Date, expiryYear int, securityCode string) *Card {
	return &Card{PIN: pin, PINLeft: 3, CodeBLeft: 10, Birth: birth, ExpiryYear: expiryYear, SecurityCode: securityCode,
		Info: kiosk.CardInfo{CertSerial: "0A1B", CertNotAfter: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}}
}

// op counts a card operation; the card is gone at RemoveAtOp.
func (c *Card) op() error {
	c.ops++
	if c.RemoveAtOp > 0 && c.ops >= c.RemoveAtOp {
		return kiosk.ErrCardRemoved
	}
	return nil
}

// ReadCard implements kiosk.CardReader.
func (c *Card) ReadCard(ctx context.Context) (kiosk.CardInfo, error) {
	if c.OnRead != nil {
		return c.OnRead(ctx)
	}
	return locked(&c.mu, c.readLocked)
}

// locked runs f holding mu.
func locked[T any](mu *sync.Mutex, f func() (T, error)) (T, error) {
	mu.Lock()
	defer mu.Unlock()
	return f()
}

func (c *Card) readLocked() (kiosk.CardInfo, error) {
	if err := c.op(); err != nil {
		return kiosk.CardInfo{}, fmt.Errorf("read certificate: %w", err)
	}
	if c.ReadErr != nil {
		return kiosk.CardInfo{}, fmt.Errorf("read certificate: %w", c.ReadErr)
	}
	return c.Info, nil
}

// PINTries implements kiosk.CardReader.
func (c *Card) PINTries(ctx context.Context) (int, error) {
	if c.OnTries != nil {
		return c.OnTries(ctx)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.op(); err != nil {
		return 0, fmt.Errorf("query PIN tries: %w", err)
	}
	return c.PINLeft, nil
}

// VerifyPIN implements kiosk.CardReader: a wrong PIN costs a try, the
// right one resets the counter.
func (c *Card) VerifyPIN(ctx context.Context, pin kiosk.PIN) (kiosk.CardInfo, error) {
	if c.OnVerify != nil {
		return c.OnVerify(ctx, pin)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.op(); err != nil {
		return kiosk.CardInfo{}, fmt.Errorf("verify PIN: %w", err)
	}
	if c.PINLeft <= 0 {
		return kiosk.CardInfo{}, fmt.Errorf("verify PIN: %w", kiosk.ErrPINBlocked)
	}
	if string(pin.Bytes()) != c.PIN {
		c.PINLeft--
		return kiosk.CardInfo{}, fmt.Errorf("verify PIN: %w", &kiosk.PINError{Remaining: c.PINLeft})
	}
	c.PINLeft = 3
	return c.readLocked() // the certificate, as a phone's opens only now
}

// ReadFacePhoto implements kiosk.CardReader: a wrong 照合番号B costs one of
// the card's tries.
func (c *Card) ReadFacePhoto(ctx context.Context, code kiosk.CodeB) ([]byte, error) {
	if c.OnPhoto != nil {
		return c.OnPhoto(ctx, code)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.op(); err != nil {
		return nil, fmt.Errorf("read card face: %w", err)
	}
	if c.CodeBLeft <= 0 {
		return nil, fmt.Errorf("read card face: %w", kiosk.ErrCodeBBlocked)
	}
	want, err := kiosk.NewCodeB(c.Birth, c.ExpiryYear, c.SecurityCode)
	if err != nil || string(code.Bytes()) != string(want.Bytes()) {
		c.CodeBLeft--
		return nil, fmt.Errorf("read card face: %w", &kiosk.CodeBError{Remaining: c.CodeBLeft})
	}
	c.CodeBLeft = 10
	if c.Photo == nil {
		return []byte("chip photo"), nil
	}
	return append([]byte(nil), c.Photo...), nil
}

// Face is a face verifier: the enrolled face matches on attempt MatchOn
// (1: the first; 0: never).
type Face struct {
	mu       sync.Mutex
	MatchOn  int
	OnVerify func(ctx context.Context) (kiosk.FaceMatch, error)
	enrolled bool
	attempts int
	// Enrolled and Forgot count the calls.
	Enrolled, Forgot atomic.Int32
}

var _ kiosk.FaceVerifier = (*Face)(nil)

// Enroll implements kiosk.FaceVerifier.
func (f *Face) Enroll(context.Context, []byte) error {
	f.Enrolled.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.enrolled, f.attempts = true, 0
	return nil
}

// Verify implements kiosk.FaceVerifier.
func (f *Face) Verify(ctx context.Context) (kiosk.FaceMatch, error) {
	if f.OnVerify != nil {
		return f.OnVerify(ctx)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.enrolled {
		return kiosk.FaceMatch{}, fmt.Errorf("verify face: nothing enrolled")
	}
	f.attempts++
	if f.MatchOn > 0 && f.attempts >= f.MatchOn {
		return kiosk.FaceMatch{Matched: true, Score: 0.82}, nil
	}
	return kiosk.FaceMatch{Matched: false, Score: 0.31}, nil
}

// Forget implements kiosk.FaceVerifier.
func (f *Face) Forget() {
	f.Forgot.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.enrolled, f.attempts = false, 0
}

// CardFront is a card-front camera that reads Parts every time.
type CardFront struct {
	Parts kiosk.CodeBParts
	// Reads counts the calls.
	Reads atomic.Int32
}

var _ kiosk.CardFrontReader = (*CardFront)(nil)

// ReadCardFront implements kiosk.CardFrontReader.
func (c *CardFront) ReadCardFront(ctx context.Context) (kiosk.CodeBParts, error) {
	c.Reads.Add(1)
	return c.Parts, ctx.Err()
}

// Eligibility is an オンライン資格確認 backend that answers every query
// with Result, records the queries, and can be down.
type Eligibility struct {
	mu      sync.Mutex
	Result  kiosk.EligibilityResult
	Known   bool // a query by the card alone can be answered
	Down    bool // the terminal does not answer
	OnCheck func(ctx context.Context, q kiosk.EligibilityQuery) (kiosk.EligibilityResult, error)
	queries []kiosk.EligibilityQuery
}

var _ kiosk.EligibilityChecker = (*Eligibility)(nil)

// Check implements kiosk.EligibilityChecker.
func (e *Eligibility) Check(ctx context.Context, q kiosk.EligibilityQuery) (kiosk.EligibilityResult, error) {
	if e.OnCheck != nil {
		return e.OnCheck(ctx, q)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.queries = append(e.queries, q)
	switch {
	case e.Down:
		return kiosk.EligibilityResult{}, fmt.Errorf("資格確認端末: %w", kiosk.ErrEligibilityUnavailable)
	case q.ByNumbers == nil && !e.Known:
		return kiosk.EligibilityResult{}, fmt.Errorf("card only: %w", kiosk.ErrNeedsNumbers)
	}
	return e.Result, nil
}

// Queries returns the queries asked so far.
func (e *Eligibility) Queries() []kiosk.EligibilityQuery {
	return snapshot(&e.mu, &e.queries)
}

// Store is a visit store that numbers visits per Tokyo day, gapless, with
// an optional prefix, and keeps the audit rows.
type Store struct {
	mu         sync.Mutex
	Prefix     string
	Fail       error // Register fails with it (nothing is stored)
	OnRegister func(ctx context.Context, v kiosk.Visit) (kiosk.Ticket, error)
	visits     []kiosk.Visit
	audit      []kiosk.AuditEntry
	perDay     map[wareki.Date]int
}

var (
	_ kiosk.VisitStore = (*Store)(nil)
	_ kiosk.AuditLog   = (*Store)(nil)
)

// Register implements kiosk.VisitStore.
func (s *Store) Register(ctx context.Context, v kiosk.Visit) (kiosk.Ticket, error) {
	if s.OnRegister != nil {
		t, err := s.OnRegister(ctx, v)
		if err == nil {
			s.mu.Lock()
			s.visits = append(s.visits, v)
			s.mu.Unlock()
		}
		return t, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Fail != nil {
		return kiosk.Ticket{}, fmt.Errorf("register: %w", s.Fail)
	}
	if s.perDay == nil {
		s.perDay = map[wareki.Date]int{}
	}
	day := wareki.Today(v.CreatedAt)
	s.perDay[day]++
	n := s.perDay[day]
	s.visits = append(s.visits, v)
	return kiosk.Ticket{VisitID: fmt.Sprintf("v-%s-%04d", day.Compact(), n), Number: fmt.Sprintf("%s%03d", s.Prefix, n), Waiting: len(s.visits) - 1}, nil
}

// Append implements kiosk.AuditLog.
func (s *Store) Append(_ context.Context, e kiosk.AuditEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.audit = append(s.audit, e)
	return nil
}

// Visits returns the visits registered so far.
func (s *Store) Visits() []kiosk.Visit {
	return snapshot(&s.mu, &s.visits)
}

// Audit returns the audit rows appended so far.
func (s *Store) Audit() []kiosk.AuditEntry {
	return snapshot(&s.mu, &s.audit)
}

// Clock is a clock the test or the simulation moves; nothing sleeps.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now implements kiosk.Clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Printer records what it prints; with Release set it waits for it first
// (a slow printer), and with Err it fails.
type Printer struct {
	mu      sync.Mutex
	Release chan struct{}
	Err     error
	tickets []string
	slips   []string
}

var _ kiosk.Printer = (*Printer)(nil)

// PrintTicket implements kiosk.Printer.
func (p *Printer) PrintTicket(ctx context.Context, t kiosk.Ticket) error {
	if p.Release != nil {
		select {
		case <-p.Release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tickets = append(p.tickets, t.Number)
	return p.Err
}

// PrintSlip implements kiosk.Printer.
func (p *Printer) PrintSlip(_ context.Context, text string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.slips = append(p.slips, text)
	return p.Err
}

// Tickets returns the numbers printed so far.
func (p *Printer) Tickets() []string {
	return snapshot(&p.mu, &p.tickets)
}

// Slips returns the slips printed so far.
func (p *Printer) Slips() []string {
	return snapshot(&p.mu, &p.slips)
}

// snapshot copies the slice *s, which mu guards.
func snapshot[T any](mu *sync.Mutex, s *[]T) []T {
	mu.Lock()
	defer mu.Unlock()
	return append([]T(nil), *s...)
}

// Speaker is a voice guide that records the lines said and the session
// ends.
type Speaker struct {
	mu    sync.Mutex
	lines []kiosk.Line
	ends  int
}

var _ kiosk.Speaker = (*Speaker)(nil)

// Say implements kiosk.Speaker.
func (s *Speaker) Say(_ context.Context, l kiosk.Line) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines = append(s.lines, l)
}

// End implements kiosk.Speaker.
func (s *Speaker) End() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ends++
}

// Lines returns the lines said so far.
func (s *Speaker) Lines() []kiosk.Line {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.lines)
}
