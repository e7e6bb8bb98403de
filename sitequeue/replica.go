package sitequeue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/uketsuke/uketsuke/storage"
)

// Local is the kiosk's own store as the replica needs it
// (storage.Store).
type Local interface {
	SiteDue(ctx context.Context, limit int) ([]storage.SiteRow, error)
	SitePushed(ctx context.Context, id string, version int64) error
	ApplySiteAction(ctx context.Context, a storage.SiteAction) (string, error)
	OpenAlerts(ctx context.Context) ([]storage.Alert, error)
	KioskStatuses(ctx context.Context) ([]storage.KioskStatus, error)
	Runs(ctx context.Context, n int) ([]storage.SyncRun, error)
	Parked(ctx context.Context) ([]storage.ParkedEvent, error)
	Failing(ctx context.Context) ([]storage.ParkedEvent, error)
	RecentAudit(ctx context.Context, n int) ([]storage.AuditRow, error)
}

// ErrPrefixTaken: another kiosk issues numbers from this kiosk's prefix;
// the site's numbers would not be unique, so nothing is pushed.
var ErrPrefixTaken = errors.New("the number prefix is another kiosk's")

// Replica keeps one kiosk's visits in the shared queue and applies the
// desk's actions on them to the kiosk's store.
type Replica struct {
	DSN     string
	KioskID string
	Prefix  string // the kiosk's [reception] number_prefix
	// Link is where desks reach this kiosk for 目視確認 ("" for none).
	Link  Link
	Local Local
	// Changed signals a change in the local store (storage.Store.Changes);
	// without it the local store is looked at every second.
	Changed <-chan struct{}
	Log     *slog.Logger // nil: discarded

	mu     sync.Mutex
	status Status
	sent   string // the alerts and device report last pushed, this session
}

// Status is how the replica stands, for doctor and the staff screen.
type Status struct {
	Connected bool
	LastSync  time.Time // the last pass that reached PostgreSQL
	Err       string    // the last failure, "" after a good pass
}

// Status returns how the replica stands now.
func (r *Replica) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status
}

func (r *Replica) setStatus(connected bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status.Connected = connected
	if err != nil {
		r.status.Err = err.Error()
		return
	}
	r.status.Err = ""
	r.status.LastSync = time.Now()
}

func (r *Replica) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Batch sizes of one pass.
const (
	pushBatch   = 200
	actionBatch = 100
)

