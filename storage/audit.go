package storage

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
)

var _ kiosk.AuditLog = (*Store)(nil)

// keyedPrefix marks a row hash made with the audit key (HMAC-SHA256).
const keyedPrefix = "k1:"

// ErrAuditKey means the audit chain is keyed and no key (or another key)
// was given.
var ErrAuditKey = errors.New("the audit log is keyed: its key is needed (or this is not its key)")

// Append adds an audit row. Rows are never changed or deleted; each
// carries the hash of the previous one.
func (s *Store) Append(ctx context.Context, e kiosk.AuditEntry) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.appendTx(ctx, tx, e) })
}

// rowHash chains one row to the previous: with the audit key an
// HMAC-SHA256, without one a SHA-256, over the previous hash and every
// field, separated by a byte no field contains. Whoever can write the
// database but not read the key cannot forge a keyed row.
func rowHash(key []byte, prev string, id int64, at, actor, action, outcome, visitID string) string {
	msg := []byte(strings.Join([]string{prev, fmt.Sprint(id), at, actor, action, outcome, visitID}, "\x1f"))
	if len(key) == 0 {
		h := sha256.Sum256(msg)
		return hex.EncodeToString(h[:])
	}
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return keyedPrefix + hex.EncodeToString(m.Sum(nil))
}

func (s *Store) appendTx(ctx context.Context, tx *sql.Tx, e kiosk.AuditEntry) error {
	var count int64
	var prev string
	if err := tx.QueryRowContext(ctx, `select count, hash from audit_head where one = 1`).Scan(&count, &prev); err != nil {
		return wrapDB("audit head", err)
	}
	if strings.HasPrefix(prev, keyedPrefix) && len(s.o.AuditKey) == 0 {
		return fmt.Errorf("append audit: %w", ErrAuditKey)
	}
	id := count + 1
	at := stamp(s.o.Clock.Now())
	h := rowHash(s.o.AuditKey, prev, id, at, e.Actor, e.Action, e.Outcome, e.VisitID)
	if _, err := tx.ExecContext(ctx, `insert into audit (id, at, actor, action, outcome, visit_id, prev_hash, hash)
		values (?, ?, ?, ?, ?, ?, ?, ?)`, id, at, e.Actor, e.Action, e.Outcome, e.VisitID, prev, h); err != nil {
		return wrapDB("append audit", err)
	}
	_, err := tx.ExecContext(ctx, `update audit_head set count = ?, hash = ? where one = 1`, id, h)
	return wrapDB("audit head", err)
}

// rekey turns an unkeyed chain (written before the kiosk had an audit
// key) into a keyed one, once: the old chain is verified first, and only
// an intact one is re-chained with the key, in one transaction.
func (s *Store) rekey(ctx context.Context) error {
	if len(s.o.AuditKey) == 0 {
		return nil
	}
	var head string
	if err := s.db.QueryRowContext(ctx, `select hash from audit_head where one = 1`).Scan(&head); err != nil {
		return wrapDB("audit head", err)
	}
	if head == "" || strings.HasPrefix(head, keyedPrefix) {
		return nil
	}
	legacy := *s
	legacy.o.AuditKey = nil
	if _, err := legacy.VerifyAudit(ctx); err != nil {
		return fmt.Errorf("the unkeyed audit log does not verify, so it is not re-keyed: %w", err)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		n, err := rechain(ctx, tx, s.o.AuditKey, nil)
		if err != nil {
			return err
		}
		return s.appendTx(ctx, tx, kiosk.AuditEntry{Actor: "system", Action: "audit.rekey", Outcome: fmt.Sprintf("%d rows", n)})
	})
}

// auditRow is the hashed content of one audit row.
type auditRow struct {
	id                                int64
	at, actor, action, outcome, visit string
}

