package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/sitequeue"
	"github.com/uketsuke/uketsuke/sitequeue/pgtest"
	"github.com/uketsuke/uketsuke/storage"
)

// TestTheDeskShowsEveryKiosksSyncRuns: the desk's 連携 page reads the
// sync runs of every kiosk of the site, newest first, each named by its
// kiosk, at most as many as asked for.
func TestTheDeskShowsEveryKiosksSyncRuns(t *testing.T) {
	ctx := context.Background()
	pg := pgtest.Start(t)
	for i, id := range []string{"front-1", "front-2"} {
		st, err := storage.Open(filepath.Join(t.TempDir(), "uketsuke.db"), storage.Options{KioskID: id, Prefix: string(rune('A' + i))})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
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
	d := siteDesk{site: q}
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
}
