package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/kiosktest"
)

// envOf returns an environment lookup with only the given variables, so a
// test never reads the developer's own configuration.
func envOf(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func runCLI(t *testing.T, env func(string) string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(t.Context(), args, &out, &errb, env)
	return code, out.String(), errb.String()
}

func TestValidateCommand(t *testing.T) {
	env := envOf("HOME", t.TempDir())
	tests := []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"validate", "insurer", "01130012"}, 0, "valid\n"},
		{[]string{"validate", "insurer", "131011"}, 0, "valid\n"},
		{[]string{"validate", "insurer", "01130013"}, 1, "invalid: insurer_number check digit does not match"},
		{[]string{"validate", "insurer", "0113001"}, 1, "invalid: insurer_number has the wrong length"},
		{[]string{"validate", "kohi", "54016027"}, 0, "valid\n"},
		{[]string{"validate", "kohi", "54016028"}, 1, "invalid: kohi_number check digit"},
		{[]string{"validate", "jukyu", "1234566"}, 0, "valid\n"},
		{[]string{"validate", "jukyu", "123456x"}, 1, "invalid: jukyu_number must be digits only"},
		{[]string{"validate", "branch", "01"}, 2, ""},
		{[]string{"validate", "insurer"}, 2, ""},
	}
	for _, tt := range tests {
		code, out, _ := runCLI(t, env, tt.args...)
		if code != tt.code || !strings.HasPrefix(out, tt.out) {
			t.Errorf("%v: exit %d, %q; want %d, %q", tt.args, code, out, tt.code, tt.out)
		}
	}
}

