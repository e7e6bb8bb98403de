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

// TestSyncParksARefusalAtOnce: what ORCA would refuse, and what it
// refuses with an Api_Result, will not change by retrying — it is parked
// for staff at the first attempt, with the reason, while the other visits
// go; once staff have corrected the patient (which puts it back in line)
// or released it, it goes exactly once.
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
	before := r.srv.Requests()["/orca12/patientmodv2"]
	rep := r.run()
	if rep.Sent != 1 || rep.Parked != 1 || rep.Failed != 1 {
		t.Fatalf("a patient without kana: %s", rep)
	}
	if n := r.srv.Requests()["/orca12/patientmodv2"] - before; n != 1 {
		t.Fatalf("%d patient registrations sent, want only the complete one", n)
	}
	parked := r.parked()
	if len(parked) != 1 || parked[0].VisitID != bad.VisitID || !strings.Contains(parked[0].Reason, "kana") {
		t.Fatalf("parked %+v", parked)
	}
	if a := Advice(parked[0].Reason); !strings.Contains(a, "カナ") {
		t.Fatalf("advice for staff: %q", a)
	}
	// Staff type the kana: the visit goes at the next run.
	if err := r.store.CorrectPatient(ctx, "2026-11-25", bad.Number, kiosk.PatientDetails{Kana: "ｳｹﾂｹ ﾊﾅｺ"}, "s01"); err != nil {
		t.Fatal(err)
	}
	if rep := r.run(); rep.Sent != 1 || rep.Failed != 0 {
		t.Fatalf("after the correction: %s", rep)
	}
	// A refusal of a complete visit (here forced) is parked at once too.
	r.visit("受付　次郎", 3)
	r.srv.SetFault("result:90", 1)
	if rep := r.run(); rep.Parked != 1 || !strings.Contains(rep.String(), "エラー（試験）") {
		t.Fatalf("a refusal: %s", rep)
	}
	for _, p := range r.parked() {
		if err := r.store.Unpark(ctx, p.Destination, p.Key, "s01"); err != nil {
			t.Fatal(err)
		}
	}
	r.clk.add(time.Minute)
	r.run()
	r.run()
	r.exactlyOnce(3, 0)
	if p := r.srv.Patients(); p[1].Kana != "ウケツケ\u3000ハナコ" {
		t.Fatalf("corrected patient registered as %+v", p[1])
	}
}

