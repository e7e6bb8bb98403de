package storage

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
)

// newPageToken is a visit's waiting-page token: 144 random bits,
// URL-safe.
func newPageToken() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// QueueEntry is one visit as the waiting room may see it: its number and
// where it is in the queue, nothing about the patient.
type QueueEntry struct {
	Number   string
	Status   string // waiting, called, done, cancelled, eligibility-pending
	Priority bool
	CalledAt time.Time // zero unless called
	Room     string    // where it was called to
}

// Queue returns the day's visits in queue order: priority first, then
// check-in order as staff moved it.
func (s *Store) Queue(ctx context.Context, day string) ([]QueueEntry, error) {
	rows, err := s.db.QueryContext(ctx, `select number, status, priority, called_at, room from visits
		where business_day = ? order by priority desc, coalesce(queue_pos, seq), kiosk_id`, day)
	if err != nil {
		return nil, wrapDB("queue", err)
	}
	defer rows.Close()
	var out []QueueEntry
	for rows.Next() {
		var e QueueEntry
		var called sql.NullString
		if err := rows.Scan(&e.Number, &e.Status, &e.Priority, &called, &e.Room); err != nil {
			return nil, wrapDB("queue", err)
		}
		if called.Valid {
			e.CalledAt, _ = time.Parse(StampLayout, called.String)
		}
		out = append(out, e)
	}
	return out, wrapDB("queue", rows.Err())
}

// FindPage returns the business day and number of the visit whose
// waiting page token is token (ErrNotFound for none).
func (s *Store) FindPage(ctx context.Context, token string) (day, number string, err error) {
	if token == "" {
		return "", "", ErrNotFound
	}
	err = s.db.QueryRowContext(ctx, `select business_day, number from visits where page_token = ?`, token).Scan(&day, &number)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", ErrNotFound
	}
	return day, number, wrapDB("find page", err)
}

// Call marks the visit with number on day (of this kiosk) called to room,
// now, audited as actor. A visit called again is called again (its time
// renewed); a finished or cancelled one cannot be.
func (s *Store) Call(ctx context.Context, day, number, room, actor string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		id, err := s.findTx(ctx, tx, "call", day, number)
		if err != nil {
			return err
		}
		return s.callTx(ctx, tx, id, room, actor, s.o.Clock.Now())
	})
}

// findTx returns the id of this kiosk's visit with number on day.
func (s *Store) findTx(ctx context.Context, tx *sql.Tx, op, day, number string) (string, error) {
	var id string
	err := tx.QueryRowContext(ctx, `select id from visits where business_day = ? and kiosk_id = ? and number = ?`,
		day, s.o.KioskID, number).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("%s %s on %s: %w", op, number, day, ErrNotFound)
	}
	return id, wrapDB(op+": find visit", err)
}

// callTx calls visit id to room at the time at.
func (s *Store) callTx(ctx context.Context, tx *sql.Tx, id, room, actor string, at time.Time) error {
	var old string
	if err := tx.QueryRowContext(ctx, `select status from visits where id = ?`, id).Scan(&old); err != nil {
		return wrapDB("call: find visit", err)
	}
	if old == StatusDone || old == StatusCancelled {
		return fmt.Errorf("call: %w: the visit is %s", ErrNotAllowed, old)
	}
	if _, err := tx.ExecContext(ctx, `update visits set status = ?, called_at = ?, room = ? where id = ?`,
		StatusCalled, stamp(at), room, id); err != nil {
		return wrapDB("call", err)
	}
	return s.appendTx(ctx, tx, kiosk.AuditEntry{Actor: actor, Action: "visit.call", Outcome: old + "->called", VisitID: id})
}

// SetPriority gives the visit with number on day (of this kiosk) priority
// in the queue, or takes it away, audited as actor.
func (s *Store) SetPriority(ctx context.Context, day, number string, priority bool, actor string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		id, err := s.findTx(ctx, tx, "priority", day, number)
		if err != nil {
			return err
		}
		return s.priorityTx(ctx, tx, id, priority, actor)
	})
}

func (s *Store) priorityTx(ctx context.Context, tx *sql.Tx, id string, priority bool, actor string) error {
	if _, err := tx.ExecContext(ctx, `update visits set priority = ? where id = ?`, priority, id); err != nil {
		return wrapDB("priority", err)
	}
	outcome := "off"
	if priority {
		outcome = "on"
	}
	return s.appendTx(ctx, tx, kiosk.AuditEntry{Actor: actor, Action: "visit.priority", Outcome: outcome, VisitID: id})
}

// Changes signals on the returned channel whenever the database has
// changed since the last look, by this process or another (SQLite's
// data_version, looked at every interval on a connection of its own), and
// once at the start. The channel holds one signal: a slow reader misses
// none, it gets one for many. It closes when ctx ends.
func (s *Store) Changes(ctx context.Context, every time.Duration) <-chan struct{} {
	ch := make(chan struct{}, 1)
	ch <- struct{}{}
	go func() {
		defer close(ch)
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return
		}
		defer conn.Close()
		var last int64 = -1
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			var v int64
			if err := conn.QueryRowContext(ctx, `pragma data_version`).Scan(&v); err == nil && v != last {
				if last != -1 {
					select {
					case ch <- struct{}{}:
					default:
					}
				}
				last = v
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return ch
}
