package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/uketsuke/uketsuke/app"
	"github.com/uketsuke/uketsuke/camera"
	"github.com/uketsuke/uketsuke/eligibility"
	"github.com/uketsuke/uketsuke/internal/retention"
	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
	"github.com/uketsuke/uketsuke/reader"
	"github.com/uketsuke/uketsuke/storage"
)

// station is one running kiosk: the reception machine and its runner over
// the real card reader, camera, eligibility backend and store.
type station struct {
	faceIntake *eligibility.FaceIntake // the certified face reader's results; nil without a terminal folder
	printer    kiosk.Printer           // the ticket printer, reporting its health; nil: none
	log        *slog.Logger
	retention  storage.Retention
	sweep      []retention.Files // files with personal data, removed after the same days
	store      *storage.Store
	machine    *kiosk.Machine
	runner     *kiosk.Runner
	port       *reader.Port
	verifier   *camera.Verifier // nil: no camera, the face path falls back to the PIN
	elig       kiosk.EligibilityChecker
	health     *health
	cleanup    []func()
}

// stationOptions are what the command line adds to the configuration.
type stationOptions struct {
	readerMatch string                   // overrides [card] reader
	source      camera.Source            // overrides [camera] device (the demo's image folder)
	elig        kiosk.EligibilityChecker // overrides [eligibility]
	watch       func(kiosk.View)         // the screen
	demo        bool                     // trust the virtual card's test hierarchy
	// faceTicket prints the ticket of a visit a certified face reader
	// checked in (the terminal's face/ results); nil: not printed.
	faceTicket func(kiosk.Ticket)
	printer    kiosk.Printer // the ticket printer; nil: none
}

// newStation builds the kiosk; close releases what it opened.
func newStation(g *globals, st *storage.Store, o stationOptions) (*station, error) {
	s := &station{log: g.log, store: st, health: &health{}, retention: g.cfg.retention()}
	if dir, err := g.dataDir(); err == nil {
		s.sweep = append(s.sweep, retention.Files{Dir: dir, Pattern: "uketsuke.db.corrupt-*", Keep: "*.audit.jsonl"},
			retention.Files{Dir: filepath.Join(dir, "exports"), Pattern: "uketsuke-visits-*"})
	}
	if e := g.cfg.Sync.Export; e != nil {
		s.sweep = append(s.sweep, retention.Files{Dir: e.Dir, Pattern: "uketsuke-visits-*"})
	}
	if d := g.cfg.Eligibility.TerminalDir; d != "" {
		s.sweep = append(s.sweep, retention.Files{Dir: filepath.Join(d, "done"), Pattern: "*.xml"},
			retention.Files{Dir: filepath.Join(d, "done", "face"), Pattern: "*.xml"})
	}
	if d := g.cfg.Eligibility.TerminalDir; d != "" && g.cfg.Eligibility.Backend == "terminal" && o.elig == nil {
		s.faceIntake = &eligibility.FaceIntake{Dir: d, Store: st, Archive: filepath.Join(d, "done", "face"), Log: g.log,
			OnTicket: func(t kiosk.Ticket, _ kiosk.EligibilityResult) {
				g.log.Info("visit checked in by the certified face reader", "visit", t.VisitID)
				if o.faceTicket != nil {
					o.faceTicket(t)
				}
			}}
	}
	kc, err := g.cfg.kioskConfig()
	if err != nil {
		return nil, err
	}
	s.machine = kiosk.NewMachine(kc)
	anchors, err := g.anchors(o.demo)
	if err != nil {
		return nil, err
	}
	s.health.register("reader")
	s.port = &reader.Port{Match: g.cfg.Card.Reader, Anchors: anchors, Log: g.log, RefuseVirtual: !o.demo}
	if o.readerMatch != "" {
		s.port.Match = o.readerMatch
	}
	s.cleanup = append(s.cleanup, func() { s.port.Close() })

	var face kiosk.FaceVerifier = noCamera{}
	if v, err := s.openCamera(g, o.source); err != nil {
		s.health.set("camera", false, err.Error())
		g.log.Warn("face path off: the PIN is offered instead", "err", err)
	} else if v != nil {
		s.verifier, face = v, v
		s.health.set("camera", true, "")
	} else {
		s.health.set("camera", false, "turned off in the configuration")
	}

	s.elig = o.elig
	if s.elig == nil {
		if s.elig, err = eligibilityBackend(g); err != nil {
			s.close()
			return nil, err
		}
	}
	s.health.register("terminal")
	s.elig = &eligibility.Returning{Next: &watchedChecker{next: s.elig, h: s.health}, Known: st}
	if o.printer != nil {
		s.health.register("printer")
		s.printer = &watchedPrinter{next: o.printer, h: s.health}
	}
	s.runner = kiosk.NewRunner(s.machine, kiosk.Ports{
		Card: s.port, Face: face, Eligibility: s.elig, Store: st, Audit: st,
		Pager: logPager{g.log}, Printer: s.printer, Log: g.log,
	}, o.watch)
	return s, nil
}

