package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/storage"
)

// TestStaffViewsOfPersonalDataAreAudited: opening the queue or the audit
// page is recorded with the staff ID.
func TestStaffViewsOfPersonalDataAreAudited(t *testing.T) {
	st, err := storage.Open(filepath.Join(t.TempDir(), "u.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d := &desk{s: &station{store: st, log: slog.New(slog.DiscardHandler)}}
	ctx := context.Background()
	if _, err := d.Queue(ctx, "7"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Audit(ctx, "8", 10); err != nil {
		t.Fatal(err)
	}
	rows, err := st.RecentAudit(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, r := range rows {
		if r.Action == "staff.view" {
			seen[r.Outcome] = r.Actor
		}
	}
	if seen["queue"] != "7" || seen["audit-log"] != "8" {
		t.Fatalf("views audited: %v", seen)
	}
}

// TestDevicesReportThemselves: the device screen lists what registered,
// in set-up order, each with its own last report.
func TestDevicesReportThemselves(t *testing.T) {
	st, err := storage.Open(filepath.Join(t.TempDir(), "u.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h := &health{}
	h.register("reader")
	h.set("camera", false, "no /dev/video0")
	h.register("terminal")
	wp := &watchedPrinter{next: printer{dir: t.TempDir()}, h: h}
	h.register("printer")
	if err := wp.PrintTicket(context.Background(), kiosk.Ticket{Number: "001"}); err != nil {
		t.Fatal(err)
	}
	d := &desk{s: &station{store: st, log: slog.New(slog.DiscardHandler), health: h}}
	devs := d.Devices(context.Background())
	var names []string
	for _, dv := range devs {
		names = append(names, dv.Name)
	}
	if got := strings.Join(names, " "); got != "reader camera terminal printer sync" {
		t.Fatalf("devices %q", got)
	}
	if devs[0].OK != nil || devs[1].OK == nil || *devs[1].OK || devs[3].OK == nil || !*devs[3].OK {
		t.Fatalf("states %+v", devs)
	}
}
