package storage

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
)

// TestWaitingRoomQueue: every ticket has its own page token (144 bits,
// URL-safe) that finds its visit; a call records the time and the room;
// priority goes first; finished visits cannot be called again.
func TestWaitingRoomQueue(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 25, 9, 0, 0, 0, jst)}
	s, _ := openTest(t, Options{KioskID: "kiosk-1", Clock: c})
	ctx := context.Background()
	tokens := map[string]string{}
	for range 4 {
		tk, err := s.Register(ctx, kiosk.Visit{Path: kiosk.PathMynaCard})
		if err != nil {
			t.Fatal(err)
		}
		if len(tk.PageToken) != 24 || tokens[tk.PageToken] != "" {
			t.Fatalf("token %q", tk.PageToken)
		}
		tokens[tk.PageToken] = tk.Number
	}
	for tok, number := range tokens {
		day, n, err := s.FindPage(ctx, tok)
		if err != nil || day != "2026-11-25" || n != number {
			t.Errorf("FindPage: %s %s %v, want %s", day, n, err, number)
		}
	}
	for _, bad := range []string{"", "x", "AAAAAAAAAAAAAAAAAAAAAAAA"} {
		if _, _, err := s.FindPage(ctx, bad); !errors.Is(err, ErrNotFound) {
			t.Errorf("FindPage(%q): %v", bad, err)
		}
	}
	c.set(time.Date(2026, 11, 25, 9, 10, 0, 0, jst))
	if err := s.Call(ctx, "2026-11-25", "001", "1番診察室", "7"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPriority(ctx, "2026-11-25", "004", true, "7"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStatus(ctx, "2026-11-25", "002", StatusDone, "7"); err != nil {
		t.Fatal(err)
	}
	if err := s.Call(ctx, "2026-11-25", "002", "1番診察室", "7"); err == nil {
		t.Error("a finished visit was called")
	}
	if err := s.Call(ctx, "2026-11-25", "009", "1番診察室", "7"); !errors.Is(err, ErrNotFound) {
		t.Errorf("an unknown number: %v", err)
	}
	q, err := s.Queue(ctx, "2026-11-25")
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, e := range q {
		order = append(order, e.Number+":"+e.Status)
	}
	if got := order; len(got) != 4 || got[0] != "004:waiting" || got[1] != "001:called" || got[2] != "002:done" || got[3] != "003:waiting" {
		t.Errorf("queue %v", got)
	}
	if !q[0].Priority || q[1].Room != "1番診察室" || !q[1].CalledAt.Equal(time.Date(2026, 11, 25, 9, 10, 0, 0, jst)) {
		t.Errorf("entries %+v", q)
	}
	rows, _ := s.RecentAudit(ctx, 10)
	var actions []string
	for _, r := range rows {
		actions = append(actions, r.Action+"/"+r.Actor)
	}
	for _, want := range []string{"visit.call/7", "visit.priority/7"} {
		found := false
		for _, a := range actions {
			found = found || a == want
		}
		if !found {
			t.Errorf("no %s in the audit: %v", want, actions)
		}
	}
}

// TestChangesSeesAnotherProcess: a check-in committed through another
// connection to the file (as the kiosk's process, while the desk reads)
// is signalled.
func TestChangesSeesAnotherProcess(t *testing.T) {
	reader, path := openTest(t, Options{KioskID: "kiosk-1"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := reader.Changes(ctx, 20*time.Millisecond)
	<-ch // the first look
	writer, err := Open(path, Options{KioskID: "kiosk-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	select {
	case <-ch:
		t.Fatal("a signal before any change")
	case <-time.After(100 * time.Millisecond):
	}
	if _, err := writer.Register(ctx, kiosk.Visit{Path: kiosk.PathMynaCard}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("the check-in was not signalled")
	}
	cancel()
	for range ch {
	}
}

func TestAlerts(t *testing.T) {
	s, path := openTest(t, Options{KioskID: "kiosk-1"})
	other, err := Open(path, Options{KioskID: "kiosk-2"})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx := context.Background()
	for _, r := range []kiosk.Handover{kiosk.HandoverRequested, kiosk.HandoverRequested, kiosk.HandoverPINLocked} {
		if err := s.RaiseAlert(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := other.RaiseAlert(ctx, kiosk.HandoverCardUntrusted); err != nil {
		t.Fatal(err)
	}
	open, err := s.OpenAlerts(ctx)
	if err != nil || len(open) != 3 || open[0].Reason != "requested" || open[2].KioskID != "kiosk-2" {
		t.Fatalf("open %+v %v", open, err)
	}
	if err := s.TakeAlert(ctx, open[2].ID, "1001"); err != nil {
		t.Fatal(err)
	}
	if err := s.TakeAlert(ctx, open[2].ID, "1001"); !errors.Is(err, ErrNotFound) {
		t.Errorf("taken twice: %v", err)
	}
	if err := s.ClearAlerts(ctx, "session-end"); err != nil {
		t.Fatal(err)
	}
	if open, _ := s.OpenAlerts(ctx); len(open) != 0 {
		t.Errorf("left open %+v", open)
	}
}