// openCamera opens the face engine and the camera (or the given source).
// It returns nil, nil when the camera is turned off.
func (s *station) openCamera(g *globals, src camera.Source) (*camera.Verifier, error) {
	if src == nil {
		dev := g.cfg.Camera.Device
		switch {
		case dev == "none":
			return nil, nil
		case dev == "":
			dev = "/dev/video0"
			if _, err := os.Stat(dev); err != nil {
				return nil, fmt.Errorf("no camera at %s", dev)
			}
		}
		d, err := camera.OpenDevice(dev)
		if err != nil {
			return nil, err
		}
		src = d
	}
	engine, err := camera.NewEngine(g.cfg.Camera.Models)
	if err != nil {
		src.Close()
		return nil, fmt.Errorf("face models in %s: %w (run make setup)", g.cfg.Camera.Models, err)
	}
	feed := camera.StartFeed(src, 4)
	s.cleanup = append(s.cleanup, func() { feed.Close(); src.Close(); engine.Close() })
	return &camera.Verifier{Engine: engine, Feed: feed, Log: g.log}, nil
}

// eligibilityBackend builds the configured オンライン資格確認 backend.
func eligibilityBackend(g *globals) (kiosk.EligibilityChecker, error) {
	c := g.cfg.Eligibility
	switch c.Backend {
	case "sim":
		return eligibility.LoadSim(c.SimPersonas)
	case "terminal":
		if c.TerminalDir == "" {
			return unconfigured{}, nil
		}
		return &eligibility.Terminal{Dir: c.TerminalDir, Institution: c.Institution, Archive: filepath.Join(c.TerminalDir, "done")}, nil
	}
	return nil, fmt.Errorf("eligibility.backend %q", c.Backend)
}

// run runs the kiosk until ctx ends: the runner, the card watcher, the
// eligibility re-check of pending visits and the retention purge.
func (s *station) run(ctx context.Context) {
	var wg sync.WaitGroup
	start := func(f func()) { wg.Add(1); go func() { defer wg.Done(); f() }() }
	start(func() { _ = s.runner.Run(ctx) })
	start(func() {
		w := &reader.Watcher{Match: s.port.Match, Log: s.log}
		_ = w.Run(ctx, func(e reader.Event) {
			switch e.Kind {
			case reader.CardPresent:
				s.health.set("reader", true, e.Reader+": card present")
				_ = s.runner.Post(ctx, kiosk.CardInserted{})
			case reader.CardAbsent:
				s.health.set("reader", true, e.Reader)
				_ = s.runner.Post(ctx, kiosk.CardRemoved{})
			case reader.ReaderMissing:
				s.health.set("reader", false, fmt.Sprint(e.Err))
				_ = s.runner.Post(ctx, kiosk.CardRemoved{})
			}
		})
	})
	recheck := time.NewTicker(2 * time.Minute)
	purge := time.NewTicker(6 * time.Hour)
	defer recheck.Stop()
	defer purge.Stop()
	start(func() { s.store.RunRecheck(ctx, s.elig, recheck.C) })
	if s.faceIntake != nil {
		start(func() { _ = s.faceIntake.Run(ctx) })
	}
	start(func() {
		s.store.RunRetention(ctx, s.retention, purge.C, func() {
			days := time.Duration(s.retention.Days) * 24 * time.Hour
			if n, err := retention.Sweep(s.sweep, days, time.Now()); err != nil {
				s.log.Error("retention: removing old files failed", "err", err)
			} else if n > 0 {
				s.log.Info("retention: removed old files", "files", n)
			}
		})
	})
	wg.Wait()
}