// Run keeps the shared queue current until ctx ends: a pass at start, at
// every local change, at every desk action for this kiosk and every 5 s;
// after a failure it connects again, waiting 1 s doubling to 30 s. The
// kiosk's store is never blocked by it.
func (r *Replica) Run(ctx context.Context) {
	wait, failing := time.Second, false
	for {
		connected, err := r.session(ctx)
		if ctx.Err() != nil {
			return
		}
		r.setStatus(false, err)
		if connected {
			wait = time.Second
		}
		switch {
		case !connected && failing:
			r.log().Debug("site queue: still failing", "err", err)
		case errors.Is(err, ErrPrefixTaken):
			r.log().Error("site queue: nothing is pushed until this kiosk has a prefix of its own", "err", err)
		default:
			r.log().Error("site queue: PostgreSQL unreachable; the kiosk goes on alone and catches up when it answers", "err", err)
		}
		failing = true
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
}

// session is one connection's life: claim the prefix, listen, pass until
// a failure. connected says whether it got as far as a good pass.
func (r *Replica) session(ctx context.Context) (connected bool, err error) {
	conn, err := connect(ctx, r.DSN)
	if err != nil {
		return false, err
	}
	defer conn.Close(context.Background())
	listen, err := connect(ctx, r.DSN)
	if err != nil {
		return false, err
	}
	defer listen.Close(context.Background())
	if err := Migrate(ctx, conn); err != nil {
		return false, err
	}
	if err := claim(ctx, conn, r.KioskID, r.Prefix, r.Link); err != nil {
		return false, err
	}
	if _, err := listen.Exec(ctx, "listen "+chanActions); err != nil {
		return false, fmt.Errorf("site queue: listen: %w", err)
	}
	r.sent = ""
	sctx, cancel := context.WithCancel(ctx)
	wake := make(chan struct{}, 1)
	listenErr := make(chan error, 1)
	listening := make(chan struct{})
	// The listener ends before its connection is closed (deferred above).
	defer func() { cancel(); <-listening }()
	go func() {
		defer close(listening)
		for {
			n, err := listen.WaitForNotification(sctx)
			if err != nil {
				listenErr <- fmt.Errorf("site queue: waiting for desk actions: %w", err)
				return
			}
			if n.Payload == r.KioskID {
				select {
				case wake <- struct{}{}:
				default:
				}
			}
		}
	}()
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	local := r.Changed
	var poll <-chan time.Time
	if local == nil {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		poll = t.C
	}
	for {
		if err := r.pass(ctx, conn); err != nil {
			return connected, err
		}
		if !connected {
			r.log().Info("site queue: connected; the kiosk's visits are in the shared queue", "kiosk", r.KioskID)
		}
		connected = true
		r.setStatus(true, nil)
		select {
		case <-ctx.Done():
			return true, ctx.Err()
		case err := <-listenErr:
			return true, err
		case <-wake:
		case <-local:
		case <-poll:
		case <-tick.C:
		}
	}
}

// connect opens one connection, with a short timeout so a dead server is
// noticed.
func connect(ctx context.Context, dsn string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("site queue: [queue] dsn: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 5 * time.Second
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("site queue: connect: %w", err)
	}
	return conn, nil
}

// claim records the kiosk, its prefix and its link; a prefix held by
// another kiosk is ErrPrefixTaken.
func claim(ctx context.Context, conn *pgx.Conn, kioskID, prefix string, link Link) error {
	_, err := conn.Exec(ctx, `insert into uketsuke.kiosks (kiosk_id, prefix, link_addr, link_cert) values ($1, $2, nullif($3, ''), nullif($4, ''))
		on conflict (kiosk_id) do update set prefix = excluded.prefix, link_addr = excluded.link_addr,
		link_cert = excluded.link_cert, seen_at = now()`, kioskID, prefix, link.Addr, link.Cert)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		var other string
		_ = conn.QueryRow(ctx, `select kiosk_id from uketsuke.kiosks where prefix = $1`, prefix).Scan(&other)
		return fmt.Errorf("site queue: %w: prefix %q is kiosk %s's; give each kiosk its own [reception] number_prefix", ErrPrefixTaken, prefix, other)
	}
	if err != nil {
		return fmt.Errorf("site queue: register the kiosk: %w", err)
	}
	return nil
}

// pass applies the desk's actions for this kiosk, then pushes every
// local change, until neither has more.
func (r *Replica) pass(ctx context.Context, conn *pgx.Conn) error {
	for {
		applied, err := r.applyActions(ctx, conn)
		if err != nil {
			return err
		}
		pushed, err := r.push(ctx, conn)
		if err != nil {
			return err
		}
		if applied < actionBatch && pushed < pushBatch {
			return r.pushKiosk(ctx, conn)
		}
	}
}

