package main

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/uketsuke/uketsuke/app"
	"github.com/uketsuke/uketsuke/kiosk"
)

// health is what each device reports of itself for the staff's device
// screen: a device registers its entry when it is set up, and updates it.
type health struct {
	mu    sync.Mutex
	order []string
	m     map[string]deviceState
}

type deviceState struct {
	known   bool // the device has reported at least once
	ok      bool
	warning bool // working, or not needed, with something staff should know
	detail  string
	at      time.Time
}

// register adds a device's entry ("not reported yet") in the order the
// devices were set up.
func (h *health) register(name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.registerLocked(name)
}

func (h *health) registerLocked(name string) {
	if h.m == nil {
		h.m = map[string]deviceState{}
	}
	if _, ok := h.m[name]; !ok {
		h.order = append(h.order, name)
		h.m[name] = deviceState{}
	}
}

func (h *health) set(name string, ok bool, detail string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.registerLocked(name)
	h.m[name] = deviceState{known: true, ok: ok, detail: detail, at: time.Now()}
}

// warn reports a device that the kiosk does without, with what is wrong.
func (h *health) warn(name, detail string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.registerLocked(name)
	h.m[name] = deviceState{known: true, ok: true, warning: true, detail: detail, at: time.Now()}
}

// entries returns the devices' states in registration order.
func (h *health) entries() []app.Device {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]app.Device, 0, len(h.order))
	for _, name := range h.order {
		st := h.m[name]
		dev := app.Device{Name: name}
		if st.known {
			ok := st.ok
			dev.OK, dev.Warning, dev.Detail = &ok, st.warning, st.detail+" ("+st.at.Format("15:04:05")+")"
		}
		out = append(out, dev)
	}
	return out
}

// watchedChecker records the terminal's health from its answers.
type watchedChecker struct {
	next kiosk.EligibilityChecker
	h    *health
}

func (w *watchedChecker) Check(ctx context.Context, q kiosk.EligibilityQuery) (kiosk.EligibilityResult, error) {
	r, err := w.next.Check(ctx, q)
	switch {
	case err == nil, errors.Is(err, kiosk.ErrNeedsNumbers):
		w.h.set("terminal", true, "answered "+time.Now().Format("15:04"))
	case errors.Is(err, kiosk.ErrEligibilityUnavailable):
		w.h.set("terminal", false, err.Error())
	}
	return r, err
}

// watchedPrinter reports every print's outcome as the printer's health.
type watchedPrinter struct {
	next kiosk.Printer
	h    *health
}

func (w *watchedPrinter) PrintTicket(ctx context.Context, t kiosk.Ticket) error {
	return w.report(w.next.PrintTicket(ctx, t))
}

func (w *watchedPrinter) PrintSlip(ctx context.Context, text string) error {
	return w.report(w.next.PrintSlip(ctx, text))
}

func (w *watchedPrinter) report(err error) error {
	if err != nil {
		w.h.set("printer", false, err.Error())
	} else {
		w.h.set("printer", true, "printed "+time.Now().Format("15:04"))
	}
	return err
}
