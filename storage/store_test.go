package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/insurance"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

var jst = time.FixedZone("JST", 9*3600)

func openTest(t testing.TB, o Options) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	if o.Clock == nil {
		o.Clock = &clock{t: time.Date(2026, 11, 25, 9, 0, 0, 0, jst)}
	}
	s, err := Open(path, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func visit(at time.Time) kiosk.Visit {
	return kiosk.Visit{Path: kiosk.PathMynaCard, Auth: kiosk.AuthPIN, CreatedAt: at,
		Consent:     kiosk.Consent{Comprehensive: true},
		Eligibility: &kiosk.EligibilityResult{Validity: kiosk.ValidityValid, Name: "診療　太郎", Ratio: "030"}}
}

func TestNumbersAreGaplessPerTokyoDay(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 25, 9, 0, 0, 0, jst)}
	s, _ := openTest(t, Options{KioskID: "front", Prefix: "A", Clock: c})
	ctx := context.Background()
	var got []string
	for _, at := range []time.Time{
		time.Date(2026, 11, 25, 9, 0, 0, 0, jst),
		time.Date(2026, 11, 25, 23, 59, 59, 0, jst),
		time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC), // 2026-11-26 00:00 in Tokyo
		time.Date(2026, 11, 26, 8, 0, 0, 0, jst),
	} {
		tk, err := s.Register(ctx, visit(at))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, tk.Number)
	}
	if strings.Join(got, ",") != "A001,A002,A001,A002" {
		t.Fatalf("numbers %v", got)
	}
	rows, err := s.List(ctx, "2026-11-26")
	if err != nil || len(rows) != 2 || rows[0].Eligibility == nil || rows[0].Eligibility.Name != "診療　太郎" {
		t.Fatalf("list: %+v, %v", rows, err)
	}
	if n, err := s.VerifyAudit(ctx); err != nil || n != 4 {
		t.Fatalf("audit: %d rows, %v", n, err)
	}
}

func TestConcurrentCheckIns(t *testing.T) {
	s, _ := openTest(t, Options{})
	ctx := context.Background()
	if _, err := s.SetDestinations(ctx, []string{DestFiles}, "2026-11-25"); err != nil {
		t.Fatal(err)
	}
	const workers, each = 6, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	stop := make(chan struct{})
	go func() { // list the queue and mark events synced meanwhile
		for {
			select {
			case <-stop:
				return
			default:
			}
			rows, err := s.List(ctx, "2026-11-25")
			if err != nil {
				errs <- err
				return
			}
			for _, r := range rows {
				_ = s.Delivered(ctx, DestFiles, r.ID+":created")
			}
		}
	}()
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, jst)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if _, err := s.Register(ctx, visit(at)); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	rows, _ := s.List(ctx, "2026-11-25")
	if len(rows) != workers*each {
		t.Fatalf("%d visits, want %d", len(rows), workers*each)
	}
	for i, r := range rows {
		if want := fmt.Sprintf("%03d", i+1); r.Number != want {
			t.Fatalf("visit %d has number %s, want %s", i, r.Number, want)
		}
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestStatusChangesAndCancelQueueAnEvent(t *testing.T) {
	s, _ := openTest(t, Options{})
	ctx := context.Background()
	tk, _ := s.Register(ctx, visit(time.Date(2026, 11, 25, 10, 0, 0, 0, jst)))
	if err := s.SetStatus(ctx, "2026-11-25", tk.Number, StatusCalled, "s01"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStatus(ctx, "2026-11-25", tk.Number, StatusCancelled, "s01"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStatus(ctx, "2026-11-25", "999", StatusDone, "s01"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown number: %v", err)
	}
	var n int
	s.db.QueryRow(`select count(*) from outbox where visit_id = ?`, tk.VisitID).Scan(&n)
	if n != 2 {
		t.Fatalf("%d outbox rows, want created + cancelled", n)
	}
}

func TestNewerSchemaIsRefusedAndLeftAlone(t *testing.T) {
	s, path := openTest(t, Options{})
	s.db.Exec("pragma user_version = 99")
	s.Close()
	before, _ := os.ReadFile(path)
	if _, err := Open(path, Options{}); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("open: %v", err)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Fatal("the newer database was changed")
	}
	if m, _ := filepath.Glob(path + ".corrupt-*"); len(m) != 0 {
		t.Fatal("a newer database was moved aside as corrupt")
	}
}

func TestCorruptDatabaseIsMovedAside(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("this is not a database ", 400)), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Recovered == "" {
		t.Fatal("no recovery reported")
	}
	if b, err := os.ReadFile(s.Recovered); err != nil || !strings.HasPrefix(string(b), "this is not") {
		t.Fatalf("the corrupt file was not kept: %v", err)
	}
	if _, err := s.Register(context.Background(), visit(time.Now())); err != nil {
		t.Fatalf("the fresh database does not work: %v", err)
	}
}

func TestPurgeKeepsTheRowsDropsThePersonalData(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 10, 9, 0, 0, 0, jst)}
	s, _ := openTest(t, Options{Clock: c})
	ctx := context.Background()
	s.SetDestinations(ctx, []string{DestFiles}, "2026-01-10")
	synced, _ := s.Register(ctx, visit(c.Now()))
	unsynced, _ := s.Register(ctx, visit(c.Now()))
	s.Delivered(ctx, DestFiles, synced.VisitID+":created")
	c.set(c.Now().AddDate(0, 0, 89))
	if n, _ := s.Purge(ctx, Retention{Days: DefaultRetentionDays}); n != 0 {
		t.Fatalf("purged %d before 90 days", n)
	}
	c.set(c.Now().AddDate(0, 0, 2))
	if n, err := s.Purge(ctx, Retention{Days: DefaultRetentionDays}); err != nil || n != 1 {
		t.Fatalf("purge: %d, %v", n, err)
	}
	rows, _ := s.List(ctx, "2026-01-10")
	for _, r := range rows {
		if r.ID == synced.VisitID && (r.Eligibility != nil || !r.Purged) {
			t.Errorf("synced visit not purged: %+v", r)
		}
		if r.ID == unsynced.VisitID && (r.Eligibility == nil || r.Purged) {
			t.Errorf("unsynced visit purged: %+v", r)
		}
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestBackupWhileCheckingIn(t *testing.T) {
	s, _ := openTest(t, Options{})
	ctx := context.Background()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 50 {
			s.Register(ctx, visit(time.Date(2026, 11, 25, 10, 0, 0, 0, jst)))
		}
	}()
	dst := filepath.Join(t.TempDir(), "backup.db")
	if err := s.Backup(ctx, dst); err != nil {
		t.Fatal(err)
	}
	<-done
	b, err := Open(dst, Options{})
	if err != nil || b.Recovered != "" {
		t.Fatalf("backup does not open cleanly: %v %q", err, b.Recovered)
	}
	defer b.Close()
	if _, err := b.VerifyAudit(ctx); err != nil {
		t.Fatalf("backup audit: %v", err)
	}
	if err := s.Backup(ctx, dst); err == nil {
		t.Fatal("backup overwrote a file")
	}
}

