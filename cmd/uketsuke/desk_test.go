package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

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
