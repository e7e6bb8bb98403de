package storage

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
)

// The destinations of the hand-over: each keeps its own delivery of every
// event.
const (
	DestORCA  = "orca"  // the レセコン's API
	DestFiles = "files" // the per-day export files
)

// Event is one delivery to make: an outbox event for one destination, with
// what the adapter needs of its visit.
type Event struct {
	Key         string // idempotency key: visit id + ":" + event (+ ":" + n for corrections)
	Destination string
	VisitID     string
	Event       string // created, cancelled, corrected
	Attempts    int
	Visit       VisitRow
}

// MaxAttempts is how many failed attempts make a delivery "failing
// repeatedly" for staff (Failing). A passing failure never parks it: it is
// retried until it goes.
const MaxAttempts = 8

// enqueueTx adds an outbox row for a visit event, and a delivery for every
// destination that receives the visit's day. The key makes a repeat of
// created or cancelled a no-op; every correction is a new event.
func (s *Store) enqueueTx(ctx context.Context, tx *sql.Tx, visitID, event string) error {
	now := stamp(s.o.Clock.Now())
	key := visitID + ":" + event
	if event == "corrected" {
		var n int
		if err := tx.QueryRowContext(ctx, `select count(*) from outbox where visit_id = ? and event = 'corrected'`, visitID).Scan(&n); err != nil {
			return wrapDB("enqueue correction", err)
		}
		key = fmt.Sprintf("%s:corrected:%d", visitID, n+1)
	}
	res, err := tx.ExecContext(ctx, `insert into outbox (key, visit_id, event, created_at, next_attempt) values (?, ?, ?, ?, ?)
		on conflict (key) do nothing`, key, visitID, event, now, now)
	if err != nil {
		return wrapDB("enqueue "+event, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	_, err = tx.ExecContext(ctx, `insert into deliveries (key, destination, next_attempt)
		select ?, d.name, ? from destinations d
		where d.removed_at is null and d.since_day <= (select business_day from visits where id = ?)`, key, now, visitID)
	return wrapDB("enqueue "+event, err)
}

// SetDestinations makes names the destinations that receive events, from
// the business day today: a destination not seen before (or removed and
// configured again) receives the events of today onward — older days only
// with Backfill; one no longer named is removed, its deliveries left as
// they are, and the others are untouched. It returns the destinations
// added.
func (s *Store) SetDestinations(ctx context.Context, names []string, today string) (added []string, err error) {
	now := stamp(s.o.Clock.Now())
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		added = nil
		active := map[string]bool{}
		rows, err := tx.QueryContext(ctx, `select name from destinations where removed_at is null`)
		if err != nil {
			return wrapDB("destinations", err)
		}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return wrapDB("destinations", err)
			}
			active[n] = true
		}
		rows.Close()
		for _, n := range names {
			if active[n] {
				continue
			}
			if _, err := tx.ExecContext(ctx, `insert into destinations (name, since_day, added_at) values (?, ?, ?)
				on conflict (name) do update set since_day = excluded.since_day, added_at = excluded.added_at, removed_at = null`, n, today, now); err != nil {
				return wrapDB("add destination", err)
			}
			if _, err := s.deliverFromTx(ctx, tx, n, today); err != nil {
				return err
			}
			added = append(added, n)
			if err := s.appendTx(ctx, tx, kiosk.AuditEntry{Actor: "system", Action: "sync.destination", Outcome: "added:" + n + ":" + today}); err != nil {
				return err
			}
		}
		for n := range active {
			if slices.Contains(names, n) {
				continue
			}
			if _, err := tx.ExecContext(ctx, `update destinations set removed_at = ? where name = ?`, now, n); err != nil {
				return wrapDB("remove destination", err)
			}
			if err := s.appendTx(ctx, tx, kiosk.AuditEntry{Actor: "system", Action: "sync.destination", Outcome: "removed:" + n}); err != nil {
				return err
			}
		}
		if len(added) > 0 {
			if err := s.takeLegacyTx(ctx, tx, added); err != nil {
				return err
			}
		}
		return settleTx(ctx, tx, now)
	})
	return added, err
}

