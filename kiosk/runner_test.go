package kiosk_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	. "github.com/uketsuke/uketsuke/kiosk" // the runner's tests use the shared fakes, which import kiosk
	"github.com/uketsuke/uketsuke/kiosk/insurance"
	"github.com/uketsuke/uketsuke/kiosk/kiosktest"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// t0, validCard and validResult are the runner tests' patient.
var (
	t0        = time.Date(2026, 11, 25, 10, 0, 0, 0, wareki.Tokyo)
	validCard = CardInfo{CertSerial: "1A2B", CertNotAfter: t0.AddDate(3, 0, 0)}
)

func validResult() EligibilityResult {
	return EligibilityResult{Validity: ValidityValid, Card: insurance.Card{Insurer: "06132013", Number: "1987654", Branch: "01"}, Name: "診療　太郎"}
}

func pin(s string) PIN {
	p, err := NewPIN(s)
	if err != nil {
		panic(err)
	}
	return p
}

type runFixture struct {
	card    *kiosktest.Card
	face    *kiosktest.Face
	elig    *kiosktest.Eligibility
	store   *kiosktest.Store
	audit   *kiosktest.Store
	clock   *kiosktest.Clock
	printer *kiosktest.Printer
	speaker *kiosktest.Speaker
	r       *Runner
	views   chan View
}

func newRunFixture(t *testing.T) *runFixture {
	card := kiosktest.NewCard("1234", wareki.MustDate(1980, 2, 17), 2035, "2285")
	card.Info = validCard
	return &runFixture{
		card:  card,
		face:  &kiosktest.Face{MatchOn: 1},
		elig:  &kiosktest.Eligibility{Result: validResult(), Known: true},
		store: &kiosktest.Store{},
		audit: &kiosktest.Store{},
		clock: kiosktest.NewClock(t0),
		views: make(chan View, 256),
	}
}

