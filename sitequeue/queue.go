package sitequeue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/storage"
)

// Queue is the shared queue as the desk and the waiting room see it: every
// kiosk's visits of a day, and the staff actions on them. An action
// changes the shared queue at once and is handed to the kiosk that owns
// the visit, which records it (and tells the clinic system of a
// cancellation) when it next answers.
type Queue struct {
	pool  *pgxpool.Pool
	clock kiosk.Clock
	log   *slog.Logger

	bg       context.Context // ends at Close: the listeners stop
	stop     context.CancelFunc
	wg       sync.WaitGroup
	migrated atomic.Bool
}

// Open connects to the shared queue at dsn and creates its tables when
// missing; a PostgreSQL that does not answer yet is tried again at each
// use (only a newer schema is refused). clock and log may be nil.
func Open(ctx context.Context, dsn string, clock kiosk.Clock, log *slog.Logger) (*Queue, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("site queue: [queue] dsn: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("site queue: %w", err)
	}
	if clock == nil {
		clock = kiosk.SystemClock{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	q := &Queue{pool: pool, clock: clock, log: log}
	q.bg, q.stop = context.WithCancel(context.Background())
	if err := q.ready(ctx); errors.Is(err, ErrNewerSchema) {
		pool.Close()
		return nil, err
	} else if err != nil {
		log.Warn("site queue: PostgreSQL does not answer yet; the desk serves as soon as it does", "err", err)
	}
	return q, nil
}

// ready makes sure the tables are there (once), so a desk started before
// PostgreSQL answers serves as soon as it does.
func (q *Queue) ready(ctx context.Context) error {
	if q.migrated.Load() {
		return nil
	}
	if err := q.migrate(ctx); err != nil {
		return err
	}
	q.migrated.Store(true)
	return nil
}

func (q *Queue) migrate(ctx context.Context) error {
	c, err := q.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("site queue: connect: %w", err)
	}
	defer c.Release()
	return Migrate(ctx, c.Conn())
}

// Close stops the listeners of Changes and closes the connections.
func (q *Queue) Close() {
	q.stop()
	q.wg.Wait()
	q.pool.Close()
}

// order is the queue's order: priority first, then check-in time as
// staff moved it, across every kiosk.
const order = `order by priority desc, pos, id`

// Queue returns the day's visits in queue order, numbers only.
func (q *Queue) Queue(ctx context.Context, day string) ([]storage.QueueEntry, error) {
	return rowsOf(ctx, q, "queue", `select number, status, priority, coalesce(called_at, ''), room
		from uketsuke.visits where business_day = $1 `+order, func(row pgx.CollectableRow) (storage.QueueEntry, error) {
		var e storage.QueueEntry
		var called string
		err := row.Scan(&e.Number, &e.Status, &e.Priority, &called, &e.Room)
		if called != "" {
			e.CalledAt, _ = time.Parse(storage.StampLayout, called)
		}
		return e, err
	}, day)
}

// rowsOf runs a read of the shared queue (its tables made first, see
// ready) and collects its rows with scan; no rows is a nil slice.
func rowsOf[T any](ctx context.Context, q *Queue, op, sql string, scan pgx.RowToFunc[T], args ...any) ([]T, error) {
	if err := q.ready(ctx); err != nil {
		return nil, err
	}
	rows, err := q.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	out, err := pgx.AppendRows([]T(nil), rows, scan)
	return out, wrap(op, err)
}

// FindPage returns the day and number of the visit whose waiting page
// token is token (storage.ErrNotFound for none).
func (q *Queue) FindPage(ctx context.Context, token string) (day, number string, err error) {
	if token == "" {
		return "", "", storage.ErrNotFound
	}
	if err := q.ready(ctx); err != nil {
		return "", "", err
	}
	err = q.pool.QueryRow(ctx, `select business_day, number from uketsuke.visits where page_token = $1`, token).Scan(&day, &number)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", storage.ErrNotFound
	}
	return day, number, wrap("find page", err)
}

// List returns the day's visits of every kiosk, in queue order, with what
// the kiosks know of each patient (for staff only).
func (q *Queue) List(ctx context.Context, day string) ([]storage.VisitRow, error) {
	return rowsOf(ctx, q, "list", `select id, created_at, business_day, kiosk_id, number, status, path, auth, name_check,
		cert_notice, coalesce(eligibility, ''), coalesce(patient, ''), purged from uketsuke.visits where business_day = $1 `+order,
		func(row pgx.CollectableRow) (storage.VisitRow, error) {
			var r storage.VisitRow
			var elig, patient string
			if err := row.Scan(&r.ID, &r.CreatedAt, &r.BusinessDay, &r.KioskID, &r.Number, &r.Status, &r.Path, &r.Auth,
				&r.NameCheck, &r.CertNotice, &elig, &patient, &r.Purged); err != nil {
				return r, err
			}
			if elig != "" {
				r.Eligibility = &kiosk.EligibilityResult{}
				if err := json.Unmarshal([]byte(elig), r.Eligibility); err != nil {
					return r, fmt.Errorf("visit %s: eligibility: %w", r.ID, err)
				}
			}
			if patient != "" {
				r.Patient = &kiosk.PatientDetails{}
				if err := json.Unmarshal([]byte(patient), r.Patient); err != nil {
					return r, fmt.Errorf("visit %s: patient: %w", r.ID, err)
				}
			}
			return r, nil
		}, day)
}

