package eligibility

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
)

// FaceIntake takes over reception from a certified face-authentication
// reader: every face/OQSsiquc01res_face_*.xml the reader leaves becomes a
// visit with its consent flags and a 受付番号, with no typing. A file is
// archived only after its visit is stored; the file name is the visit's
// source key, so a file seen twice (after a crash) is registered once.
type FaceIntake struct {
	Dir      string // the shared folder holding face/
	Store    kiosk.VisitStore
	Archive  string // where processed files go (bad ones into Archive/bad); required
	Poll     time.Duration
	Clock    kiosk.Clock
	Log      *slog.Logger
	OnTicket func(kiosk.Ticket, kiosk.EligibilityResult) // e.g. print the ticket

	refused map[string]bool // entries already reported as not regular files
}

// Run processes face results until ctx ends.
func (f *FaceIntake) Run(ctx context.Context) error {
	poll := f.Poll
	if poll <= 0 {
		poll = 500 * time.Millisecond
	}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		if err := f.Once(ctx); err != nil && f.Log != nil {
			f.Log.Error("face result intake", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// Once processes the face results present now, oldest first.
func (f *FaceIntake) Once(ctx context.Context) error {
	files, err := filepath.Glob(filepath.Join(f.Dir, "face", "OQSsiquc01res_face_*.xml"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	var errs []error
	for _, p := range files {
		if err := f.one(ctx, p); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (f *FaceIntake) one(ctx context.Context, path string) error {
	name := filepath.Base(path)
	b, err := ReadFile(path)
	if errors.Is(err, ErrNotRegular) || errors.Is(err, ErrTooLarge) {
		if f.Log != nil && !f.refused[name] {
			f.Log.Error("face result refused", "file", name, "err", err)
		}
		if f.refused == nil {
			f.refused = map[string]bool{}
		}
		f.refused[name] = true
		if errors.Is(err, ErrTooLarge) {
			return moveTo(path, filepath.Join(f.Archive, "bad"))
		}
		return nil // not ours to move: a FIFO, device or link is left alone, and never read
	}
	if err != nil {
		return err
	}
	r, err := Parse(b)
	if err == nil {
		var res kiosk.EligibilityResult
		if res, err = r.Kiosk(); err == nil {
			return f.register(ctx, path, r, res)
		}
	}
	// Not a result the kiosk can use: set it aside for staff, loudly.
	if f.Log != nil {
		f.Log.Error("face result set aside", "file", name, "err", err)
	}
	return moveTo(path, filepath.Join(f.Archive, "bad"))
}

func (f *FaceIntake) register(ctx context.Context, path string, r *Response, res kiosk.EligibilityResult) error {
	clock := f.Clock
	if clock == nil {
		clock = kiosk.SystemClock{}
	}
	var c kiosk.Consent
	if len(r.Body.Results) > 0 {
		x := r.Body.Results[0]
		c = kiosk.Consent{Medication: x.PharmacistsInfoConsFlg == "1", Diagnosis: x.DiagnosisInfoConsFlg == "1",
			Checkup: x.SpecificHealthCheckupsConsFlg == "1", Surgery: x.OperationInfoConsFlg == "1", Limit: x.LimitConsFlg == "1"}
	}
	v := kiosk.Visit{
		Path: kiosk.PathMynaCard, Auth: kiosk.AuthReader, Consent: c, Eligibility: &res,
		NameCheck: len(res.NameFlags) > 0, CreatedAt: clock.Now(), SourceKey: "face:" + filepath.Base(path),
	}
	t, err := f.Store.Register(ctx, v)
	if err != nil {
		return fmt.Errorf("face result %s: %w", filepath.Base(path), err) // the file stays: retried next time
	}
	if f.OnTicket != nil {
		f.OnTicket(t, res)
	}
	return moveTo(path, f.Archive)
}

func moveTo(path, dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.Rename(path, filepath.Join(dir, filepath.Base(path)))
}
