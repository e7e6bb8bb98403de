package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/clinic/orcatest"
	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/insurance"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
	"github.com/uketsuke/uketsuke/storage"
)

// syncSetup is a data directory with visits, a local ORCA and a config.
type syncSetup struct {
	data, config string
	srv          *orcatest.Server
	numbers      []string // 受付番号 of the visits
	day          string
}

func newSyncSetup(t *testing.T, visits int, orca, export bool) *syncSetup {
	t.Helper()
	s := &syncSetup{data: t.TempDir(), day: wareki.Today(time.Now()).String()}
	st := s.open(t)
	for i := range visits {
		card, _ := insurance.ParseCard("01130012", "1234", fmt.Sprintf("%07d", i+1), "01")
		tk, err := st.Register(context.Background(), kiosk.Visit{
			Path: kiosk.PathMynaCard, Auth: kiosk.AuthPIN, CreatedAt: time.Now().Add(time.Duration(i) * time.Second),
			Eligibility: &kiosk.EligibilityResult{Validity: kiosk.ValidityValid, Name: fmt.Sprintf("患者　%03d", i%(visits/2+1)),
				NameKana: "ｶﾝｼﾞｬ", Birth: wareki.MustDate(1950+i%40, 1, 1+i%28), Sex: "2", Card: card},
		})
		if err != nil {
			t.Fatal(err)
		}
		s.numbers = append(s.numbers, tk.Number)
	}
	st.Close()
	cfg := fmt.Sprintf("kiosk_id = \"kiosk-1\"\n[audit]\nkey_file = %q\n", s.keyFile())
	if orca {
		s.srv = orcatest.New("ormaster", "secret")
		hs := httptest.NewServer(s.srv)
		t.Cleanup(hs.Close)
		pw := filepath.Join(s.data, "orca.pass")
		os.WriteFile(pw, []byte("secret\n"), 0o600)
		cfg += fmt.Sprintf("[sync.orca]\nurl = %q\nuser = \"ormaster\"\npassword_file = %q\ntimeout = \"2s\"\ninsecure_http = true\ndepartment = \"01\"\nphysician = \"10001\"\n", hs.URL, pw)
	}
	if export {
		cfg += fmt.Sprintf("[sync.export]\ndir = %q\nformats = [\"csv\", \"jsonl\"]\n", filepath.Join(s.data, "export"))
	}
	s.config = filepath.Join(s.data, "config.toml")
	if err := os.WriteFile(s.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

// keyFile is the audit key the commands and the test share.
func (s *syncSetup) keyFile() string { return filepath.Join(s.data, "keys", "audit.key") }

// open opens the store with the audit key, as the commands do.
func (s *syncSetup) open(t *testing.T) *storage.Store {
	t.Helper()
	key, _, err := storage.LoadAuditKey(s.keyFile(), true)
	if err != nil {
		t.Fatal(err)
	}
	st, err := storage.Open(filepath.Join(s.data, "uketsuke.db"), storage.Options{KioskID: "kiosk-1", AuditKey: key})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (s *syncSetup) cancel(t *testing.T, number string) {
	t.Helper()
	st := s.open(t)
	defer st.Close()
	if err := st.SetStatus(context.Background(), s.day, number, storage.StatusCancelled, "s01"); err != nil {
		t.Fatal(err)
	}
}

// exactlyOnce checks ORCA holds want receptions, each once, and cancels
// cancellations, each applied once, and no patient twice (same name,
// birth date and sex); it returns the number of patients.
func (s *syncSetup) exactlyOnce(t *testing.T, want, cancels int) int {
	t.Helper()
	perVisit, applied := map[string]int{}, 0
	for _, r := range s.srv.Receptions() {
		perVisit[r.PatientID+" "+r.Date+" "+r.Time]++
		if r.Cancelled > 1 {
			t.Fatalf("reception %s cancelled %d times", r.ID, r.Cancelled)
		}
		applied += r.Cancelled
	}
	for k, n := range perVisit {
		if n != 1 {
			t.Fatalf("visit %s registered %d times", k, n)
		}
	}
	if len(perVisit) != want || applied != cancels {
		t.Fatalf("%d receptions and %d cancellations at ORCA, want %d and %d", len(perVisit), applied, want, cancels)
	}
	seen := map[string]bool{}
	for _, p := range s.srv.Patients() {
		if seen[p.Name+p.Birth+p.Sex] {
			t.Fatalf("patient %s %s registered twice", p.Name, p.Birth)
		}
		seen[p.Name+p.Birth+p.Sex] = true
	}
	return len(seen)
}

func (s *syncSetup) command(bin string, args ...string) *exec.Cmd {
	c := exec.Command(bin, append(args, "--config", s.config, "--data-dir", s.data)...)
	c.Env = append(os.Environ(), "HOME="+s.data)
	return c
}

func TestSyncRunWithOnlyOneTarget(t *testing.T) {
	bin := binary(t)
	s := newSyncSetup(t, 3, false, true)
	out, err := s.command(bin, "sync", "run").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "files 2") {
		t.Fatalf("export only: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(s.data, "export", "uketsuke-visits-"+s.day+".csv")); err != nil {
		t.Fatal(err)
	}
	s = newSyncSetup(t, 3, true, false)
	out, err = s.command(bin, "sync", "run").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "sent 3") || len(s.srv.Receptions()) != 3 {
		t.Fatalf("ORCA only: %v\n%s", err, out)
	}
	out, err = s.command(bin, "sync", "status").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "pending: 0 visit events") || !strings.Contains(string(out), "manual") {
		t.Fatalf("status: %v\n%s", err, out)
	}
	// Neither target: a configuration error, not a silent success.
	os.WriteFile(s.config, []byte("kiosk_id = \"kiosk-1\"\n"), 0o600)
	if err := s.command(bin, "sync", "run").Run(); err == nil || err.(*exec.ExitError).ExitCode() != 3 {
		t.Fatalf("no target: %v", err)
	}
}

// TestSyncSurvivesSIGKILL kills `uketsuke sync run` at random moments, 200
// times, while visits are being sent and cancelled; in the end every visit
// is registered at ORCA exactly once and every cancellation applied once.
func TestSyncSurvivesSIGKILL(t *testing.T) {
	bin := binary(t)
	const visits, runs = 150, 200
	s := newSyncSetup(t, visits, true, false)
	s.srv.SetFault("slow:2ms", 0) // every request takes a little while: kills land mid-request
	rng := rand.New(rand.NewPCG(7, 11))
	killedMidRun := 0 // killed before the run finished
	cancelled := map[string]bool{}
	for i := range runs {
		if i%10 == 5 { // staff cancel a visit now and then, between runs
			n := s.numbers[rng.IntN(len(s.numbers))]
			if !cancelled[n] {
				s.cancel(t, n)
				cancelled[n] = true
			}
		}
		c := s.command(bin, "sync", "run")
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		// The process starts in about 0.3 s; then it sends for a while.
		time.Sleep(250*time.Millisecond + time.Duration(rng.IntN(300))*time.Millisecond)
		_ = c.Process.Signal(syscall.SIGKILL)
		if err := c.Wait(); err != nil {
			killedMidRun++
		}
	}
	out, err := s.command(bin, "sync", "run").CombinedOutput()
	if err != nil {
		t.Fatalf("final run: %v\n%s", err, out)
	}
	patients := s.exactlyOnce(t, visits, len(cancelled))
	t.Logf("%d runs, %d killed before they finished; %d visits registered once each, %d cancellations once each; %d patients; requests: %v",
		runs, killedMidRun, visits, len(cancelled), patients, s.srv.Requests())
}

// TestSyncSurvivesFaultsAndKills: 500 visits from `uketsuke simulate` (as
// complete as a real check-in), with cancellations, handed to the strict
// orcatest while 15% of requests get a 500 before any work and 15% lose
// their connection after the work, over runs killed at random and runs
// left to finish. Every visit reaches ORCA exactly once, every
// cancellation once, no patient twice, and only the visits made invalid
// on purpose are parked.
func TestSyncSurvivesFaultsAndKills(t *testing.T) {
	bin := binary(t)
	s := newSyncSetup(t, 0, true, false)
	cfg, _ := os.ReadFile(s.config)
	os.WriteFile(s.config, []byte(strings.Replace(string(cfg), "[sync.orca]", "[sync]\nretry_after = \"100ms\"\nretry_max = \"1s\"\n[sync.orca]", 1)), 0o600)
	if out, err := s.command(bin, "simulate", "--patients", "500", "--seed", "5").CombinedOutput(); err != nil {
		t.Fatalf("simulate: %v\n%s", err, out)
	}
	st := s.open(t)
	ctx := context.Background()
	var rows []storage.VisitRow // the simulated day runs past midnight
	first, _ := time.Parse("2006-01-02", s.day)
	for d := range 3 {
		r, err := st.List(ctx, first.AddDate(0, 0, d).Format("2006-01-02"))
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r...)
	}
	// Two visits ORCA cannot take, on purpose: no kana; sex not set.
	var invalid []string
	for i, e := range []kiosk.EligibilityResult{
		{Validity: kiosk.ValidityValid, Name: "不備　一", Birth: wareki.MustDate(1970, 1, 1), Sex: "1"},
		{Validity: kiosk.ValidityValid, Name: "不備　二", NameKana: "ﾌﾋﾞ ﾆ", Birth: wareki.MustDate(1970, 1, 2), Sex: "3"},
	} {
		tk, err := st.Register(ctx, kiosk.Visit{Path: kiosk.PathMynaCard, Auth: kiosk.AuthPIN, CreatedAt: time.Now().Add(time.Duration(i) * time.Second), Eligibility: &e})
		if err != nil {
			t.Fatal(err)
		}
		invalid = append(invalid, tk.VisitID)
	}
	rng := rand.New(rand.NewPCG(5, 17))
	want, cancels := 0, 0
	for _, r := range rows {
		if r.Status == storage.StatusPending {
			continue // waits for its eligibility answer
		}
		want++
		if r.Status == storage.StatusWaiting && rng.IntN(10) == 0 {
			if err := st.SetStatus(ctx, r.BusinessDay, r.Number, storage.StatusCancelled, "s01"); err != nil {
				t.Fatal(err)
			}
			cancels++
		}
	}
	st.Close()
	s.srv.SetFaultRates(0.15, 0.15, 5)
	killed := 0
	for range 40 {
		c := s.command(bin, "sync", "run")
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200*time.Millisecond + time.Duration(rng.IntN(600))*time.Millisecond)
		_ = c.Process.Signal(syscall.SIGKILL)
		if err := c.Wait(); err != nil && strings.Contains(err.Error(), "killed") {
			killed++
		}
	}
	left := -1
	for i := 0; i < 200 && left != 0; i++ {
		if i == 199 {
			out, _ := s.command(bin, "sync", "status").CombinedOutput()
			t.Logf("status:\n%s", out)
		}
		s.command(bin, "sync", "run").Run() // exits 1 while something fails
		st := s.open(t)
		due, err := st.Due(ctx, storage.DestORCA, time.Now().Add(time.Hour), 1000)
		st.Close()
		if err != nil {
			t.Fatal(err)
		}
		left = 0
		for _, e := range due {
			if e.Visit.Status != storage.StatusPending {
				left++
				if i == 199 {
					t.Logf("left: %s %s status %s attempts %d", e.Key, e.Event, e.Visit.Status, e.Attempts)
				}
			}
		}
		time.Sleep(150 * time.Millisecond)
	}
	if left != 0 {
		t.Fatalf("%d events still not at ORCA after the runs", left)
	}
	patients := s.exactlyOnce(t, want, cancels)
	st = s.open(t)
	defer st.Close()
	parked, _ := st.Parked(ctx)
	var got []string
	for _, p := range parked {
		got = append(got, p.VisitID)
	}
	if strings.Join(got, ",") != strings.Join(invalid, ",") {
		t.Fatalf("parked %v, want only the invalid visits %v", parked, invalid)
	}
	n := 0
	for _, v := range s.srv.Requests() {
		n += v
	}
	t.Logf("%d visits (+2 invalid), %d cancellations; %d runs killed; %d receptions once each, %d cancellations once each, %d patients, 2 parked; %.2f requests per visit (%v)",
		want, cancels, killed, want, cancels, patients, float64(n)/float64(want), s.srv.Requests())
}