func TestSimulateCommand(t *testing.T) {
	env := envOf("HOME", t.TempDir())
	code, out, errs := runCLI(t, env, "simulate", "--patients", "30", "--seed", "5", "--date", "2026-11-25")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := regexp.MustCompile(`(?m)^\d+ +11-25 `).FindAllString(out, -1)
	if len(lines) != 30 {
		t.Fatalf("%d table rows, want 30:\n%s", len(lines), out)
	}
	for _, want := range []string{"PATIENT KIND", "OUTCOME", "Outcomes: ", "令和8年11月25日", "ticket 001"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	_, again, _ := runCLI(t, env, "simulate", "--patients", "30", "--seed", "5", "--date", "2026-11-25")
	strip := func(s string) string { return regexp.MustCompile(`Computed in .*`).ReplaceAllString(s, "") }
	if strip(again) != strip(out) {
		t.Error("the same seed printed a different table")
	}
	for _, bad := range [][]string{
		{"simulate", "--patients", "0"}, {"simulate", "--date", "2026-02-30"}, {"simulate", "extra"}, {"simulate", "--nope"},
	} {
		if code, _, _ := runCLI(t, env, bad...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
}

func TestConfigFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.toml", `
kiosk_id = "front-2"
data_dir = "/var/lib/uketsuke"
log_level = "debug"
[reception]
number_prefix = "B"
face_attempts = 2
code_b_max_wrong = 1
code_b_reserve = 6
[reception.timeouts]
consent = "45s"
entering-pin = "3m"
[card]
reader = "SONY"
`)
	cfg, err := loadConfig(good, envOf())
	if err != nil {
		t.Fatal(err)
	}
	kc, _ := cfg.kioskConfig()
	if cfg.KioskID != "front-2" || cfg.Card.Reader != "SONY" || kc.FaceAttempts != 2 || kc.CodeBReserve != 6 ||
		kc.Timeouts[kiosk.StateConsent] != 45*time.Second || kc.Timeouts[kiosk.StateEnteringPIN] != 3*time.Minute ||
		kc.Timeouts[kiosk.StateTicket] != kiosk.DefaultTimeouts()[kiosk.StateTicket] {
		t.Fatalf("config %+v, kiosk %+v", cfg, kc)
	}
	if d, _ := cfg.dataDir("", envOf("XDG_DATA_HOME", "/x")); d != "/var/lib/uketsuke" {
		t.Errorf("data_dir ignored: %s", d)
	}
	if d, _ := cfg.dataDir("/flag", envOf()); d != "/flag" {
		t.Errorf("--data-dir ignored: %s", d)
	}
	// The simulation uses the prefix from the file.
	code, out, _ := runCLI(t, envOf(), "simulate", "--config", good, "--patients", "3", "--date", "2026-11-25")
	if code != 0 || !strings.Contains(out, "ticket B001") {
		t.Errorf("prefix not used: exit %d\n%s", code, out)
	}

	for name, body := range map[string]string{
		"unknown key":   "kiosk_idd = \"x\"\n",
		"bad level":     "log_level = \"loud\"\n",
		"bad id":        "kiosk_id = \"a b\"\n",
		"bad state":     "[reception.timeouts]\nwelcome = \"1m\"\n",
		"no such state": "[reception.timeouts]\nlunch = \"1m\"\n",
		"bad duration":  "[reception.timeouts]\nconsent = \"soon\"\n",
		"tiny timeout":  "[reception.timeouts]\nconsent = \"10ms\"\n",
		"zero attempts": "[reception]\nface_attempts = 0\n",
		"recogniser":    "[camera]\nrecognizer = \"arcface\"\n",
		"model of dlib": "[camera]\nrecognizer_model = \"/tmp/x.onnx\"\n",
		"long prefix":   "[reception]\nnumber_prefix = \"ABCDE\"\n",
		"not toml":      "this is = = not toml",
		"link alone":    "[queue]\nlink = \"kiosk-2.lan:8444\"\n",
		"link no port":  "[reception]\nnumber_prefix = \"B\"\n[queue]\nbackend = \"postgres\"\ndsn = \"postgres://q/u\"\nlink = \"kiosk-2.lan\"\n",
		"wrong type":    "[reception]\nface_attempts = \"three\"\n",
		"plain http":    "[sync.orca]\nurl = \"http://orca.local:8000\"\nuser = \"ormaster\"\n",
		"no department": "[sync.orca]\nurl = \"https://orca.local:8000\"\nuser = \"ormaster\"\nphysician = \"10001\"\n",
		"no physician":  "[sync.orca]\nurl = \"https://orca.local:8000\"\nuser = \"ormaster\"\ndepartment = \"01\"\n",
	} {
		p := write(strings.ReplaceAll(name, " ", "-")+".toml", body)
		if _, err := loadConfig(p, envOf()); err == nil {
			t.Errorf("%s: accepted", name)
		} else if !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error does not name the file: %v", name, err)
		} else if key, ok := strings.CutPrefix(name, "no "); ok && (key == "department" || key == "physician") && !strings.Contains(err.Error(), "sync.orca."+key) {
			t.Errorf("%s: error does not name the key: %v", name, err)
		}
		if code, _, errs := runCLI(t, envOf(), "version", "--config", p); code != 3 || errs == "" {
			t.Errorf("%s: exit %d, want 3 with a message", name, code)
		}
	}
	if _, err := loadConfig(filepath.Join(dir, "missing.toml"), envOf()); err == nil {
		t.Error("a missing --config file was accepted")
	}
}

func TestConfigSearchOrder(t *testing.T) {
	xdg := t.TempDir()
	if got := configCandidates(envOf("XDG_CONFIG_HOME", xdg, "HOME", "/home/k")); got[0] != SystemConfigPath || got[1] != filepath.Join(xdg, "uketsuke", "config.toml") {
		t.Fatalf("candidates %v", got)
	}
	if got := configCandidates(envOf("HOME", "/home/k")); got[1] != "/home/k/.config/uketsuke/config.toml" {
		t.Fatalf("candidates without XDG %v", got)
	}
	if _, err := os.Stat(SystemConfigPath); err == nil {
		t.Fatalf("%s exists on this machine; the test would read it", SystemConfigPath)
	}
	p := filepath.Join(xdg, "uketsuke", "config.toml")
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("kiosk_id = \"xdg\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI(t, envOf("XDG_CONFIG_HOME", xdg, "XDG_DATA_HOME", "/data"), "version")
	if code != 0 || !strings.Contains(out, "config:   "+p) || !strings.Contains(out, "data dir: /data/uketsuke") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

// TestBinaryEndToEnd builds the real binary and runs it as a process, the
// way `make run` and a clinic do.
func TestBinaryEndToEnd(t *testing.T) {
	bin := binary(t)
	home := t.TempDir()
	env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "TZ=America/Los_Angeles"}
	cmd := exec.Command(bin, "simulate", "--patients", "12", "--seed", "9")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("simulate: %v\n%s", err, out)
	}
	// Whatever the machine's zone, the business date is Tokyo's.
	today := time.Now().In(time.FixedZone("JST", 9*3600)).Format("2006-01-02")
	if !strings.Contains(string(out), "Simulated reception on "+today) || !strings.Contains(string(out), "ticket 001") {
		t.Fatalf("simulate output:\n%s", out)
	}
	cmd = exec.Command(bin, "validate", "insurer", "33120016")
	cmd.Env = env
	out, err = cmd.Output()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), "check digit") {
		t.Fatalf("validate of a bad number: %v %s", err, out)
	}
}

// TestQueueAuditAndDBCommands fills a real store with simulated visits and
// drives the staff commands over it.
func TestQueueAuditAndDBCommands(t *testing.T) {
	dir := t.TempDir()
	env := envOf("HOME", t.TempDir())
	code, out, errs := runCLI(t, env, "simulate", "--patients", "6", "--date", "2026-11-25", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "Recorded in") {
		t.Fatalf("simulate into the store: %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = runCLI(t, env, "queue", "list", "--date", "2026-11-25", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "001") || !strings.Contains(out, "waiting") {
		t.Fatalf("queue list: %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, env, "queue", "list", "--json", "--date", "2026-11-25", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, `"reception_number": "001"`) {
		t.Fatalf("queue list --json: %d\n%s", code, out)
	}
	// The schema is pinned: snake_case keys, every value a string, the same
	// as the per-day JSON Lines export (README, "Sync to the clinic system").
	var listed []map[string]any
	if err := json.Unmarshal([]byte(out), &listed); err != nil || len(listed) == 0 {
		t.Fatalf("queue list --json is not a JSON array: %v", err)
	}
	want := []string{"auth", "birthdate", "branch", "business_day", "created_at", "insured_number", "insurer_name", "insurer_number",
		"kiosk_id", "limit_class", "name", "name_check", "name_kana", "partial_contribution_ratio", "path", "reception_number",
		"sex", "status", "symbol", "validity", "visit_id"}
	for _, v := range listed {
		keys := slices.Sorted(maps.Keys(v))
		if !slices.Equal(keys, want) {
			t.Fatalf("queue list --json keys %v, want %v", keys, want)
		}
		for k, val := range v {
			if _, ok := val.(string); !ok {
				t.Errorf("%s is %T, not a string", k, val)
			}
		}
	}
	for _, verb := range []string{"call", "done"} {
		if code, out, _ := runCLI(t, env, "queue", verb, "001", "--date", "2026-11-25", "--data-dir", dir); code != 0 {
			t.Fatalf("queue %s: %d %s", verb, code, out)
		}
	}
	if code, _, _ := runCLI(t, env, "queue", "cancel", "999", "--date", "2026-11-25", "--data-dir", dir); code != 1 {
		t.Fatalf("cancelling an unknown number: exit %d", code)
	}
	code, out, _ = runCLI(t, env, "audit", "verify", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "audit log intact") || !strings.Contains(out, "keyed") {
		t.Fatalf("audit verify: %d %s", code, out)
	}
	backup := filepath.Join(t.TempDir(), "b.db")
	if code, out, _ := runCLI(t, env, "db", "backup", backup, "--data-dir", dir); code != 0 {
		t.Fatalf("db backup: %d %s", code, out)
	}
	// Who did it: a command-line action names the OS user.
	rows, _ := exec.Command("sqlite3", filepath.Join(dir, "uketsuke.db"), "select actor from audit where action = 'visit.status'").CombinedOutput()
	if !strings.Contains(string(rows), "os:") {
		t.Errorf("CLI actions do not name the OS user: %s", rows)
	}
	// An older copy put back after a head was published is caught.
	if code, _, _ := runCLI(t, env, "queue", "call", "002", "--date", "2026-11-25", "--data-dir", dir); code != 0 {
		t.Fatal("queue call 002")
	}
	if code, out, _ := runCLI(t, env, "audit", "publish", "--data-dir", dir); code != 0 || !strings.Contains(out, "published the audit head") {
		t.Fatalf("audit publish: %d %s", code, out)
	}
	code, out, _ = runCLI(t, env, "audit", "verify", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "published head: matches row") {
		t.Fatalf("audit verify after publishing: %d %s", code, out)
	}
	live := filepath.Join(dir, "uketsuke.db")
	saved, _ := os.ReadFile(live)
	walSaved, _ := os.ReadFile(live + "-wal")
	old, _ := os.ReadFile(backup)
	os.Remove(live + "-wal")
	os.Remove(live + "-shm")
	os.WriteFile(live, old, 0o600)
	code, out, _ = runCLI(t, env, "audit", "verify", "--data-dir", dir)
	if code != 1 || !strings.Contains(out, "TAMPERED (published head") {
		t.Fatalf("audit verify on an older copy: %d %s", code, out)
	}
	os.WriteFile(live, saved, 0o600)
	os.WriteFile(live+"-wal", walSaved, 0o600)
	if code, out, _ := runCLI(t, env, "db", "purge", "--data-dir", dir); code != 0 || !strings.Contains(out, "purged") {
		t.Fatalf("db purge: %d %s", code, out)
	}
	if out, err := exec.Command("sqlite3", filepath.Join(dir, "uketsuke.db"), "delete from audit where id = 3").CombinedOutput(); err != nil {
		t.Fatalf("sqlite3: %v %s", err, out)
	}
	code, out, _ = runCLI(t, env, "audit", "verify", "--data-dir", dir)
	if code != 1 || !strings.Contains(out, "TAMPERED") {
		t.Fatalf("audit verify after a deletion: %d %s", code, out)
	}
}

func TestEligibilityParseCommand(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "OQSsiquc01res_1.xml")
	os.WriteFile(good, []byte(`<?xml version="1.0" encoding="UTF-8"?>
<XmlMsg><MessageHeader><SegmentOfResult>1</SegmentOfResult></MessageHeader>
<MessageBody><ProcessingResultStatus>1</ProcessingResultStatus><QualificationValidity>1</QualificationValidity>
<ResultList><ResultOfQualificationConfirmation><InsurerNumber>01234567</InsurerNumber><Name>髙橋　一郎</Name>
<InsuredPartialContributionRatio>030</InsuredPartialContributionRatio></ResultOfQualificationConfirmation></ResultList>
</MessageBody></XmlMsg>`), 0o600)
	env := envOf("HOME", t.TempDir())
	code, out, _ := runCLI(t, env, "eligibility", "parse", good, "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, key := range []string{`"segment_of_result": "1"`, `"validity": "1"`, `"insurer_number": "01234567"`,
		`"partial_contribution_ratio": "030"`, `"name_chars"`, `"error_code"`, `"processing_result_status"`, `"results"`} {
		if !strings.Contains(out, key) {
			t.Errorf("JSON lacks %s:\n%s", key, out)
		}
	}
	code, out, _ = runCLI(t, env, "eligibility", "parse", good)
	if code != 0 || !strings.Contains(out, "check the name by eye: 髙") {
		t.Fatalf("text: %d\n%s", code, out)
	}
	bad := filepath.Join(dir, "bad.xml")
	os.WriteFile(bad, []byte("<XmlMsg><MessageHeader>"), 0o600)
	if code, out, _ := runCLI(t, env, "eligibility", "parse", bad); code != 2 || !strings.Contains(out, "malformed") {
		t.Fatalf("malformed file: exit %d\n%s", code, out)
	}
	// A FIFO is refused at once (a plain read would block for ever).
	fifo := filepath.Join(dir, "OQSsiquc01res_fifo.xml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI(t, env, "eligibility", "parse", fifo); code != 2 || !strings.Contains(out+errs, "not a regular file") {
		t.Fatalf("FIFO: exit %d\n%s%s", code, out, errs)
	}
}

// TestTicketPrintsTokyoTime: at 15:30 UTC it is already the next day in
// Tokyo, and the ticket says so whatever the machine's zone.
func TestTicketPrintsTokyoTime(t *testing.T) {
	p := printer{kioskID: "front-1", clock: kiosktest.NewClock(time.Date(2026, 11, 30, 15, 30, 0, 0, time.UTC))}
	got := p.ticketText(kiosk.Ticket{Number: "A012", Waiting: 3})
	if !strings.Contains(got, "2026-12-01 00:30  front-1") || !strings.Contains(got, "A012") || !strings.Contains(got, "お待ちの方 3 人") {
		t.Fatalf("ticket:\n%s", got)
	}
}

// TestPackagedConfigExamplesLoad: every commented example in the package's
// config.toml, uncommented, is a key the kiosk knows with a value it
// accepts (a clinic edits that file).
func TestPackagedConfigExamplesLoad(t *testing.T) {
	b, err := os.ReadFile("../../packaging/deb/config.toml")
	if err != nil {
		t.Fatal(err)
	}
	example := regexp.MustCompile(`^# ([a-z_]+ = .+|\[[a-z_.]+\])$`)
	var out []string
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if m := example.FindStringSubmatch(line); m != nil {
			line, n = m[1], n+1
		}
		out = append(out, line)
	}
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(strings.Join(out, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(path, func(string) string { return "" })
	if err != nil || n < 20 {
		t.Fatalf("%d examples uncommented: %v", n, err)
	}
	if cfg.Voice.on() != true || cfg.Voice.Volume != 100 || len(cfg.Voice.Player) != 3 {
		t.Errorf("[voice] %+v", cfg.Voice)
	}
}
