package sim

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/catalog"
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

// speech records what the kiosk queues to speak, per session.
type speech struct {
	sessions [][]kiosk.Line // one per session; the welcome line after an end opens the next
}

func (s *speech) Say(_ context.Context, l kiosk.Line) {
	if len(s.sessions) == 0 {
		s.sessions = append(s.sessions, nil)
	}
	s.sessions[len(s.sessions)-1] = append(s.sessions[len(s.sessions)-1], l)
}

func (s *speech) End() { s.sessions = append(s.sessions, nil) }

// TestNothingPersonalIsSpoken walks 600 simulated patients of every kind
// through the machine and checks every line queued to speak, as it would
// be said in both languages: a screen's line for every state entered,
// every state spoken for somewhere, and nothing of the patient in any of
// it — no name, kana, birth date, insurance number, PIN or security code,
// and no digit at all but the 受付番号 on the ticket screen.
func TestNothingPersonalIsSpoken(t *testing.T) {
	sp := &speech{}
	res, err := Run(t.Context(), Options{Patients: 600, Seed: 11, Start: time.Date(2026, 11, 25, 8, 30, 0, 0, jst), Speaker: sp})
	if err != nil {
		t.Fatal(err)
	}
	if len(sp.sessions) < len(res.Rows) {
		t.Fatalf("%d sessions spoken for %d patients", len(sp.sessions), len(res.Rows))
	}
	keys := map[string]bool{}
	for i, row := range res.Rows {
		p := res.Personas[i]
		secrets := []string{p.Name, p.Kana, p.Birth.String(), p.Birth.Wareki(), string(p.Insurance.Insurer),
			p.Insurance.Symbol, p.Insurance.Number, p.PIN, p.SecurityCode}
		for _, g := range p.PINGuesses {
			secrets = append(secrets, g)
		}
		ticket := ""
		if n, ok := strings.CutPrefix(row.Outcome, "ticket "); ok {
			ticket, _, _ = strings.Cut(n, " ")
		}
		numbers := 0
		for _, l := range sp.sessions[i] {
			keys[l.Key] = true
			if !strings.HasPrefix(l.Key, "voice.") || !catalog.Has(l.Key) {
				t.Errorf("%s: queued %q, not a spoken line", row.Patient, l.Key)
			}
			if l.Key == "voice.ticket" && l.Number != "" {
				numbers++
			}
			if l.Number != "" {
				if !strings.HasPrefix(l.Key, "voice.ticket") || l.Number != ticket {
					t.Errorf("%s (%s): number %q said on %s; the ticket was %q", row.Patient, row.Kind, l.Number, l.Key, ticket)
				}
			}
			for _, lang := range []catalog.Lang{catalog.Ja, catalog.En} {
				text := catalog.T(lang, l.Key)
				if l.Number != "" {
					text += catalog.T(lang, "voice.ticket.number", strings.TrimLeft(l.Number, "0"))
				}
				for _, s := range secrets {
					if s != "" && strings.Contains(text, s) {
						t.Errorf("%s (%s): %q says %q", row.Patient, row.Kind, text, s)
					}
				}
				if d := strings.Map(func(r rune) rune {
					if r >= '0' && r <= '9' {
						return r
					}
					return -1
				}, text); d != strings.TrimLeft(l.Number, "0") {
					t.Errorf("%s (%s): %q has the digits %q", row.Patient, row.Kind, text, d)
				}
			}
		}
		if want := 0; ticket != "" {
			want = 1
			if numbers != want {
				t.Errorf("%s (%s): the number said %d times", row.Patient, row.Kind, numbers)
			}
		} else if numbers != want {
			t.Errorf("%s (%s): a number said without a ticket", row.Patient, row.Kind)
		}
	}
	for _, s := range kiosk.States() {
		// The simulator types 照合番号B: it has no card-front camera.
		if !keys["voice."+s.String()] && s != kiosk.StateReadingCardFront {
			t.Errorf("no patient reached %s: its line is unchecked", s)
		}
	}
}
