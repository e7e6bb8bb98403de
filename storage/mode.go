package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/uketsuke/uketsuke/kiosk"
)

// ErrDemoStore means a real kiosk was pointed at a store the demo wrote:
// demo accounts (a known staff PIN) and demo visits must never reach a
// clinic's queue or its clinic system.
var ErrDemoStore = errors.New("this database holds demo data")

// MarkDemo records that this store belongs to the demo.
func (s *Store) MarkDemo(ctx context.Context) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `insert into settings (key, value) values ('mode', 'demo') on conflict (key) do nothing`)
		if err != nil {
			return wrapDB("mark demo", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return s.appendTx(ctx, tx, kiosk.AuditEntry{Actor: "demo", Action: "store.mode", Outcome: "demo"})
	})
}

// CheckNotDemo returns ErrDemoStore when the store is a demo's or carries
// what a demo writes (rows audited with the actor "demo").
func (s *Store) CheckNotDemo(ctx context.Context) error {
	var mode string
	err := s.db.QueryRowContext(ctx, `select value from settings where key = 'mode'`).Scan(&mode)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return wrapDB("read mode", err)
	}
	if mode == "demo" {
		return fmt.Errorf("%w (it was made by run --demo)", ErrDemoStore)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `select count(*) from audit where actor = 'demo'`).Scan(&n); err != nil {
		return wrapDB("read audit", err)
	}
	if n > 0 {
		return fmt.Errorf("%w (%d audit rows by the demo, e.g. its staff account)", ErrDemoStore, n)
	}
	return nil
}
