package storage

import (
	"context"
	"database/sql"
	"testing"
	"time"
)

// parkedReason is the reason a delivery of key to dest is parked with ("" if not).
func parkedReason(t *testing.T, s *Store, dest, key string) string {
	t.Helper()
	p, err := s.Parked(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range p {
		if e.Key == key && e.Destination == dest {
			return e.Reason
		}
	}
	return ""
}

func keys(evs []Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Key)
	}
	return out
}

// TestOutboxBacksOffAndKeepsRetrying: a passing failure backs off and is
// retried however often it fails (listed as failing repeatedly after
// MaxAttempts), never parked; a parked one comes back when released.
func TestOutboxBacksOffAndKeepsRetrying(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 25, 23, 30, 0, 0, jst)}
	s, _ := openTest(t, Options{Clock: c})
	ctx := context.Background()
	if _, err := s.SetDestinations(ctx, []string{DestORCA}, "2026-11-25"); err != nil {
		t.Fatal(err)
	}
	tk, _ := s.Register(ctx, visit(c.Now()))
	due, err := s.Due(ctx, DestORCA, c.Now(), 10)
	if err != nil || len(due) != 1 || due[0].Key != tk.VisitID+":created" || due[0].Visit.Eligibility == nil {
		t.Fatalf("due %+v, %v", due, err)
	}
	key := due[0].Key
	for i := 1; i <= MaxAttempts+2; i++ {
		parked, err := s.Failed(ctx, DestORCA, key, "ORCA acceptmodv2 HTTP 500", false)
		if err != nil || parked {
			t.Fatalf("attempt %d: parked %v, %v", i, parked, err)
		}
		if d, _ := s.Due(ctx, DestORCA, c.Now(), 10); len(d) != 0 {
			t.Fatalf("attempt %d: due again at once, no backoff", i)
		}
		f, _ := s.Failing(ctx)
		if (len(f) == 1) != (i >= MaxAttempts) {
			t.Fatalf("attempt %d: failing list %+v", i, f)
		}
		c.set(c.Now().Add(7 * time.Hour)) // past the longest backoff
		if d, _ := s.Due(ctx, DestORCA, c.Now(), 10); len(d) != 1 {
			t.Fatalf("attempt %d: not retried after the backoff", i)
		}
	}
	if p, _ := s.Parked(ctx); len(p) != 0 {
		t.Fatalf("a passing failure parked: %+v", p)
	}
	if parked, _ := s.Failed(ctx, DestORCA, key, "ORCA acceptmodv2 Api_Result 90: x", true); !parked {
		t.Fatal("a permanent failure not parked")
	}
	if d, _ := s.Due(ctx, DestORCA, c.Now().Add(100*time.Hour), 10); len(d) != 0 {
		t.Fatal("a parked event came due")
	}
	if r := parkedReason(t, s, DestORCA, key); r != "ORCA acceptmodv2 Api_Result 90: x" {
		t.Fatalf("parked with %q", r)
	}
	if err := s.Unpark(ctx, DestORCA, key, "s01"); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.Due(ctx, DestORCA, c.Now(), 10); len(d) != 1 {
		t.Fatal("unparked event not due")
	}
	if n, _ := s.OutboxLen(ctx); n != 1 {
		t.Fatalf("outbox length %d before delivery", n)
	}
	s.Delivered(ctx, DestORCA, key)
	if d, _ := s.Due(ctx, DestORCA, c.Now(), 10); len(d) != 0 {
		t.Fatal("a delivered event is still due")
	}
	if n, _ := s.OutboxLen(ctx); n != 0 {
		t.Fatalf("outbox length %d after delivery", n)
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestOutboxParksAPermanentFailureAtOnce: a refusal that retrying will
// not change is parked at the first attempt, and the audit says so.
func TestOutboxParksAPermanentFailureAtOnce(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 25, 10, 0, 0, 0, jst)}
	s, _ := openTest(t, Options{Clock: c})
	ctx := context.Background()
	s.SetDestinations(ctx, []string{DestORCA}, "2026-11-25")
	tk, _ := s.Register(ctx, visit(c.Now()))
	key := tk.VisitID + ":created"
	if parked, err := s.Failed(ctx, DestORCA, key, "ORCA Api_Result 01: 必須項目がありません", true); err != nil || !parked {
		t.Fatalf("parked %v, %v", parked, err)
	}
	if parkedReason(t, s, DestORCA, key) == "" {
		t.Fatal("not listed as parked")
	}
	if d, _ := s.Due(ctx, DestORCA, c.Now().Add(100*time.Hour), 10); len(d) != 0 {
		t.Fatal("a parked event came due")
	}
	rows, err := s.RecentAudit(ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows {
		found = found || (r.Action == "sync.parked" && r.Outcome == "orca:refused" && r.Visit == tk.VisitID)
	}
	if !found {
		t.Fatalf("no sync.parked refused audit row in %+v", rows)
	}
}