// TestAuditTamperingWithTheSQLiteTool edits the database with the sqlite3
// command-line tool, as someone with access to the file would.
func TestAuditTamperingWithTheSQLiteTool(t *testing.T) {
	ctx := context.Background()
	for name, sql := range map[string]string{
		"edit":          `update audit set outcome = 'ok' where id = 3;`,
		"delete middle": `delete from audit where id = 2;`,
		"delete newest": `delete from audit where id = (select max(id) from audit);`,
		"insert":        `insert into audit (id, at, actor, action, outcome, visit_id, prev_hash, hash) select 100, at, actor, action, outcome, visit_id, prev_hash, hash from audit where id = 2;`,
		"renumber":      `update audit set id = id + 1000 where id = 4;`,
	} {
		s, path := openTest(t, Options{})
		for i := range 5 {
			s.Append(ctx, kiosk.AuditEntry{Actor: "s01", Action: "test", Outcome: fmt.Sprint(i)})
		}
		if _, err := s.VerifyAudit(ctx); err != nil {
			t.Fatalf("%s: clean log: %v", name, err)
		}
		if out, err := exec.Command("sqlite3", path, sql).CombinedOutput(); err != nil {
			t.Fatalf("%s: sqlite3: %v\n%s", name, err, out)
		}
		_, err := s.VerifyAudit(ctx)
		var ae *AuditError
		if !errors.As(err, &ae) {
			t.Errorf("%s: not detected (%v)", name, err)
		}
	}
}

func TestRunRetentionPurgesAtEachTick(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 10, 9, 0, 0, 0, jst)}
	s, _ := openTest(t, Options{Clock: c})
	ctx, cancel := context.WithCancel(context.Background())
	s.SetDestinations(ctx, []string{DestFiles}, "2026-01-10")
	v, _ := s.Register(ctx, visit(c.Now()))
	s.Delivered(ctx, DestFiles, v.VisitID+":created")
	tick := make(chan time.Time)
	done := make(chan struct{})
	go func() { s.RunRetention(ctx, Retention{Days: 30}, tick, nil); close(done) }()
	c.set(c.Now().AddDate(0, 0, 31))
	tick <- c.Now() // the day's run
	tick <- c.Now() // and the next: the first has finished by now
	cancel()
	<-done
	rows, _ := s.List(context.Background(), "2026-01-10")
	if len(rows) != 1 || !rows[0].Purged {
		t.Fatalf("not purged by the daily run: %+v", rows)
	}
}

