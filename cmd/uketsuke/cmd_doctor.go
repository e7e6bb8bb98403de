package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/sys/unix"

	"github.com/uketsuke/uketsuke/camera"
	"github.com/uketsuke/uketsuke/eligibility"
	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
	prn "github.com/uketsuke/uketsuke/printer"
	"github.com/uketsuke/uketsuke/reader"
	"github.com/uketsuke/uketsuke/sitequeue"
	"github.com/uketsuke/uketsuke/storage"
)

// Verdict is one check's outcome.
type Verdict string

// The verdicts, from best to worst.
const (
	VerdictOK      Verdict = "ok"
	VerdictWarning Verdict = "warning"
	VerdictFail    Verdict = "fail"
)

// checkResult is one line of `uketsuke doctor`.
type checkResult struct {
	Name    string  `json:"name"`
	Verdict Verdict `json:"verdict"`
	Detail  string  `json:"detail"`
	Advice  string  `json:"advice,omitempty"`
}

// doctorCheck is one check of the installation.
type doctorCheck struct {
	name    string
	run     func(ctx context.Context, g *globals) checkResult
	timeout time.Duration // 0: checkTimeout
	// live: a device the running kiosk holds and reports itself (its
	// health); the staff device screen shows that instead of opening the
	// device a second time.
	live bool
}

// checkTimeout bounds a check that waits on a device or a server.
const checkTimeout = 10 * time.Second

// terminalWait is how long the test request waits for the terminal's
// answer (it usually comes in a few seconds).
var terminalWait = 30 * time.Second

func ok(detail string) checkResult { return checkResult{Verdict: VerdictOK, Detail: detail} }
func warn(detail, advice string) checkResult {
	return checkResult{Verdict: VerdictWarning, Detail: detail, Advice: advice}
}
func fail(detail, advice string) checkResult {
	return checkResult{Verdict: VerdictFail, Detail: detail, Advice: advice}
}

// doctorChecks are the checks in the order they are shown.
func doctorChecks() []doctorCheck {
	return []doctorCheck{
		{name: "config", run: checkConfig},
		{name: "data directory", run: checkDataDir},
		{name: "disk space", run: checkDisk},
		{name: "clock", run: checkClock},
		{name: "time zone", run: checkTimeZone},
		{name: "audit chain", run: checkAudit},
		{name: "backup", run: checkBackup},
		{name: "card reader", live: true, run: checkReader},
		{name: "face models", live: true, run: checkModels},
		{name: "face camera", live: true, run: func(ctx context.Context, g *globals) checkResult {
			return checkCameraDevice(ctx, g.cfg.Camera.Device, "/dev/video0", "the face path is off: patients use the PIN")
		}},
		{name: "card camera", live: true, run: func(ctx context.Context, g *globals) checkResult {
			if g.cfg.Camera.CardDevice == "" {
				return ok("none configured: 照合番号B is read by the face camera, the patient holding the card up")
			}
			return checkCameraDevice(ctx, g.cfg.Camera.CardDevice, "", "照合番号B is typed by the patient")
		}},
		{name: "terminal folder", run: checkTerminal},
		{name: "terminal answer", live: true, run: checkTerminalAnswer, timeout: terminalWait + 5*time.Second},
		{name: "clinic system", run: checkClinic},
		{name: "site queue", run: checkSiteQueue},
		{name: "printer", run: checkPrinter},
		{name: "voice", run: checkVoice, timeout: 20 * time.Second},
	}
}

// runDoctor checks the installation and prints one line per check.
func runDoctor(ctx context.Context, g *globals, args []string) error {
	var asJSON bool
	if _, err := parseCommand(g, "doctor", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print the checks as JSON")
	}); err != nil {
		return err
	}
	results := diagnose(ctx, g)
	failed := 0
	for _, r := range results {
		if r.Verdict == VerdictFail {
			failed++
		}
	}
	if asJSON {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			OK     bool          `json:"ok"`
			Checks []checkResult `json:"checks"`
		}{failed == 0, results}); err != nil {
			return err
		}
	} else {
		w := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
		for _, r := range results {
			fmt.Fprintf(w, "%s\t%s\t%s\n", strings.ToUpper(string(r.Verdict)), r.Name, r.Detail)
			if r.Advice != "" {
				fmt.Fprintf(w, "\t\t→ %s\n", r.Advice)
			}
		}
		w.Flush()
	}
	if failed > 0 {
		if !asJSON {
			fmt.Fprintf(g.stdout, "%d check(s) failed\n", failed)
		}
		return exitError{code: 1}
	}
	return nil
}

