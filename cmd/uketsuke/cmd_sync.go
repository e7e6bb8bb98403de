package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/uketsuke/uketsuke/clinic"
	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/storage"
)

func runSync(ctx context.Context, g *globals, args []string) error {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	backfill := fs.Bool("backfill", false, "run: first give every destination the events of the days from --since on that it lacks")
	since := fs.String("since", "", "with --backfill: the first business day, YYYY-MM-DD")
	args, err := parseFlags(g, fs, args)
	if err != nil {
		return err
	}
	if len(args) != 1 || !slices.Contains([]string{"run", "status", "check"}, args[0]) {
		return usageError{"want run, status or check"}
	}
	if *backfill != (*since != "") || (*backfill && args[0] != "run") {
		return usageError{"--backfill and --since go together, with run"}
	}
	if *since != "" {
		if _, err := time.Parse("2006-01-02", *since); err != nil {
			return usageError{fmt.Sprintf("--since %q: want YYYY-MM-DD", *since)}
		}
	}
	st, err := openStore(g)
	if err != nil {
		return err
	}
	defer st.Close()
	if args[0] == "status" {
		return syncStatus(ctx, g, st)
	}
	y, err := newSyncer(g, st)
	if err != nil {
		return err
	}
	if args[0] == "check" {
		return syncCheck(ctx, g, y)
	}
	if y == nil {
		return configError{errors.New("sync: neither [sync.orca] nor [sync.export] is configured")}
	}
	if *backfill {
		n, err := y.Backfill(ctx, *since)
		if err != nil {
			return err
		}
		for _, d := range slices.Sorted(maps.Keys(n)) {
			fmt.Fprintf(g.stdout, "backfill %s: %d events from %s on\n", d, n[d], *since)
		}
	}
	rep, err := lockedRun(ctx, g, y, "manual")
	if err != nil {
		return err
	}
	fmt.Fprintln(g.stdout, rep.String())
	if rep.Failed > 0 {
		return exitError{code: 1}
	}
	return nil
}

// syncCheck reaches ORCA, authenticates, lists its 診療科 and doctors and
// says whether the configured codes are among them. It sends nothing.
func syncCheck(ctx context.Context, g *globals, y *clinic.Syncer) error {
	if y == nil || y.ORCA == nil {
		return configError{errors.New("sync check: [sync.orca] is not configured")}
	}
	fmt.Fprintf(g.stdout, "ORCA %s (user %q)\n", y.ORCA.BaseURL, y.ORCA.User)
	c, err := y.CheckCodes(ctx)
	if err != nil {
		fmt.Fprintf(g.stdout, "could not read ORCA's code lists: %v\n%s\n", err, clinic.Advice(err.Error()))
		return exitError{code: 1}
	}
	w := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	for _, l := range []struct {
		title, key, code string
		list             []clinic.Code
		ok               bool
	}{
		{"診療科 (departments)", "department", y.Visit.Department, c.Departments, c.DepartmentOK},
		{"医師 (physicians)", "physician", y.Visit.Physician, c.Physicians, c.PhysicianOK},
	} {
		fmt.Fprintf(w, "%s:\n", l.title)
		for _, e := range l.list {
			mark := ""
			if e.Code == l.code {
				mark = "← configured"
			}
			fmt.Fprintf(w, "  %s\t%s\t%s\n", e.Code, e.Name, mark)
		}
		verdict := "ok"
		if !l.ok {
			verdict = "NOT LISTED by ORCA: fix [sync.orca] " + l.key
		}
		fmt.Fprintf(w, "[sync.orca] %s = %q: %s\n", l.key, l.code, verdict)
	}
	w.Flush()
	if err := c.Err(y.Visit); err != nil {
		return exitError{code: 1}
	}
	fmt.Fprintln(g.stdout, "ORCA is ready: `uketsuke sync run` hands the visits over (nothing was sent by this check)")
	return nil
}

// newSyncer builds the sync from the configuration; nil when none is set.
func newSyncer(g *globals, st *storage.Store) (*clinic.Syncer, error) {
	c := g.cfg.Sync
	if c.ORCA == nil && c.Export == nil {
		return nil, nil
	}
	y := &clinic.Syncer{Store: st, Log: g.log, Clock: kiosk.SystemClock{}}
	if o := c.ORCA; o != nil {
		client, err := clinic.NewORCA(o.ORCAConfig)
		if err != nil {
			return nil, configError{err}
		}
		y.ORCA = client
		y.Visit = clinic.ReceptionCodes{Department: o.Department, Physician: o.Physician, Medical: o.Medical, InsuranceCombo: o.InsuranceCombination}
	}
	if e := c.Export; e != nil {
		formats := e.Formats
		if len(formats) == 0 {
			formats = []string{clinic.FormatCSV, clinic.FormatJSONL}
		}
		mode, _ := e.fileMode() // validated with the configuration
		y.Export = &clinic.ExportOptions{Dir: e.Dir, Formats: formats, ShiftJIS: e.ShiftJIS, Mode: mode}
	}
	return y, nil
}

// errSyncBusy: another process (the kiosk's schedule, or another sync run)
// is sending right now.
var errSyncBusy = errors.New("a sync is already running")

