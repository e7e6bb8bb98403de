package kiosk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Ports are the adapters a Runner drives. Pager may be nil.
type Ports struct {
	Card        CardReader
	Face        FaceVerifier
	CardFront   CardFrontReader // nil: 照合番号B is typed
	Eligibility EligibilityChecker
	Store       VisitStore
	Audit       AuditLog
	Pager       StaffPager
	Printer     Printer // nil: no printer, the number is shown only
	Speaker     Speaker // nil: silent
	Clock       Clock
	Log         *slog.Logger
}

// Runner executes a Machine's effects against the ports. Run is the
// kiosk's event loop; Exec is the synchronous core that the simulator and
// tests use directly.
type Runner struct {
	m     *Machine
	p     Ports
	log   *slog.Logger
	evs   chan Event
	mu    sync.Mutex // guards view
	view  View
	watch func(View)

	sessionCtx    context.Context
	cancelSession context.CancelFunc
	// inflight cancels each outstanding request; only Run's goroutine
	// touches it. A request the machine no longer waits for is cancelled.
	inflight map[uint64]context.CancelFunc
	done     chan struct{}  // closed when Run returns
	devices  sync.WaitGroup // device effects running off the event loop
}

// NewRunner returns a runner over m. watch, if not nil, is called with the
// new view after every step, from the Run goroutine.
func NewRunner(m *Machine, p Ports, watch func(View)) *Runner {
	if p.Clock == nil {
		p.Clock = SystemClock{}
	}
	if p.Speaker == nil {
		p.Speaker = NoSpeaker{}
	}
	log := p.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{m: m, p: p, log: log, evs: make(chan Event, 64), view: m.View(), watch: watch,
		inflight: map[uint64]context.CancelFunc{}, done: make(chan struct{})}
}

// ErrStopped is Post's error once Run has returned.
var ErrStopped = errors.New("kiosk runner stopped")

// Post queues an event from the UI or a hardware watcher. The queue holds
// 64 events; Post gives up when ctx ends or once Run has returned.
func (r *Runner) Post(ctx context.Context, ev Event) error {
	select {
	case r.evs <- ev:
		return nil
	case <-r.done:
		return ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
}

// View returns the latest view; safe from any goroutine.
func (r *Runner) View() View {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.view
}

// Run steps the machine until ctx ends. Request effects run on their own
// goroutines under a per-session context that EndSession cancels, so a
// slow card or terminal never blocks the patient or staff; their replies
// come back through the event queue.
func (r *Runner) Run(ctx context.Context) error {
	r.sessionCtx, r.cancelSession = context.WithCancel(ctx)
	defer close(r.done)
	defer r.devices.Wait()
	defer func() { r.cancelSession() }()
	var wg sync.WaitGroup
	defer wg.Wait()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		r.arm(timer)
		var ev Event
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev = <-r.evs:
		case <-timer.C:
			ev = Tick{}
		}
		for _, eff := range r.m.Step(ev, r.p.Clock.Now()) {
			if _, ok := eff.(PrintTicket); ok {
				// Off the event loop: a slow printer never stalls a patient.
				r.devices.Add(1)
				go func() {
					defer r.devices.Done()
					reply := r.Exec(context.WithoutCancel(ctx), eff)
					select {
					case r.evs <- reply:
					case <-ctx.Done():
					}
				}()
				continue
			}
			if !isRequest(eff) {
				r.fire(ctx, eff)
				continue
			}
			sctx, cancel := context.WithCancel(r.sessionCtx)
			if _, ok := eff.(RegisterVisit); ok {
				// A check-in must finish even if the session ends.
				sctx, cancel = context.WithoutCancel(ctx), func() {}
			}
			r.inflight[eff.(request).requestSeq()] = cancel
			wg.Add(1)
			go func() {
				defer wg.Done()
				if reply := r.Exec(sctx, eff); reply != nil {
					select {
					case r.evs <- reply:
					case <-ctx.Done():
					}
				}
			}()
		}
		r.dropStale()
		r.publish()
	}
}

// dropStale cancels the requests the machine no longer waits for: a face
// check abandoned for the PIN stops taking frames, a card read stops when
// staff took over or the session ended.
func (r *Runner) dropStale() {
	for seq, cancel := range r.inflight {
		if seq != r.m.wait {
			cancel()
			delete(r.inflight, seq)
		}
	}
}

func (r *Runner) arm(t *time.Timer) {
	d := time.Hour
	if dl := r.m.Deadline(); !dl.IsZero() {
		d = max(dl.Sub(r.p.Clock.Now()), 0)
	}
	t.Reset(d)
}

func (r *Runner) publish() {
	v := r.m.View()
	r.mu.Lock()
	r.view = v
	r.mu.Unlock()
	if r.watch != nil {
		r.watch(v)
	}
}

func isRequest(e Effect) bool {
	_, ok := e.(request)
	return ok
}

// fire executes a fire-and-forget effect.
func (r *Runner) fire(ctx context.Context, eff Effect) {
	switch e := eff.(type) {
	case Audit:
		if err := r.p.Audit.Append(context.WithoutCancel(ctx), e.Entry); err != nil {
			r.log.Error("audit append failed", "action", e.Entry.Action, "err", err)
		}
	case AlertStaff:
		r.log.Info("staff needed", "reason", e.Reason.String())
		if r.p.Pager != nil {
			r.p.Pager.Page(ctx, e.Reason)
		}
	case Say:
		r.p.Speaker.Say(ctx, e.Line)
	case EndSession:
		r.p.Speaker.End()
		r.p.Face.Forget()
		if r.cancelSession != nil {
			r.cancelSession()
			r.sessionCtx, r.cancelSession = context.WithCancel(ctx)
		}
		r.log.Info("session ended", "reason", e.Reason.String())
	default:
		// A new effect the runner does not know: a programming error, caught
		// by the first test that produces it, never a silent wait.
		panic(fmt.Sprintf("kiosk: Runner cannot execute effect %T", eff))
	}
}

