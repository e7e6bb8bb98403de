package storage

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
)

// DefaultRetentionDays is how long a visit's personal data is kept after
// it was synced. Audit rows (ids and codes only) are never purged here:
// they are kept at least 5 years.
const DefaultRetentionDays = 90

// Purge removes the personal data (the eligibility answer and the pending
// query) of visits whose every outbox event was synced more than days
// ago. The visit row, its number and status stay. It returns how many
// visits it purged.
func (s *Store) Purge(ctx context.Context, days int) (int64, error) {
	if days < 1 {
		return 0, fmt.Errorf("purge: retention of %d days", days)
	}
	now := s.o.Clock.Now()
	cutoff := stamp(now.AddDate(0, 0, -days))
	res, err := s.db.ExecContext(ctx, `update visits set eligibility = null, pending_query = null, purged_at = ?
		where purged_at is null
		and exists (select 1 from outbox o where o.visit_id = visits.id)
		and not exists (select 1 from outbox o where o.visit_id = visits.id and (o.done_at is null or o.done_at > ?))`,
		stamp(now), cutoff)
	if err != nil {
		return 0, wrapDB("purge", err)
	}
	n, _ := res.RowsAffected()
	if _, err := s.db.ExecContext(ctx, `delete from known_cards where updated_at < ?`, stamp(now.AddDate(0, 0, -KnownCardDays))); err != nil {
		return n, wrapDB("purge known cards", err)
	}
	if n > 0 {
		if err := s.Append(ctx, kiosk.AuditEntry{Actor: "system", Action: "retention.purge", Outcome: fmt.Sprintf("%d visits", n)}); err != nil {
			return n, err
		}
	}
	return n, nil
}

// Backup writes a consistent copy of the database to path while the kiosk
// keeps running (VACUUM INTO reads one snapshot; writers go on).
func (s *Store) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s exists; not overwriting it", path)
	}
	if _, err := s.db.ExecContext(ctx, `vacuum into ?`, path); err != nil {
		return wrapDB("backup", err)
	}
	return nil
}

// IntegrityCheck runs SQLite's integrity_check.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	var res string
	if err := s.db.QueryRowContext(ctx, "pragma integrity_check").Scan(&res); err != nil {
		return wrapDB("integrity check", err)
	}
	if res != "ok" {
		return fmt.Errorf("integrity check: %s", res)
	}
	return nil
}

// MarkSynced records that an outbox event reached the clinic system.
func (s *Store) MarkSynced(ctx context.Context, key string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `update outbox set done_at = ? where key = ?`, stamp(at), key)
	return wrapDB("mark synced", err)
}

// RunRetention purges once at start and then at every tick (the kiosk
// passes a daily ticker) until ctx ends. Failures are logged and retried
// at the next tick: retention never stops reception.
func (s *Store) RunRetention(ctx context.Context, days int, tick <-chan time.Time) {
	for {
		if n, err := s.Purge(ctx, days); err != nil {
			s.o.Log.Error("retention purge failed", "err", err)
		} else if n > 0 {
			s.o.Log.Info("retention purge", "visits", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick:
		}
	}
}