// diagnose runs every check, each bounded in time.
func diagnose(ctx context.Context, g *globals) []checkResult { return runChecks(ctx, g, true) }

// runChecks runs the checks in order, the live ones only when asked.
func runChecks(ctx context.Context, g *globals, live bool) []checkResult {
	var out []checkResult
	for _, c := range doctorChecks() {
		if c.live && !live {
			continue
		}
		limit := c.timeout
		if limit == 0 {
			limit = checkTimeout
		}
		cctx, cancel := context.WithTimeout(ctx, limit)
		r := c.run(cctx, g)
		cancel()
		r.Name = c.name
		out = append(out, r)
	}
	return out
}

func checkConfig(_ context.Context, g *globals) checkResult {
	if g.cfg.source == "" {
		return warn("no configuration file: the embedded defaults are in use", "copy the commented example to "+SystemConfigPath+" and set kiosk_id, the camera and the terminal folder")
	}
	return ok(g.cfg.source + " (kiosk " + g.cfg.KioskID + ")")
}

func checkDataDir(_ context.Context, g *globals) checkResult {
	dir, err := g.dataDir()
	if err != nil {
		return fail(err.Error(), "set data_dir in the configuration")
	}
	fi, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return warn(dir+" does not exist yet", "the kiosk creates it (0700) at first start; as a service, systemd's StateDirectory does")
	}
	if err != nil {
		return fail(err.Error(), "check the data directory's permissions")
	}
	if !fi.IsDir() {
		return fail(dir+" is not a directory", "move the file away or set another data_dir")
	}
	if m := fi.Mode().Perm(); m&0o077 != 0 {
		return fail(fmt.Sprintf("%s has mode %04o: others can read patient data", dir, m), "chmod 0700 "+dir)
	}
	if st, ok := fi.Sys().(*unix.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return warn(fmt.Sprintf("%s belongs to uid %d, not to this user (uid %d)", dir, st.Uid, os.Geteuid()), "run doctor as the kiosk's user: sudo -u uketsuke uketsuke doctor")
	}
	if err := unix.Access(dir, unix.W_OK); err != nil {
		return fail(dir+" is not writable", "chown it to the kiosk's user")
	}
	return ok(dir + " (0700)")
}

func checkDisk(_ context.Context, g *globals) checkResult {
	dir, err := g.dataDir()
	if err != nil {
		return fail(err.Error(), "set data_dir in the configuration")
	}
	for _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) && dir != "/"; _, err = os.Stat(dir) {
		dir = filepath.Dir(dir)
	}
	var s unix.Statfs_t
	if err := unix.Statfs(dir, &s); err != nil {
		return fail("statfs "+dir+": "+err.Error(), "check the disk")
	}
	free := s.Bavail * uint64(s.Bsize)
	detail := fmt.Sprintf("%s free on the data directory's disk", humanBytes(free))
	switch {
	case free < 200<<20:
		return fail(detail, "free space: the kiosk refuses check-ins before it loses one")
	case free < 1<<30:
		return warn(detail, "free space soon: backups and exports need room")
	}
	return ok(detail)
}

func humanBytes(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}

