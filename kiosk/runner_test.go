package kiosk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Fakes are structs of function fields (restic's mock style); a nil field
// fails the test if it is called.
type fakeCard struct {
	read   func(ctx context.Context) (CardInfo, error)
	tries  func(ctx context.Context) (int, error)
	verify func(ctx context.Context, p PIN) (CardInfo, error)
	photo  func(ctx context.Context, c CodeB) ([]byte, error)
}

func (f *fakeCard) ReadCard(ctx context.Context) (CardInfo, error)         { return f.read(ctx) }
func (f *fakeCard) PINTries(ctx context.Context) (int, error)              { return f.tries(ctx) }
func (f *fakeCard) VerifyPIN(ctx context.Context, p PIN) (CardInfo, error) { return f.verify(ctx, p) }
func (f *fakeCard) ReadFacePhoto(ctx context.Context, c CodeB) ([]byte, error) {
	return f.photo(ctx, c)
}

type fakeFace struct {
	enrolled atomic.Int32
	forgot   atomic.Int32
	verify   func(ctx context.Context) (FaceMatch, error)
}

func (f *fakeFace) Enroll(context.Context, []byte) error          { f.enrolled.Add(1); return nil }
func (f *fakeFace) Verify(ctx context.Context) (FaceMatch, error) { return f.verify(ctx) }
func (f *fakeFace) Forget()                                       { f.forgot.Add(1) }

type fakeElig struct {
	check func(ctx context.Context, q EligibilityQuery) (EligibilityResult, error)
}

func (f *fakeElig) Check(ctx context.Context, q EligibilityQuery) (EligibilityResult, error) {
	return f.check(ctx, q)
}

type fakeStore struct {
	mu       sync.Mutex
	visits   []Visit
	register func(ctx context.Context, v Visit) (Ticket, error)
}

func (f *fakeStore) Register(ctx context.Context, v Visit) (Ticket, error) {
	t, err := f.register(ctx, v)
	if err == nil {
		f.mu.Lock()
		f.visits = append(f.visits, v)
		f.mu.Unlock()
	}
	return t, err
}

type fakeAudit struct {
	mu   sync.Mutex
	rows []AuditEntry
}

func (f *fakeAudit) Append(_ context.Context, e AuditEntry) error {
	f.mu.Lock()
	f.rows = append(f.rows, e)
	f.mu.Unlock()
	return nil
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

type runFixture struct {
	card    *fakeCard
	face    *fakeFace
	elig    *fakeElig
	store   *fakeStore
	audit   *fakeAudit
	clock   *fakeClock
	printer *fakePrinter
	r       *Runner
	views   chan View
}

func newRunFixture(t *testing.T) *runFixture {
	f := &runFixture{
		card: &fakeCard{
			read:   func(context.Context) (CardInfo, error) { return validCard, nil },
			tries:  func(context.Context) (int, error) { return 3, nil },
			verify: func(_ context.Context, p PIN) (CardInfo, error) { return validCard, nil },
			photo:  func(context.Context, CodeB) ([]byte, error) { return []byte("jp2"), nil },
		},
		face:  &fakeFace{verify: func(context.Context) (FaceMatch, error) { return FaceMatch{true, 0.9}, nil }},
		elig:  &fakeElig{check: func(context.Context, EligibilityQuery) (EligibilityResult, error) { return validResult(), nil }},
		audit: &fakeAudit{},
		clock: &fakeClock{now: t0},
		views: make(chan View, 256),
	}
	f.store = &fakeStore{register: func(context.Context, Visit) (Ticket, error) {
		return Ticket{VisitID: "v1", Number: "001"}, nil
	}}
	return f
}

func (f *runFixture) start(t *testing.T) {
	t.Helper()
	ports := Ports{Card: f.card, Face: f.face, Eligibility: f.elig, Store: f.store, Audit: f.audit, Clock: f.clock}
	if f.printer != nil {
		ports.Printer = f.printer
	}
	f.r = NewRunner(NewMachine(DefaultConfig()), ports, func(v View) { f.views <- v })
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- f.r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v", err)
		}
	})
}

