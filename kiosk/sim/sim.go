// Package sim runs simulated patients through the real reception state
// machine with in-memory adapters (card, face, eligibility, store, audit)
// and a virtual clock. `uketsuke simulate` prints its table; tests use it
// to check that every kind of patient ends somewhere sensible.
package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/kiosktest"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// Options configure a simulation.
type Options struct {
	Patients int
	Seed     uint64
	Start    time.Time // first arrival; its Tokyo date decides the date rules
	Prefix   string    // 受付番号 prefix
	Config   kiosk.Config
	// Store receives the visits; nil uses an in-memory store.
	Store kiosk.VisitStore
	// Audit receives the audit rows as well (nil: kept in memory only).
	Audit kiosk.AuditLog
	// Speaker is told every spoken line (nil: silent).
	Speaker kiosk.Speaker
}

// Row is one simulated patient's visit.
type Row struct {
	Patient  string
	Arrived  time.Time
	Kind     string
	Path     string // how they were checked in, or what they presented
	Auth     string
	Outcome  string // "ticket 003", "ticket 004 (pending)", "sent to desk", "timeout", "card removed"
	Staff    string // why staff were needed, if they were
	Duration time.Duration
	Steps    int
}

// Result is the outcome of a simulation.
type Result struct {
	Rows     []Row
	Audit    []kiosk.AuditEntry
	Personas []*Persona // the patients, in the order of Rows
}

// maxSteps bounds one patient; a patient who needs more is reported stuck.
const maxSteps = 200

// Run simulates opts.Patients patients, one after another at one kiosk.
func Run(ctx context.Context, opts Options) (Result, error) {
	if opts.Patients < 1 {
		return Result{}, fmt.Errorf("simulate: patients must be at least 1")
	}
	if opts.Config.Timeouts == nil {
		opts.Config = kiosk.DefaultConfig()
	}
	if err := opts.Config.Validate(); err != nil {
		return Result{}, fmt.Errorf("simulate: %w", err)
	}
	clock := kiosktest.NewClock(opts.Start)
	card, face, elig := &kiosktest.Card{}, &kiosktest.Face{}, &kiosktest.Eligibility{}
	audit := &kiosktest.Store{} // keeps the audit rows for the result
	store := opts.Store
	if store == nil {
		store = &kiosktest.Store{Prefix: opts.Prefix}
	}
	m := kiosk.NewMachine(opts.Config)
	var log kiosk.AuditLog = audit
	if opts.Audit != nil {
		log = teeAudit{audit, opts.Audit}
	}
	r := kiosk.NewRunner(m, kiosk.Ports{
		Card: card, Face: face, Eligibility: elig,
		Store: store, Audit: log, Speaker: opts.Speaker, Clock: clock,
	}, nil)
	rng := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))
	var res Result
	for i := range opts.Patients {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		p := newPersona(rng, i+1, wareki.Today(clock.Now()))
		insert(p, card, face, elig)
		res.Personas = append(res.Personas, p)
		res.Rows = append(res.Rows, serve(ctx, m, r, clock, p))
		clock.Advance(time.Duration(60+rng.IntN(240)) * time.Second) // the next patient arrives
	}
	res.Audit = audit.Audit()
	return res, nil
}

// visitor is one patient at the kiosk, plus the staff member who comes
// when called.
type visitor struct {
	p          *Persona
	guesses    int
	codeBTyped int
	formTyped  int
	row        Row
	ended      bool
}

// serve runs one patient from arrival to the end of their session.
func serve(ctx context.Context, m *kiosk.Machine, r *kiosk.Runner, clock *kiosktest.Clock, p *Persona) Row {
	v := &visitor{p: p, row: Row{Patient: p.ID, Arrived: clock.Now(), Kind: p.Kind, Path: p.Document.String(), Auth: "-"}}
	start := clock.Now()
	var queue []kiosk.Effect
	for v.row.Steps = 0; v.row.Steps < maxSteps && !v.ended; v.row.Steps++ {
		// Execute effects until the machine waits for a person (a session's
		// end is followed by the welcome screen's effects: they run too).
		for len(queue) > 0 {
			eff := queue[0]
			queue = queue[1:]
			v.observe(eff)
			if reply := r.Exec(ctx, eff); reply != nil {
				clock.Advance(cost(eff))
				queue = append(queue, m.Step(reply, clock.Now())...)
			}
		}
		if v.ended {
			break
		}
		ev, think := v.next(m.View())
		if ev == nil { // walks away: time passes until the state's deadline
			clock.Set(m.Deadline())
			ev = kiosk.Tick{}
		}
		clock.Advance(think)
		queue = m.Step(ev, clock.Now())
	}
	if !v.ended {
		v.row.Outcome = "stuck in " + m.State().String()
	}
	v.row.Duration = clock.Now().Sub(start)
	return v.row
}

