package storage

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
)

// Event is one outbox row to hand to the clinic system, with what the
// adapter needs of its visit.
type Event struct {
	Key      string // idempotency key: visit id + ":" + event
	VisitID  string
	Event    string // created, cancelled, corrected
	Attempts int
	Visit    VisitRow
}

// MaxAttempts is how many failed attempts park an event for staff.
const MaxAttempts = 8

// Due returns up to limit events that are not done, not parked, and due
// at now, oldest first.
func (s *Store) Due(ctx context.Context, now time.Time, limit int) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, `select o.key, o.visit_id, o.event, o.attempts, `+visitColumns+`
		from outbox o join visits v on v.id = o.visit_id
		where o.done_at is null and o.parked_at is null and o.next_attempt <= ?
		order by o.created_at, case o.event when 'created' then 0 when 'corrected' then 1 else 2 end, o.key limit ?`, stamp(now), limit)
	if err != nil {
		return nil, wrapDB("due events", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		v, err := scanVisit(rows, &e.Key, &e.VisitID, &e.Event, &e.Attempts)
		if err != nil {
			return nil, wrapDB("due event", err)
		}
		e.Visit = v
		out = append(out, e)
	}
	return out, wrapDB("due events", rows.Err())
}

// Failed records a failed attempt: the event is retried after an
// exponential backoff with jitter (30 s × 2^attempts, at most 6 h), and
// parked for staff with the reason after MaxAttempts — or at once when
// the failure is permanent (a refusal that retrying will not change).
func (s *Store) Failed(ctx context.Context, key string, reason string, permanent bool) (parked bool, err error) {
	now := s.o.Clock.Now()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var attempts int
		if err := tx.QueryRowContext(ctx, `select attempts from outbox where key = ?`, key).Scan(&attempts); err != nil {
			return wrapDB("failed event", err)
		}
		attempts++
		backoff := min(30*time.Second<<min(attempts-1, 20), 6*time.Hour)
		backoff += time.Duration(rand.Int64N(int64(backoff)/4 + 1)) // jitter: spread the retries of many events
		var park any
		if attempts >= MaxAttempts || permanent {
			park, parked = stamp(now), true
		}
		_, err := tx.ExecContext(ctx, `update outbox set attempts = ?, last_error = ?, next_attempt = ?, parked_at = ? where key = ?`,
			attempts, reason, stamp(now.Add(backoff)), park, key)
		if err != nil {
			return wrapDB("failed event", err)
		}
		if parked {
			outcome := fmt.Sprintf("%d attempts", attempts)
			if permanent {
				outcome = "refused"
			}
			return s.appendTx(ctx, tx, kiosk.AuditEntry{Actor: "system", Action: "sync.parked", Outcome: outcome, VisitID: key})
		}
		return nil
	})
	return parked, err
}

// Parked lists the events waiting for staff, with the last reason.
func (s *Store) Parked(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `select key, last_error from outbox where parked_at is not null and done_at is null`)
	if err != nil {
		return nil, wrapDB("parked events", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, r string
		if err := rows.Scan(&k, &r); err != nil {
			return nil, wrapDB("parked events", err)
		}
		out[k] = r
	}
	return out, wrapDB("parked events", rows.Err())
}

// Unpark puts a parked event back in line (staff fixed the cause).
func (s *Store) Unpark(ctx context.Context, key, staff string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `update outbox set parked_at = null, attempts = 0, next_attempt = ? where key = ? and parked_at is not null`,
			stamp(s.o.Clock.Now()), key)
		if err != nil {
			return wrapDB("unpark", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("unpark %s: %w", key, ErrNotFound)
		}
		return s.appendTx(ctx, tx, kiosk.AuditEntry{Actor: staff, Action: "sync.unparked", Outcome: "ok", VisitID: key})
	})
}

// OutboxLen is the number of visit events not yet sent (parked ones included).
func (s *Store) OutboxLen(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `select count(*) from outbox where done_at is null`).Scan(&n)
	return n, wrapDB("outbox length", err)
}