// await reads views until one is in state s; it fails after 5 s, which
// only a hang can reach (nothing here sleeps).
func (f *runFixture) await(t *testing.T, s State) View {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case v := <-f.views:
			if v.State == s {
				return v
			}
		case <-deadline:
			t.Fatalf("never reached %s; last view %s", s, f.r.View().State)
		}
	}
}

func TestRunnerPINPathEndToEnd(t *testing.T) {
	f := newRunFixture(t)
	var gotPIN string
	f.card.verify = func(_ context.Context, p PIN) (CardInfo, error) {
		gotPIN = string(p.Bytes())
		return validCard, nil
	}
	f.start(t)
	f.r.Post(t.Context(), CardInserted{})
	f.await(t, StateChoosingMethod)
	f.r.Post(t.Context(), MethodChosen{MethodPIN})
	if v := f.await(t, StateEnteringPIN); v.PINLeft != 3 {
		t.Fatalf("tries %d", v.PINLeft)
	}
	f.r.Post(t.Context(), PINEntered{pin("4321")})
	f.await(t, StateConsent)
	f.r.Post(t.Context(), ConsentGiven{Consent{Comprehensive: true}})
	v := f.await(t, StateTicket)
	if v.Ticket.Number != "001" || gotPIN != "4321" {
		t.Fatalf("ticket %+v, PIN sent %q", v.Ticket, gotPIN)
	}
	f.r.Post(t.Context(), Acknowledged{})
	f.await(t, StateWelcome)
	if f.face.forgot.Load() != 1 {
		t.Fatalf("Forget called %d times", f.face.forgot.Load())
	}
	f.store.mu.Lock()
	defer f.store.mu.Unlock()
	if len(f.store.visits) != 1 || f.store.visits[0].Auth != AuthPIN {
		t.Fatalf("visits %+v", f.store.visits)
	}
}

func TestRunnerFacePathEnrollsInMemory(t *testing.T) {
	f := newRunFixture(t)
	var photoBuf []byte
	f.card.photo = func(context.Context, CodeB) ([]byte, error) {
		photoBuf = []byte("a chip photo")
		return photoBuf, nil
	}
	f.start(t)
	f.faceCode(t)
	f.await(t, StateConsent)
	if f.face.enrolled.Load() != 1 {
		t.Fatal("photo not enrolled")
	}
	for _, b := range photoBuf {
		if b != 0 {
			t.Fatal("the runner kept the chip photo after enrolling it")
		}
	}
}

func TestRunnerErrorsBecomeEvents(t *testing.T) {
	tests := []struct {
		err  error
		want State
	}{
		{fmt.Errorf("read: %w", ErrNotMyNumberCard), StateChoosingDocument},
		{fmt.Errorf("read: %w", ErrNoReader), StateChoosingDocument},
		{fmt.Errorf("read: %w", ErrCardRemoved), StateWelcome},
		{fmt.Errorf("read: %w: %w", ErrCardUntrusted, errors.New("signature does not verify")), StateStaff},
	}
	for _, tt := range tests {
		f := newRunFixture(t)
		f.card.read = func(context.Context) (CardInfo, error) { return CardInfo{}, tt.err }
		f.start(t)
		f.r.Post(t.Context(), CardInserted{})
		f.await(t, StateReadingCard)
		if v := f.await(t, tt.want); tt.want == StateChoosingDocument && v.CardProblem == 0 {
			t.Errorf("%v: no card problem in view", tt.err)
		}
	}
	f := newRunFixture(t)
	f.card.verify = func(context.Context, PIN) (CardInfo, error) {
		return CardInfo{}, fmt.Errorf("verify: %w", &PINError{Remaining: 2})
	}
	f.start(t)
	f.r.Post(t.Context(), CardInserted{})
	f.await(t, StateChoosingMethod)
	f.r.Post(t.Context(), MethodChosen{MethodPIN})
	f.await(t, StateEnteringPIN)
	f.r.Post(t.Context(), PINEntered{pin("0000")})
	f.await(t, StateVerifyingPIN)
	if v := f.await(t, StateEnteringPIN); v.PINLeft != 2 {
		t.Fatalf("after a wrong PIN the view shows %d tries", v.PINLeft)
	}

	f = newRunFixture(t)
	f.elig.check = func(context.Context, EligibilityQuery) (EligibilityResult, error) {
		return EligibilityResult{}, fmt.Errorf("terminal: %w", ErrEligibilityUnavailable)
	}
	f.start(t)
	f.r.Post(t.Context(), CardInserted{})
	f.await(t, StateChoosingMethod)
	f.r.Post(t.Context(), StaffConfirm{Staff: "s01"})
	f.await(t, StateConsent)
	f.r.Post(t.Context(), ConsentGiven{})
	if v := f.await(t, StateTicket); !v.Pending {
		t.Fatal("visit not marked pending when the terminal is down")
	}
}