// checkClock reads the kernel's synchronisation state, which chrony,
// systemd-timesyncd and ntpd all maintain.
func checkClock(_ context.Context, _ *globals) checkResult {
	var tx unix.Timex
	state, err := unix.Adjtimex(&tx)
	now := time.Now().In(wareki.Tokyo).Format("2006-01-02 15:04:05 MST")
	if err != nil {
		return warn("cannot read the clock's state: "+err.Error(), "make sure the clock is synchronised (timedatectl set-ntp true)")
	}
	if state == unix.TIME_ERROR || tx.Status&unix.STA_UNSYNC != 0 {
		return warn("not synchronised (now "+now+")", "turn on time synchronisation: the age and validity rules depend on the date (timedatectl set-ntp true)")
	}
	return ok(fmt.Sprintf("synchronised, estimated error %d µs (now %s)", tx.Esterror, now))
}

func checkTimeZone(_ context.Context, _ *globals) checkResult {
	name, off := time.Now().Zone()
	if off != 9*3600 {
		return warn(fmt.Sprintf("the system's zone is %s (UTC%+d); the kiosk keeps its dates in Asia/Tokyo regardless", name, off/3600), "timedatectl set-timezone Asia/Tokyo, so that logs and timers read the same hours")
	}
	return ok(name + " (UTC+9)")
}

func checkAudit(ctx context.Context, g *globals) checkResult {
	keyFile, err := g.cfg.auditKeyFile(g.env)
	if err != nil {
		return fail(err.Error(), "set [audit] key_file")
	}
	if _, _, err := storage.LoadAuditKey(keyFile, false); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fail("no audit key at "+keyFile, "create it as the kiosk's user: uketsuke audit key")
		}
		return fail(err.Error(), "the key must be the kiosk user's, mode 0600")
	}
	dir, err := g.dataDir()
	if err != nil {
		return fail(err.Error(), "set data_dir")
	}
	db := filepath.Join(dir, "uketsuke.db")
	fi, err := os.Stat(db)
	if errors.Is(err, os.ErrNotExist) {
		return ok("key " + keyFile + "; no database yet (created at first start)")
	}
	if err != nil {
		return fail(err.Error(), "check the data directory")
	}
	if st, ok := fi.Sys().(*unix.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return warn("the database belongs to another user; not opened", "run doctor as the kiosk's user: sudo -u uketsuke uketsuke doctor")
	}
	s, err := openStore(g)
	if errors.Is(err, storage.ErrNewerSchema) {
		return fail(err.Error(), "a newer Uketsuke wrote this database: install that version again (the database was not changed)")
	}
	if err != nil {
		return fail(err.Error(), "see `uketsuke audit verify`")
	}
	defer s.Close()
	n, err := s.VerifyAudit(ctx)
	if err != nil {
		return fail(err.Error(), "the audit log was altered or the key changed: keep the database, call the vendor")
	}
	return ok(fmt.Sprintf("intact, %d rows, keyed", n))
}

func checkReader(_ context.Context, g *globals) checkResult {
	c, err := reader.Establish()
	if err != nil {
		return fail("pcscd does not answer: "+err.Error(), "systemctl enable --now pcscd.socket")
	}
	defer c.Release()
	rs, err := c.Readers()
	if err != nil {
		return fail(err.Error(), "restart pcscd; check the reader's cable")
	}
	if len(rs) == 0 {
		return fail("pcscd answers but lists no reader", "plug in the card reader (a CCID reader; pcscd finds it by itself)")
	}
	var names []string
	virtual := false
	for _, r := range rs {
		if reader.IsVirtual(r) {
			virtual = true
			r += " (virtual)"
		}
		names = append(names, r)
	}
	detail := strings.Join(names, "; ")
	if virtual {
		return warn(detail, "a virtual reader (vsmartcard-vpcd) is installed: remove it on a real kiosk, anyone on the network could insert a card")
	}
	return ok(detail)
}

func checkModels(_ context.Context, g *globals) checkResult {
	if g.cfg.Camera.Device == "none" {
		return ok("face path off ([camera] device = \"none\")")
	}
	e, err := camera.NewEngineWith(g.cfg.Camera.Models, camera.RecognizerOptions{Name: g.cfg.Camera.Recognizer, Model: g.cfg.Camera.RecognizerModel})
	if err != nil {
		return fail(err.Error(), "set [camera] models to the folder with the face models ("+packagedModels+" when installed from the package)")
	}
	e.Close()
	return ok("loaded from " + g.cfg.Camera.Models)
}