// applyActions applies the desk's pending actions on this kiosk's visits,
// each once: the kiosk's store records it applied before PostgreSQL is
// told, so a retry finds it applied.
func (r *Replica) applyActions(ctx context.Context, conn *pgx.Conn) (int, error) {
	rows, err := conn.Query(ctx, `select id, coalesce(visit_id, ''), action, arg, actor, at from uketsuke.actions
		where kiosk_id = $1 and applied_at is null order by id limit $2`, r.KioskID, actionBatch)
	if err != nil {
		return 0, fmt.Errorf("site queue: desk actions: %w", err)
	}
	var as []storage.SiteAction
	for rows.Next() {
		var a storage.SiteAction
		var at string
		if err := rows.Scan(&a.ID, &a.VisitID, &a.Action, &a.Arg, &a.Actor, &at); err != nil {
			rows.Close()
			return 0, fmt.Errorf("site queue: desk actions: %w", err)
		}
		a.At, _ = time.Parse(storage.StampLayout, at)
		as = append(as, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("site queue: desk actions: %w", err)
	}
	for _, a := range as {
		outcome, err := r.Local.ApplySiteAction(ctx, a)
		if err != nil {
			return 0, err
		}
		if outcome == storage.SiteRefused {
			r.log().Warn("site queue: a desk action was refused by the kiosk's record; its record goes back to the desk",
				"action", a.ID, "visit", a.VisitID, "what", a.Action)
		}
		if _, err := conn.Exec(ctx, `update uketsuke.actions set applied_at = now(), outcome = $2 where id = $1`, a.ID, outcome); err != nil {
			return 0, fmt.Errorf("site queue: desk action %d applied: %w", a.ID, err)
		}
	}
	return len(as), nil
}

// upsert writes a kiosk's row. A row the desk changed after the kiosk's
// last version (an action not yet applied by the kiosk) keeps the desk's
// state until the kiosk has applied it and pushes again.
const upsert = `insert into uketsuke.visits (id, kiosk_id, business_day, number, seq, created_at, status, priority,
	called_at, room, pos, page_token, path, auth, name_check, cert_notice, eligibility, patient, purged, kiosk_version)
values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
on conflict (id) do update set status = excluded.status, priority = excluded.priority, called_at = excluded.called_at,
	room = excluded.room, name_check = excluded.name_check, cert_notice = excluded.cert_notice,
	eligibility = excluded.eligibility, patient = excluded.patient, purged = excluded.purged,
	kiosk_version = excluded.kiosk_version
where uketsuke.visits.kiosk_version < excluded.kiosk_version
	and not exists (select 1 from uketsuke.actions a where a.visit_id = excluded.id and a.applied_at is null)`

// push writes the local rows not yet in the shared queue in one
// transaction, then marks them pushed at the versions written.
func (r *Replica) push(ctx context.Context, conn *pgx.Conn) (int, error) {
	due, err := r.Local.SiteDue(ctx, pushBatch)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	for i := range due {
		if due[i].KioskID != r.KioskID {
			return 0, fmt.Errorf("site queue: visit %s is kiosk %s's, not this kiosk's (%s): was the store copied from another kiosk?",
				due[i].ID, due[i].KioskID, r.KioskID)
		}
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("site queue: push: %w", err)
	}
	defer tx.Rollback(ctx)
	b := &pgx.Batch{}
	for _, v := range due {
		b.Queue(upsert, rowArgs(v)...)
	}
	b.Queue(`select pg_notify($1, $2)`, chanQueue, r.KioskID)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" {
			return 0, fmt.Errorf("site queue: %w: a number of this kiosk's is already in the site queue as another visit (%s); give each kiosk its own [reception] number_prefix",
				ErrPrefixTaken, pe.Detail)
		}
		return 0, fmt.Errorf("site queue: push: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("site queue: push: %w", err)
	}
	for _, v := range due {
		if err := r.Local.SitePushed(ctx, v.ID, v.Version); err != nil {
			return 0, err
		}
	}
	return len(due), nil
}

// How much of a kiosk's record the desk sees: its latest sync runs and
// audit rows.
const (
	reportRuns  = 10
	reportAudit = 100
)

// Report is what a kiosk tells the desk of itself: its hand-over to the
// clinic system (the latest runs, the deliveries parked and those being
// retried, with the clinic system's words) and its latest audit rows (no
// personal data: actors, actions, visit ids).
type Report struct {
	KioskID string                `json:"-"` // the shared queue's key
	Runs    []storage.SyncRun     `json:"runs"`
	Parked  []storage.ParkedEvent `json:"parked"`
	Failing []storage.ParkedEvent `json:"failing"`
	Audit   []storage.AuditRow    `json:"audit"`
}

