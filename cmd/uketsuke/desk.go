package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/uketsuke/uketsuke/app"
	"github.com/uketsuke/uketsuke/camera"
	"github.com/uketsuke/uketsuke/clinic"
	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/storage"
)

// desk is the staff mode's backend over the store and the station.
type desk struct {
	s       *station
	g       *globals // for doctor's checks; nil: none
	dataDir string
	// sync runs the configured sync (nil: none configured; "sync now"
	// writes the day's files into the data directory instead).
	sync func(ctx context.Context, trigger string) (clinic.Report, error)

	mu        sync.Mutex
	photoSeen string // staff + photo digest of the last audited photo view
}

var _ app.StaffDesk = (*desk)(nil)

func (d *desk) Login(ctx context.Context, id, pin string) error {
	err := d.s.store.StaffLogin(ctx, id, pin)
	var locked *storage.LockedError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &locked):
		return &app.StaffLockedError{Until: locked.Until}
	case errors.Is(err, storage.ErrBadLogin), errors.Is(err, storage.ErrStaffDisabled):
		return app.ErrStaffLogin
	}
	return err
}

func (d *desk) Logout(ctx context.Context, id, how string) {
	if err := d.s.store.Append(ctx, kiosk.AuditEntry{Actor: id, Action: "staff.logout", Outcome: how}); err != nil {
		d.s.log.Error("audit staff logout", "err", err)
	}
}

// viewed audits that staff saw personal data.
func (d *desk) viewed(ctx context.Context, staff, what string) {
	if err := d.s.store.Append(ctx, kiosk.AuditEntry{Actor: staff, Action: "staff.view", Outcome: what}); err != nil {
		d.s.log.Error("audit staff view", "err", err)
	}
}

func (d *desk) Queue(ctx context.Context, staff string) ([]app.QueueEntry, error) {
	rows, err := d.s.store.List(ctx, today())
	if err != nil {
		return nil, err
	}
	d.viewed(ctx, staff, "queue")
	out := make([]app.QueueEntry, 0, len(rows))
	for _, r := range rows {
		e := app.QueueEntry{Number: r.Number, Status: r.Status, Path: r.Path}
		if r.Status == storage.StatusPending {
			e.Status, e.Pending = storage.StatusWaiting, true
		}
		if r.NameCheck {
			e.Note = "●"
		}
		out = append(out, e)
	}
	return out, nil
}

func (d *desk) SetStatus(ctx context.Context, staff, number, status string) error {
	return d.s.store.SetStatus(ctx, today(), number, status, staff)
}

func (d *desk) MoveUp(ctx context.Context, staff, number string) error {
	return d.s.store.MoveUp(ctx, today(), number, staff)
}

func (d *desk) Recheck(ctx context.Context, staff string) (int, int, error) {
	_ = d.s.store.Append(ctx, kiosk.AuditEntry{Actor: staff, Action: "eligibility.recheck", Outcome: "requested"})
	n, err := d.s.store.Recheck(ctx, d.s.elig)
	if err != nil {
		return n, 0, err
	}
	left, err := d.s.store.Pending(ctx)
	return n, len(left), err
}

func (d *desk) Devices(ctx context.Context) []app.Device {
	return append(d.liveDevices(ctx), d.installation(ctx)...)
}

// liveDevices are the devices' own reports and the hand-over's state.
func (d *desk) liveDevices(ctx context.Context) []app.Device {
	out := d.s.health.entries()
	if n, err := d.s.store.OutboxLen(ctx); err == nil {
		detail := fmt.Sprintf("%d visit events waiting to be sent", n)
		ok := true
		if runs, err := d.s.store.Runs(ctx, 1); err == nil && len(runs) > 0 {
			detail += "; last run " + runs[0].StartedAt + ": " + runs[0].Report
			ok = runs[0].FinishedAt != "" && !clinic.ReportFailed(runs[0].Report)
		}
		if parked, err := d.s.store.Parked(ctx); err == nil && len(parked) > 0 {
			ok = false
			for _, p := range parked[:min(len(parked), 3)] {
				detail += fmt.Sprintf("\n受付 %s %s（%s）: %s", p.Day, p.Number, p.Destination, clinic.Advice(p.Reason))
			}
			if len(parked) > 3 {
				detail += fmt.Sprintf("\nほか %d 件（uketsuke sync status）", len(parked)-3)
			}
		}
		out = append(out, app.Device{Name: "sync", OK: &ok, Detail: detail})
	}
	return out
}

