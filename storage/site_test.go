package storage

import (
	"context"
	"testing"
	"time"
)

// TestSiteActionsApplyOnce: a desk action is applied once however often
// it comes; one the record refuses is recorded as refused and the record
// is due to go back to the site queue; pushes are remembered by version.
func TestSiteActionsApplyOnce(t *testing.T) {
	s, _ := openTest(t, Options{KioskID: "front-1"})
	ctx := context.Background()
	tk, err := s.Register(ctx, visit(time.Date(2026, 11, 25, 10, 0, 0, 0, jst)))
	if err != nil {
		t.Fatal(err)
	}
	due, err := s.SiteDue(ctx, 10)
	if err != nil || len(due) != 1 || due[0].Version != 1 || due[0].PageToken == "" {
		t.Fatalf("due %+v %v", due, err)
	}
	if err := s.SitePushed(ctx, tk.VisitID, due[0].Version); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.SiteDue(ctx, 10); len(due) != 0 {
		t.Fatalf("still due after the push: %+v", due)
	}
	call := SiteAction{ID: 7, VisitID: tk.VisitID, Action: SiteCall, Arg: "1番診察室", Actor: "1001", At: time.Date(2026, 11, 25, 1, 5, 0, 0, time.UTC)}
	for i, want := range []string{SiteApplied, SiteAlready, SiteAlready} {
		got, err := s.ApplySiteAction(ctx, call)
		if err != nil || got != want {
			t.Fatalf("apply %d: %q %v, want %q", i, got, err, want)
		}
	}
	due, _ = s.SiteDue(ctx, 10)
	if len(due) != 1 || due[0].Status != StatusCalled || due[0].Room != "1番診察室" || due[0].CalledAt != "2026-11-25T01:05:00.000Z" {
		t.Fatalf("after the call: %+v", due)
	}
	n := 0
	rows, _ := s.RecentAudit(ctx, 20)
	for _, r := range rows {
		if r.Action == "visit.call" && r.Actor == "1001" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d call audit rows, want 1", n)
	}
	if err := s.SitePushed(ctx, tk.VisitID, due[0].Version); err != nil {
		t.Fatal(err)
	}
	done := SiteAction{ID: 8, VisitID: tk.VisitID, Action: SiteStatus, Arg: StatusDone, Actor: "1001"}
	if got, err := s.ApplySiteAction(ctx, done); err != nil || got != SiteApplied {
		t.Fatalf("done: %q %v", got, err)
	}
	due, _ = s.SiteDue(ctx, 10)
	if err := s.SitePushed(ctx, tk.VisitID, due[0].Version); err != nil {
		t.Fatal(err)
	}
	for _, a := range []SiteAction{
		{ID: 9, VisitID: tk.VisitID, Action: SiteCall, Arg: "2番", Actor: "1002"},                     // a finished visit
		{ID: 10, VisitID: tk.VisitID, Action: SiteStatus, Arg: "eligibility-pending", Actor: "1002"}, // not staff's
		{ID: 11, VisitID: tk.VisitID, Action: "erase", Actor: "1002"},
	} {
		if got, err := s.ApplySiteAction(ctx, a); err != nil || got != SiteRefused {
			t.Fatalf("action %d: %q %v, want refused", a.ID, got, err)
		}
	}
	due, _ = s.SiteDue(ctx, 10)
	if len(due) != 1 || due[0].Status != StatusDone {
		t.Fatalf("a refused action leaves the record due to go back as it is: %+v", due)
	}
	if got, err := s.ApplySiteAction(ctx, SiteAction{ID: 12, VisitID: "another kiosk's", Action: SiteCall}); err != nil || got != SiteRefused {
		t.Fatalf("unknown visit: %q %v", got, err)
	}
}