// printTicket prints once and audits that it was printed (or why not).
func (r *Runner) printTicket(ctx context.Context, t Ticket) PrintStatus {
	if r.p.Printer == nil {
		return PrintNone
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	st, outcome := PrintDone, "ok"
	if err := r.p.Printer.PrintTicket(ctx, t); err != nil {
		r.log.Error("ticket not printed", "visit", t.VisitID, "err", err)
		st, outcome = PrintFailed, "failed"
	}
	if err := r.p.Audit.Append(ctx, AuditEntry{Actor: "system", Action: "ticket.print", Outcome: outcome, VisitID: t.VisitID}); err != nil {
		r.log.Error("audit append failed", "action", "ticket.print", "err", err)
	}
	return st
}

// Exec runs one effect synchronously and returns the reply event for a
// request, or nil for a fire-and-forget effect (which it executes).
func (r *Runner) Exec(ctx context.Context, eff Effect) Event {
	switch e := eff.(type) {
	case PrintTicket:
		return TicketPrinted{VisitID: e.Ticket.VisitID, Print: r.printTicket(ctx, e.Ticket)}
	case ReadCard:
		info, err := r.p.Card.ReadCard(ctx)
		if err != nil {
			return r.cardFailed(e.Seq, "read card", err)
		}
		return CardRead{Reply{e.Seq}, info}
	case ReadFacePhoto:
		photo, err := r.p.Card.ReadFacePhoto(ctx, e.Code)
		var cb *CodeBError
		if errors.As(err, &cb) {
			return CodeBRejected{Reply{e.Seq}, cb.Remaining}
		}
		if err != nil {
			return r.cardFailed(e.Seq, "read face photo", err)
		}
		err = r.p.Face.Enroll(ctx, photo)
		clear(photo) // the verifier keeps what it needs; drop our copy now
		if err != nil {
			r.log.Error("face enroll failed", "err", err)
			return FaceUnavailable{Reply{e.Seq}}
		}
		return PhotoRead{Reply{e.Seq}}
	case ReadCardFront:
		if r.p.CardFront == nil {
			return CardFrontRead{Reply: Reply{e.Seq}}
		}
		parts, err := r.p.CardFront.ReadCardFront(ctx)
		if err != nil {
			r.log.Error("card front not read", "err", err)
		}
		return CardFrontRead{Reply{e.Seq}, parts}
	case MatchFace:
		m, err := r.p.Face.Verify(ctx)
		if err != nil {
			r.log.Error("face verify failed", "err", err)
			return FaceUnavailable{Reply{e.Seq}}
		}
		return FaceResult{Reply{e.Seq}, m.Matched, m.Score, m.Evidence}
	case QueryPINTries:
		n, err := r.p.Card.PINTries(ctx)
		if err != nil {
			return r.cardFailed(e.Seq, "query PIN tries", err)
		}
		return PINTries{Reply{e.Seq}, n}
	case VerifyPIN:
		info, err := r.p.Card.VerifyPIN(ctx, e.PIN)
		var pe *PINError
		switch {
		case err == nil:
			return PINVerified{Reply{e.Seq}, info}
		case errors.As(err, &pe):
			return PINRejected{Reply{e.Seq}, pe.Remaining}
		}
		return r.cardFailed(e.Seq, "verify PIN", err)
	case CheckEligibility:
		res, err := r.p.Eligibility.Check(ctx, e.Query)
		switch {
		case err == nil:
			return EligibilityAnswered{Reply{e.Seq}, res}
		case errors.Is(err, ErrNeedsNumbers):
			return EligibilityFailed{Reply{e.Seq}, EligNeedsNumbers}
		case errors.Is(err, ErrEligibilityUnavailable), errors.Is(err, context.DeadlineExceeded):
			r.log.Warn("eligibility unavailable", "err", err)
			return EligibilityFailed{Reply{e.Seq}, EligUnavailable}
		}
		r.log.Error("eligibility error answer", "err", err)
		return EligibilityFailed{Reply{e.Seq}, EligError}
	case RegisterVisit:
		t, err := r.p.Store.Register(ctx, e.Visit)
		if err != nil {
			r.log.Error("register visit failed", "err", err)
			return RegisterFailed{Reply{e.Seq}}
		}
		return VisitRegistered{Reply{e.Seq}, t}
	default:
		r.fire(ctx, eff)
		return nil
	}
}

func (r *Runner) cardFailed(seq uint64, op string, err error) Event {
	kind := CardErrData
	switch {
	case errors.Is(err, ErrCardRemoved):
		kind = CardErrRemoved
	case errors.Is(err, ErrNotMyNumberCard):
		kind = CardErrNotMyNumber
	case errors.Is(err, ErrNoReader), errors.Is(err, context.DeadlineExceeded):
		kind = CardErrReader
	case errors.Is(err, ErrPINBlocked):
		kind = CardErrPINBlocked
	case errors.Is(err, ErrCodeBBlocked):
		kind = CardErrCodeBBlocked
	case errors.Is(err, ErrCardUntrusted):
		r.log.Error("card refused: not issued by J-LIS", "op", op, "err", err)
		return CardFailed{Reply{seq}, CardErrUntrusted}
	case errors.Is(err, ErrPhotoUntrusted):
		r.log.Error("chip photo refused: card-face signature does not verify", "op", op, "err", err)
		return CardFailed{Reply{seq}, CardErrPhotoUntrusted}
	}
	r.log.Warn("card operation failed", "op", op, "kind", kind.String(), "err", err)
	return CardFailed{Reply{seq}, kind}
}