// takeLegacyTx hands the events that were waiting before destinations were
// tracked (the migration marked them) to the destinations added first,
// with their attempts, tries and parking: those destinations were
// configured before, so they start on the oldest such event's day.
func (s *Store) takeLegacyTx(ctx context.Context, tx *sql.Tx, dests []string) error {
	res, err := tx.ExecContext(ctx, `delete from settings where key = 'legacy_outbox'`)
	if err != nil {
		return wrapDB("legacy outbox", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	for _, d := range dests {
		if _, err := tx.ExecContext(ctx, `insert into deliveries (key, destination, attempts, tried, next_attempt, last_error, parked_at)
			select key, ?, attempts, tried, next_attempt, last_error, parked_at from outbox where done_at is null
			on conflict (key, destination) do nothing`, d); err != nil {
			return wrapDB("legacy outbox", err)
		}
		if _, err := tx.ExecContext(ctx, `update destinations set since_day = coalesce(min(since_day, (select min(v.business_day)
			from outbox o join visits v on v.id = o.visit_id where o.done_at is null)), since_day) where name = ?`, d); err != nil {
			return wrapDB("legacy outbox", err)
		}
	}
	return nil
}

// deliverFromTx gives destination dest a delivery of every event of the
// business days from since on that it lacks.
func (s *Store) deliverFromTx(ctx context.Context, tx *sql.Tx, dest, since string) (int64, error) {
	res, err := tx.ExecContext(ctx, `insert into deliveries (key, destination, next_attempt)
		select o.key, ?, o.created_at from outbox o join visits v on v.id = o.visit_id
		where v.business_day >= ? and not exists (select 1 from deliveries d where d.key = o.key and d.destination = ?)`, dest, since, dest)
	if err != nil {
		return 0, wrapDB("deliveries of "+dest, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// settleTx keeps outbox.done_at true to its meaning: set when every active
// destination has the event, cleared when one does not.
func settleTx(ctx context.Context, tx *sql.Tx, now string) error {
	const undone = `exists (select 1 from deliveries d join destinations t on t.name = d.destination
		where d.key = outbox.key and t.removed_at is null and t.since_day <= (select business_day from visits where id = outbox.visit_id) and d.done_at is null)`
	if _, err := tx.ExecContext(ctx, `update outbox set done_at = null where done_at is not null and `+undone); err != nil {
		return wrapDB("settle outbox", err)
	}
	_, err := tx.ExecContext(ctx, `update outbox set done_at = ? where done_at is null and not `+undone+`
		and exists (select 1 from deliveries d join destinations t on t.name = d.destination where d.key = outbox.key and t.removed_at is null)`, now)
	return wrapDB("settle outbox", err)
}

// Backfill gives dest the events of the business days from since on that it
// has not received (sync run --backfill): a destination added later
// otherwise starts on the day it was added. It returns how many events
// were added.
func (s *Store) Backfill(ctx context.Context, dest, since string) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `update destinations set since_day = min(since_day, ?) where name = ? and removed_at is null`, since, dest)
		if err != nil {
			return wrapDB("backfill", err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return fmt.Errorf("backfill %s: %w (it is not configured)", dest, ErrNotFound)
		}
		if n, err = s.deliverFromTx(ctx, tx, dest, since); err != nil {
			return err
		}
		if err := s.appendTx(ctx, tx, kiosk.AuditEntry{Actor: "system", Action: "sync.backfill", Outcome: fmt.Sprintf("%s:%s:%d", dest, since, n)}); err != nil {
			return err
		}
		return settleTx(ctx, tx, stamp(s.o.Clock.Now()))
	})
	return n, err
}

// Due returns up to limit deliveries to dest that are not done, not
// parked, and due at now, oldest event first.
func (s *Store) Due(ctx context.Context, dest string, now time.Time, limit int) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, `select o.key, d.destination, o.visit_id, o.event, d.attempts, `+visitColumns+`
		from deliveries d join destinations t on t.name = d.destination
		join outbox o on o.key = d.key join visits v on v.id = o.visit_id
		where d.destination = ? and t.removed_at is null and v.business_day >= t.since_day
		and d.done_at is null and d.parked_at is null and d.next_attempt <= ?
		order by o.created_at, case o.event when 'created' then 0 when 'corrected' then 1 else 2 end, o.key limit ?`, dest, stamp(now), limit)
	if err != nil {
		return nil, wrapDB("due events", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		v, err := scanVisit(rows, &e.Key, &e.Destination, &e.VisitID, &e.Event, &e.Attempts)
		if err != nil {
			return nil, wrapDB("due event", err)
		}
		e.Visit = v
		out = append(out, e)
	}
	return out, wrapDB("due events", rows.Err())
}

// Delivered records that dest has the events keys, in one transaction.
func (s *Store) Delivered(ctx context.Context, dest string, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.deliveredTx(ctx, tx, dest, keys...) })
}

func (s *Store) deliveredTx(ctx context.Context, tx *sql.Tx, dest string, keys ...string) error {
	now := stamp(s.o.Clock.Now())
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, `update deliveries set done_at = ?, parked_at = null where key = ? and destination = ? and done_at is null`, now, k, dest); err != nil {
			return wrapDB("delivered", err)
		}
		if _, err := tx.ExecContext(ctx, `update outbox set done_at = ? where key = ? and done_at is null and not exists
			(select 1 from deliveries d join destinations t on t.name = d.destination
			 where d.key = outbox.key and t.removed_at is null and d.done_at is null)`, now, k); err != nil {
			return wrapDB("delivered", err)
		}
	}
	return nil
}

