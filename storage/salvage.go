package storage

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// salvageAudit reads what it can of the audit rows of a corrupt database
// (read-only) into <path>.audit.jsonl (0600), so staff keep the record of
// who did what even when the file cannot be used any more. It returns the
// number of rows kept.
func salvageAudit(path string) (int, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&immutable=1")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	out, err := os.OpenFile(path+".audit.jsonl", os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	defer out.Close()
	rows, err := db.Query(`select id, at, actor, action, outcome, visit_id, hash from audit order by id`)
	if err != nil {
		return 0, fmt.Errorf("read audit: %w", err)
	}
	defer rows.Close()
	enc := json.NewEncoder(out)
	n := 0
	for rows.Next() {
		var r struct {
			ID                                   int64
			At, Actor, Action, Outcome, Visit, H string
		}
		if err := rows.Scan(&r.ID, &r.At, &r.Actor, &r.Action, &r.Outcome, &r.Visit, &r.H); err != nil {
			return n, err
		}
		if err := enc.Encode(map[string]any{"id": r.ID, "at": r.At, "actor": r.Actor, "action": r.Action,
			"outcome": r.Outcome, "visit_id": r.Visit, "hash": r.H}); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("read audit after row %d: %w", n, err)
	}
	if n == 0 {
		return 0, errors.New("no audit rows readable")
	}
	return n, nil
}
