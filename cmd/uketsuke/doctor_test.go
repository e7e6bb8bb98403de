package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/eligibility"
	"github.com/uketsuke/uketsuke/printer/escpos"
	"github.com/uketsuke/uketsuke/printer/printertest"
)

// doctorRun runs `doctor --json` with a configuration file and returns
// the exit code and the checks by name.
func doctorRun(t *testing.T, home, config string) (int, map[string]checkResult) {
	t.Helper()
	cfg := filepath.Join(home, "config.toml")
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, envOf("HOME", home), "doctor", "--json", "--config", cfg)
	var got struct {
		OK     bool          `json:"ok"`
		Checks []checkResult `json:"checks"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("doctor --json: %v\n%s\n%s", err, out, errs)
	}
	m := map[string]checkResult{}
	for _, c := range got.Checks {
		m[c.Name] = c
	}
	if got.OK != (code == 0) {
		t.Errorf("ok=%v but exit %d", got.OK, code)
	}
	return code, m
}

func TestDoctorFindsWhatIsWrongAndSaysWhatToDo(t *testing.T) {
	home := t.TempDir()
	data := filepath.Join(home, "data")
	onshi := filepath.Join(home, "onshi")
	os.MkdirAll(data, 0o755) // too open
	os.MkdirAll(filepath.Join(onshi, "req"), 0o700)
	os.MkdirAll(filepath.Join(onshi, "res"), 0o700) // face/ missing
	config := fmt.Sprintf(`data_dir = %q
[audit]
key_file = %q
[camera]
device = "none"
[eligibility]
terminal_dir = %q
institution = "1312345678"
[reception]
print_command = ["/nonexistent/lp"]
`, data, filepath.Join(home, "key", "audit.key"), onshi)
	code, c := doctorRun(t, home, config)
	if code != 1 {
		t.Errorf("exit %d with failing checks, want 1", code)
	}
	for name, want := range map[string]struct {
		verdict Verdict
		detail  string
	}{
		"data directory":  {VerdictFail, "mode 0755"},
		"audit chain":     {VerdictFail, "no audit key"},
		"terminal folder": {VerdictFail, filepath.Join(onshi, "face") + " not found"},
		"printer":         {VerdictFail, "/nonexistent/lp not found"},
		"face camera":     {VerdictWarning, "turned off"},
		"config":          {VerdictOK, "config.toml"},
	} {
		got := c[name]
		if got.Verdict != want.verdict || !strings.Contains(got.Detail, want.detail) {
			t.Errorf("%s: %s %q, want %s containing %q", name, got.Verdict, got.Detail, want.verdict, want.detail)
		}
		if got.Verdict != VerdictOK && got.Advice == "" {
			t.Errorf("%s: no advice", name)
		}
	}

	// Put right, the same kiosk passes, and the database's chain is read.
	os.Chmod(data, 0o700)
	os.MkdirAll(filepath.Join(onshi, "face"), 0o700)
	config = strings.Replace(config, `print_command = ["/nonexistent/lp"]`, `print_command = ["cat"]`, 1)
	if code, out, _ := runCLI(t, envOf("HOME", home), "audit", "key", "--config", filepath.Join(home, "config.toml")); code != 0 || !strings.Contains(out, "created the audit key") {
		t.Fatalf("audit key: %d %s", code, out)
	}
	if code, out, _ := runCLI(t, envOf("HOME", home), "queue", "list", "--config", filepath.Join(home, "config.toml")); code != 0 {
		t.Fatalf("queue list: %d %s", code, out)
	}
	_, c = doctorRun(t, home, config)
	for _, name := range []string{"data directory", "audit chain", "terminal folder", "printer", "config"} {
		if c[name].Verdict != VerdictOK {
			t.Errorf("%s after the fix: %s %q", name, c[name].Verdict, c[name].Detail)
		}
	}
	if !strings.Contains(c["audit chain"].Detail, "intact") {
		t.Errorf("audit chain: %q, want the chain read", c["audit chain"].Detail)
	}
}

func TestBackupIntoAFolderKeepsTheNewest(t *testing.T) {
	home, dir := t.TempDir(), t.TempDir()
	env := envOf("HOME", home)
	for i := range 3 {
		// dated names: put older ones beside the new one
		old := filepath.Join(dir, fmt.Sprintf("uketsuke-2020010%d-000000.db", i+1))
		os.WriteFile(old, nil, 0o600)
	}
	if code, out, _ := runCLI(t, env, "db", "backup", dir, "--keep", "2", "--data-dir", filepath.Join(home, "data")); code != 0 {
		t.Fatalf("db backup DIR: %d %s", code, out)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "uketsuke-*.db"))
	if len(names) != 2 || !strings.HasSuffix(names[0], "20200103-000000.db") || strings.HasPrefix(filepath.Base(names[1]), "uketsuke-2020") {
		t.Fatalf("kept %v, want the newest old one and the new backup", names)
	}
	fi, _ := os.Stat(names[1])
	if fi.Size() == 0 || fi.Mode().Perm() != 0o600 {
		t.Errorf("new backup: %d bytes, mode %v", fi.Size(), fi.Mode().Perm())
	}
}

// With a test card configured, doctor sends it to the terminal folder and
// waits for the answer: the terminal (the simulator over the real folder)
// answers; with nobody watching req/, the check fails and says where.
func TestDoctorSendsATestRequestToTheTerminal(t *testing.T) {
	home := t.TempDir()
	onshi := filepath.Join(home, "onshi")
	for _, d := range []string{"req", "res", "face"} {
		os.MkdirAll(filepath.Join(onshi, d), 0o700)
	}
	config := fmt.Sprintf(`data_dir = %q
[camera]
device = "none"
[eligibility]
terminal_dir = %q
institution = "1312345678"
[eligibility.test_card]
insurer = "01130012"
symbol = "1234"
number = "0987654"
branch = "01"
birth = "S55.02.17"
`, filepath.Join(home, "data"), onshi)
	defer func(w time.Duration) { terminalWait = w }(terminalWait)
	terminalWait = 2 * time.Second
	_, c := doctorRun(t, home, config)
	if got := c["terminal answer"]; got.Verdict != VerdictFail || !strings.Contains(got.Detail, "no answer") || !strings.Contains(got.Advice, filepath.Join(onshi, "req")) {
		t.Errorf("nobody watching: %+v", got)
	}

	sim, err := eligibility.LoadSim(filepath.Join(repoRoot, "eligibility", "testdata", "personas.toml"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); _ = (&eligibility.OnshiSim{Dir: onshi, Sim: sim}).Run(ctx) }()
	defer func() { cancel(); <-done }()
	terminalWait = 20 * time.Second
	_, c = doctorRun(t, home, config)
	if got := c["terminal answer"]; got.Verdict != VerdictOK || !strings.Contains(got.Detail, "answered the test card") {
		t.Errorf("the terminal answering: %+v", got)
	}

	// A test card with a wrong check digit is a configuration error.
	bad := strings.Replace(config, `insurer = "01130012"`, `insurer = "01130013"`, 1)
	cfg := filepath.Join(home, "bad.toml")
	os.WriteFile(cfg, []byte(bad), 0o600)
	if code, _, errs := runCLI(t, envOf("HOME", home), "doctor", "--config", cfg); code != 3 || !strings.Contains(errs, "eligibility.test_card") {
		t.Errorf("bad test card: exit %d, %q", code, errs)
	}
}

// A CUPS queue in print_command is asked for its state: disabled is a
// failure with the command to enable it. (lp and lpstat here are stand-ins
// on PATH that print what CUPS prints; the test machine has no CUPS.)
func TestDoctorAsksCUPSForThePrinter(t *testing.T) {
	bin := t.TempDir()
	state := filepath.Join(bin, "state")
	os.WriteFile(filepath.Join(bin, "lp"), []byte("#!/bin/sh\nexit 0\n"), 0o700)
	os.WriteFile(filepath.Join(bin, "lpstat"), []byte("#!/bin/sh\n[ \"$2\" = tm30 ] || { echo \"lpstat: Invalid destination name in list \\\"$2\\\"!\" >&2; exit 1; }\ncat "+state+"\n"), 0o700)
	t.Setenv("PATH", bin+":"+os.Getenv("PATH"))
	home := t.TempDir()
	for _, c := range []struct {
		queue, state string
		verdict      Verdict
		detail       string
	}{
		{"tm30", "printer tm30 is idle.  enabled since Fri 04 Dec 2026 09:00:00 JST", VerdictOK, "tm30: printer tm30 is idle"},
		{"tm30", "printer tm30 disabled since Fri 04 Dec 2026 09:00:00 JST -\n\tPaper out", VerdictFail, "disabled"},
		{"tm88", "", VerdictFail, "does not know the printer tm88"},
	} {
		os.WriteFile(state, []byte(c.state+"\n"), 0o600)
		_, got := doctorRun(t, home, fmt.Sprintf("data_dir = %q\n[camera]\ndevice = \"none\"\n[reception]\nprint_command = [\"lp\", \"-d\", %q]\n", filepath.Join(home, "data"), c.queue))
		if p := got["printer"]; p.Verdict != c.verdict || !strings.Contains(p.Detail, c.detail) || (p.Verdict != VerdictOK && p.Advice == "") {
			t.Errorf("%s %q: %+v", c.queue, c.state, p)
		}
	}
	if q := cupsQueue([]string{"/usr/bin/lp", "-o", "media=X", "-dtm30"}); q != "tm30" {
		t.Errorf("cupsQueue(-dtm30) = %q", q)
	}
	if q := cupsQueue([]string{"lpr", "-P", "tm30"}); q != "" {
		t.Errorf("cupsQueue(lpr) = %q", q)
	}
}

// An ESC/POS printer in [printer] device: doctor reports its status, and
// `print test` prints the sample ticket on it (or writes its bytes).
func TestESCPOSPrinterInDoctorAndPrintTest(t *testing.T) {
	p := printertest.New(t)
	home := t.TempDir()
	config := fmt.Sprintf("data_dir = %q\n[camera]\ndevice = \"none\"\n[reception]\nclinic_name = \"うけつけ医院\"\n[printer]\ndevice = %q\n", filepath.Join(home, "data"), p.Device())
	_, c := doctorRun(t, home, config)
	if got := c["printer"]; got.Verdict != VerdictOK || !strings.Contains(got.Detail, "ready") {
		t.Errorf("ready printer: %+v", got)
	}
	p.SetStatus([3]byte{0x1e, 0x32, 0x72})
	_, c = doctorRun(t, home, config)
	if got := c["printer"]; got.Verdict != VerdictFail || !strings.Contains(got.Detail, "paper out") || !strings.Contains(got.Advice, "paper roll") {
		t.Errorf("paper out: %+v", got)
	}
	cfg := filepath.Join(home, "config.toml")
	if code, _, errs := runCLI(t, envOf("HOME", home), "print", "test", "--config", cfg); code == 0 || !strings.Contains(errs, "paper out") {
		t.Errorf("print test on a printer without paper: %d %s", code, errs)
	}
	if len(p.Job()) != 0 {
		t.Error("a job was sent to a printer without paper")
	}
	p.SetStatus([3]byte{0x16, 0x12, 0x12})
	if code, out, errs := runCLI(t, envOf("HOME", home), "print", "test", "--config", cfg); code != 0 || !strings.Contains(out, "ready") {
		t.Fatalf("print test: %d %s %s", code, out, errs)
	}
	cmds, err := escpos.Decode(p.Received(t))
	if err != nil {
		t.Fatal(err)
	}
	if text := escpos.Printed(cmds); !strings.Contains(text, "うけつけ医院\n") || !strings.Contains(text, "\n123\n") {
		t.Errorf("sample ticket:\n%s", text)
	}
	file := filepath.Join(home, "ticket.bin")
	if code, _, errs := runCLI(t, envOf("HOME", home), "print", "test", "--escpos", file, "--config", cfg); code != 0 {
		t.Fatalf("print test --escpos: %d %s", code, errs)
	}
	b, _ := os.ReadFile(file)
	if cmds, err := escpos.Decode(b); err != nil || !strings.Contains(escpos.Printed(cmds), "受付番号") {
		t.Errorf("--escpos file: %v", err)
	}
	bad := filepath.Join(home, "bad.toml")
	os.WriteFile(bad, []byte("[printer]\ndevice = \"serial:/dev/ttyS0\"\n"), 0o600)
	if code, _, errs := runCLI(t, envOf("HOME", home), "doctor", "--config", bad); code != 3 || !strings.Contains(errs, "printer.device") {
		t.Errorf("bad printer device: %d %s", code, errs)
	}
}

// `voice render` writes every spoken line in both languages.
func TestVoiceRender(t *testing.T) {
	out := filepath.Join(t.TempDir(), "voice")
	code, stdout, errs := runCLI(t, envOf("HOME", t.TempDir()), "voice", "render", "--out", out)
	if code != 0 {
		t.Fatalf("voice render: %d %s", code, errs)
	}
	files, _ := filepath.Glob(filepath.Join(out, "voice.*.wav"))
	ja, _ := filepath.Glob(filepath.Join(out, "voice.ticket.ja.wav"))
	if len(files) < 30 || len(ja) != 1 || !strings.Contains(stdout, "spoken lines") {
		t.Errorf("%d files, ticket %v: %s", len(files), ja, stdout)
	}
	if code, _, _ := runCLI(t, envOf("HOME", t.TempDir()), "voice", "render"); code != 2 {
		t.Errorf("voice render without --out: exit %d, want 2", code)
	}
}