// packagedModels is where the Debian package installs the face models.
const packagedModels = "/usr/share/uketsuke/models"

// checkCameraDevice opens a V4L2 camera and waits for a frame.
func checkCameraDevice(ctx context.Context, dev, dflt, offMeans string) checkResult {
	switch dev {
	case "none":
		return warn("turned off: "+offMeans, "set the device in [camera] to use it")
	case "":
		dev = dflt
	}
	if _, err := os.Stat(dev); err != nil {
		return fail(dev+" not found", "plug the camera in, or set [camera] device = \"none\": "+offMeans)
	}
	if err := unix.Access(dev, unix.R_OK|unix.W_OK); err != nil {
		return fail(dev+": no access for this user", "add the kiosk's user to the video group")
	}
	type frame struct {
		w, h int
		err  error
	}
	got := make(chan frame, 1)
	go func() {
		d, err := camera.OpenDevice(dev)
		if err != nil {
			got <- frame{err: err}
			return
		}
		defer d.Close()
		m, err := d.Read()
		if err != nil {
			got <- frame{err: err}
			return
		}
		defer m.Close()
		got <- frame{w: m.Cols(), h: m.Rows()}
	}()
	select {
	case f := <-got:
		if f.err != nil {
			return fail(dev+": "+f.err.Error(), "check the camera's cable; another program may hold it")
		}
		return ok(fmt.Sprintf("%s delivers %d×%d frames", dev, f.w, f.h))
	case <-ctx.Done():
		return fail(dev+": no frame within the time limit", "check the camera's cable; another program may hold it")
	}
}

func checkTerminal(_ context.Context, g *globals) checkResult {
	c := g.cfg.Eligibility
	switch {
	case c.Backend == "sim":
		return warn("the built-in simulator answers, not a 資格確認端末", "set [eligibility] backend = \"terminal\" and terminal_dir on a real kiosk")
	case c.TerminalDir == "":
		return fail("no terminal folder: eligibility is not checked", "set [eligibility] terminal_dir to the 資格確認端末's shared folder")
	}
	for _, sub := range []string{"", "req", "res", "face"} {
		p := filepath.Join(c.TerminalDir, sub)
		fi, err := os.Stat(p)
		if err != nil {
			return fail(p+" not found", "mount the 資格確認端末's shared folder at "+c.TerminalDir+" (with req/, res/ and face/)")
		}
		if !fi.IsDir() {
			return fail(p+" is not a folder", "the terminal folder holds the folders req/, res/ and face/")
		}
	}
	if err := unix.Access(filepath.Join(c.TerminalDir, "req"), unix.W_OK); err != nil {
		return fail(filepath.Join(c.TerminalDir, "req")+" is not writable for this user", "give the kiosk's user write access to the share (mount options uid=/gid=)")
	}
	return ok(c.TerminalDir + " with req/ res/ face/, writable")
}

// checkTerminalAnswer sends the configured test card to the terminal and
// waits for its answer: any answer, a 資格なし or an error code among them,
// shows the terminal takes requests from this folder.
func checkTerminalAnswer(ctx context.Context, g *globals) checkResult {
	c := g.cfg.Eligibility
	switch {
	case c.Backend == "sim":
		return ok("the simulator answers (no terminal)")
	case c.TerminalDir == "":
		return warn("no terminal folder: no test request", "set [eligibility] terminal_dir")
	case c.TestCard == nil:
		return ok("no test request: set [eligibility.test_card] to a test card's numbers to send one")
	}
	q, err := c.TestCard.query()
	if err != nil {
		return fail(err.Error(), "fix [eligibility.test_card]")
	}
	t := &eligibility.Terminal{Dir: c.TerminalDir, Institution: c.Institution, Timeout: terminalWait, Archive: filepath.Join(c.TerminalDir, "done")}
	start := time.Now()
	res, err := t.Check(ctx, kiosk.EligibilityQuery{ByNumbers: &q})
	took := time.Since(start).Seconds()
	var ea *eligibility.ErrorAnswer
	switch {
	case err == nil:
		return ok(fmt.Sprintf("answered the test card in %.1f s (%s)", took, res.Validity))
	case errors.As(err, &ea):
		return ok(fmt.Sprintf("answered the test card in %.1f s with an error answer (%s): it takes requests", took, ea.Error()))
	case errors.Is(err, kiosk.ErrEligibilityUnavailable):
		return fail(fmt.Sprintf("no answer to the test card in %.0f s", took), "check that the 資格確認端末's software runs and watches "+filepath.Join(c.TerminalDir, "req"))
	}
	return fail("test request: "+err.Error(), "see the terminal's logs; the answer in res/ did not parse")
}

