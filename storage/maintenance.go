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

// Retention says how long a visit's personal data is kept.
type Retention struct {
	Days int
	// ByAge purges by the visit's age alone, whatever its sync state: for a
	// kiosk with no clinic system configured, whose events are never
	// handed over (else the data would be kept forever).
	ByAge bool
}

// Purge drops the personal data of the visits past retention: by default
// those whose every outbox event reached the clinic system more than Days
// ago; with ByAge, those registered more than Days ago. The row, its
// number and status stay. Freed pages are overwritten (secure_delete) and
// the WAL is checkpointed and truncated, so the data does not linger in
// the file. It returns the number of visits purged.
func (s *Store) Purge(ctx context.Context, r Retention) (int64, error) {
	if r.Days < 1 {
		return 0, fmt.Errorf("purge: retention of %d days", r.Days)
	}
	now := s.o.Clock.Now()
	cutoff := stamp(now.AddDate(0, 0, -r.Days))
	query := `update visits set eligibility = null, pending_query = null, patient = null, purged_at = ?
		where purged_at is null
		and exists (select 1 from outbox o where o.visit_id = visits.id)
		and not exists (select 1 from outbox o where o.visit_id = visits.id and (o.done_at is null or o.done_at > ?))`
	if r.ByAge {
		query = `update visits set eligibility = null, pending_query = null, patient = null, purged_at = ?
		where purged_at is null and created_at < ?`
	}
	res, err := s.db.ExecContext(ctx, query, stamp(now), cutoff)
	if err != nil {
		return 0, wrapDB("purge", err)
	}
	n, _ := res.RowsAffected()
	if _, err := s.db.ExecContext(ctx, `delete from known_cards where updated_at < ?`, stamp(now.AddDate(0, 0, -KnownCardDays))); err != nil {
		return n, wrapDB("purge known cards", err)
	}
	if n > 0 {
		basis := "synced"
		if r.ByAge {
			basis = "by-age"
		}
		if err := s.Append(ctx, kiosk.AuditEntry{Actor: "system", Action: "retention.purge", Outcome: fmt.Sprintf("%d visits %s>%dd", n, basis, r.Days)}); err != nil {
			return n, err
		}
		if _, err := s.db.ExecContext(ctx, `pragma wal_checkpoint(TRUNCATE)`); err != nil {
			return n, wrapDB("checkpoint after purge", err)
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
	// Created empty and 0600 first: VACUUM INTO writes into it with its mode.
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	f.Close()
	if _, err := s.db.ExecContext(ctx, `vacuum into ?`, path); err != nil {
		os.Remove(path)
		return wrapDB("backup", err)
	}
	return os.Chmod(path, 0o600)
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

// RunRetention purges once at start and then at every tick (the kiosk
// passes a daily ticker) until ctx ends, calling also (the file sweep)
// before each purge. Failures are logged and retried
// at the next tick: retention never stops reception.
func (s *Store) RunRetention(ctx context.Context, r Retention, tick <-chan time.Time, also func()) {
	for {
		if also != nil {
			also()
		}
		if n, err := s.Purge(ctx, r); err != nil {
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