// observe records what the effects say about the visit.
func (v *visitor) observe(eff kiosk.Effect) {
	switch e := eff.(type) {
	case kiosk.RegisterVisit:
		v.row.Path, v.row.Auth = e.Visit.Path.String(), e.Visit.Auth.String()
	case kiosk.AlertStaff:
		if v.row.Staff == "" {
			v.row.Staff = e.Reason.String()
		}
	case kiosk.EndSession:
		v.ended = true
		switch e.Reason {
		case kiosk.EndTimeout:
			v.row.Outcome = "timeout"
		case kiosk.EndCardRemoved:
			v.row.Outcome = "card removed"
		case kiosk.EndStaffCancel:
			v.row.Outcome = "sent to desk"
		}
	}
}

// costs are the modeled durations of the effects, from the figures in
// shared/docs/platform.md and what a clinic sees.
var costs = map[reflect.Type]time.Duration{
	reflect.TypeFor[kiosk.ReadCard]():         1200 * time.Millisecond,
	reflect.TypeFor[kiosk.ReadFacePhoto]():    2500 * time.Millisecond,
	reflect.TypeFor[kiosk.MatchFace]():        2 * time.Second,
	reflect.TypeFor[kiosk.QueryPINTries]():    200 * time.Millisecond,
	reflect.TypeFor[kiosk.VerifyPIN]():        800 * time.Millisecond,
	reflect.TypeFor[kiosk.CheckEligibility](): 2 * time.Second,
	reflect.TypeFor[kiosk.RegisterVisit]():    50 * time.Millisecond,
}

func cost(eff kiosk.Effect) time.Duration { return costs[reflect.TypeOf(eff)] }

// next is what the patient (or staff, once handed over) does on view, and
// how long they take. A nil event means they walk away.
func (v *visitor) next(view kiosk.View) (kiosk.Event, time.Duration) {
	p := v.p
	if p.WalksAwayAt != kiosk.StateWelcome && view.State == p.WalksAwayAt {
		return nil, 0
	}
	switch view.State {
	case kiosk.StateWelcome:
		if p.Document == kiosk.DocMynaCard {
			return kiosk.CardInserted{}, 5 * time.Second
		}
		return kiosk.DocumentChosen{Document: p.Document}, 8 * time.Second
	case kiosk.StateChoosingDocument:
		return kiosk.DocumentChosen{Document: kiosk.DocNotice, WithCard: true}, 15 * time.Second
	case kiosk.StateChoosingMethod:
		return kiosk.MethodChosen{Method: p.Method}, 4 * time.Second
	case kiosk.StateEnteringCodeB:
		v.codeBTyped++
		code := p.SecurityCode
		if p.CodeBTypo && v.codeBTyped == 1 {
			code = fmt.Sprintf("%04d", (atoi(code)+1)%10000)
		}
		return kiosk.CodeBEntered{Birth: p.Birth.Wareki(), ExpiryYear: p.CardExpiryYear, SecurityCode: code}, 30 * time.Second
	case kiosk.StateEnteringPIN:
		if p.NoPIN {
			return kiosk.PINUnknown{}, 10 * time.Second
		}
		guess := p.PIN
		if v.guesses < len(p.PINGuesses) {
			guess = p.PINGuesses[v.guesses]
		}
		v.guesses++
		pin, _ := kiosk.NewPIN(guess)
		return kiosk.PINEntered{PIN: pin}, 7 * time.Second
	case kiosk.StateConsent:
		return kiosk.ConsentGiven{Consent: kiosk.Consent{Comprehensive: true}}, 10 * time.Second
	case kiosk.StateManualEntry:
		v.formTyped++
		return kiosk.FormSubmitted{Form: p.form(p.FormTypo && v.formTyped == 1)}, 70 * time.Second
	case kiosk.StateTicket:
		outcome := "ticket " + view.Ticket.Number
		if view.Pending {
			outcome += " (pending)"
		}
		v.row.Outcome = outcome
		return kiosk.Acknowledged{}, 5 * time.Second
	case kiosk.StatePINLocked, kiosk.StateResult:
		return kiosk.Acknowledged{}, 5 * time.Second
	case kiosk.StateStaff:
		return staffAction(view, v.p), 45 * time.Second
	}
	// A state that waits for a device: the simulation has no such wait,
	// because Exec answers at once. Treat it as a hang.
	return nil, 0
}

// staffAction is what a desk clerk does for each handover reason. A
// check-in by hand carries what the clerk reads off the patient's
// documents: name, kana, birth date and sex, as a real clerk types them.
func staffAction(view kiosk.View, p *Persona) kiosk.Event {
	const clerk kiosk.StaffID = "staff-sim"
	switch view.Handover {
	case kiosk.HandoverPINLastTry, kiosk.HandoverPINLocked, kiosk.HandoverAuthFailed:
		return kiosk.StaffConfirm{Staff: clerk} // 目視確認 of the card photo
	case kiosk.HandoverNotAccepted, kiosk.HandoverOnlineRequired, kiosk.HandoverCardProblem:
		return kiosk.StaffCheckIn{Staff: clerk, Visit: kiosk.ManualVisit{ // マイナポータル screen or 申立書 at the desk
			Patient: &kiosk.PatientDetails{Name: p.Name, Kana: p.Kana, Birth: p.Birth, Sex: p.Sex}}}
	}
	return kiosk.StaffCancel{Staff: clerk} // the desk takes it from here
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
