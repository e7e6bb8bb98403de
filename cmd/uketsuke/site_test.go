package main

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/sitequeue"
	"github.com/uketsuke/uketsuke/sitequeue/pgtest"
	"github.com/uketsuke/uketsuke/storage"
)

// TestTheDeskShowsEveryKiosksSyncRuns: the desk's 連携 page reads the
// sync runs of every kiosk of the site, newest first, each named by its
// kiosk, at most as many as asked for; its 監査ログ the audit of every
// kiosk with its own, a kiosk on the desk's machine once.
func TestTheDeskShowsEveryKiosksSyncRuns(t *testing.T) {
	ctx := context.Background()
	pg := pgtest.Start(t)
	var stores []*storage.Store
	for i, id := range []string{"front-1", "front-2"} {
		st, err := storage.Open(filepath.Join(t.TempDir(), "uketsuke.db"), storage.Options{KioskID: id, Prefix: string(rune('A' + i))})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		stores = append(stores, st)
		for _, report := range []string{id + " first", id + " second"} {
			run, err := st.StartRun(ctx, "staff")
			if err != nil {
				t.Fatal(err)
			}
			if err := st.FinishRun(ctx, run, report); err != nil {
				t.Fatal(err)
			}
			time.Sleep(5 * time.Millisecond) // distinct start times
		}
		rctx, cancel := context.WithCancel(ctx)
		r := &sitequeue.Replica{DSN: pg.DSN, KioskID: id, Prefix: string(rune('A' + i)), Local: st}
		done := make(chan struct{})
		go func() { r.Run(rctx); close(done) }()
		defer func() { cancel(); <-done }()
	}
	q, err := sitequeue.Open(ctx, pg.DSN, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	d := siteDesk{Store: stores[0], site: q} // the desk on front-1's machine
	deadline := time.Now().Add(10 * time.Second)
	var runs []storage.SyncRun
	for {
		if runs, err = d.Runs(ctx, 3); err == nil && len(runs) == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("runs %+v %v", runs, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var got []string
	for _, r := range runs {
		got = append(got, r.KioskID+": "+r.Report)
	}
	want := []string{"front-2: front-2 second", "front-2: front-2 first", "front-1: front-1 second"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("runs %q, want %q", got, want)
		}
	}
	if p, err := d.Parked(ctx); err != nil || len(p) != 0 {
		t.Errorf("parked %+v %v", p, err)
	}
	if err := stores[1].Append(ctx, kiosk.AuditEntry{Actor: "1001", Action: "staff.login", Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	var audit []storage.AuditRow
	for deadline := time.Now().Add(10 * time.Second); ; {
		if audit, err = d.RecentAudit(ctx, 1000); err == nil && len(audit) > 0 && audit[0].Action == "staff.login" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("kiosk front-2's newest audit row is not the desk's newest: %+v %v", audit, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	seen, kiosks := map[string]bool{}, map[string]bool{}
	for i, a := range audit {
		k := fmt.Sprint(a.KioskID, a.ID)
		if seen[k] {
			t.Errorf("audit row %s twice", k)
		}
		if i > 0 && a.At > audit[i-1].At {
			t.Errorf("audit not newest first at %d", i)
		}
		seen[k], kiosks[a.KioskID] = true, true
	}
	if audit[0].KioskID != "front-2" || audit[0].Actor != "1001" || !kiosks["front-1"] {
		t.Errorf("audit %+v", audit)
	}
	if own, _ := stores[0].RecentAudit(ctx, 1000); len(own) == 0 || len(audit) <= len(own) {
		t.Errorf("the desk's audit %d rows, its own store's %d", len(audit), len(own))
	}
}
