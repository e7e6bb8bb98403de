package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/uketsuke/uketsuke/camera"
	"github.com/uketsuke/uketsuke/camera/cardfront"
	"github.com/uketsuke/uketsuke/camera/picture"
	"github.com/uketsuke/uketsuke/eligibility"
	"github.com/uketsuke/uketsuke/internal/retention"
	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
	"github.com/uketsuke/uketsuke/reader"
	"github.com/uketsuke/uketsuke/storage"
	"github.com/uketsuke/uketsuke/voice"
)

// station is one running kiosk: the reception machine and its runner over
// the real card reader, camera, eligibility backend and store.
type station struct {
	faceIntake *eligibility.FaceIntake // the certified face reader's results; nil without a terminal folder
	printer    kiosk.Printer           // the ticket printer, reporting its health; nil: none
	voice      *voice.Speaker          // the voice guide; nil: silent
	log        *slog.Logger
	retention  storage.Retention
	sweep      []retention.Files // files with personal data, removed after the same days
	store      *storage.Store
	machine    *kiosk.Machine
	runner     *kiosk.Runner
	port       *reader.Port
	verifier   *camera.Verifier   // nil: no camera, the face path falls back to the PIN
	front      *cardfront.Scanner // nil: 照合番号B is typed
	cardCamera bool               // front reads a document camera over the tray
	elig       kiosk.EligibilityChecker
	health     *health
	backup     BackupConfig // the daily backup; Dir "": none
	cleanup    []func()
}

// stationOptions are what the command line adds to the configuration.
type stationOptions struct {
	readerMatch string                   // overrides [card] reader
	source      camera.Source            // overrides [camera] device (the demo's image folder)
	cardSource  camera.Source            // overrides [camera] card_device (the demo's card camera)
	elig        kiosk.EligibilityChecker // overrides [eligibility]
	watch       func(kiosk.View)         // the screen
	demo        bool                     // trust the virtual card's test hierarchy
	// faceTicket prints the ticket of a visit a certified face reader
	// checked in (the terminal's face/ results); nil: not printed.
	faceTicket func(kiosk.Ticket)
	printer    kiosk.Printer // the ticket printer; nil: none
	// voiceDir takes the spoken lines as WAV files when there is no sound
	// device (the demo); "": the kiosk is silent then.
	voiceDir string
}

// newStation builds the kiosk; close releases what it opened.
func newStation(g *globals, st *storage.Store, o stationOptions) (*station, error) {
	s := &station{log: g.log, store: st, health: &health{}, retention: g.cfg.retention()}
	if !o.demo { // the demo's store is never copied into the clinic's backups
		s.backup = g.cfg.Backup
	}
	if dir, err := g.dataDir(); err == nil {
		s.sweep = append(s.sweep, retention.Files{Dir: dir, Pattern: "uketsuke.db.corrupt-*", Keep: "*.audit.jsonl"},
			retention.Files{Dir: filepath.Join(dir, "exports"), Pattern: "uketsuke-visits-*"})
	}
	if e := g.cfg.Sync.Export; e != nil {
		s.sweep = append(s.sweep, retention.Files{Dir: e.Dir, Pattern: "uketsuke-visits-*"})
	}
	if d := g.cfg.Eligibility.TerminalDir; d != "" {
		s.sweep = append(s.sweep, retention.Files{Dir: filepath.Join(d, "done"), Pattern: "*.xml"},
			retention.Files{Dir: filepath.Join(d, "done", "face"), Pattern: "*.xml"},
			retention.Files{Dir: filepath.Join(d, "done", "face", "bad"), Pattern: "*.xml"})
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
	if s.verifier != nil || o.cardSource != nil {
		var feed *camera.Feed
		if s.verifier != nil {
			feed = s.verifier.Feed
		}
		if sc, err := s.openCardFront(g, o.cardSource, feed); err != nil {
			s.health.set("card-front", false, err.Error())
			g.log.Warn("照合番号B is typed: the card front cannot be read", "err", err)
		} else if sc != nil {
			s.front = sc
			s.health.set("card-front", true, "")
			if s.verifier != nil {
				// The printed photo the card-front step saw feeds the face
				// decision (memory only, dropped with the session).
				s.verifier.Pictures = &picture.Matcher{Detector: s.verifier.Engine.Detector()}
				sc.OnPrinted = s.verifier.SetPrinted
			}
		}
	}
	kc.CardFront = s.front != nil
	s.machine = kiosk.NewMachine(kc)

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
	var front kiosk.CardFrontReader
	if s.front != nil {
		front = s.front
	}
	var speaker kiosk.Speaker
	if s.voice = s.openVoice(g, o.voiceDir); s.voice != nil {
		speaker = s.voice
	}
	// A session's end closes the kiosk's alerts on the desk (here, before
	// the next session can raise one).
	inSession := false
	watch := func(v kiosk.View) {
		if v.State == kiosk.StateWelcome && inSession {
			if err := st.ClearAlerts(context.Background(), "kiosk:session-end"); err != nil {
				g.log.Error("clearing the desk's alerts failed", "err", err)
			}
		}
		inSession = v.State != kiosk.StateWelcome
		if o.watch != nil {
			o.watch(v)
		}
	}
	s.runner = kiosk.NewRunner(s.machine, kiosk.Ports{
		Card: s.port, Face: face, CardFront: front, Eligibility: s.elig, Store: st, Audit: st,
		Pager: storePager{g.log, st}, Printer: s.printer, Speaker: speaker, Log: g.log,
	}, watch)
	return s, nil
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
	if s.backup.Dir != "" {
		start(func() { runBackups(ctx, s.log, s.store, s.backup) })
	}
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