// TestSyncCheck: `sync check` lists ORCA's codes, marks the configured
// ones and sends nothing; a code ORCA does not list exits 1 naming the key.
func TestSyncCheck(t *testing.T) {
	bin := binary(t)
	s := newSyncSetup(t, 3, true, false)
	out, err := s.command(bin, "sync", "check").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "01  内科  ← configured") || !strings.Contains(string(out), "ORCA is ready") {
		t.Fatalf("sync check: %v\n%s", err, out)
	}
	if n := s.srv.Requests()["/orca11/acceptmodv2"] + s.srv.Requests()["/orca12/patientmodv2"] + s.srv.Requests()["/api01rv2/patientlst3v2"]; n != 0 {
		t.Fatalf("sync check sent %d patient or reception requests", n)
	}
	cfg, _ := os.ReadFile(s.config)
	os.WriteFile(s.config, []byte(strings.Replace(string(cfg), `physician = "10001"`, `physician = "10009"`, 1)), 0o600)
	out, err = s.command(bin, "sync", "check").CombinedOutput()
	if err == nil || !strings.Contains(string(out), `[sync.orca] physician = "10009": NOT LISTED`) {
		t.Fatalf("a wrong physician: %v\n%s", err, out)
	}
	out, err = s.command(bin, "sync", "run").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "valid: 10001 日医　太郎") || len(s.srv.Receptions()) != 0 {
		t.Fatalf("sync run with a wrong physician: %v\n%s", err, out)
	}
	if out, err := s.command(bin, "sync", "run", "--backfill").CombinedOutput(); err == nil {
		t.Fatalf("--backfill without --since accepted:\n%s", out)
	}
}