func (r *syncRig) parked() []storage.ParkedEvent {
	r.t.Helper()
	p, err := r.store.Parked(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	return p
}

// TestWrongCodeStopsTheRun: a department or physician that ORCA does not
// list stops the run before anything is sent, with one message that
// lists the valid codes; nothing is parked, and once the code is right
// everything goes.
func TestWrongCodeStopsTheRun(t *testing.T) {
	for _, key := range []string{"department", "physician"} {
		t.Run(key, func(t *testing.T) {
			r := newRig(t, true, false)
			if key == "department" {
				r.y.Visit.Department = "99"
			} else {
				r.y.Visit.Physician = "10009"
			}
			r.visit("診療　太郎", 1)
			r.visit("受付　花子", 2)
			rep := r.run()
			if rep.Sent != 0 || rep.Failed != 1 || len(rep.Errors) != 1 {
				t.Fatalf("report %s", rep)
			}
			want := map[string]string{"department": "valid: 01 内科", "physician": "valid: 10001 日医　太郎"}[key]
			if !strings.Contains(rep.Errors[0], "[sync.orca] "+key) || !strings.Contains(rep.Errors[0], want) {
				t.Fatalf("message %q", rep.Errors[0])
			}
			if n := r.srv.Requests()["/orca11/acceptmodv2"] + r.srv.Requests()["/orca12/patientmodv2"]; n != 0 {
				t.Fatalf("%d requests sent with a wrong code", n)
			}
			if p := r.parked(); len(p) != 0 {
				t.Fatalf("parked %+v", p)
			}
			r.y = &Syncer{Store: r.store, Clock: r.clk, ORCA: r.y.ORCA, Visit: ReceptionCodes{Department: "01", Physician: "10001"}}
			if rep := r.run(); rep.Sent != 2 {
				t.Fatalf("with the right codes: %s", rep)
			}
			r.exactlyOnce(2, 0)
		})
	}
}

// TestCodesAreCheckedOncePerDay: pushes during the day do not ask ORCA
// for its lists each time.
func TestCodesAreCheckedOncePerDay(t *testing.T) {
	r := newRig(t, true, false)
	for i := range 3 {
		r.visit("診療　太郎", i+1)
		if _, err := r.y.Push(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := r.srv.Requests()["/api01rv2/system01lstv2"]; n != 2 {
		t.Fatalf("%d list requests for three pushes, want 2 (診療科 and doctors once)", n)
	}
	r.clk.add(24 * time.Hour)
	r.visit("受付　花子", 9)
	r.y.Push(context.Background())
	if n := r.srv.Requests()["/api01rv2/system01lstv2"]; n != 4 {
		t.Fatalf("%d list requests after a new day, want 4", n)
	}
}

// TestExportFirstThenORCA: a clinic exports files first and adds ORCA
// the same day. The export having every event does not keep them from
// ORCA: ORCA receives the day's visits (and the cancellation) exactly
// once, and the files are not written again for them.
func TestExportFirstThenORCA(t *testing.T) {
	r := newRig(t, true, true)
	orca, export := r.y.ORCA, r.y.Export
	ctx := context.Background()
	r.y = &Syncer{Store: r.store, Clock: r.clk, Export: export}
	var last kiosk.Ticket
	for i := range 25 {
		last = r.visit(fmt.Sprintf("患者　%02d", i), i+1)
	}
	r.store.SetStatus(ctx, "2026-11-25", last.Number, storage.StatusCancelled, "s01")
	if rep := r.run(); rep.Failed != 0 || len(rep.Exported) != 2 {
		t.Fatalf("export only: %s", rep)
	}
	r.y = &Syncer{Store: r.store, Clock: r.clk, Export: export, ORCA: orca, Visit: ReceptionCodes{Department: "01", Physician: "10001"}}
	rep := r.run()
	if rep.Sent != 25 || rep.Cancelled != 1 || rep.Failed != 0 {
		t.Fatalf("ORCA added: %s", rep)
	}
	r.run()
	r.exactlyOnce(25, 1)
	if n, _ := r.store.OutboxLen(ctx); n != 0 {
		t.Fatalf("%d events not delivered everywhere", n)
	}
}

// TestBackfillSendsOlderDaysToORCA: a destination added later starts on
// the day it is added; older days go only when asked.
func TestBackfillSendsOlderDaysToORCA(t *testing.T) {
	r := newRig(t, true, true)
	orca, export := r.y.ORCA, r.y.Export
	r.y = &Syncer{Store: r.store, Clock: r.clk, Export: export}
	r.visit("前日　太郎", 1)
	r.run()
	r.clk.add(24 * time.Hour)
	r.visit("当日　花子", 2)
	r.y = &Syncer{Store: r.store, Clock: r.clk, Export: export, ORCA: orca, Visit: ReceptionCodes{Department: "01", Physician: "10001"}}
	if rep := r.run(); rep.Sent != 1 {
		t.Fatalf("ORCA added: %s", rep)
	}
	if n, err := r.store.Backfill(context.Background(), storage.DestORCA, "2026-11-25"); err != nil || n != 1 {
		t.Fatalf("backfill %d, %v", n, err)
	}
	if rep := r.run(); rep.Sent != 1 {
		t.Fatalf("after the backfill: %s", rep)
	}
	r.exactlyOnce(2, 0)
}

// TestCorrectionReachesORCA: a correction of a patient after the
// reception went is sent as patientmodv2 class 02 to the patient ORCA
// registered, once.
func TestCorrectionReachesORCA(t *testing.T) {
	r := newRig(t, true, false)
	ctx := context.Background()
	tk := r.visit("診療　太郎", 1)
	r.run()
	if err := r.store.CorrectPatient(ctx, "2026-11-25", tk.Number, kiosk.PatientDetails{Sex: "2", Kana: "ｼﾝﾘｮｳ ﾊﾅｺ"}, "s01"); err != nil {
		t.Fatal(err)
	}
	if rep := r.run(); rep.Corrected != 1 || rep.Failed != 0 {
		t.Fatalf("correction: %s", rep)
	}
	r.run()
	if p := r.srv.Patients(); len(p) != 1 || p[0].Sex != "2" || p[0].Kana != "シンリョウ\u3000ハナコ" || r.srv.Updates() != 1 {
		t.Fatalf("ORCA has %+v after %d updates", p, r.srv.Updates())
	}
	r.exactlyOnce(1, 0)
}

// TestPushDuringTheDay: a push sends a new visit to ORCA at once and
// records a run; with nothing due it asks ORCA nothing. A visit waiting
// for eligibility goes when the answer comes; one checked in by hand goes
// with what staff typed.
func TestPushDuringTheDay(t *testing.T) {
	r := newRig(t, true, true)
	ctx := context.Background()
	r.visit("診療　太郎", 1)
	rep, err := r.y.Push(ctx)
	if err != nil || rep.Sent != 1 {
		t.Fatalf("push: %s, %v", rep, err)
	}
	if len(rep.Exported) != 0 {
		t.Fatal("a push wrote the files")
	}
	before := r.srv.Requests()
	if rep, _ := r.y.Push(ctx); rep.busy() || fmt.Sprint(r.srv.Requests()) != fmt.Sprint(before) {
		t.Fatalf("an idle push: %s, requests %v → %v", rep, before, r.srv.Requests())
	}
	runs, _ := r.store.Runs(ctx, 5)
	if len(runs) != 1 || runs[0].Trigger != "push" {
		t.Fatalf("runs %+v", runs)
	}
	r.clk.add(time.Minute)
	pending, _ := r.store.Register(ctx, kiosk.Visit{Path: kiosk.PathCertificate, CreatedAt: r.clk.Now(), Pending: &kiosk.EligibilityQuery{}})
	if rep, _ := r.y.Push(ctx); rep.Sent != 0 || rep.Waiting != 1 {
		t.Fatalf("pending: %s", rep)
	}
	card, _ := insurance.ParseCard("01130012", "1234", "0000009", "01")
	if err := r.store.ResolvePending(ctx, pending.VisitID, kiosk.EligibilityResult{Validity: kiosk.ValidityValid, Name: "保留　三郎",
		NameKana: "ﾎﾘｭｳ ｻﾌﾞﾛｳ", Birth: wareki.MustDate(1941, 3, 3), Sex: "1", Card: card}); err != nil {
		t.Fatal(err)
	}
	if rep, _ := r.y.Push(ctx); rep.Sent != 1 {
		t.Fatalf("after the answer: %s", rep)
	}
	r.clk.add(time.Minute)
	if _, err := r.store.Register(ctx, kiosk.Visit{Path: kiosk.PathStaff, Auth: kiosk.AuthVisual, Staff: "s01", CreatedAt: r.clk.Now(),
		Patient: &kiosk.PatientDetails{Name: "手入力 四郎", Kana: "ﾃﾆｭｳﾘｮｸ ｼﾛｳ", Birth: wareki.MustDate(1950, 4, 4), Sex: "1"}}); err != nil {
		t.Fatal(err)
	}
	if rep, _ := r.y.Push(ctx); rep.Sent != 1 {
		t.Fatalf("checked in by hand: %s", rep)
	}
	r.run()
	r.exactlyOnce(3, 0)
	if p := r.srv.Patients(); p[2].Name != "手入力\u3000四郎" || p[2].Kana != "テニュウリョク\u3000シロウ" {
		t.Fatalf("typed patient registered as %+v", p[2])
	}
}

// TestSyncWaitsForPendingEligibilityAndKeepsRetrying: a visit waiting for
// its eligibility answer is not a failure; a visit ORCA keeps failing for
// passing reasons is retried, listed as failing repeatedly, never parked,
// and goes once ORCA is back.
func TestSyncWaitsForPendingEligibilityAndKeepsRetrying(t *testing.T) {
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
		r.clk.add(time.Hour) // past the backoff, within the day (the codes were checked this morning)
		parked += r.run().Parked
	}
	if f, _ := r.store.Failing(ctx); parked != 0 || len(f) != 1 || Advice(f[0].Reason) == "" {
		t.Fatalf("%d parked, failing %+v after %d failures", parked, f, storage.MaxAttempts)
	}
	r.srv.SetFault("", 0)
	r.clk.add(2 * time.Hour) // past the longest backoff so far (64 min + jitter)
	if rep := r.run(); rep.Sent != 1 {
		t.Fatalf("ORCA back: %s", rep)
	}
	r.exactlyOnce(1, 0)
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
