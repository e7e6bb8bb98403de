package sitequeue_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
	"github.com/uketsuke/uketsuke/sitequeue"
	"github.com/uketsuke/uketsuke/sitequeue/pgtest"
	"github.com/uketsuke/uketsuke/storage"
)

type kioskRig struct {
	store   *storage.Store
	replica *sitequeue.Replica
}

// startKiosk opens a kiosk's own store and runs its replica until the
// test ends.
type (
	storageRow = storage.VisitRow
	queueEntry = storage.QueueEntry
)

func startKiosk(t testing.TB, dsn, id, prefix string, every ...time.Duration) *kioskRig {
	t.Helper()
	st, err := storage.Open(filepath.Join(t.TempDir(), "uketsuke.db"), storage.Options{KioskID: id, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	look := 50 * time.Millisecond
	if len(every) > 0 {
		look = every[0]
	}
	r := &sitequeue.Replica{DSN: dsn, KioskID: id, Prefix: prefix, Local: st, Changed: st.Changes(ctx, look)}
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; st.Close() })
	return &kioskRig{store: st, replica: r}
}

func today() string { return wareki.Today(time.Now()).String() }

// eventually waits up to 10 s for f to hold.
func eventually(t testing.TB, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 10 s: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func numbers(t *testing.T, q *sitequeue.Queue) []string {
	t.Helper()
	es, err := q.Queue(context.Background(), today())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Number+":"+e.Status)
	}
	return out
}

func localStatus(t *testing.T, st *storage.Store, number string) string {
	t.Helper()
	rows, err := st.List(context.Background(), today())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Number == number {
			return r.Status
		}
	}
	return ""
}

// twoKiosks is a PostgreSQL, kiosks A (front-1) and B (front-2) pushing
// into it, and the desk's view of the queue.
func twoKiosks(t *testing.T) (a, b *kioskRig, q *sitequeue.Queue) {
	pg := pgtest.Start(t)
	a = startKiosk(t, pg.DSN, "front-1", "A")
	b = startKiosk(t, pg.DSN, "front-2", "B")
	q, err := sitequeue.Open(context.Background(), pg.DSN, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.Close)
	return a, b, q
}

