package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uketsuke/uketsuke/app"
	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/storage"
)

// TestStaffViewsOfPersonalDataAreAudited: opening the queue or the audit
// page is recorded with the staff ID.
func TestStaffViewsOfPersonalDataAreAudited(t *testing.T) {
	st, err := storage.Open(filepath.Join(t.TempDir(), "u.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d := &desk{s: &station{store: st, log: slog.New(slog.DiscardHandler)}}
	ctx := context.Background()
	if _, err := d.Queue(ctx, "7"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Audit(ctx, "8", 10); err != nil {
		t.Fatal(err)
	}
	rows, err := st.RecentAudit(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, r := range rows {
		if r.Action == "staff.view" {
			seen[r.Outcome] = r.Actor
		}
	}
	if seen["queue"] != "7" || seen["audit-log"] != "8" {
		t.Fatalf("views audited: %v", seen)
	}
}

// TestDevicesReportThemselves: the device screen lists what registered,
// in set-up order, each with its own last report.
func TestDevicesReportThemselves(t *testing.T) {
	st, err := storage.Open(filepath.Join(t.TempDir(), "u.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h := &health{}
	h.register("reader")
	h.set("camera", false, "no /dev/video0")
	h.register("terminal")
	wp := &watchedPrinter{next: printer{dir: t.TempDir()}, h: h}
	h.register("printer")
	if err := wp.PrintTicket(context.Background(), kiosk.Ticket{Number: "001"}); err != nil {
		t.Fatal(err)
	}
	d := &desk{s: &station{store: st, log: slog.New(slog.DiscardHandler), health: h}}
	devs := d.Devices(context.Background())
	var names []string
	for _, dv := range devs {
		names = append(names, dv.Name)
	}
	if got := strings.Join(names, " "); got != "reader camera terminal printer sync" {
		t.Fatalf("devices %q", got)
	}
	if devs[0].OK != nil || devs[1].OK == nil || *devs[1].OK || devs[3].OK == nil || !*devs[3].OK {
		t.Fatalf("states %+v", devs)
	}
}

// TestRetentionSweepsEveryFolderWithPersonalData: the station's file sweep
// covers the exports, the terminal's archived answers (and the face
// reader's, bad ones too) and corrupt database copies, keeping salvaged
// audit rows.
func TestRetentionSweepsEveryFolderWithPersonalData(t *testing.T) {
	term, export, data := t.TempDir(), t.TempDir(), t.TempDir()
	cfgPath := filepath.Join(t.TempDir(), "config.toml")
	os.WriteFile(cfgPath, []byte("[camera]\ndevice = \"none\"\n[eligibility]\nbackend = \"terminal\"\nterminal_dir = \""+term+
		"\"\ninstitution = \"1311111111\"\n[sync.export]\ndir = \""+export+"\"\n"), 0o600)
	cfg, err := loadConfig(cfgPath, envOf())
	if err != nil {
		t.Fatal(err)
	}
	g := &globals{cfg: cfg, dataDirArg: data, env: envOf("HOME", t.TempDir()), log: slog.New(slog.DiscardHandler)}
	st, err := openStore(g)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := newStation(g, st, stationOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	dirs := map[string]string{}
	for _, f := range s.sweep {
		dirs[f.Dir] = f.Pattern + " keep " + f.Keep
	}
	for dir, want := range map[string]string{
		data:                                "uketsuke.db.corrupt-* keep *.audit.jsonl",
		filepath.Join(data, "exports"):      "uketsuke-visits-* keep ",
		export:                              "uketsuke-visits-* keep ",
		filepath.Join(term, "done"):         "*.xml keep ",
		filepath.Join(term, "done", "face"): "*.xml keep ",
		filepath.Join(term, "done", "face", "bad"): "*.xml keep ",
	} {
		if dirs[dir] != want {
			t.Errorf("sweep of %s: %q, want %q", dir, dirs[dir], want)
		}
	}
	if s.retention.Days != 90 || s.retention.ByAge {
		t.Errorf("retention %+v (a sync target is configured: by sync)", s.retention)
	}
}

// TestDevicesShowDoctorsChecks: after the devices' own reports, the staff
// device screen lists doctor's checks of the installation with their
// advice, but not the devices the running kiosk holds (it would open the
// camera or send a test request a second time).
func TestDevicesShowDoctorsChecks(t *testing.T) {
	home := t.TempDir()
	cfgPath := filepath.Join(home, "config.toml")
	os.WriteFile(cfgPath, []byte("[camera]\ndevice = \"none\"\n[reception]\nprint_command = [\"/nonexistent/lp\"]\n"), 0o600)
	cfg, err := loadConfig(cfgPath, envOf())
	if err != nil {
		t.Fatal(err)
	}
	g := &globals{cfg: cfg, dataDirArg: filepath.Join(home, "data"), env: envOf("HOME", home), log: slog.New(slog.DiscardHandler)}
	st, err := openStore(g)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h := &health{}
	h.set("reader", true, "SONY RC-S300")
	d := &desk{s: &station{store: st, log: slog.New(slog.DiscardHandler), health: h}, g: g}
	byName := map[string]app.Device{}
	var names []string
	for _, dv := range d.Devices(t.Context()) {
		byName[dv.Name] = dv
		names = append(names, dv.Name)
	}
	for _, want := range []string{"reader", "sync", "config", "data directory", "disk space", "clock", "audit chain", "terminal folder", "printer"} {
		if _, ok := byName[want]; !ok {
			t.Errorf("no %q on the device screen: %q", want, names)
		}
	}
	for _, live := range []string{"card reader", "face camera", "card camera", "face models", "terminal answer"} {
		if _, ok := byName[live]; ok {
			t.Errorf("%q is checked again beside the kiosk's own report", live)
		}
	}
	if p := byName["printer"]; p.OK == nil || *p.OK || p.Advice == "" || !strings.Contains(p.Detail, "/nonexistent/lp") {
		t.Errorf("printer: %+v", p)
	}
	if a := byName["audit chain"]; a.OK == nil || !*a.OK || !strings.Contains(a.Detail, "intact") {
		t.Errorf("audit chain: %+v", a)
	}
}