func TestRunnerCancelStopsSlowWorkButNotACheckIn(t *testing.T) {
	f := newRunFixture(t)
	readCancelled := make(chan struct{})
	f.card.read = func(ctx context.Context) (CardInfo, error) {
		<-ctx.Done()
		close(readCancelled)
		return CardInfo{}, ctx.Err()
	}
	release := make(chan struct{})
	storeDone := make(chan string, 1)
	f.store.register = func(ctx context.Context, v Visit) (Ticket, error) {
		<-release
		storeDone <- fmt.Sprint(ctx.Err())
		return Ticket{VisitID: "v9", Number: "009"}, nil
	}
	f.start(t)
	f.r.Post(t.Context(), CardInserted{})
	f.await(t, StateReadingCard)
	f.r.Post(t.Context(), StaffCancel{Staff: "s01"})
	f.await(t, StateWelcome)
	select {
	case <-readCancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("ending the session did not cancel the card read")
	}
	f.r.Post(t.Context(), StaffCheckIn{Staff: "s01"})
	f.await(t, StateRegistering)
	f.r.Post(t.Context(), StaffCancel{Staff: "s01"})
	f.await(t, StateWelcome)
	close(release)
	select {
	case got := <-storeDone:
		if got != "<nil>" {
			t.Fatalf("the check-in's context was cancelled with the session: %v", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the check-in never finished")
	}
}

func TestRunnerTimeoutWithInjectedClock(t *testing.T) {
	f := newRunFixture(t)
	f.start(t)
	f.r.Post(t.Context(), CardInserted{})
	v := f.await(t, StateChoosingMethod)
	f.clock.Add(v.Deadline.Sub(f.clock.Now()))
	f.r.Post(t.Context(), Tick{})
	f.await(t, StateWelcome)
	if f.face.forgot.Load() != 1 {
		t.Fatal("timeout did not end the session in the adapters")
	}
	f.audit.mu.Lock()
	defer f.audit.mu.Unlock()
	found := false
	for _, r := range f.audit.rows {
		found = found || (r.Action == "timeout" && r.Outcome == "choosing-method")
	}
	if !found {
		t.Fatalf("timeout not audited: %+v", f.audit.rows)
	}
}

// TestAbandonedRequestIsCancelled: when the patient leaves the face check
// for the PIN, the running face check is cancelled at once (it stops
// taking camera frames), not left to run to its own timeout.
func TestAbandonedRequestIsCancelled(t *testing.T) {
	f := newRunFixture(t)
	started, stopped := make(chan struct{}), make(chan error, 1)
	f.face.verify = func(ctx context.Context) (FaceMatch, error) {
		close(started)
		<-ctx.Done() // a camera that never finds a face
		stopped <- ctx.Err()
		return FaceMatch{}, ctx.Err()
	}
	f.start(t)
	f.faceCode(t)
	f.await(t, StateMatchingFace)
	<-started
	f.r.Post(t.Context(), UsePINInstead{})
	f.await(t, StateEnteringPIN)
	select {
	case err := <-stopped:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("face check ended with %v", err)
		}
	case <-time.After(5 * time.Second): // only a hang reaches this
		t.Fatal("the abandoned face check was not cancelled")
	}
}

// TestPostAfterRunReturned: a late event from the screen does not block.
func TestPostAfterRunReturned(t *testing.T) {
	r := NewRunner(NewMachine(DefaultConfig()), Ports{}, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := r.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	for range 100 { // more than the queue holds
		if err := r.Post(t.Context(), CallStaff{}); err != nil {
			if !errors.Is(err, ErrStopped) {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatal("Post kept accepting events after Run returned")
}

type unknownEffect struct{}

func (unknownEffect) isEffect() {}

// TestUnknownEffectIsAProgrammingError: an effect the runner does not know
// fails loudly at once.
func TestUnknownEffectIsAProgrammingError(t *testing.T) {
	f := newRunFixture(t)
	r := NewRunner(NewMachine(DefaultConfig()), Ports{Card: f.card, Face: f.face, Eligibility: f.elig, Store: f.store, Audit: f.audit}, nil)
	defer func() {
		if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), "unknownEffect") {
			t.Fatalf("recovered %v", p)
		}
	}()
	r.Exec(t.Context(), unknownEffect{})
}

// fakePrinter prints tickets when release lets it, failing with err.
type fakePrinter struct {
	mu      sync.Mutex
	tickets []string
	release chan struct{}
	err     error
}

func (p *fakePrinter) PrintTicket(ctx context.Context, t Ticket) error {
	if p.release != nil {
		<-p.release
	}
	p.mu.Lock()
	p.tickets = append(p.tickets, t.Number)
	p.mu.Unlock()
	return p.err
}

func (p *fakePrinter) PrintSlip(context.Context, string) error { return nil }

// ticketFlow walks a PIN patient to the ticket.
func (f *runFixture) ticketFlow(t *testing.T) View {
	t.Helper()
	f.r.Post(t.Context(), CardInserted{})
	f.await(t, StateChoosingMethod)
	f.r.Post(t.Context(), MethodChosen{MethodPIN})
	f.await(t, StateEnteringPIN)
	f.r.Post(t.Context(), PINEntered{pin("1234")})
	f.await(t, StateConsent)
	f.r.Post(t.Context(), ConsentGiven{Consent{Comprehensive: true}})
	return f.await(t, StateTicket)
}

// TestSlowPrinterNeverStallsThePatient: the ticket prints off the event
// loop, once; the screen shows the outcome when it comes, and the next
// patient can start meanwhile. The print is audited.
func TestSlowPrinterNeverStallsThePatient(t *testing.T) {
	f := newRunFixture(t)
	f.printer = &fakePrinter{release: make(chan struct{})}
	f.start(t)
	if v := f.ticketFlow(t); v.Print != PrintPrinting {
		t.Fatalf("print %s while the printer is busy", v.Print)
	}
	f.r.Post(t.Context(), Acknowledged{}) // the flow goes on while the printer is busy
	f.await(t, StateWelcome)
	close(f.printer.release)
	deadline := time.After(5 * time.Second)
	for {
		f.audit.mu.Lock()
		printed := slices.ContainsFunc(f.audit.rows, func(e AuditEntry) bool { return e.Action == "ticket.print" && e.Outcome == "ok" })
		f.audit.mu.Unlock()
		if printed {
			break
		}
		select {
		case <-deadline:
			t.Fatal("the print was never audited")
		case <-time.After(10 * time.Millisecond):
		}
	}
	f.printer.mu.Lock()
	defer f.printer.mu.Unlock()
	if len(f.printer.tickets) != 1 || f.printer.tickets[0] != "001" {
		t.Fatalf("printed %v", f.printer.tickets)
	}
}

// TestFailedPrintTellsThePatient: a printer error shows on the ticket screen.
func TestFailedPrintTellsThePatient(t *testing.T) {
	f := newRunFixture(t)
	f.printer = &fakePrinter{err: errors.New("paper out")}
	f.start(t)
	f.ticketFlow(t)
	for {
		v := f.await(t, StateTicket)
		if v.Print == PrintFailed {
			break
		}
	}
}

// faceCode reads the card, chooses the face path and types 照合番号B.
func (f *runFixture) faceCode(t *testing.T) {
	t.Helper()
	f.r.Post(t.Context(), CardInserted{})
	f.await(t, StateChoosingMethod)
	f.r.Post(t.Context(), MethodChosen{MethodFace})
	f.await(t, StateEnteringCodeB)
	f.r.Post(t.Context(), CodeBEntered{Birth: "S55.2.17", ExpiryYear: 2035, SecurityCode: "2285"})
}
