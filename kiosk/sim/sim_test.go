package sim

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

var jst = time.FixedZone("JST", 9*3600)

// expected says how each kind of patient must end, by the rules as of
// 2026-11-25 (after the 暫定措置 ended on 2026-03-31).
var expected = map[string]struct{ outcome, auth, path, staff string }{
	"face-ok":             {"ticket", "face", "myna-card", ""},
	"face-second-try":     {"ticket", "face", "myna-card", ""},
	"face-fails-pin":      {"ticket", "pin", "myna-card", ""},
	"code-b-typo":         {"ticket", "face", "myna-card", ""},
	"face-fails-no-pin":   {"ticket", "visual", "myna-card", "auth-failed"},
	"pin-ok":              {"ticket", "pin", "myna-card", ""},
	"pin-typo":            {"ticket", "pin", "myna-card", ""},
	"pin-forgotten":       {"ticket", "visual", "myna-card", "pin-last-try"},
	"pin-locked":          {"ticket", "visual", "myna-card", "pin-locked"},
	"new-patient-numbers": {"ticket", "pin", "myna-card", ""},
	"cert-expiring":       {"ticket", "pin", "myna-card", ""},
	"cert-expired":        {"ticket", "none", "notice", ""},
	"reader-fault-notice": {"ticket", "none", "notice", ""},
	"card-pulled":         {"card removed", "-", "myna-card", ""},
	"certificate":         {"ticket", "none", "certificate", ""},
	"certificate-typo":    {"ticket", "none", "certificate", ""},
	"elderly-certificate": {"ticket", "none", "certificate", ""},
	"notice-alone":        {"ticket", "none", "staff", "not-accepted"},
	"old-card":            {"ticket", "none", "staff", "not-accepted"},
	"invalid":             {"sent to desk", "-", "certificate", "eligibility"},
	"terminal-down":       {"ticket", "none", "certificate", ""},
	"walks-away":          {"timeout", "-", "myna-card", ""},
}

func TestEveryKindEndsAsTheRulesSay(t *testing.T) {
	res, err := Run(t.Context(), Options{Patients: 600, Seed: 7, Start: time.Date(2026, 11, 25, 8, 30, 0, 0, jst)})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	tickets := map[wareki.Date]int{}
	for _, r := range res.Rows {
		seen[r.Kind]++
		want, ok := expected[r.Kind]
		if !ok {
			t.Fatalf("kind %s has no expectation; add one", r.Kind)
		}
		if !strings.HasPrefix(r.Outcome, want.outcome) || r.Auth != want.auth || r.Path != want.path || r.Staff != want.staff {
			t.Errorf("%s (%s): outcome %q auth %s path %s staff %q; want %+v", r.Patient, r.Kind, r.Outcome, r.Auth, r.Path, r.Staff, want)
		}
		if strings.HasPrefix(r.Outcome, "ticket") {
			day := wareki.Today(r.Arrived)
			tickets[day]++
			// 受付番号 are gapless in arrival order and restart each Tokyo day.
			if want := fmt.Sprintf("ticket %03d", tickets[day]); !strings.HasPrefix(r.Outcome, want) {
				t.Errorf("%s: %q, want %s", r.Patient, r.Outcome, want)
			}
		}
		if r.Kind == "terminal-down" && !strings.HasSuffix(r.Outcome, "(pending)") {
			t.Errorf("%s: terminal down but %q", r.Patient, r.Outcome)
		}
	}
	if len(tickets) < 2 {
		t.Errorf("600 patients spanned %d days; the day rollover is untested", len(tickets))
	}
	for _, k := range kinds {
		if seen[k.name] == 0 {
			t.Errorf("kind %s never drawn in 600 patients", k.name)
		}
	}
}

func TestProvisionalPeriodAcceptsTheNoticeAlone(t *testing.T) {
	res, err := Run(t.Context(), Options{Patients: 400, Seed: 3, Start: time.Date(2026, 2, 2, 8, 30, 0, 0, jst)})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range res.Rows {
		if r.Kind == "notice-alone" || r.Kind == "old-card" {
			n++
			if r.Staff != "" || r.Path == "staff" || !strings.HasPrefix(r.Outcome, "ticket") {
				t.Errorf("%s (%s) on 2026-02-02: %+v; the 暫定措置 accepts it with an online check", r.Patient, r.Kind, r)
			}
		}
	}
	if n == 0 {
		t.Fatal("no notice-alone or old-card patient drawn")
	}
}

func TestSameSeedSameTable(t *testing.T) {
	opts := Options{Patients: 50, Seed: 42, Start: time.Date(2026, 11, 25, 8, 30, 0, 0, jst)}
	a, _ := Run(t.Context(), opts)
	b, _ := Run(t.Context(), opts)
	if fmt.Sprint(a.Rows) != fmt.Sprint(b.Rows) {
		t.Fatal("the same seed gave different tables")
	}
	opts.Seed = 43
	c, _ := Run(t.Context(), opts)
	if fmt.Sprint(a.Rows) == fmt.Sprint(c.Rows) {
		t.Fatal("a different seed gave the same table")
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	if _, err := Run(t.Context(), Options{Patients: 0}); err == nil {
		t.Fatal("zero patients accepted")
	}
	cfg := kiosk.DefaultConfig()
	cfg.FaceAttempts = 0
	if _, err := Run(t.Context(), Options{Patients: 1, Config: cfg}); err == nil {
		t.Fatal("invalid config accepted")
	}
}

// BenchmarkPatient measures the core's own cost of one simulated patient
// (every Step, effect and in-memory adapter call; no device time).
func BenchmarkPatient(b *testing.B) {
	start := time.Date(2026, 11, 25, 8, 30, 0, 0, jst)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Run(b.Context(), Options{Patients: 100, Seed: 1, Start: start}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/patient")
}
