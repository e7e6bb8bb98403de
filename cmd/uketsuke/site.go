package main

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/uketsuke/uketsuke/sitequeue"
	"github.com/uketsuke/uketsuke/storage"
)

// startReplica keeps this kiosk's visits in the site's shared queue
// ([queue] backend = "postgres") until ctx ends; nil when the queue is the
// kiosk's own. It never blocks the kiosk: PostgreSQL away, it catches up
// later.
func startReplica(ctx context.Context, g *globals, st *storage.Store, link *kioskLink) *sitequeue.Replica {
	if !g.cfg.Queue.site() {
		return nil
	}
	r := &sitequeue.Replica{
		DSN: g.cfg.Queue.DSN, KioskID: g.cfg.KioskID, Prefix: g.cfg.Reception.NumberPrefix,
		Local: st, Changed: st.Changes(ctx, 100*time.Millisecond), Log: g.log,
	}
	if link != nil {
		r.Link = link.reg
	}
	go r.Run(ctx)
	return r
}

// settleReplica waits up to d for every visit of st to be in the site
// queue and returns how many are not.
func settleReplica(ctx context.Context, st *storage.Store, d time.Duration) (int, error) {
	deadline := time.Now().Add(d)
	for {
		due, err := st.SiteDue(ctx, 100_000)
		if err != nil || len(due) == 0 || time.Now().After(deadline) {
			return len(due), err
		}
		select {
		case <-ctx.Done():
			return len(due), ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// siteDesk is the desk's store with the site's shared queue: the queue,
// its actions, every kiosk's alerts, device reports, hand-over and audit
// from PostgreSQL; staff and the desk's own audit from the desk machine's
// store.
type siteDesk struct {
	*storage.Store
	site *sitequeue.Queue
}

func (d siteDesk) List(ctx context.Context, day string) ([]storage.VisitRow, error) {
	return d.site.List(ctx, day)
}

func (d siteDesk) Queue(ctx context.Context, day string) ([]storage.QueueEntry, error) {
	return d.site.Queue(ctx, day)
}

func (d siteDesk) Call(ctx context.Context, day, number, room, actor string) error {
	return d.site.Call(ctx, day, number, room, actor)
}

func (d siteDesk) SetStatus(ctx context.Context, day, number, status, actor string) error {
	return d.site.SetStatus(ctx, day, number, status, actor)
}

func (d siteDesk) MoveUp(ctx context.Context, day, number, actor string) error {
	return d.site.MoveUp(ctx, day, number, actor)
}

func (d siteDesk) SetPriority(ctx context.Context, day, number string, priority bool, actor string) error {
	return d.site.SetPriority(ctx, day, number, priority, actor)
}

func (d siteDesk) OpenAlerts(ctx context.Context) ([]storage.Alert, error) {
	return d.site.OpenAlerts(ctx)
}

func (d siteDesk) TakeAlert(ctx context.Context, id int64, actor string) error {
	return d.site.TakeAlert(ctx, id, actor)
}

func (d siteDesk) KioskStatuses(ctx context.Context) ([]storage.KioskStatus, error) {
	return d.site.KioskStatuses(ctx)
}

// Runs are the latest n sync runs of all the kiosks, newest first.
func (d siteDesk) Runs(ctx context.Context, n int) ([]storage.SyncRun, error) {
	runs, err := fromReports(ctx, d, func(r sitequeue.Report) []storage.SyncRun { return r.Runs })
	slices.SortStableFunc(runs, func(a, b storage.SyncRun) int { return strings.Compare(b.StartedAt, a.StartedAt) })
	return runs[:min(n, len(runs))], err
}

// Parked are every kiosk's deliveries waiting for staff.
func (d siteDesk) Parked(ctx context.Context) ([]storage.ParkedEvent, error) {
	return fromReports(ctx, d, func(r sitequeue.Report) []storage.ParkedEvent { return r.Parked })
}

// Failing are every kiosk's deliveries being retried after many failures.
func (d siteDesk) Failing(ctx context.Context) ([]storage.ParkedEvent, error) {
	return fromReports(ctx, d, func(r sitequeue.Report) []storage.ParkedEvent { return r.Failing })
}

// RecentAudit is the newest n rows of the desk machine's own audit and of
// every kiosk's, newest first (a kiosk on the desk's machine once).
func (d siteDesk) RecentAudit(ctx context.Context, n int) ([]storage.AuditRow, error) {
	rows, err := d.Store.RecentAudit(ctx, n)
	if err != nil {
		return nil, err
	}
	theirs, err := fromReports(ctx, d, func(r sitequeue.Report) []storage.AuditRow { return r.Audit })
	type key struct {
		kiosk string
		id    int64
	}
	seen := map[key]bool{}
	for _, a := range rows {
		seen[key{a.KioskID, a.ID}] = true
	}
	for _, a := range theirs {
		if k := (key{a.KioskID, a.ID}); !seen[k] {
			seen[k] = true
			rows = append(rows, a)
		}
	}
	slices.SortStableFunc(rows, func(a, b storage.AuditRow) int { return strings.Compare(b.At, a.At) })
	return rows[:min(n, len(rows))], err
}

// fromReports gathers part of every kiosk's report, in kiosk id order.
func fromReports[T any](ctx context.Context, d siteDesk, part func(sitequeue.Report) []T) ([]T, error) {
	reps, err := d.site.Reports(ctx)
	var out []T
	for _, r := range reps {
		out = append(out, part(r)...)
	}
	return out, err
}