func checkClinic(ctx context.Context, g *globals) checkResult {
	c := g.cfg.Sync
	if c.ORCA == nil && c.Export == nil {
		return warn("no hand-over configured: visits stay on the kiosk", "configure [sync.orca] or [sync.export]")
	}
	var parts []string
	if e := c.Export; e != nil {
		if err := unix.Access(e.Dir, unix.W_OK); err != nil {
			return fail("export folder "+e.Dir+" is not writable", "create it and give the kiosk's user write access")
		}
		parts = append(parts, "export to "+e.Dir)
	}
	if c.ORCA != nil {
		y, err := newSyncer(g, nil)
		if err != nil {
			return fail(err.Error(), "fix [sync.orca]")
		}
		codes, err := y.CheckCodes(ctx)
		if err != nil {
			return fail("ORCA "+y.ORCA.BaseURL+": "+err.Error(), "see `uketsuke sync check`")
		}
		if err := codes.Err(y.Visit); err != nil {
			return fail("ORCA "+y.ORCA.BaseURL+": "+err.Error(), "see `uketsuke sync check` for the codes ORCA knows")
		}
		parts = append(parts, "ORCA "+y.ORCA.BaseURL+" answers, codes known")
	}
	return ok(strings.Join(parts, "; "))
}

// checkSiteQueue looks at the shared queue of [queue] backend =
// "postgres": reachable, this kiosk's prefix its own, and how many of its
// visits have not reached it yet.
func checkSiteQueue(ctx context.Context, g *globals) checkResult {
	q := g.cfg.Queue
	if !q.site() {
		return ok("this kiosk's own store (several kiosks share one with [queue] backend = \"postgres\")")
	}
	p, err := sitequeue.Look(ctx, q.DSN, g.cfg.Reception.NumberPrefix)
	if err != nil {
		return fail(err.Error(), "check [queue] dsn, the network and PostgreSQL's pg_hba.conf; the kiosk goes on alone meanwhile and catches up")
	}
	switch {
	case p.Newer():
		return fail(fmt.Sprintf("PostgreSQL %s: the shared queue is from a newer Uketsuke (schema %d)", p.Server, p.Schema), "upgrade this kiosk to the version the others run")
	case p.PrefixOwner != "" && p.PrefixOwner != g.cfg.KioskID:
		return fail(fmt.Sprintf("PostgreSQL %s: number prefix %q is kiosk %s's", p.Server, g.cfg.Reception.NumberPrefix, p.PrefixOwner),
			"give each kiosk its own [reception] number_prefix; this kiosk pushes nothing until then")
	}
	detail := fmt.Sprintf("PostgreSQL %s answers, %d kiosks", p.Server, p.Kiosks)
	if p.Schema == 0 {
		detail = fmt.Sprintf("PostgreSQL %s answers; its tables are made at the first kiosk's start", p.Server)
	}
	if q.Link != "" && p.Schema > 0 {
		if p.Link == q.Link {
			detail += fmt.Sprintf("; desks reach it at %s for 目視確認 (%d desks registered)", q.Link, p.Desks)
		} else {
			detail += fmt.Sprintf("; its link %s is registered when the kiosk runs", q.Link)
		}
	}
	if st, err := openStore(g); err == nil {
		due, derr := st.SiteDue(ctx, 100_000)
		st.Close()
		if derr == nil && len(due) > 0 {
			detail += fmt.Sprintf("; %d visits of this kiosk not yet in it (they go within seconds while the kiosk runs)", len(due))
		}
	}
	return ok(detail)
}