// lockedRun runs the sync under <data dir>/sync.lock, so that two runs
// never send the same visit at once. The lock goes with the process, also
// when it is killed.
func lockedRun(ctx context.Context, g *globals, y *clinic.Syncer, trigger string) (clinic.Report, error) {
	return withSyncLock(ctx, g, y, func() (clinic.Report, error) { return y.Run(ctx, trigger) })
}

func withSyncLock(ctx context.Context, g *globals, y *clinic.Syncer, run func() (clinic.Report, error)) (clinic.Report, error) {
	dir, err := g.dataDir()
	if err != nil {
		return clinic.Report{}, err
	}
	f, err := os.OpenFile(filepath.Join(dir, "sync.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return clinic.Report{}, fmt.Errorf("sync lock: %w", err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return clinic.Report{}, errSyncBusy
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	rep, err := run()
	g.publishHead(ctx, y.Store)
	return rep, err
}

// PushInterval is how often the kiosk looks for visits to push to ORCA.
const pushInterval = 3 * time.Second

// pushSync sends new visits to ORCA during the day, seconds after their
// check-in (and a waiting one when its eligibility answer comes), while
// the nightly run stays the catch-up and the file export.
func pushSync(ctx context.Context, g *globals, y *clinic.Syncer) {
	if y == nil || y.ORCA == nil {
		return
	}
	every(ctx, pushInterval, func() {
		rep, err := withSyncLock(ctx, g, y, func() (clinic.Report, error) { return y.Push(ctx) })
		switch {
		case errors.Is(err, errSyncBusy), errors.Is(err, context.Canceled):
		case err != nil:
			g.log.Error("sync push failed", "err", err)
		case rep.Sent+rep.Cancelled+rep.Corrected+rep.Failed > 0:
			g.log.Info("sync push", "report", rep.String())
		}
	})
}

func syncStatus(ctx context.Context, g *globals, st *storage.Store) error {
	runs, err := st.Runs(ctx, 10)
	if err != nil {
		return err
	}
	pending, err := st.OutboxLen(ctx)
	if err != nil {
		return err
	}
	parked, err := st.Parked(ctx)
	if err != nil {
		return err
	}
	if h, m, ok, _ := g.cfg.Sync.nightly(); ok {
		n := clinic.Nightly{Hour: h, Minute: m}
		fmt.Fprintf(g.stdout, "schedule: every night at %s (Asia/Tokyo); next %s\n", g.cfg.Sync.Time, n.Next(time.Now()).Format("2006-01-02 15:04"))
	} else {
		fmt.Fprintln(g.stdout, "schedule: none (sync.time is not set)")
	}
	fmt.Fprintf(g.stdout, "pending: %d visit events to send, %d parked for staff\n", pending, len(parked))
	for _, p := range parked {
		fmt.Fprintf(g.stdout, "  parked: %s 受付 %s (%s to %s): %s\n    → %s\n", p.Day, p.Number, p.Event, p.Destination, p.Reason, clinic.Advice(p.Reason))
	}
	failing, err := st.Failing(ctx)
	if err != nil {
		return err
	}
	for _, p := range failing {
		fmt.Fprintf(g.stdout, "  failing repeatedly (%d attempts, still retried): %s 受付 %s (%s to %s): %s\n    → %s\n", p.Attempts, p.Day, p.Number, p.Event, p.Destination, p.Reason, clinic.Advice(p.Reason))
	}
	if n, err := st.Waiting(ctx, storage.DestORCA); err == nil && n > 0 {
		fmt.Fprintf(g.stdout, "waiting for an eligibility answer: %d (they go to ORCA when it comes; staff: 資格確認 again, or check the patient in by hand)\n", n)
	}
	w := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "RUN\tSTARTED\tFINISHED\tTRIGGER\tREPORT")
	for _, r := range runs {
		fin := r.FinishedAt
		if fin == "" {
			fin = "(did not finish)"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", r.ID, r.StartedAt, fin, r.Trigger, r.Report)
	}
	return w.Flush()
}

// scheduleSync runs the sync every night at sync.time, and once at start
// when the last night's run was missed. It returns when ctx ends.
func scheduleSync(ctx context.Context, g *globals, y *clinic.Syncer, st *storage.Store) {
	h, m, ok, _ := g.cfg.Sync.nightly()
	if !ok || y == nil {
		return
	}
	n := clinic.Nightly{Hour: h, Minute: m}
	run := func(trigger string) {
		rep, err := lockedRun(ctx, g, y, trigger)
		switch {
		case errors.Is(err, errSyncBusy):
			g.log.Info("sync skipped: another run is going on", "trigger", trigger)
		case err != nil:
			g.log.Error("sync run failed", "trigger", trigger, "err", err)
		default:
			g.log.Info("sync run", "trigger", trigger, "report", rep.String())
		}
	}
	if last, err := st.LastFinishedRun(ctx); err == nil && n.Missed(last, time.Now()) {
		run("catch-up")
	}
	for {
		wait := time.Until(n.Next(time.Now()))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
			run("schedule")
		}
	}
}
