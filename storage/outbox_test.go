package storage

import (
	"context"
	"testing"
	"time"
)

func TestOutboxBacksOffAndParks(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 25, 23, 30, 0, 0, jst)}
	s, _ := openTest(t, Options{Clock: c})
	ctx := context.Background()
	tk, _ := s.Register(ctx, visit(c.Now()))
	due, err := s.Due(ctx, c.Now(), 10)
	if err != nil || len(due) != 1 || due[0].Key != tk.VisitID+":created" || due[0].Visit.Eligibility == nil {
		t.Fatalf("due %+v, %v", due, err)
	}
	key := due[0].Key
	for i := 1; i < MaxAttempts; i++ {
		parked, err := s.Failed(ctx, key, "ORCA: Api_Result 90", false)
		if err != nil || parked {
			t.Fatalf("attempt %d: parked %v, %v", i, parked, err)
		}
		if d, _ := s.Due(ctx, c.Now(), 10); len(d) != 0 {
			t.Fatalf("attempt %d: due again at once, no backoff", i)
		}
		c.set(c.Now().Add(7 * time.Hour)) // past the longest backoff
	}
	if parked, _ := s.Failed(ctx, key, "ORCA: Api_Result 90", false); !parked {
		t.Fatal("not parked after MaxAttempts")
	}
	if d, _ := s.Due(ctx, c.Now().Add(100*time.Hour), 10); len(d) != 0 {
		t.Fatal("a parked event came due")
	}
	if p, _ := s.Parked(ctx); p[key] != "ORCA: Api_Result 90" {
		t.Fatalf("parked %v", p)
	}
	if err := s.Unpark(ctx, key, "s01"); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.Due(ctx, c.Now(), 10); len(d) != 1 {
		t.Fatal("unparked event not due")
	}
	s.MarkSynced(ctx, key, c.Now())
	if d, _ := s.Due(ctx, c.Now(), 10); len(d) != 0 {
		t.Fatal("a synced event is still due")
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
	tk, _ := s.Register(ctx, visit(c.Now()))
	key := tk.VisitID + ":created"
	if parked, err := s.Failed(ctx, key, "ORCA Api_Result 01: 必須項目がありません", true); err != nil || !parked {
		t.Fatalf("parked %v, %v", parked, err)
	}
	if p, _ := s.Parked(ctx); p[key] == "" {
		t.Fatalf("parked %v", p)
	}
	if d, _ := s.Due(ctx, c.Now().Add(100*time.Hour), 10); len(d) != 0 {
		t.Fatal("a parked event came due")
	}
	rows, err := s.RecentAudit(ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows {
		found = found || (r.Action == "sync.parked" && r.Outcome == "refused" && r.Visit == key)
	}
	if !found {
		t.Fatalf("no sync.parked refused audit row in %+v", rows)
	}
}