// Call calls the visit with number on day to room, audited (by its
// kiosk) as actor.
func (q *Queue) Call(ctx context.Context, day, number, room, actor string) error {
	return q.act(ctx, day, number, actor, storage.SiteCall, room, func(tx pgx.Tx, id, old, now string) error {
		if old == storage.StatusDone || old == storage.StatusCancelled {
			return fmt.Errorf("call: %w: the visit is %s", storage.ErrNotAllowed, old)
		}
		_, err := tx.Exec(ctx, `update uketsuke.visits set status = 'called', called_at = $2, room = $3 where id = $1`, id, now, room)
		return err
	})
}

// SetStatus sets the status of the visit with number on day (waiting,
// done, cancelled or called).
func (q *Queue) SetStatus(ctx context.Context, day, number, status, actor string) error {
	switch status {
	case storage.StatusCalled:
		return q.Call(ctx, day, number, "", actor)
	case storage.StatusWaiting, storage.StatusDone, storage.StatusCancelled:
	default:
		return fmt.Errorf("set status: %q is not a status staff can set", status)
	}
	return q.act(ctx, day, number, actor, storage.SiteStatus, status, func(tx pgx.Tx, id, _, _ string) error {
		_, err := tx.Exec(ctx, `update uketsuke.visits set status = $2 where id = $1`, id, status)
		return err
	})
}

// SetPriority gives the visit priority or takes it away.
func (q *Queue) SetPriority(ctx context.Context, day, number string, priority bool, actor string) error {
	arg := "off"
	if priority {
		arg = "on"
	}
	return q.act(ctx, day, number, actor, storage.SitePriority, arg, func(tx pgx.Tx, id, _, _ string) error {
		_, err := tx.Exec(ctx, `update uketsuke.visits set priority = $2 where id = $1`, id, priority)
		return err
	})
}

// MoveUp moves a waiting visit one place up the site's queue (among the
// visits of its priority). The order is the site's alone: no kiosk keeps
// it.
func (q *Queue) MoveUp(ctx context.Context, day, number, actor string) error {
	return q.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `select pg_advisory_xact_lock(7712)`); err != nil {
			return err
		}
		var id string
		var pos float64
		var priority bool
		err := tx.QueryRow(ctx, `select id, pos, priority from uketsuke.visits where business_day = $1 and number = $2 and status = 'waiting'`,
			day, number).Scan(&id, &pos, &priority)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("move up %s on %s: %w", number, day, storage.ErrNotFound)
		}
		if err != nil {
			return err
		}
		var prev string
		var prevPos float64
		err = tx.QueryRow(ctx, `select id, pos from uketsuke.visits where business_day = $1 and status = 'waiting'
			and priority = $2 and (pos, id) < ($3, $4) order by pos desc, id desc limit 1`, day, priority, pos, id).Scan(&prev, &prevPos)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // already first
		}
		if err != nil {
			return err
		}
		if prevPos == pos { // equal places: make room
			prevPos = pos - 1
		}
		if _, err := tx.Exec(ctx, `update uketsuke.visits set pos = case when id = $1 then $2::double precision else $3::double precision end
			where id in ($1, $4)`, id, prevPos, pos, prev); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `select pg_notify($1, 'desk')`, chanQueue); err != nil {
			return err
		}
		q.log.Info("site queue: moved up", "staff", actor, "visit", id)
		return nil
	})
}

// OpenAlerts lists the alerts of every kiosk not yet closed, oldest
// first; their ids are the shared queue's.
func (q *Queue) OpenAlerts(ctx context.Context) ([]storage.Alert, error) {
	return rowsOf(ctx, q, "open alerts", `select id, kiosk_id, reason, raised_at from uketsuke.alerts where cleared_at is null order by id`,
		func(row pgx.CollectableRow) (storage.Alert, error) {
			var a storage.Alert
			var at string
			err := row.Scan(&a.ID, &a.KioskID, &a.Reason, &at)
			a.Raised, _ = time.Parse(storage.StampLayout, at)
			return a, err
		})
}

// TakeAlert closes alert id at once and hands it to its kiosk, which
// closes its own and audits it with actor.
func (q *Queue) TakeAlert(ctx context.Context, id int64, actor string) error {
	return q.inTx(ctx, func(tx pgx.Tx) error {
		now := q.clock.Now().UTC().Format(storage.StampLayout)
		var kioskID string
		var local int64
		err := tx.QueryRow(ctx, `update uketsuke.alerts set cleared_at = $2, cleared_by = $3 where id = $1 and cleared_at is null
			returning kiosk_id, local_id`, id, now, actor).Scan(&kioskID, &local)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("alert %d: %w", id, storage.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `insert into uketsuke.actions (kiosk_id, action, arg, actor, at) values ($1, $2, $3, $4, $5)`,
			kioskID, storage.SiteTakeAlert, fmt.Sprint(local), actor, now); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `select pg_notify($1, $2), pg_notify($3, $2)`, chanActions, kioskID, chanQueue)
		return err
	})
}

