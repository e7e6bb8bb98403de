package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