// rechain recomputes every row's hash and the head with key (empty: the
// unkeyed hash), after edit changes a row (nil: none). It is the re-keying;
// the tests use it to do what a forger with write access would.
func rechain(ctx context.Context, tx *sql.Tx, key []byte, edit func(*auditRow)) (int, error) {
	rows, err := tx.QueryContext(ctx, `select id, at, actor, action, outcome, visit_id from audit order by id`)
	if err != nil {
		return 0, wrapDB("rechain audit", err)
	}
	var all []auditRow
	for rows.Next() {
		var r auditRow
		if err := rows.Scan(&r.id, &r.at, &r.actor, &r.action, &r.outcome, &r.visit); err != nil {
			rows.Close()
			return 0, wrapDB("rechain audit", err)
		}
		all = append(all, r)
	}
	rows.Close()
	prev := ""
	for _, r := range all {
		if edit != nil {
			edit(&r)
		}
		h := rowHash(key, prev, r.id, r.at, r.actor, r.action, r.outcome, r.visit)
		if _, err := tx.ExecContext(ctx, `update audit set outcome = ?, prev_hash = ?, hash = ? where id = ?`, r.outcome, prev, h, r.id); err != nil {
			return 0, wrapDB("rechain audit", err)
		}
		prev = h
	}
	if _, err := tx.ExecContext(ctx, `update audit_head set hash = ? where one = 1`, prev); err != nil {
		return 0, wrapDB("rechain audit", err)
	}
	return len(all), nil
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

// Head is the end of the audit chain: its row count and last hash. Once
// published outside the box, a database put back from an older copy, or
// cut short, no longer matches it.
type Head struct {
	Count int64     `json:"count"`
	Hash  string    `json:"hash"`
	At    time.Time `json:"at"`
	Kiosk string    `json:"kiosk"`
	DB    string    `json:"db"` // which database file (DBID), e.g. the demo's or the kiosk's
}

// DBID names this database file in published heads: a digest of its
// absolute path, so the demo's heads are never compared with the kiosk's.
func (s *Store) DBID() string {
	abs, err := filepath.Abs(s.path)
	if err != nil {
		abs = s.path
	}
	sum := sha256.Sum256([]byte(abs))
	return hex.EncodeToString(sum[:8])
}

// AuditHead returns the current head.
func (s *Store) AuditHead(ctx context.Context) (Head, error) {
	h := Head{At: s.o.Clock.Now().UTC(), Kiosk: s.o.KioskID, DB: s.DBID()}
	err := s.db.QueryRowContext(ctx, `select count, hash from audit_head where one = 1`).Scan(&h.Count, &h.Hash)
	return h, wrapDB("audit head", err)
}

// VerifyAudit walks the chain and reports the first edit, deletion or
// insertion it finds; it returns the number of rows checked. A keyed chain
// is checked with the key: rows rewritten without it do not verify.
func (s *Store) VerifyAudit(ctx context.Context) (int64, error) {
	n, _, err := s.verifyChain(ctx, nil)
	return n, err
}

// VerifyAgainst verifies the chain and then a published head: the row it
// names must still be there with the same hash. It fails when the database
// was cut short or an older copy put back.
func (s *Store) VerifyAgainst(ctx context.Context, published Head) (int64, error) {
	n, at, err := s.verifyChain(ctx, &published.Count)
	if err != nil {
		return n, err
	}
	switch {
	case n < published.Count:
		return n, &AuditError{Problem: fmt.Sprintf("the database has %d rows but %d were published at %s: rows removed, or an older copy of the database put back",
			n, published.Count, published.At.Format(time.RFC3339))}
	case at != published.Hash:
		return n, &AuditError{Row: published.Count, Problem: fmt.Sprintf("differs from the head published at %s: the chain was rewritten or an older copy put back",
			published.At.Format(time.RFC3339))}
	}
	return n, nil
}

// verifyChain walks the chain; when row is given it also returns the hash
// of that row.
func (s *Store) verifyChain(ctx context.Context, row *int64) (int64, string, error) {
	rows, err := s.db.QueryContext(ctx, `select id, at, actor, action, outcome, visit_id, prev_hash, hash from audit order by id`)
	if err != nil {
		return 0, "", wrapDB("read audit", err)
	}
	defer rows.Close()
	var n int64
	prev, at := "", ""
	for rows.Next() {
		var id int64
		var ts, actor, action, outcome, visitID, prevHash, hash string
		if err := rows.Scan(&id, &ts, &actor, &action, &outcome, &visitID, &prevHash, &hash); err != nil {
			return n, "", wrapDB("read audit", err)
		}
		n++
		keyed := strings.HasPrefix(hash, keyedPrefix)
		switch {
		case id != n:
			return n, "", &AuditError{Row: id, Problem: fmt.Sprintf("row number %d where %d was expected: rows deleted or inserted", id, n)}
		case prevHash != prev:
			return n, "", &AuditError{Row: id, Problem: "does not follow the previous row: a row before it was removed or replaced"}
		case keyed && len(s.o.AuditKey) == 0:
			return n, "", &AuditError{Row: id, Problem: ErrAuditKey.Error()}
		case !keyed && len(s.o.AuditKey) > 0:
			return n, "", &AuditError{Row: id, Problem: "not keyed: written without the audit key (forged, or the key file was replaced)"}
		case rowHash(s.o.AuditKey, prev, id, ts, actor, action, outcome, visitID) != hash:
			return n, "", &AuditError{Row: id, Problem: "content does not match its keyed hash: the row was edited, or the audit key is not this log's"}
		}
		prev = hash
		if row != nil && id == *row {
			at = hash
		}
	}
	if err := rows.Err(); err != nil {
		return n, "", wrapDB("read audit", err)
	}
	var count int64
	var head string
	if err := s.db.QueryRowContext(ctx, `select count, hash from audit_head where one = 1`).Scan(&count, &head); err != nil {
		return n, "", wrapDB("audit head", err)
	}
	if count != n || head != prev {
		return n, "", &AuditError{Problem: fmt.Sprintf("the chain ends at row %d but %d were written: the newest rows were removed or the head edited", n, count)}
	}
	return n, at, nil
}