func TestSourceKeyRegistersOnce(t *testing.T) {
	s, _ := openTest(t, Options{})
	ctx := context.Background()
	v := visit(time.Date(2026, 11, 25, 10, 0, 0, 0, jst))
	v.SourceKey = "face:OQSsiquc01res_face_1.xml"
	a, err := s.Register(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Register(ctx, v)
	if err != nil || b.VisitID != a.VisitID || b.Number != a.Number {
		t.Fatalf("second registration: %+v, %v (first %+v)", b, err, a)
	}
	if rows, _ := s.List(ctx, "2026-11-25"); len(rows) != 1 {
		t.Fatalf("%d visits", len(rows))
	}
	v.SourceKey = ""
	if c, _ := s.Register(ctx, v); c.Number != "002" {
		t.Fatalf("a visit without a source key: %+v", c)
	}
}

// flakyChecker is down until up is set.
type flakyChecker struct {
	up bool
}

func (f *flakyChecker) Check(_ context.Context, q kiosk.EligibilityQuery) (kiosk.EligibilityResult, error) {
	if !f.up {
		return kiosk.EligibilityResult{}, fmt.Errorf("terminal: %w", kiosk.ErrEligibilityUnavailable)
	}
	return kiosk.EligibilityResult{Validity: kiosk.ValidityValid, Card: q.ByNumbers.Card, Name: "再確認　太郎"}, nil
}

func TestPendingVisitsAreRecheckedWhenTheTerminalIsBack(t *testing.T) {
	s, _ := openTest(t, Options{})
	ctx := context.Background()
	v := visit(time.Date(2026, 11, 25, 10, 0, 0, 0, jst))
	v.Eligibility = nil
	v.Pending = &kiosk.EligibilityQuery{ByNumbers: &kiosk.NumbersQuery{Card: insuranceCard()}}
	tk, _ := s.Register(ctx, v)
	if p, _ := s.Pending(ctx); len(p) != 1 || p[0].Number != tk.Number || p[0].Query.ByNumbers.Card.Number != "0987654" {
		t.Fatalf("pending list %+v", p)
	}
	checker := &flakyChecker{}
	if n, err := s.Recheck(ctx, checker); n != 0 || err != nil {
		t.Fatalf("re-check while down: %d, %v", n, err)
	}
	checker.up = true
	if n, err := s.Recheck(ctx, checker); n != 1 || err != nil {
		t.Fatalf("re-check when back: %d, %v", n, err)
	}
	rows, _ := s.List(ctx, "2026-11-25")
	if rows[0].Status != StatusWaiting || rows[0].Eligibility == nil || rows[0].Eligibility.Name != "再確認　太郎" {
		t.Fatalf("after re-check: %+v", rows[0])
	}
	if p, _ := s.Pending(ctx); len(p) != 0 {
		t.Fatal("still pending")
	}
	var n int
	s.db.QueryRow(`select count(*) from outbox where key = ?`, tk.VisitID+":corrected:1").Scan(&n)
	if n != 1 {
		t.Fatal("no corrected event for the clinic system")
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
}

func insuranceCard() insurance.Card {
	return insurance.Card{Insurer: "01130012", Symbol: "1234", Number: "0987654", Branch: "01"}
}

func TestKnownCardsAreKeyedByASaltedHash(t *testing.T) {
	s, path := openTest(t, Options{})
	ctx := context.Background()
	q := kiosk.NumbersQuery{Card: insuranceCard()}
	if _, ok, _ := s.LastNumbers(ctx, "SERIAL-1234"); ok {
		t.Fatal("an unknown card was known")
	}
	if err := s.Remember(ctx, "SERIAL-1234", q); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.LastNumbers(ctx, "SERIAL-1234")
	if err != nil || !ok || got.Card != q.Card {
		t.Fatalf("last numbers %+v %v %v", got, ok, err)
	}
	s.Close()
	out, _ := exec.Command("sqlite3", path, "select card_key from known_cards").CombinedOutput()
	if strings.Contains(string(out), "SERIAL") || len(strings.TrimSpace(string(out))) != 64 {
		t.Fatalf("card key %q", out)
	}
}
