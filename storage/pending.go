package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
)

// PendingVisit is a visit registered while eligibility could not be
// checked, with the query to re-check it by.
type PendingVisit struct {
	ID     string
	Number string
	Day    string
	Query  kiosk.EligibilityQuery
}

// Pending lists the visits waiting for an eligibility answer, oldest first.
func (s *Store) Pending(ctx context.Context) ([]PendingVisit, error) {
	rows, err := s.db.QueryContext(ctx, `select id, number, business_day, pending_query from visits
		where status = 'eligibility-pending' and pending_query is not null order by created_at`)
	if err != nil {
		return nil, wrapDB("list pending", err)
	}
	defer rows.Close()
	var out []PendingVisit
	for rows.Next() {
		var p PendingVisit
		var q string
		if err := rows.Scan(&p.ID, &p.Number, &p.Day, &q); err != nil {
			return nil, wrapDB("list pending", err)
		}
		if err := json.Unmarshal([]byte(q), &p.Query); err != nil {
			return nil, fmt.Errorf("pending visit %s: query: %w", p.ID, err)
		}
		out = append(out, p)
	}
	return out, wrapDB("list pending", rows.Err())
}

// ResolvePending records the eligibility answer of a pending visit: the
// visit goes back to waiting with the answer kept, a "corrected" event is
// queued for the clinic system, and the audit log says so.
func (s *Store) ResolvePending(ctx context.Context, id string, r kiosk.EligibilityResult) error {
	elig, _ := json.Marshal(r)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `update visits set status = 'waiting', eligibility = ?, pending_query = null,
			name_check = name_check or ? where id = ? and status = 'eligibility-pending'`, string(elig), len(r.NameFlags) > 0, id)
		if err != nil {
			return wrapDB("resolve pending", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("resolve pending %s: %w", id, ErrNotFound)
		}
		if err := s.enqueueTx(ctx, tx, id, "corrected"); err != nil {
			return err
		}
		return s.appendTx(ctx, tx, kiosk.AuditEntry{Actor: "system", Action: "eligibility.rechecked", Outcome: r.Validity.String(), VisitID: id})
	})
}

// Recheck asks checker again for every pending visit and records each
// answer; visits whose terminal is still unavailable stay pending. It
// returns how many were resolved.
func (s *Store) Recheck(ctx context.Context, checker kiosk.EligibilityChecker) (int, error) {
	pending, err := s.Pending(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range pending {
		r, err := checker.Check(ctx, p.Query)
		switch {
		case errors.Is(err, kiosk.ErrEligibilityUnavailable):
			return n, nil // still down: try again later, in order
		case err != nil:
			s.o.Log.Warn("re-check of a pending visit failed", "visit", p.ID, "err", err)
			continue
		}
		if err := s.ResolvePending(ctx, p.ID, r); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// RunRecheck re-checks the pending visits at every tick until ctx ends
// (the kiosk ticks every minute or so); an unavailable terminal just means
// "next time".
func (s *Store) RunRecheck(ctx context.Context, checker kiosk.EligibilityChecker, tick <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
		}
		if n, err := s.Recheck(ctx, checker); err != nil {
			s.o.Log.Error("re-check of pending visits failed", "err", err)
		} else if n > 0 {
			s.o.Log.Info("pending visits re-checked", "resolved", n)
		}
	}
}
