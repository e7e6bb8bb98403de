package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/uketsuke/uketsuke/clinic"
	"github.com/uketsuke/uketsuke/storage"
)

func runSync(ctx context.Context, g *globals, args []string) error {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	args, err := parseFlags(g, fs, args)
	if err != nil {
		return err
	}
	if len(args) != 1 || (args[0] != "run" && args[0] != "status") {
		return usageError{"want run or status"}
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
	if y == nil {
		return configError{errors.New("sync: neither [sync.orca] nor [sync.export] is configured")}
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

// newSyncer builds the sync from the configuration; nil when none is set.
func newSyncer(g *globals, st *storage.Store) (*clinic.Syncer, error) {
	c := g.cfg.Sync
	if c.ORCA == nil && c.Export == nil {
		return nil, nil
	}
	y := &clinic.Syncer{Store: st, Log: g.log}
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
	rep, err := y.Run(ctx, trigger)
	g.publishHead(ctx, y.Store)
	return rep, err
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
	for k, reason := range parked {
		fmt.Fprintf(g.stdout, "  parked %s: %s\n", k, reason)
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
