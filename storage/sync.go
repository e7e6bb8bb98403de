package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
)

// BeginAttempt records that a request delivering key to dest is about to
// leave and returns how many were started before. A non-zero count means
// an earlier request may have reached the far side: ask it before
// re-sending.
func (s *Store) BeginAttempt(ctx context.Context, dest, key string) (int, error) {
	var before int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `select tried from deliveries where key = ? and destination = ?`, key, dest).Scan(&before); err != nil {
			return wrapDB("begin attempt", err)
		}
		_, err := tx.ExecContext(ctx, `update deliveries set tried = tried + 1 where key = ? and destination = ?`, key, dest)
		return wrapDB("begin attempt", err)
	})
	return before, err
}

// ORCALink is what ORCA holds for a visit.
type ORCALink struct {
	PatientID, AcceptanceID string
}

// LinkORCA records ORCA's ids for the visit of a created event and marks
// the event delivered to ORCA, in one transaction.
func (s *Store) LinkORCA(ctx context.Context, key, visitID string, l ORCALink) error {
	now := stamp(s.o.Clock.Now())
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `insert into orca_links (visit_id, patient_id, acceptance_id, accepted_at) values (?, ?, ?, ?)
			on conflict (visit_id) do update set patient_id = excluded.patient_id, acceptance_id = excluded.acceptance_id`,
			visitID, l.PatientID, l.AcceptanceID, now); err != nil {
			return wrapDB("link ORCA", err)
		}
		return s.deliveredTx(ctx, tx, DestORCA, key)
	})
}

// LinkedORCA returns ORCA's ids for a visit, if it was registered there.
func (s *Store) LinkedORCA(ctx context.Context, visitID string) (ORCALink, bool, error) {
	var l ORCALink
	err := s.db.QueryRowContext(ctx, `select patient_id, acceptance_id from orca_links where visit_id = ?`, visitID).Scan(&l.PatientID, &l.AcceptanceID)
	if errors.Is(err, sql.ErrNoRows) {
		return l, false, nil
	}
	return l, err == nil, wrapDB("ORCA link", err)
}

// SyncRun is one run of the sync.
type SyncRun struct {
	KioskID    string // the kiosk that ran it
	ID         int64
	StartedAt  string
	FinishedAt string // "" while running or when it died
	Trigger    string // schedule, catch-up, manual, staff
	Report     string
}

// StartRun records the start of a sync run.
func (s *Store) StartRun(ctx context.Context, trigger string) (int64, error) {
	res, err := s.db.ExecContext(ctx, `insert into sync_runs (started_at, trigger) values (?, ?)`, stamp(s.o.Clock.Now()), trigger)
	if err != nil {
		return 0, wrapDB("start sync run", err)
	}
	return res.LastInsertId()
}

// FinishRun records the end of a run and its report (audited).
func (s *Store) FinishRun(ctx context.Context, id int64, report string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `update sync_runs set finished_at = ?, report = ? where id = ?`, stamp(s.o.Clock.Now()), report, id); err != nil {
			return wrapDB("finish sync run", err)
		}
		return s.appendTx(ctx, tx, kiosk.AuditEntry{Actor: "system", Action: "sync.run", Outcome: report})
	})
}

// Runs returns the last n sync runs, newest first.
func (s *Store) Runs(ctx context.Context, n int) ([]SyncRun, error) {
	rows, err := s.db.QueryContext(ctx, `select id, started_at, coalesce(finished_at, ''), trigger, report from sync_runs order by id desc limit ?`, n)
	if err != nil {
		return nil, wrapDB("sync runs", err)
	}
	defer rows.Close()
	var out []SyncRun
	for rows.Next() {
		r := SyncRun{KioskID: s.o.KioskID}
		if err := rows.Scan(&r.ID, &r.StartedAt, &r.FinishedAt, &r.Trigger, &r.Report); err != nil {
			return nil, wrapDB("sync runs", err)
		}
		out = append(out, r)
	}
	return out, wrapDB("sync runs", rows.Err())
}

// LastFinishedRun is when the last sync run finished (zero: never).
func (s *Store) LastFinishedRun(ctx context.Context) (time.Time, error) {
	var at sql.NullString
	if err := s.db.QueryRowContext(ctx, `select max(finished_at) from sync_runs`).Scan(&at); err != nil {
		return time.Time{}, wrapDB("last sync run", err)
	}
	if !at.Valid {
		return time.Time{}, nil
	}
	t, err := time.Parse(StampLayout, at.String)
	if err != nil {
		return time.Time{}, fmt.Errorf("last sync run: %w", err)
	}
	return t, nil
}

// CodesChecked reports whether the ORCA codes described by what (the URL
// and the configured codes) were found valid on business day day.
func (s *Store) CodesChecked(ctx context.Context, day, what string) (bool, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `select value from settings where key = 'orca_codes_checked'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return v == day+" "+what, wrapDB("codes checked", err)
}

// SetCodesChecked records that the codes described by what were found
// valid on business day day, so that later runs that day need not ask.
func (s *Store) SetCodesChecked(ctx context.Context, day, what string) error {
	_, err := s.db.ExecContext(ctx, `insert into settings (key, value) values ('orca_codes_checked', ?)
		on conflict (key) do update set value = excluded.value`, day+" "+what)
	return wrapDB("codes checked", err)
}
