package clinic

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/clinic/orcatest"
	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/insurance"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
	"github.com/uketsuke/uketsuke/storage"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type syncRig struct {
	t     testing.TB
	clk   *clock
	store *storage.Store
	srv   *orcatest.Server
	y     *Syncer
	dir   string
}

func newRig(t testing.TB, withORCA, withExport bool) *syncRig {
	t.Helper()
	r := &syncRig{t: t, clk: &clock{t: time.Date(2026, 11, 25, 9, 0, 0, 0, wareki.Tokyo)}, dir: t.TempDir()}
	st, err := storage.Open(filepath.Join(r.dir, "kiosk.db"), storage.Options{KioskID: "k1", Clock: r.clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r.store = st
	r.y = &Syncer{Store: st, Clock: r.clk, Visit: ReceptionCodes{Department: "01", Physician: "10001", Medical: "01"}}
	if withORCA {
		r.srv = orcatest.New("ormaster", "secret")
		hs := httptest.NewServer(r.srv)
		t.Cleanup(hs.Close)
		pw := filepath.Join(r.dir, "orca.pass")
		os.WriteFile(pw, []byte("secret\n"), 0o600)
		o, err := NewORCA(ORCAConfig{URL: hs.URL, InsecureHTTP: true, User: "ormaster", PasswordFile: pw, Timeout: "300ms"})
		if err != nil {
			t.Fatal(err)
		}
		r.y.ORCA = o
	}
	if withExport {
		r.y.Export = &ExportOptions{Dir: filepath.Join(r.dir, "export"), Formats: []string{FormatCSV, FormatJSONL}}
	}
	return r
}

// visit checks a patient in (valid eligibility) and returns its number.
func (r *syncRig) visit(name string, i int) kiosk.Ticket {
	r.t.Helper()
	r.clk.add(time.Minute)
	card, _ := insurance.ParseCard("01130012", "1234", fmt.Sprintf("%07d", i), "01")
	tk, err := r.store.Register(context.Background(), kiosk.Visit{
		Path: kiosk.PathMynaCard, Auth: kiosk.AuthPIN, CreatedAt: r.clk.Now(),
		Eligibility: &kiosk.EligibilityResult{Validity: kiosk.ValidityValid, Name: name, NameKana: "ｼﾝﾘｮｳ ﾀﾛｳ",
			Birth: wareki.MustDate(1980, 2, 17), Sex: "1", Card: card},
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return tk
}

func (r *syncRig) run() Report {
	r.t.Helper()
	rep, err := r.y.Run(context.Background(), "manual")
	if err != nil {
		r.t.Fatal(err)
	}
	return rep
}

// exactlyOnce checks that every reception is there once and every
// cancellation was applied once.
func (r *syncRig) exactlyOnce(want, cancelled int) {
	r.t.Helper()
	seen := map[string]int{}
	c := 0
	for _, rc := range r.srv.Receptions() {
		seen[rc.PatientID+" "+rc.Date+" "+rc.Time]++
		if rc.Cancelled > 1 {
			r.t.Fatalf("reception %s cancelled %d times", rc.ID, rc.Cancelled)
		}
		c += rc.Cancelled
	}
	for k, n := range seen {
		if n != 1 {
			r.t.Fatalf("reception %s registered %d times", k, n)
		}
	}
	if len(seen) != want || c != cancelled {
		r.t.Fatalf("%d receptions and %d cancellations at ORCA, want %d and %d", len(seen), c, want, cancelled)
	}
}

func TestSyncRegistersPatientsReceptionsAndCancellations(t *testing.T) {
	r := newRig(t, true, true)
	ctx := context.Background()
	known := r.srv.AddPatient(orcatest.Patient{Name: "受付　花子", Birth: "1980-02-17", Sex: "1"})
	r.visit("診療　太郎", 1)
	r.visit("受付　花子", 2)
	tk := r.visit("診療　太郎", 3) // the same patient again: found, not registered twice
	if err := r.store.SetStatus(ctx, "2026-11-25", tk.Number, storage.StatusCancelled, "s01"); err != nil {
		t.Fatal(err)
	}
	rep := r.run()
	if rep.Sent != 3 || rep.Cancelled != 1 || rep.Failed != 0 {
		t.Fatalf("report %s", rep)
	}
	r.exactlyOnce(3, 1)
	patients := r.srv.Patients()
	if len(patients) != 2 || patients[1].Kana != "シンリョウ　タロウ" || patients[1].Insurer != "01130012" {
		t.Fatalf("patients %+v", patients)
	}
	for _, rc := range r.srv.Receptions() {
		if rc.Time == "09:02:00" && rc.PatientID != known {
			t.Fatalf("花子's reception went to patient %s, not the existing %s", rc.PatientID, known)
		}
	}
	if len(rep.Exported) != 2 {
		t.Fatalf("exported %v", rep.Exported)
	}
	csv, _ := os.ReadFile(rep.Exported[0])
	if strings.Count(string(csv), "\r\n") != 4 {
		t.Fatalf("the CSV has not a header and 3 visits:\n%s", csv)
	}
	// A second run sends nothing again and rewrites the same files.
	if rep := r.run(); rep.Sent != 0 || rep.Cancelled != 0 {
		t.Fatalf("second run %s", rep)
	}
	r.exactlyOnce(3, 1)
	runs, _ := r.store.Runs(ctx, 5)
	if len(runs) != 2 || !strings.HasPrefix(runs[0].Report, "sent 0") {
		t.Fatalf("runs %+v", runs)
	}
}

func TestSyncFaultsAreRetriedWithoutDuplicates(t *testing.T) {
	for _, fault := range []string{"500", "reset-before", "reset-after", "slow:600ms", "401"} {
		t.Run(fault, func(t *testing.T) {
			r := newRig(t, true, false)
			r.visit("診療　太郎", 1)
			tk := r.visit("受付　花子", 2)
			r.srv.SetFault(fault, 0)
			rep := r.run()
			if rep.Sent != 0 && fault != "slow:600ms" || rep.Failed == 0 {
				t.Fatalf("under %s: %s", fault, rep)
			}
			time.Sleep(700 * time.Millisecond) // a slow answer lands meanwhile
			r.srv.SetFault("", 0)
			r.store.SetStatus(context.Background(), "2026-11-25", tk.Number, storage.StatusCancelled, "s01")
			r.clk.add(time.Hour) // past the backoff
			r.run()
			r.clk.add(time.Hour)
			r.run()
			r.exactlyOnce(2, 1)
		})
	}
}

// TestSyncParksARefusalAtOnce: what ORCA refuses with an Api_Result will
// not change by retrying — it is parked for staff at the first attempt,
// with ORCA's code and message, while the other visits go; once staff
// have fixed it and released it, it goes exactly once.
func TestSyncParksARefusalAtOnce(t *testing.T) {
	r := newRig(t, true, false)
	ctx := context.Background()
	r.visit("診療　太郎", 1)
	r.clk.add(time.Minute)
	card, _ := insurance.ParseCard("01130012", "1234", "7654321", "01")
	bad, err := r.store.Register(ctx, kiosk.Visit{Path: kiosk.PathMynaCard, Auth: kiosk.AuthPIN, CreatedAt: r.clk.Now(),
		Eligibility: &kiosk.EligibilityResult{Validity: kiosk.ValidityValid, Name: "受付　花子", Birth: wareki.MustDate(1990, 5, 1), Sex: "2", Card: card}})
	if err != nil {
		t.Fatal(err)
	}
	rep := r.run()
	if rep.Sent != 1 || rep.Parked != 1 || rep.Failed != 1 {
		t.Fatalf("a patient without kana: %s", rep)
	}
	parked, err := r.store.Parked(ctx)
	if err != nil || !strings.Contains(parked[bad.VisitID+":created"], "Api_Result 01") || !strings.Contains(parked[bad.VisitID+":created"], "必須項目") {
		t.Fatalf("parked %v, %v", parked, err)
	}
	// A refusal of a complete visit (here forced) is parked at once too.
	r.visit("受付　次郎", 3)
	r.srv.SetFault("result:90", 1)
	if rep := r.run(); rep.Parked != 1 || !strings.Contains(rep.String(), "エラー（試験）") {
		t.Fatalf("a refusal: %s", rep)
	}
	parked, _ = r.store.Parked(ctx)
	for key := range parked {
		if key != bad.VisitID+":created" {
			if err := r.store.Unpark(ctx, key, "s01"); err != nil {
				t.Fatal(err)
			}
		}
	}
	r.clk.add(time.Minute)
	r.run()
	r.run()
	r.exactlyOnce(2, 0)
}

func TestSyncWaitsForPendingEligibilityAndParksAfterManyFailures(t *testing.T) {
	r := newRig(t, true, false)
	ctx := context.Background()
	r.clk.add(time.Minute)
	if _, err := r.store.Register(ctx, kiosk.Visit{Path: kiosk.PathCertificate, CreatedAt: r.clk.Now(),
		Pending: &kiosk.EligibilityQuery{}}); err != nil {
		t.Fatal(err)
	}
	if rep := r.run(); rep.Waiting != 1 || rep.Failed != 0 {
		t.Fatalf("pending eligibility: %s", rep)
	}
	r.visit("診療　太郎", 1)
	r.srv.SetFault("500", 0)
	parked := 0
	for range storage.MaxAttempts {
		r.clk.add(7 * time.Hour)
		parked += r.run().Parked
	}
	if parked != 1 {
		t.Fatalf("%d parked after %d failures", parked, storage.MaxAttempts)
	}
	p, _ := r.store.Parked(ctx)
	if len(p) != 1 {
		t.Fatalf("parked %v", p)
	}
}

func TestSyncWithOnlyTheExport(t *testing.T) {
	r := newRig(t, false, true)
	r.visit("診療　太郎", 1)
	rep := r.run()
	if len(rep.Exported) != 2 || rep.Failed != 0 {
		t.Fatalf("report %s", rep)
	}
	if n, _ := r.store.OutboxLen(context.Background()); n != 0 {
		t.Fatalf("%d events left after the export", n)
	}
}

func TestReportFailedReadsTheStoredSummary(t *testing.T) {
	if ReportFailed(Report{Sent: 3}.String()) {
		t.Error("a clean run read as failed")
	}
	r := Report{}
	r.fail("ORCA HTTP 500")
	if !ReportFailed(r.String()) {
		t.Error("a failed run read as clean")
	}
}

// TestKanaForORCA: the terminal's half-width kana become the full-width
// katakana ORCA takes, voiced marks joined, names apart by U+3000.
func TestKanaForORCA(t *testing.T) {
	for in, want := range map[string]string{
		"ﾔﾏｻﾞｷ ﾊﾟﾝ":    "ヤマザキ\u3000パン",
		"ｼﾝﾘｮｳ  ﾀﾛｳ":   "シンリョウ\u3000タロウ",
		"サトウ\u3000ハナコ": "サトウ\u3000ハナコ",
		"ｳﾞｧｲｵﾘﾝ":      "ヴァイオリン",
	} {
		if got := kanaForORCA(in); got != want {
			t.Errorf("kanaForORCA(%q) = %q, want %q", in, got, want)
		}
	}
}