// Failed records a failed attempt to deliver key to dest. A permanent
// failure (a refusal that retrying will not change) parks it for staff at
// once, with the reason; any other is retried after an exponential
// backoff with jitter (Options.RetryAfter × 2^attempts, at most
// Options.RetryMax).
func (s *Store) Failed(ctx context.Context, dest, key, reason string, permanent bool) (parked bool, err error) {
	now := s.o.Clock.Now()
	base, most := s.o.RetryAfter, s.o.RetryMax
	if base <= 0 {
		base = 30 * time.Second
	}
	if most <= 0 {
		most = 10 * time.Minute
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var attempts int
		if err := tx.QueryRowContext(ctx, `select attempts from deliveries where key = ? and destination = ?`, key, dest).Scan(&attempts); err != nil {
			return wrapDB("failed delivery", err)
		}
		attempts++
		backoff := min(base<<min(attempts-1, 20), most)
		backoff += time.Duration(rand.Int64N(int64(backoff)/4 + 1)) // jitter: spread the retries of many events
		var park any
		if permanent {
			park, parked = stamp(now), true
		}
		_, err := tx.ExecContext(ctx, `update deliveries set attempts = ?, last_error = ?, next_attempt = ?, parked_at = ? where key = ? and destination = ?`,
			attempts, reason, stamp(now.Add(backoff)), park, key, dest)
		if err != nil {
			return wrapDB("failed delivery", err)
		}
		if parked {
			return s.appendTx(ctx, tx, kiosk.AuditEntry{Actor: "system", Action: "sync.parked", Outcome: dest + ":refused", VisitID: visitOfKey(key)})
		}
		return nil
	})
	return parked, err
}

// visitOfKey is the visit id an event key starts with.
func visitOfKey(key string) string {
	id, _, _ := strings.Cut(key, ":")
	return id
}

// ParkedEvent is a delivery waiting for staff.
type ParkedEvent struct {
	KioskID                 string // the kiosk whose outbox holds it
	Key, Destination, Event string
	VisitID, Day, Number    string
	Reason                  string // the last failure, ORCA's words kept
	Attempts                int
}

// Parked lists the deliveries waiting for staff, oldest first.
func (s *Store) Parked(ctx context.Context) ([]ParkedEvent, error) {
	return s.troubled(ctx, `d.parked_at is not null`)
}

// Failing lists the deliveries that failed MaxAttempts times or more for
// passing reasons and are still being retried, oldest first.
func (s *Store) Failing(ctx context.Context) ([]ParkedEvent, error) {
	return s.troubled(ctx, fmt.Sprintf(`d.parked_at is null and d.attempts >= %d`, MaxAttempts))
}

func (s *Store) troubled(ctx context.Context, cond string) ([]ParkedEvent, error) {
	rows, err := s.db.QueryContext(ctx, `select d.key, d.destination, o.event, v.id, v.business_day, v.number, d.last_error, d.attempts
		from deliveries d join outbox o on o.key = d.key join visits v on v.id = o.visit_id
		where `+cond+` and d.done_at is null order by o.created_at, d.key, d.destination`)
	if err != nil {
		return nil, wrapDB("parked events", err)
	}
	defer rows.Close()
	var out []ParkedEvent
	for rows.Next() {
		p := ParkedEvent{KioskID: s.o.KioskID}
		if err := rows.Scan(&p.Key, &p.Destination, &p.Event, &p.VisitID, &p.Day, &p.Number, &p.Reason, &p.Attempts); err != nil {
			return nil, wrapDB("parked events", err)
		}
		out = append(out, p)
	}
	return out, wrapDB("parked events", rows.Err())
}

// Unpark puts a parked delivery back in line (staff fixed the cause).
func (s *Store) Unpark(ctx context.Context, dest, key, staff string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `update deliveries set parked_at = null, attempts = 0, next_attempt = ? where key = ? and destination = ? and parked_at is not null`,
			stamp(s.o.Clock.Now()), key, dest)
		if err != nil {
			return wrapDB("unpark", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("unpark %s to %s: %w", key, dest, ErrNotFound)
		}
		return s.appendTx(ctx, tx, kiosk.AuditEntry{Actor: staff, Action: "sync.unparked", Outcome: dest, VisitID: visitOfKey(key)})
	})
}

// OutboxLen is the number of visit events that some active destination
// does not have yet (parked ones included); with no destination, every
// event.
func (s *Store) OutboxLen(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `select count(*) from outbox where done_at is null`).Scan(&n)
	return n, wrapDB("outbox length", err)
}

// Waiting is the number of deliveries to dest held back because their
// visit waits for an eligibility answer: they go when it comes.
func (s *Store) Waiting(ctx context.Context, dest string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `select count(*) from deliveries d join outbox o on o.key = d.key join visits v on v.id = o.visit_id
		where d.destination = ? and d.done_at is null and d.parked_at is null and v.status = 'eligibility-pending'`, dest).Scan(&n)
	return n, wrapDB("waiting deliveries", err)
}