func (f *runFixture) start(t *testing.T) {
	t.Helper()
	ports := Ports{Card: f.card, Face: f.face, Eligibility: f.elig, Store: f.store, Audit: f.audit, Clock: f.clock}
	if f.printer != nil {
		ports.Printer = f.printer
	}
	if f.speaker != nil {
		ports.Speaker = f.speaker
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
	f.card.OnVerify = func(_ context.Context, p PIN) (CardInfo, error) {
		gotPIN = string(p.Bytes())
		return validCard, nil
	}
	f.start(t)
	f.choosePIN(t)
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
	if f.face.Forgot.Load() != 1 {
		t.Fatalf("Forget called %d times", f.face.Forgot.Load())
	}
	if visits := f.store.Visits(); len(visits) != 1 || visits[0].Auth != AuthPIN {
		t.Fatalf("visits %+v", visits)
	}
}

func TestRunnerFacePathEnrollsInMemory(t *testing.T) {
	f := newRunFixture(t)
	var photoBuf []byte
	f.card.OnPhoto = func(context.Context, CodeB) ([]byte, error) {
		photoBuf = []byte("a chip photo")
		return photoBuf, nil
	}
	f.start(t)
	f.faceCode(t)
	f.await(t, StateConsent)
	if f.face.Enrolled.Load() != 1 {
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
		f.card.OnRead = func(context.Context) (CardInfo, error) { return CardInfo{}, tt.err }
		f.start(t)
		f.r.Post(t.Context(), CardInserted{})
		f.await(t, StateReadingCard)
		if v := f.await(t, tt.want); tt.want == StateChoosingDocument && v.CardProblem == 0 {
			t.Errorf("%v: no card problem in view", tt.err)
		}
	}
	f := newRunFixture(t)
	f.card.OnVerify = func(context.Context, PIN) (CardInfo, error) {
		return CardInfo{}, fmt.Errorf("verify: %w", &PINError{Remaining: 2})
	}
	f.start(t)
	f.choosePIN(t)
	f.await(t, StateEnteringPIN)
	f.r.Post(t.Context(), PINEntered{pin("0000")})
	f.await(t, StateVerifyingPIN)
	if v := f.await(t, StateEnteringPIN); v.PINLeft != 2 {
		t.Fatalf("after a wrong PIN the view shows %d tries", v.PINLeft)
	}

	f = newRunFixture(t)
	f.elig.OnCheck = func(context.Context, EligibilityQuery) (EligibilityResult, error) {
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
	f.card.OnRead = func(ctx context.Context) (CardInfo, error) {
		<-ctx.Done()
		close(readCancelled)
		return CardInfo{}, ctx.Err()
	}
	release := make(chan struct{})
	storeDone := make(chan string, 1)
	f.store.OnRegister = func(ctx context.Context, v Visit) (Ticket, error) {
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
	f.clock.Advance(v.Deadline.Sub(f.clock.Now()))
	f.r.Post(t.Context(), Tick{})
	f.await(t, StateWelcome)
	if f.face.Forgot.Load() != 1 {
		t.Fatal("timeout did not end the session in the adapters")
	}
	found := false
	for _, r := range f.audit.Audit() {
		found = found || (r.Action == "timeout" && r.Outcome == "choosing-method")
	}
	if !found {
		t.Fatalf("timeout not audited: %+v", f.audit.Audit())
	}
}

// TestAbandonedRequestIsCancelled: when the patient leaves the face check
// for the PIN, the running face check is cancelled at once (it stops
// taking camera frames), not left to run to its own timeout.
func TestAbandonedRequestIsCancelled(t *testing.T) {
	f := newRunFixture(t)
	started, stopped := make(chan struct{}), make(chan error, 1)
	f.face.OnVerify = func(ctx context.Context) (FaceMatch, error) {
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

// ticketFlow walks a PIN patient to the ticket.
func (f *runFixture) ticketFlow(t *testing.T) View {
	t.Helper()
	f.choosePIN(t)
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
	f.printer = &kiosktest.Printer{Release: make(chan struct{})}
	f.start(t)
	if v := f.ticketFlow(t); v.Print != PrintPrinting {
		t.Fatalf("print %s while the printer is busy", v.Print)
	}
	f.r.Post(t.Context(), Acknowledged{}) // the flow goes on while the printer is busy
	f.await(t, StateWelcome)
	close(f.printer.Release)
	deadline := time.After(5 * time.Second)
	for {
		printed := slices.ContainsFunc(f.audit.Audit(), func(e AuditEntry) bool { return e.Action == "ticket.print" && e.Outcome == "ok" })
		if printed {
			break
		}
		select {
		case <-deadline:
			t.Fatal("the print was never audited")
		case <-time.After(10 * time.Millisecond):
		}
	}
	if got := f.printer.Tickets(); len(got) != 1 || got[0] != "001" {
		t.Fatalf("printed %v", got)
	}
}

// TestFailedPrintTellsThePatient: a printer error shows on the ticket
// screen, and the voice says so after the ticket's line, with the number
// again.
func TestFailedPrintTellsThePatient(t *testing.T) {
	f := newRunFixture(t)
	f.printer = &kiosktest.Printer{Err: errors.New("paper out")}
	f.speaker = &kiosktest.Speaker{}
	f.start(t)
	f.ticketFlow(t)
	for {
		v := f.await(t, StateTicket)
		if v.Print == PrintFailed {
			break
		}
	}
	lines := f.speaker.Lines()
	want := []Line{{Key: "voice.ticket", Number: "001"}, {Key: "voice.ticket.unprinted", Number: "001"}}
	if len(lines) < 2 || !slices.Equal(lines[len(lines)-2:], want) {
		t.Errorf("said %v, want it to end with %v", lines, want)
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

// choosePIN reads the card and chooses the PIN.
func (f *runFixture) choosePIN(t *testing.T) {
	t.Helper()
	f.r.Post(t.Context(), CardInserted{})
	f.await(t, StateChoosingMethod)
	f.r.Post(t.Context(), MethodChosen{MethodPIN})
}