// TestTwoKiosksOneQueue: two kiosks' check-ins meet in one queue in
// check-in order; the desk's call, cancel and priority reach the kiosk
// that owns the visit (a cancellation goes into its outbox for the clinic
// system), and the kiosk's own change after that reaches the desk.
func TestTwoKiosksOneQueue(t *testing.T) {
	ctx := context.Background()
	a, b, q := twoKiosks(t)
	changes := q.Changes(t.Context())
	for _, k := range []*kioskRig{a, b, a} {
		if _, err := k.store.Register(ctx, kiosk.Visit{Path: kiosk.PathMynaCard, Consent: kiosk.Consent{}}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond) // distinct check-in times
	}
	eventually(t, "three check-ins in the site queue", func() bool {
		return slices.Equal(numbers(t, q), []string{"A001:waiting", "B001:waiting", "A002:waiting"})
	})
	select {
	case <-changes:
	case <-time.After(2 * time.Second):
		t.Fatal("no change signalled")
	}

	if err := q.Call(ctx, today(), "B001", "1番診察室", "1001"); err != nil {
		t.Fatal(err)
	}
	if got := numbers(t, q); got[1] != "B001:called" {
		t.Fatalf("the desk's call is not in the queue at once: %v", got)
	}
	eventually(t, "the call recorded by kiosk B", func() bool { return localStatus(t, b.store, "B001") == storage.StatusCalled })
	if err := q.SetStatus(ctx, today(), "A002", storage.StatusCancelled, "1001"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the cancellation recorded by kiosk A", func() bool { return localStatus(t, a.store, "A002") == storage.StatusCancelled })
	if err := q.SetPriority(ctx, today(), "A001", true, "1001"); err != nil {
		t.Fatal(err)
	}
	if err := q.MoveUp(ctx, today(), "B001", "1001"); err != nil { // called, not waiting
		if !errors.Is(err, storage.ErrNotFound) {
			t.Fatal(err)
		}
	}
	// Kiosk A's own staff finish A001 at the kiosk: the desk sees it.
	eventually(t, "priority applied at kiosk A", func() bool {
		es, err := a.store.Queue(ctx, today())
		return err == nil && len(es) == 2 && es[0].Number == "A001" && es[0].Priority
	})
	if err := a.store.SetStatus(ctx, today(), "A001", storage.StatusDone, "1002"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "kiosk A's own change in the site queue", func() bool {
		return slices.Equal(numbers(t, q), []string{"A001:done", "B001:called", "A002:cancelled"})
	})
	// Each action applied once and audited by its kiosk with the staff ID.
	for _, k := range []*kioskRig{a, b} {
		rows, err := k.store.RecentAudit(ctx, 50)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range rows {
			if r.Actor == "1001" {
				n++
			}
		}
		if want := map[*kioskRig]int{a: 2, b: 1}[k]; n != want {
			t.Errorf("kiosk %p: %d audit rows by 1001, want %d", k, n, want)
		}
	}
	list, err := q.List(ctx, today())
	if err != nil || len(list) != 3 || list[0].KioskID != "front-1" {
		t.Fatalf("list %v %v", list, err)
	}
}

// TestAKioskGoesOnAloneAndCatchesUp: with PostgreSQL stopped a kiosk
// still checks patients in; when it answers again every visit reaches
// the site queue once.
func TestAKioskGoesOnAloneAndCatchesUp(t *testing.T) {
	pg := pgtest.Start(t)
	ctx := context.Background()
	a := startKiosk(t, pg.DSN, "front-1", "A")
	q, err := sitequeue.Open(ctx, pg.DSN, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if _, err := a.store.Register(ctx, kiosk.Visit{Path: kiosk.PathMynaCard}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the first check-in", func() bool { return len(numbers(t, q)) == 1 })
	pg.Stop()
	for range 5 {
		if _, err := a.store.Register(ctx, kiosk.Visit{Path: kiosk.PathMynaCard}); err != nil {
			t.Fatalf("a check-in with PostgreSQL away: %v", err)
		}
	}
	eventually(t, "the replica notices", func() bool { return !a.replica.Status().Connected })
	pg.Start()
	eventually(t, "six check-ins after PostgreSQL is back, none left due", func() bool {
		got, err := q.Queue(ctx, today())
		due, derr := a.store.SiteDue(ctx, 10)
		return err == nil && len(got) == 6 && derr == nil && len(due) == 0
	})
	got := numbers(t, q)
	if !slices.Equal(got, []string{"A001:waiting", "A002:waiting", "A003:waiting", "A004:waiting", "A005:waiting", "A006:waiting"}) {
		t.Fatalf("queue %v", got)
	}
}

// TestAPrefixIsOneKiosks: a second kiosk with the same prefix is refused
// and pushes nothing, so the site's numbers stay unique.
func TestAPrefixIsOneKiosks(t *testing.T) {
	pg := pgtest.Start(t)
	ctx := context.Background()
	a := startKiosk(t, pg.DSN, "front-1", "A")
	eventually(t, "kiosk A connected", func() bool { return a.replica.Status().Connected })
	b := startKiosk(t, pg.DSN, "front-2", "A")
	if _, err := b.store.Register(ctx, kiosk.Visit{Path: kiosk.PathMynaCard}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "kiosk B refused", func() bool { return b.replica.Status().Err != "" })
	if st := b.replica.Status(); st.Connected || !strings.Contains(st.Err, "prefix") {
		t.Fatalf("status %+v", st)
	}
	q, err := sitequeue.Open(ctx, pg.DSN, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if got := numbers(t, q); len(got) != 0 {
		t.Fatalf("pushed %v", got)
	}
}

// TestAlertsAndDeviceReportsOfEveryKiosk: a kiosk's alert shows at the
// desk with its kiosk; staff taking it there closes it at the kiosk
// (audited with the staff ID); an alert the kiosk closes itself closes at
// the desk; each kiosk's device report is the desk's too.
func TestAlertsAndDeviceReportsOfEveryKiosk(t *testing.T) {
	ctx := context.Background()
	a, b, q := twoKiosks(t)
	if err := a.store.RaiseAlert(ctx, kiosk.HandoverPINLocked); err != nil {
		t.Fatal(err)
	}
	if err := b.store.RaiseAlert(ctx, kiosk.HandoverAuthFailed); err != nil {
		t.Fatal(err)
	}
	if err := b.store.PublishStatus(ctx, []byte(`{"reader":"ok"}`)); err != nil {
		t.Fatal(err)
	}
	var open []storage.Alert
	eventually(t, "both kiosks' alerts at the desk", func() bool {
		var err error
		open, err = q.OpenAlerts(ctx)
		return err == nil && len(open) == 2
	})
	byKiosk := map[string]storage.Alert{}
	for _, al := range open {
		byKiosk[al.KioskID] = al
	}
	if byKiosk["front-1"].Reason != kiosk.HandoverPINLocked.String() || byKiosk["front-2"].Reason != kiosk.HandoverAuthFailed.String() {
		t.Fatalf("alerts %+v", open)
	}
	eventually(t, "kiosk B's device report at the desk", func() bool {
		ks, err := q.KioskStatuses(ctx)
		return err == nil && len(ks) == 1 && ks[0].KioskID == "front-2" && string(ks[0].Devices) == `{"reader":"ok"}`
	})

	if err := q.TakeAlert(ctx, byKiosk["front-1"].ID, "1001"); err != nil {
		t.Fatal(err)
	}
	if err := q.TakeAlert(ctx, byKiosk["front-1"].ID, "1001"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("an alert taken twice: %v", err)
	}
	eventually(t, "kiosk A's alert closed at the kiosk", func() bool {
		open, err := a.store.OpenAlerts(ctx)
		return err == nil && len(open) == 0
	})
	rows, err := a.store.RecentAudit(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(rows, func(r storage.AuditRow) bool { return r.Actor == "1001" && r.Action == "desk.alert-taken" }) {
		t.Fatalf("the alert taken at the desk is not in kiosk A's audit: %+v", rows)
	}
	// Kiosk B's session ends: its alert closes at the desk.
	if err := b.store.ClearAlerts(ctx, "session-end"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "no alert open at the desk", func() bool {
		open, err := q.OpenAlerts(ctx)
		return err == nil && len(open) == 0
	})
}

// TestTheDeskStartsBeforePostgreSQL: a desk started while PostgreSQL is
// down serves the queue as soon as it answers.
func TestTheDeskStartsBeforePostgreSQL(t *testing.T) {
	pg := pgtest.Start(t)
	pg.Stop()
	ctx := context.Background()
	q, err := sitequeue.Open(ctx, pg.DSN, nil, nil)
	if err != nil {
		t.Fatalf("the desk did not start: %v", err)
	}
	defer q.Close()
	if _, err := q.Queue(ctx, today()); err == nil {
		t.Fatal("a queue read with PostgreSQL down did not fail")
	}
	pg.Start()
	a := startKiosk(t, pg.DSN, "front-1", "A")
	if _, err := a.store.Register(ctx, kiosk.Visit{Path: kiosk.PathMynaCard}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the check-in at the desk once PostgreSQL answers", func() bool {
		es, err := q.Queue(ctx, today())
		return err == nil && len(es) == 1 && es[0].Number == "A001"
	})
}

// TestKioskLinksAndDesks: a kiosk's link is in the shared queue for the
// desks; a desk registered is accepted by the kiosks' check, any other
// certificate is not, and a check with PostgreSQL gone refuses.
func TestKioskLinksAndDesks(t *testing.T) {
	ctx := context.Background()
	pg := pgtest.Start(t)
	st, err := storage.Open(filepath.Join(t.TempDir(), "uketsuke.db"), storage.Options{KioskID: "front-1", Prefix: "A"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rctx, cancel := context.WithCancel(ctx)
	r := &sitequeue.Replica{DSN: pg.DSN, KioskID: "front-1", Prefix: "A", Local: st,
		Link: sitequeue.Link{Addr: "10.0.0.21:8444", Cert: strings.Repeat("ab", 32)}}
	done := make(chan struct{})
	go func() { r.Run(rctx); close(done) }()
	defer func() { cancel(); <-done }()
	_ = startKiosk(t, pg.DSN, "front-2", "B") // no link: not listed
	q, err := sitequeue.Open(ctx, pg.DSN, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	eventually(t, "both kiosks registered", func() bool {
		p, err := sitequeue.Look(ctx, pg.DSN, "A")
		return err == nil && p.Kiosks == 2
	})
	links, err := q.Links(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []sitequeue.Link{{KioskID: "front-1", Addr: "10.0.0.21:8444", Cert: strings.Repeat("ab", 32)}}; !slices.Equal(links, want) {
		t.Errorf("links %+v, want %+v", links, want)
	}

	desk, other := strings.Repeat("d", 64), strings.Repeat("e", 64)
	check := &sitequeue.Desks{DSN: pg.DSN}
	if err := check.Check(ctx, desk); !errors.Is(err, sitequeue.ErrUnknownDesk) {
		t.Errorf("before the desk registered: %v", err)
	}
	if err := q.RegisterDesk(ctx, desk, "reception-pc"); err != nil {
		t.Fatal(err)
	}
	if err := check.Check(ctx, desk); err != nil {
		t.Errorf("a registered desk: %v", err)
	}
	if err := check.Check(ctx, other); !errors.Is(err, sitequeue.ErrUnknownDesk) {
		t.Errorf("another certificate: %v", err)
	}
	pg.Stop()
	if err := check.Check(ctx, other); err == nil || errors.Is(err, sitequeue.ErrUnknownDesk) {
		t.Errorf("PostgreSQL gone: %v", err)
	}
}

// TestEveryKiosksHandOverAtTheDesk: a kiosk's sync runs and its parked
// delivery (with ORCA's words) reach the desk, named by the kiosk, and
// leave it when staff put the delivery back in line at the kiosk.
func TestEveryKiosksHandOverAtTheDesk(t *testing.T) {
	ctx := context.Background()
	_, b, q := twoKiosks(t)
	if _, err := b.store.SetDestinations(ctx, []string{storage.DestORCA}, today()); err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.Register(ctx, kiosk.Visit{Path: kiosk.PathMynaCard}); err != nil {
		t.Fatal(err)
	}
	due, err := b.store.Due(ctx, storage.DestORCA, time.Now(), 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("due %+v %v", due, err)
	}
	if _, err := b.store.Failed(ctx, storage.DestORCA, due[0].Key, "ORCA patientmodv2 Api_Result 01: 患者番号に誤りがあります", true); err != nil {
		t.Fatal(err)
	}
	run, err := b.store.StartRun(ctx, "staff")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.store.FinishRun(ctx, run, "0 sent, 1 parked"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "kiosk B's parked delivery at the desk", func() bool {
		reps, err := q.Reports(ctx)
		if err != nil {
			return false
		}
		rep := reportOf(reps, "front-2")
		return len(rep.Parked) == 1 && rep.Parked[0].KioskID == "front-2" && strings.Contains(rep.Parked[0].Reason, "患者番号に誤りがあります") &&
			len(rep.Runs) == 1 && rep.Runs[0].Report == "0 sent, 1 parked" && rep.Runs[0].KioskID == "front-2"
	})
	if err := b.store.Unpark(ctx, storage.DestORCA, due[0].Key, "1001"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the delivery back in line, not parked at the desk; staff's action in the kiosk's audit there", func() bool {
		reps, err := q.Reports(ctx)
		rep := reportOf(reps, "front-2")
		return err == nil && len(rep.Parked) == 0 && len(rep.Audit) > 0 && rep.Audit[0].Action == "sync.unparked" &&
			rep.Audit[0].Actor == "1001" && rep.Audit[0].KioskID == "front-2"
	})
}

// reportOf is the report of kiosk id among reps (empty if none).
func reportOf(reps []sitequeue.Report, id string) sitequeue.Report {
	for _, r := range reps {
		if r.KioskID == id {
			return r
		}
	}
	return sitequeue.Report{}
}