func checkPrinter(ctx context.Context, g *globals) checkResult {
	if d := newPrinter(g.cfg).device; d != nil {
		return checkRawPrinter(ctx, d)
	}
	cmd := g.cfg.Reception.PrintCommand
	if len(cmd) == 0 {
		return warn("no printer: the number is shown on screen only", "set [reception] print_command")
	}
	p, err := exec.LookPath(cmd[0])
	if err != nil {
		return fail(cmd[0]+" not found", "install the print command or fix [reception] print_command")
	}
	queue := cupsQueue(cmd)
	if queue == "" {
		return ok("tickets go to " + p)
	}
	// A CUPS queue: ask CUPS whether the printer is there and enabled.
	out, err := exec.CommandContext(ctx, "lpstat", "-p", queue).CombinedOutput()
	status := strings.TrimSpace(string(out))
	switch {
	case errors.Is(err, exec.ErrNotFound):
		return ok("tickets go to " + p + " -d " + queue + " (lpstat is missing: the queue's state is unknown)")
	case err != nil || status == "":
		return fail("CUPS does not know the printer "+queue+": "+firstLine(status), "add the printer in CUPS (lpadmin) or fix -d in [reception] print_command")
	case strings.Contains(status, "disabled"):
		return fail("the printer "+queue+" is disabled: "+firstLine(status), "cupsenable "+queue+" after checking paper and cover")
	}
	return ok("tickets go to CUPS queue " + queue + ": " + firstLine(status))
}

// checkRawPrinter asks an ESC/POS printer for its status (a command
// device: whether the command is there).
func checkRawPrinter(ctx context.Context, d *prn.Device) checkResult {
	if d.Kind == prn.Command {
		if _, err := exec.LookPath(d.Argv[0]); err != nil {
			return fail(d.Argv[0]+" not found", "install it or fix [printer] device")
		}
		return ok("ESC/POS tickets go to " + d.String())
	}
	s, err := d.Status(ctx)
	switch {
	case err != nil:
		return fail(err.Error(), "check the printer's power and cable (or network), and that it speaks ESC/POS")
	case s.CoverOpen:
		return fail(d.String()+": cover open", "close the printer's cover")
	case s.PaperOut:
		return fail(d.String()+": paper out", "load a new paper roll")
	case !s.OK():
		return fail(d.String()+": "+s.String(), "see the printer's error light; switch it off and on")
	case s.PaperLow:
		return warn(d.String()+": ready, paper low", "have a new paper roll at hand")
	}
	return ok(d.String() + ": ready")
}

// cupsQueue is the queue an lp command line prints to ("lp -d NAME"), or
// "" for any other command.
func cupsQueue(cmd []string) string {
	if filepath.Base(cmd[0]) != "lp" {
		return ""
	}
	for i, a := range cmd[1:] {
		switch {
		case a == "-d" && i+2 < len(cmd):
			return cmd[i+2]
		case strings.HasPrefix(a, "-d") && len(a) > 2:
			return a[2:]
		}
	}
	return ""
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func checkBackup(_ context.Context, g *globals) checkResult {
	dir := g.cfg.Backup.Dir
	if dir == "" {
		return warn("no daily backup", "set [backup] dir (the package uses /var/lib/uketsuke/backup)")
	}
	if err := unix.Access(dir, unix.W_OK); err != nil {
		return fail(dir+" is missing or not writable", "create it, 0700, owned by the kiosk's user")
	}
	last, found := newestBackup(dir)
	switch {
	case !found:
		return warn("none in "+dir+" yet", "the kiosk makes one at start and then daily")
	case time.Since(last) > 48*time.Hour:
		return warn("the newest in "+dir+" is from "+last.Format("2006-01-02 15:04"), "is the kiosk running? see journalctl -u uketsuke-kiosk")
	}
	return ok(fmt.Sprintf("newest %s, %d kept at most", last.Format("2006-01-02 15:04"), g.cfg.Backup.Keep))
}