// installation is doctor's checks of the installation; the devices the
// kiosk holds report themselves (liveDevices).
func (d *desk) installation(ctx context.Context) []app.Device {
	var out []app.Device
	if d.g != nil {
		for _, r := range runChecks(ctx, d.g, false) {
			ok := r.Verdict != VerdictFail
			out = append(out, app.Device{Name: r.Name, OK: &ok, Warning: r.Verdict == VerdictWarning, Detail: r.Detail, Advice: r.Advice})
		}
	}
	return out
}

// SyncNow runs the configured sync now; without one it writes the day's
// visits as files into the data directory (CSV for a レセコン's import,
// JSON Lines).
func (d *desk) SyncNow(ctx context.Context, staff string) (string, error) {
	if d.sync != nil {
		_ = d.s.store.Append(ctx, kiosk.AuditEntry{Actor: staff, Action: "sync.requested", Outcome: "staff"})
		rep, err := d.sync(ctx, "staff:"+staff)
		if err != nil {
			return "", err
		}
		return rep.String(), nil
	}
	day := today()
	rows, err := d.s.store.List(ctx, day)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(d.dataDir, "exports")
	files, err := clinic.ExportDay(day, rows, clinic.ExportOptions{Dir: dir, Formats: []string{"csv", "jsonl"}})
	outcome := "ok"
	if err != nil {
		outcome = "failed"
	}
	if aerr := d.s.store.Append(ctx, kiosk.AuditEntry{Actor: staff, Action: "export.day", Outcome: outcome}); aerr != nil {
		err = errors.Join(err, aerr)
	}
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d件を書き出しました / exported %d visits: %s", len(rows), len(rows), filepath.Base(files[0])), nil
}

func (d *desk) Audit(ctx context.Context, staff string, n int) ([]string, error) {
	rows, err := d.s.store.RecentAudit(ctx, n)
	if err != nil {
		return nil, err
	}
	d.viewed(ctx, staff, "audit-log")
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = fmt.Sprintf("%s  %s  %s  %s  %s", r.At, r.Actor, r.Action, r.Outcome, r.Visit)
	}
	return out, nil
}

// Photo decodes the chip photo of the current session (JPEG 2000) for
// 目視確認; it lives only in memory.
func (d *desk) Photo(staff string) image.Image {
	if d.s.verifier == nil {
		return nil
	}
	data := d.s.verifier.Photo()
	if len(data) == 0 {
		return nil
	}
	defer clear(data)
	// Audited once per staff member and photo, not at every redraw; the
	// key is kept in memory only.
	sum := sha256.Sum256(data)
	key := staff + ":" + hex.EncodeToString(sum[:8])
	d.mu.Lock()
	seen := key == d.photoSeen
	d.photoSeen = key
	d.mu.Unlock()
	if !seen {
		d.viewed(context.Background(), staff, "chip-photo")
	}
	img, err := camera.DecodeImage(data)
	if err != nil {
		d.s.log.Error("chip photo for 目視確認 could not be decoded", "err", err)
		return nil
	}
	return img
}

// CorrectPatient records staff's correction of the patient of today's
// visit number; the sync sends it to ORCA (patientmodv2 class 02) and a
// hand-over parked for want of it is put back in line.
func (d *desk) CorrectPatient(ctx context.Context, staff, number string, p kiosk.PatientDetails) error {
	return d.s.store.CorrectPatient(ctx, today(), number, p, staff)
}

// publishStatus writes the kiosk's device report into the store for the
// desk console: the devices every 15 s, doctor's installation checks
// every 5 minutes.
func publishStatus(ctx context.Context, log *slog.Logger, st *storage.Store, d *desk) {
	var checks []app.Device
	var checked time.Time
	publish := func() {
		if time.Since(checked) >= 5*time.Minute {
			checks, checked = d.installation(ctx), time.Now()
		}
		b, err := json.Marshal(append(d.liveDevices(ctx), checks...))
		if err == nil {
			err = st.PublishStatus(ctx, b)
		}
		if err != nil && ctx.Err() == nil {
			log.Error("publishing the device status for the desk failed", "err", err)
		}
	}
	publish()
	every(ctx, 15*time.Second, publish)
}
