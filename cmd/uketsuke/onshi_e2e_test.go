package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/eligibility"
	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/insurance"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// TestTerminalAgainstOnshiSim runs `uketsuke onshi-sim` as its own process
// on a real folder and the terminal backend against it, in every mode.
func TestTerminalAgainstOnshiSim(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	sim := exec.CommandContext(ctx, bin, "onshi-sim", "--dir", dir, "--personas", "../../eligibility/testdata/personas.toml", "--late", "2s")
	sim.Env = append(os.Environ(), "HOME="+t.TempDir())
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = sim.Wait() }()
	for range 200 { // wait for the folders
		if _, err := os.Stat(filepath.Join(dir, "sim")); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	taro := kiosk.EligibilityQuery{ByNumbers: &kiosk.NumbersQuery{
		Card:  insurance.Card{Insurer: "01130012", Symbol: "1234", Number: "0987654", Branch: "01"},
		Birth: wareki.MustDate(1980, 2, 17)}}
	term := &eligibility.Terminal{Dir: dir, Institution: "1311111111", Archive: t.TempDir(), Poll: 20 * time.Millisecond, Timeout: time.Second}
	setMode := func(m string) {
		if err := os.WriteFile(filepath.Join(dir, "sim", "mode"), []byte(m), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		mode string
		ok   func(kiosk.EligibilityResult, error) bool
	}{
		{eligibility.ModeNormal, func(r kiosk.EligibilityResult, err error) bool {
			return err == nil && r.Name == "診療　太郎" && r.Card.Number == "0987654"
		}},
		{eligibility.ModeHalves, func(r kiosk.EligibilityResult, err error) bool {
			return err == nil && r.Validity == kiosk.ValidityValid
		}},
		{eligibility.ModeDuplicate, func(r kiosk.EligibilityResult, err error) bool {
			return err == nil && r.Validity == kiosk.ValidityValid
		}},
		{eligibility.ModeLate, func(_ kiosk.EligibilityResult, err error) bool {
			return errors.Is(err, kiosk.ErrEligibilityUnavailable)
		}},
		{eligibility.ModeNone, func(_ kiosk.EligibilityResult, err error) bool {
			return errors.Is(err, kiosk.ErrEligibilityUnavailable)
		}},
		{eligibility.ModeError, func(_ kiosk.EligibilityResult, err error) bool {
			var ea *eligibility.ErrorAnswer
			return errors.As(err, &ea) && ea.Code == "EQCS0002"
		}},
		{eligibility.ModeGarbage, func(_ kiosk.EligibilityResult, err error) bool { return errors.Is(err, eligibility.ErrMalformed) }},
	} {
		setMode(c.mode)
		r, err := term.Check(ctx, taro)
		if !c.ok(r, err) {
			t.Errorf("mode %s: %+v, %v", c.mode, r, err)
		}
	}
	// A face-reader result dropped on command.
	setMode(eligibility.ModeNormal)
	if err := os.WriteFile(filepath.Join(dir, "sim", "face-kiyoshi-75"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var faceFiles []string
	for range 200 {
		faceFiles, _ = filepath.Glob(filepath.Join(dir, "face", "OQSsiquc01res_face_*.xml"))
		if len(faceFiles) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(faceFiles) != 1 {
		t.Fatalf("face results %v", faceFiles)
	}
	b, _ := os.ReadFile(faceFiles[0])
	r, err := eligibility.Parse(b)
	if err != nil || r.Header.ReferenceClassification != "1" || r.Body.Results[0].PharmacistsInfoConsFlg != "1" {
		t.Fatalf("face result: %+v, %v", r, err)
	}
	if k, _ := r.Kiosk(); k.Name != "髙橋　清" || !k.LateElderly {
		// 髙 is not in Shift_JIS: the file carries ●, flagged for staff.
		if k.Name != "●橋　清" || len(k.NameFlags) == 0 {
			t.Fatalf("face result name %q flags %v", k.Name, k.NameFlags)
		}
	}
}

// TestKioskTakesOverFromTheCertifiedFaceReader: with a terminal folder
// configured, the kiosk's station picks up the face reader's results
// (face/) as visits, with a ticket, and archives the files.
func TestKioskTakesOverFromTheCertifiedFaceReader(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	sim := exec.CommandContext(ctx, bin, "onshi-sim", "--dir", dir, "--personas", "../../eligibility/testdata/personas.toml")
	sim.Env = append(os.Environ(), "HOME="+t.TempDir())
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = sim.Wait() }()
	for range 200 {
		if _, err := os.Stat(filepath.Join(dir, "sim")); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cfgPath := filepath.Join(t.TempDir(), "config.toml")
	os.WriteFile(cfgPath, []byte("[camera]\ndevice = \"none\"\n[eligibility]\nbackend = \"terminal\"\nterminal_dir = \""+dir+"\"\ninstitution = \"1311111111\"\n"), 0o600)
	cfg, err := loadConfig(cfgPath, envOf())
	if err != nil {
		t.Fatal(err)
	}
	g := &globals{cfg: cfg, dataDirArg: t.TempDir(), env: envOf("HOME", t.TempDir()), log: slog.New(slog.DiscardHandler)}
	st, err := openStore(g)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var tickets []kiosk.Ticket
	s, err := newStation(g, st, stationOptions{faceTicket: func(tk kiosk.Ticket) { tickets = append(tickets, tk) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	if s.faceIntake == nil {
		t.Fatal("the station does not take the face reader's results")
	}
	os.WriteFile(filepath.Join(dir, "sim", "face-taro"), nil, 0o600)
	deadline := time.Now().Add(10 * time.Second)
	for len(tickets) == 0 && time.Now().Before(deadline) {
		if err := s.faceIntake.Once(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(tickets) != 1 {
		t.Fatalf("%d tickets from the face reader", len(tickets))
	}
	rows, _ := st.List(ctx, wareki.Today(time.Now()).String())
	if len(rows) != 1 || rows[0].Auth != kiosk.AuthReader.String() {
		t.Fatalf("visits %+v", rows)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "face", "*.xml")); len(left) != 0 {
		t.Errorf("face results left unarchived: %v", left)
	}
}
