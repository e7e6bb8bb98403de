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
	perVisit := map[string]int{}
	applied := 0
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
	if len(perVisit) != visits || applied != len(cancelled) {
		t.Fatalf("%d receptions and %d cancellations at ORCA, want %d and %d", len(perVisit), applied, visits, len(cancelled))
	}
	names := map[string]int{}
	for _, p := range s.srv.Patients() {
		names[p.Name+p.Birth]++
		if names[p.Name+p.Birth] > 1 {
			t.Fatalf("patient %s registered twice", p.Name)
		}
	}
	t.Logf("%d runs, %d killed before they finished; %d visits registered once each, %d cancellations once each; %d patients; requests: %v",
		runs, killedMidRun, len(perVisit), applied, len(names), s.srv.Requests())
}
