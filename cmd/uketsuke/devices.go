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
	"time"

	"github.com/uketsuke/uketsuke/camera"
	"github.com/uketsuke/uketsuke/camera/cardfront"
	"github.com/uketsuke/uketsuke/eligibility"
	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
	prn "github.com/uketsuke/uketsuke/printer"
	"github.com/uketsuke/uketsuke/storage"
)

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
	engine, err := camera.NewEngineWith(g.cfg.Camera.Models, camera.RecognizerOptions{Name: g.cfg.Camera.Recognizer, Model: g.cfg.Camera.RecognizerModel})
	if err != nil {
		src.Close()
		return nil, fmt.Errorf("face models in %s: %w (run make setup)", g.cfg.Camera.Models, err)
	}
	feed := camera.StartFeed(src, 4)
	s.cleanup = append(s.cleanup, func() { feed.Close(); src.Close(); engine.Close() })
	return &camera.Verifier{Engine: engine, Feed: feed, Log: g.log}, nil
}

// openCardFront opens the card-front reader: on the document camera
// (src, or [camera] card_device), else on the face camera's feed. It
// returns nil, nil when card_device is "none".
func (s *station) openCardFront(g *globals, src camera.Source, faceFeed *camera.Feed) (*cardfront.Scanner, error) {
	dev := g.cfg.Camera.CardDevice
	if dev == "none" && src == nil {
		return nil, nil
	}
	feed := faceFeed
	if src == nil && dev != "" {
		d, err := camera.OpenDevice(dev)
		if err != nil {
			return nil, fmt.Errorf("card camera: %w", err)
		}
		src = d
	}
	if src != nil {
		feed = camera.StartFeed(src, 2)
		s.cardCamera = true
		s.cleanup = append(s.cleanup, func() { feed.Close(); src.Close() })
	}
	if feed == nil {
		return nil, errors.New("no camera to read the card front with")
	}
	r, err := cardfront.New(cardfront.Options{Detector: camera.YuNet.In(g.cfg.Camera.Models)})
	if err != nil {
		return nil, err
	}
	s.cleanup = append(s.cleanup, func() { r.Close() })
	return &cardfront.Scanner{Reader: r, Feed: feed, Log: g.log}, nil
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

// storePager tells staff through the log and the store's alerts, which
// the desk console shows with a sound.
type storePager struct {
	log   *slog.Logger
	store *storage.Store
}

func (p storePager) Page(ctx context.Context, reason kiosk.Handover) {
	p.log.Warn("staff needed at the kiosk", "reason", reason.String())
	if err := p.store.RaiseAlert(context.WithoutCancel(ctx), reason); err != nil {
		p.log.Error("the desk was not told: raising the alert failed", "reason", reason.String(), "err", err)
	}
}

// printer prints tickets and guidance slips: through the configured
// command (the text on its standard input), or, in demo mode without one,
// into files in a folder so the demo shows what would come out.
type printer struct {
	device  *prn.Device // an ESC/POS printer; nil: command (plain text) or dir
	command []string
	dir     string // demo: write here instead, as text and as ESC/POS
	kioskID string
	clinic  string
	pageURL string      // [desk] url: the ticket's QR code opens its page there
	clock   kiosk.Clock // nil: the system's
}

// newPrinter is the configured printer (enabled reports whether there is
// one).
func newPrinter(cfg Config) printer {
	p := printer{command: cfg.Reception.PrintCommand, kioskID: cfg.KioskID, clinic: cfg.Reception.ClinicName, pageURL: cfg.Desk.URL}
	if cfg.Printer.Device != "" {
		p.device, _ = prn.Parse(cfg.Printer.Device) // validated with the config
	}
	return p
}

func (p printer) now() time.Time {
	if p.clock != nil {
		return p.clock.Now()
	}
	return time.Now()
}

// enabled reports whether anything prints.
func (p printer) enabled() bool { return p.device != nil || len(p.command) > 0 || p.dir != "" }

var _ kiosk.Printer = printer{}

// PrintTicket prints the 受付票.
func (p printer) PrintTicket(ctx context.Context, t kiosk.Ticket) error {
	return p.print(ctx, "ticket", p.ticketText(t), p.ticketJob(t))
}

// PrintSlip prints a guidance slip.
func (p printer) PrintSlip(ctx context.Context, text string) error {
	return p.print(ctx, "slip", text, prn.SlipJob(text))
}

// ticketJob is the ticket in ESC/POS. Its QR code opens the patient's
// place in the queue on the desk's server ([desk] url); without one it
// holds the visit's ticket id. Neither is personal data.
func (p printer) ticketJob(t kiosk.Ticket) []byte {
	qr := t.VisitID
	if p.pageURL != "" && t.PageToken != "" {
		qr = strings.TrimSuffix(p.pageURL, "/") + "/q/" + t.PageToken
	}
	return prn.TicketJob(prn.Ticket{Clinic: p.clinic, Number: t.Number, Waiting: t.Waiting, At: p.now(), QR: qr, Kiosk: p.kioskID})
}

// ticketText is the ticket, dated and timed in Tokyo whatever the
// machine's time zone.
func (p printer) ticketText(t kiosk.Ticket) string {
	return fmt.Sprintf("受付番号\n\n    %s\n\nお待ちの方 %d 人\n%s  %s\n", t.Number, t.Waiting, p.now().In(wareki.Tokyo).Format("2006-01-02 15:04"), p.kioskID)
}

func (p printer) print(ctx context.Context, kind, text string, job []byte) error {
	if p.device != nil {
		if err := p.device.Print(ctx, job); err != nil {
			return fmt.Errorf("print %s: %w", kind, err)
		}
		return nil
	}
	if len(p.command) == 0 {
		base := filepath.Join(p.dir, fmt.Sprintf("%s-%s", kind, p.now().In(wareki.Tokyo).Format("20060102-150405.000")))
		if err := os.MkdirAll(p.dir, 0o700); err != nil {
			return fmt.Errorf("print %s: %w", kind, err)
		}
		if err := os.WriteFile(base+".escpos", job, 0o600); err != nil {
			return fmt.Errorf("print %s: %w", kind, err)
		}
		return os.WriteFile(base+".txt", []byte(text), 0o600)
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