// TestDestinationsDeliverIndependently: each destination has its own
// delivery of every event. One added later starts on the day it is added
// (older days only by Backfill), and removing one leaves the other alone.
func TestDestinationsDeliverIndependently(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 24, 10, 0, 0, 0, jst)}
	s, _ := openTest(t, Options{Clock: c})
	ctx := context.Background()
	s.SetDestinations(ctx, []string{DestFiles}, "2026-11-24")
	yesterday, _ := s.Register(ctx, visit(c.Now()))
	c.set(time.Date(2026, 11, 25, 9, 0, 0, 0, jst))
	today, _ := s.Register(ctx, visit(c.Now()))
	due, _ := s.Due(ctx, DestFiles, c.Now(), 10)
	if len(due) != 2 {
		t.Fatalf("files due %v", keys(due))
	}
	if err := s.Delivered(ctx, DestFiles, keys(due)...); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.OutboxLen(ctx); n != 0 {
		t.Fatalf("%d events left after the files have them all", n)
	}
	// ORCA is added on the 25th: it gets the 25th's visit, not the 24th's.
	added, err := s.SetDestinations(ctx, []string{DestFiles, DestORCA}, "2026-11-25")
	if err != nil || len(added) != 1 || added[0] != DestORCA {
		t.Fatalf("added %v, %v", added, err)
	}
	due, _ = s.Due(ctx, DestORCA, c.Now(), 10)
	if len(due) != 1 || due[0].Key != today.VisitID+":created" {
		t.Fatalf("ORCA due %v, want today's visit only", keys(due))
	}
	if d, _ := s.Due(ctx, DestFiles, c.Now(), 10); len(d) != 0 {
		t.Fatalf("adding ORCA made the files due again: %v", keys(d))
	}
	if n, _ := s.OutboxLen(ctx); n != 1 {
		t.Fatalf("outbox length %d, want today's event (not at ORCA yet)", n)
	}
	// Adding it again changes nothing.
	if added, _ := s.SetDestinations(ctx, []string{DestFiles, DestORCA}, "2026-11-26"); len(added) != 0 {
		t.Fatalf("added again: %v", added)
	}
	if n, err := s.Backfill(ctx, DestORCA, "2026-11-24"); err != nil || n != 1 {
		t.Fatalf("backfill: %d, %v", n, err)
	}
	due, _ = s.Due(ctx, DestORCA, c.Now(), 10)
	if len(due) != 2 || due[0].Key != yesterday.VisitID+":created" {
		t.Fatalf("ORCA due after backfill %v", keys(due))
	}
	// Files removed: ORCA keeps its deliveries; a new visit goes to ORCA only.
	s.SetDestinations(ctx, []string{DestORCA}, "2026-11-25")
	c.set(c.Now().Add(time.Minute))
	s.Register(ctx, visit(c.Now()))
	if d, _ := s.Due(ctx, DestORCA, c.Now(), 10); len(d) != 3 {
		t.Fatalf("ORCA due after files removed %v", keys(d))
	}
	if d, _ := s.Due(ctx, DestFiles, c.Now(), 10); len(d) != 0 {
		t.Fatalf("a removed destination has due events: %v", keys(d))
	}
	if _, err := s.Backfill(ctx, DestFiles, "2026-11-01"); err == nil {
		t.Fatal("backfill of a removed destination accepted")
	}
}

// TestCorrectionsAreEachAnEvent: every correction is delivered, not only
// the first.
func TestCorrectionsAreEachAnEvent(t *testing.T) {
	s, _ := openTest(t, Options{})
	ctx := context.Background()
	s.SetDestinations(ctx, []string{DestORCA}, "2026-11-25")
	tk, _ := s.Register(ctx, visit(time.Date(2026, 11, 25, 9, 0, 0, 0, jst)))
	for range 2 {
		if err := s.inTx(ctx, func(tx *sql.Tx) error { return s.enqueueTx(ctx, tx, tk.VisitID, "corrected") }); err != nil {
			t.Fatal(err)
		}
	}
	due, _ := s.Due(ctx, DestORCA, time.Date(2026, 11, 26, 0, 0, 0, 0, jst), 10)
	if got := keys(due); len(got) != 3 || got[1] != tk.VisitID+":corrected:1" || got[2] != tk.VisitID+":corrected:2" {
		t.Fatalf("due %v", got)
	}
}

// TestLegacyOutboxGoesToTheFirstDestinations: events that were waiting
// before destinations were tracked are not lost by the upgrade: the
// destinations configured first take them, attempts and tries kept.
func TestLegacyOutboxGoesToTheFirstDestinations(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 20, 9, 0, 0, 0, jst)}
	s, _ := openTest(t, Options{Clock: c})
	ctx := context.Background()
	old, _ := s.Register(ctx, visit(c.Now())) // no destination: as before the upgrade
	if _, err := s.db.ExecContext(ctx, `update outbox set tried = 1, attempts = 2 where key = ?`, old.VisitID+":created"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, `insert into settings values ('legacy_outbox', 'pending')`); err != nil {
		t.Fatal(err)
	}
	c.set(time.Date(2026, 11, 25, 9, 0, 0, 0, jst))
	s.SetDestinations(ctx, []string{DestORCA}, "2026-11-25")
	if n, err := s.BeginAttempt(ctx, DestORCA, old.VisitID+":created"); err != nil || n != 1 {
		t.Fatalf("tries carried over: %d, %v", n, err)
	}
	if due, _ := s.Due(ctx, DestORCA, c.Now(), 10); len(due) != 1 || due[0].Attempts != 2 {
		t.Fatalf("legacy event: %+v", due)
	}
	// Only the first destinations take them.
	if _, err := s.SetDestinations(ctx, []string{DestORCA, DestFiles}, "2026-11-25"); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.Due(ctx, DestFiles, c.Now(), 10); len(due) != 0 {
		t.Fatalf("a later destination took a legacy event: %v", keys(due))
	}
}