func (r *Replica) report(ctx context.Context) ([]byte, error) {
	var rep Report
	var err error
	if rep.Runs, err = r.Local.Runs(ctx, reportRuns); err != nil {
		return nil, err
	}
	if rep.Parked, err = r.Local.Parked(ctx); err != nil {
		return nil, err
	}
	if rep.Failing, err = r.Local.Failing(ctx); err != nil {
		return nil, err
	}
	if rep.Audit, err = r.Local.RecentAudit(ctx, reportAudit); err != nil {
		return nil, err
	}
	return json.Marshal(rep)
}

// pushKiosk brings the kiosk's open alerts, its device report and its
// Report into the shared queue when they changed: new alerts are
// added, alerts closed here are closed there.
func (r *Replica) pushKiosk(ctx context.Context, conn *pgx.Conn) error {
	all, err := r.Local.OpenAlerts(ctx)
	if err != nil {
		return err
	}
	var alerts []storage.Alert
	ids := []int64{}
	for _, a := range all {
		if a.KioskID == r.KioskID {
			alerts, ids = append(alerts, a), append(ids, a.ID)
		}
	}
	statuses, err := r.Local.KioskStatuses(ctx)
	if err != nil {
		return err
	}
	var status *storage.KioskStatus
	for i := range statuses {
		if statuses[i].KioskID == r.KioskID {
			status = &statuses[i]
		}
	}
	report, err := r.report(ctx)
	if err != nil {
		return err
	}
	sent := fmt.Sprint(ids) + string(report)
	if status != nil {
		sent += status.Updated.String()
	}
	if sent == r.sent {
		return nil
	}
	b := &pgx.Batch{}
	for _, a := range alerts {
		b.Queue(`insert into uketsuke.alerts (kiosk_id, local_id, reason, raised_at) values ($1, $2, $3, $4)
			on conflict (kiosk_id, local_id) do nothing`, r.KioskID, a.ID, a.Reason, a.Raised.UTC().Format(storage.StampLayout))
	}
	b.Queue(`update uketsuke.alerts set cleared_at = $3, cleared_by = coalesce(cleared_by, 'kiosk')
		where kiosk_id = $1 and cleared_at is null and not (local_id = any($2))`, r.KioskID, ids, time.Now().UTC().Format(storage.StampLayout))
	if status != nil {
		b.Queue(`insert into uketsuke.kiosk_status (kiosk_id, updated_at, devices) values ($1, $2, $3)
			on conflict (kiosk_id) do update set updated_at = excluded.updated_at, devices = excluded.devices`,
			r.KioskID, status.Updated.UTC().Format(storage.StampLayout), string(status.Devices))
	}
	b.Queue(`insert into uketsuke.kiosk_reports (kiosk_id, updated_at, report) values ($1, $2, $3)
		on conflict (kiosk_id) do update set updated_at = excluded.updated_at, report = excluded.report`,
		r.KioskID, time.Now().UTC().Format(storage.StampLayout), string(report))
	b.Queue(`select pg_notify($1, $2)`, chanQueue, r.KioskID)
	if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error { return tx.SendBatch(ctx, b).Close() }); err != nil {
		return fmt.Errorf("site queue: alerts, device and sync reports: %w", err)
	}
	r.sent = sent
	return nil
}

// rowArgs are upsert's arguments for v.
func rowArgs(v storage.SiteRow) []any {
	var pos float64
	if t, err := time.Parse(storage.StampLayout, v.CreatedAt); err == nil {
		pos = float64(t.UnixMilli())
	}
	var elig, patient *string
	if v.Eligibility != nil {
		elig = jsonText(v.Eligibility)
	}
	if v.Patient != nil {
		patient = jsonText(v.Patient)
	}
	return []any{v.ID, v.KioskID, v.BusinessDay, v.Number, v.Seq, v.CreatedAt, v.Status, v.Priority,
		nullText(v.CalledAt), v.Room, pos, nullText(v.PageToken), v.Path, v.Auth, v.NameCheck, v.CertNotice,
		elig, patient, v.Purged, v.Version}
}

func nullText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// jsonText is v as JSON text.
func jsonText(v any) *string {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	s := string(b)
	return &s
}
