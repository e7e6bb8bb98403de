package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/uketsuke/uketsuke/kiosk"
)

var _ kiosk.AuditLog = (*Store)(nil)

// Append adds an audit row. Rows are never changed or deleted; each
// carries the hash of the previous one.
func (s *Store) Append(ctx context.Context, e kiosk.AuditEntry) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.appendTx(ctx, tx, e) })
}

// rowHash chains one row to the previous: sha256 over the previous hash
// and every field, separated by a byte no field contains.
func rowHash(prev string, id int64, at, actor, action, outcome, visitID string) string {
	h := sha256.Sum256([]byte(strings.Join([]string{prev, fmt.Sprint(id), at, actor, action, outcome, visitID}, "\x1f")))
	return hex.EncodeToString(h[:])
}

func (s *Store) appendTx(ctx context.Context, tx *sql.Tx, e kiosk.AuditEntry) error {
	var count int64
	var prev string
	if err := tx.QueryRowContext(ctx, `select count, hash from audit_head where one = 1`).Scan(&count, &prev); err != nil {
		return wrapDB("audit head", err)
	}
	id := count + 1
	at := stamp(s.o.Clock.Now())
	h := rowHash(prev, id, at, e.Actor, e.Action, e.Outcome, e.VisitID)
	if _, err := tx.ExecContext(ctx, `insert into audit (id, at, actor, action, outcome, visit_id, prev_hash, hash)
		values (?, ?, ?, ?, ?, ?, ?, ?)`, id, at, e.Actor, e.Action, e.Outcome, e.VisitID, prev, h); err != nil {
		return wrapDB("append audit", err)
	}
	_, err := tx.ExecContext(ctx, `update audit_head set count = ?, hash = ? where one = 1`, id, h)
	return wrapDB("audit head", err)
}

// AuditError says where the audit chain breaks.
type AuditError struct {
	Row     int64 // the first row that does not check out (0: the head)
	Problem string
}

func (e *AuditError) Error() string {
	if e.Row == 0 {
		return "audit log: " + e.Problem
	}
	return fmt.Sprintf("audit log row %d: %s", e.Row, e.Problem)
}

// VerifyAudit walks the chain and reports the first edit, deletion or
// insertion it finds; it returns the number of rows checked.
func (s *Store) VerifyAudit(ctx context.Context) (int64, error) {
	rows, err := s.db.QueryContext(ctx, `select id, at, actor, action, outcome, visit_id, prev_hash, hash from audit order by id`)
	if err != nil {
		return 0, wrapDB("read audit", err)
	}
	defer rows.Close()
	var n int64
	prev := ""
	for rows.Next() {
		var id int64
		var at, actor, action, outcome, visitID, prevHash, hash string
		if err := rows.Scan(&id, &at, &actor, &action, &outcome, &visitID, &prevHash, &hash); err != nil {
			return n, wrapDB("read audit", err)
		}
		n++
		switch {
		case id != n:
			return n, &AuditError{Row: id, Problem: fmt.Sprintf("row number %d where %d was expected: rows deleted or inserted", id, n)}
		case prevHash != prev:
			return n, &AuditError{Row: id, Problem: "does not follow the previous row: a row before it was removed or replaced"}
		case rowHash(prev, id, at, actor, action, outcome, visitID) != hash:
			return n, &AuditError{Row: id, Problem: "content does not match its hash: the row was edited"}
		}
		prev = hash
	}
	if err := rows.Err(); err != nil {
		return n, wrapDB("read audit", err)
	}
	var count int64
	var head string
	if err := s.db.QueryRowContext(ctx, `select count, hash from audit_head where one = 1`).Scan(&count, &head); err != nil {
		return n, wrapDB("audit head", err)
	}
	if count != n || head != prev {
		return n, &AuditError{Problem: fmt.Sprintf("the chain ends at row %d but %d were written: the newest rows were removed or the head edited", n, count)}
	}
	return n, nil
}