func (s *station) close() {
	for i := len(s.cleanup) - 1; i >= 0; i-- {
		s.cleanup[i]()
	}
	s.cleanup = nil
}

// today is the business day of the store's queue.
func today() string { return wareki.Today(time.Now()).String() }

// noCamera is the face port when there is no camera: every capture fails
// at once, and the kiosk offers the PIN.
type noCamera struct{}

func (noCamera) Enroll(context.Context, []byte) error { return nil }
func (noCamera) Verify(context.Context) (kiosk.FaceMatch, error) {
	return kiosk.FaceMatch{}, errors.New("no camera")
}
func (noCamera) Forget() {}

// unconfigured is the eligibility backend before the terminal's folder is
// set: every check is "unavailable", so visits are registered as pending.
type unconfigured struct{}

func (unconfigured) Check(context.Context, kiosk.EligibilityQuery) (kiosk.EligibilityResult, error) {
	return kiosk.EligibilityResult{}, fmt.Errorf("eligibility.terminal_dir is not set: %w", kiosk.ErrEligibilityUnavailable)
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

// logPager tells staff through the log (a real pager or chime plugs in here).
type logPager struct{ log *slog.Logger }

func (p logPager) Page(_ context.Context, reason kiosk.Handover) {
	p.log.Warn("staff needed at the kiosk", "reason", reason.String())
}

// health is the device status staff see.
// health is what each device reports of itself for the staff's device
// screen: a device registers its entry when it is set up, and updates it.
type health struct {
	mu    sync.Mutex
	order []string
	m     map[string]deviceState
}

type deviceState struct {
	known  bool // the device has reported at least once
	ok     bool
	detail string
	at     time.Time
}

// register adds a device's entry ("not reported yet") in the order the
// devices were set up.
func (h *health) register(name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil {
		h.m = map[string]deviceState{}
	}
	if _, ok := h.m[name]; !ok {
		h.order = append(h.order, name)
		h.m[name] = deviceState{}
	}
}

func (h *health) set(name string, ok bool, detail string) {
	h.register(name)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.m[name] = deviceState{true, ok, detail, time.Now()}
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
			dev.OK, dev.Detail = &ok, st.detail+" ("+st.at.Format("15:04:05")+")"
		}
		out = append(out, dev)
	}
	return out
}

// printer prints tickets and guidance slips: through the configured
// command (the text on its standard input), or, in demo mode without one,
// into files in a folder so the demo shows what would come out.
type printer struct {
	command []string
	dir     string // demo: write here instead
	kioskID string
	clock   kiosk.Clock // nil: the system's
}

func (p printer) now() time.Time {
	if p.clock != nil {
		return p.clock.Now()
	}
	return time.Now()
}

// enabled reports whether anything prints.
func (p printer) enabled() bool { return len(p.command) > 0 || p.dir != "" }

var _ kiosk.Printer = printer{}

// PrintTicket prints the 受付票.
func (p printer) PrintTicket(ctx context.Context, t kiosk.Ticket) error {
	return p.print(ctx, "ticket", p.ticketText(t))
}

// PrintSlip prints a guidance slip.
func (p printer) PrintSlip(ctx context.Context, text string) error { return p.print(ctx, "slip", text) }

// ticketText is the ticket, dated and timed in Tokyo whatever the
// machine's time zone.
func (p printer) ticketText(t kiosk.Ticket) string {
	return fmt.Sprintf("受付番号\n\n    %s\n\nお待ちの方 %d 人\n%s  %s\n", t.Number, t.Waiting, p.now().In(wareki.Tokyo).Format("2006-01-02 15:04"), p.kioskID)
}

func (p printer) print(ctx context.Context, kind, text string) error {
	if len(p.command) == 0 {
		name := filepath.Join(p.dir, fmt.Sprintf("%s-%s.txt", kind, p.now().In(wareki.Tokyo).Format("20060102-150405.000")))
		if err := os.MkdirAll(p.dir, 0o700); err != nil {
			return fmt.Errorf("print %s: %w", kind, err)
		}
		return os.WriteFile(name, []byte(text), 0o600)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.command[0], p.command[1:]...)
	cmd.Stdin = strings.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("print %s with %s: %w: %s", kind, p.command[0], err, strings.TrimSpace(string(out)))
	}
	return nil
}