// KioskStatuses lists every kiosk's last device report, by kiosk.
func (q *Queue) KioskStatuses(ctx context.Context) ([]storage.KioskStatus, error) {
	return rowsOf(ctx, q, "kiosk status", `select kiosk_id, updated_at, devices from uketsuke.kiosk_status order by kiosk_id`,
		func(row pgx.CollectableRow) (storage.KioskStatus, error) {
			var k storage.KioskStatus
			var at, devices string
			err := row.Scan(&k.KioskID, &at, &devices)
			k.Updated, _ = time.Parse(storage.StampLayout, at)
			k.Devices = []byte(devices)
			return k, err
		})
}

// Reports returns every kiosk's Report as it last pushed it, in kiosk id
// order.
func (q *Queue) Reports(ctx context.Context) ([]Report, error) {
	return rowsOf(ctx, q, "kiosk reports", `select kiosk_id, report from uketsuke.kiosk_reports order by kiosk_id`,
		func(row pgx.CollectableRow) (Report, error) {
			var r Report
			var report string
			if err := row.Scan(&r.KioskID, &report); err != nil {
				return r, err
			}
			if err := json.Unmarshal([]byte(report), &r); err != nil {
				return r, fmt.Errorf("the report of %s: %w", r.KioskID, err)
			}
			return r, nil
		})
}

// act changes the visit with number on day in the shared queue through
// change (given its id, old status and the time now) and hands the
// action to the kiosk that owns it, in one transaction.
func (q *Queue) act(ctx context.Context, day, number, actor, action, arg string, change func(tx pgx.Tx, id, old, now string) error) error {
	return q.inTx(ctx, func(tx pgx.Tx) error {
		var id, kioskID, old string
		err := tx.QueryRow(ctx, `select id, kiosk_id, status from uketsuke.visits where business_day = $1 and number = $2 for update`,
			day, number).Scan(&id, &kioskID, &old)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%s %s on %s: %w", action, number, day, storage.ErrNotFound)
		}
		if err != nil {
			return err
		}
		now := q.clock.Now().UTC().Format(storage.StampLayout)
		if err := change(tx, id, old, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `insert into uketsuke.actions (kiosk_id, visit_id, action, arg, actor, at) values ($1, $2, $3, $4, $5, $6)`,
			kioskID, id, action, arg, actor, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `select pg_notify($1, $2), pg_notify($3, $2)`, chanActions, kioskID, chanQueue); err != nil {
			return err
		}
		return nil
	})
}

func (q *Queue) inTx(ctx context.Context, f func(tx pgx.Tx) error) error {
	if err := q.ready(ctx); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, q.pool, f)
	if err != nil && !errors.Is(err, storage.ErrNotFound) && !errors.Is(err, storage.ErrNotAllowed) {
		return fmt.Errorf("site queue: %w", err)
	}
	return err
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("site queue: %s: %w", op, err)
}

// Changes signals on the returned channel whenever the shared queue
// changed (LISTEN), once at the start, every 5 s in any case (a missed
// notification while reconnecting is caught up), and closes when ctx
// ends. It holds one signal: a slow reader misses none.
func (q *Queue) Changes(ctx context.Context) <-chan struct{} {
	ch := make(chan struct{}, 1)
	signal := func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	signal()
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(q.bg, cancel)
	q.wg.Add(1)
	go func() {
		defer q.wg.Done()
		defer stop()
		defer cancel()
		defer close(ch)
		wait := time.Second
		for ctx.Err() == nil {
			err := q.listen(ctx, signal)
			if ctx.Err() != nil {
				return
			}
			q.log.Warn("site queue: listening for changes failed; looking every 5 s until it answers", "err", err)
			signal()
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			wait = min(2*wait, 5*time.Second)
		}
	}()
	return ch
}

// listen passes notifications on until the connection fails; every 5 s
// without one it signals anyway.
func (q *Queue) listen(ctx context.Context, signal func()) error {
	c, err := q.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer c.Release()
	conn := c.Conn()
	if _, err := conn.Exec(ctx, "listen "+chanQueue); err != nil {
		return err
	}
	defer func() {
		// the connection goes back to the pool: stop listening, or close it
		if _, err := conn.Exec(context.Background(), "unlisten *"); err != nil {
			_ = conn.Close(context.Background())
		}
	}()
	signal() // changes made while not listening
	for {
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			signal()
		case ctx.Err() != nil:
			return ctx.Err()
		case wctx.Err() != nil && conn.IsClosed():
			return err
		case wctx.Err() != nil:
			signal()
		default:
			return err
		}
	}
}
