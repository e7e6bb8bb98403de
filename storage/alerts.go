package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
)

// Alert is a kiosk that needs staff.
type Alert struct {
	ID      int64
	KioskID string
	Reason  string // a kiosk.Handover name
	Raised  time.Time
}

// RaiseAlert records that this kiosk needs staff for reason. A reason
// already open at this kiosk is not raised twice.
func (s *Store) RaiseAlert(ctx context.Context, reason kiosk.Handover) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `insert into alerts (kiosk_id, reason, raised_at)
			select ?, ?, ? where not exists (select 1 from alerts where kiosk_id = ? and reason = ? and cleared_at is null)`,
			s.o.KioskID, reason.String(), stamp(s.o.Clock.Now()), s.o.KioskID, reason.String())
		return wrapDB("raise alert", err)
	})
}

// ClearAlerts closes this kiosk's open alerts (its session ended), as by.
func (s *Store) ClearAlerts(ctx context.Context, by string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `update alerts set cleared_at = ?, cleared_by = ? where kiosk_id = ? and cleared_at is null`,
			stamp(s.o.Clock.Now()), by, s.o.KioskID)
		return wrapDB("clear alerts", err)
	})
}

// TakeAlert closes one alert of any kiosk: staff took it, audited as actor.
func (s *Store) TakeAlert(ctx context.Context, id int64, actor string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.takeAlertTx(ctx, tx, id, actor) })
}

func (s *Store) takeAlertTx(ctx context.Context, tx *sql.Tx, id int64, actor string) error {
	var kioskID, reason string
	err := tx.QueryRowContext(ctx, `update alerts set cleared_at = ?, cleared_by = ? where id = ? and cleared_at is null
		returning kiosk_id, reason`, stamp(s.o.Clock.Now()), actor, id).Scan(&kioskID, &reason)
	if err == sql.ErrNoRows {
		return fmt.Errorf("alert %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return wrapDB("take alert", err)
	}
	return s.appendTx(ctx, tx, kiosk.AuditEntry{Actor: actor, Action: "desk.alert-taken", Outcome: kioskID + ":" + reason})
}

// OpenAlerts lists the alerts of every kiosk not yet closed, oldest first.
func (s *Store) OpenAlerts(ctx context.Context) ([]Alert, error) {
	rows, err := s.db.QueryContext(ctx, `select id, kiosk_id, reason, raised_at from alerts where cleared_at is null order by id`)
	if err != nil {
		return nil, wrapDB("open alerts", err)
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		var a Alert
		var at string
		if err := rows.Scan(&a.ID, &a.KioskID, &a.Reason, &at); err != nil {
			return nil, wrapDB("open alerts", err)
		}
		a.Raised, _ = time.Parse(StampLayout, at)
		out = append(out, a)
	}
	return out, wrapDB("open alerts", rows.Err())
}

// KioskStatus is what a kiosk last reported of its devices.
type KioskStatus struct {
	KioskID string
	Updated time.Time
	Devices []byte // JSON, as the kiosk wrote it
}

// PublishStatus records this kiosk's device report (JSON).
func (s *Store) PublishStatus(ctx context.Context, devices []byte) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `insert into kiosk_status (kiosk_id, updated_at, devices) values (?, ?, ?)
			on conflict (kiosk_id) do update set updated_at = excluded.updated_at, devices = excluded.devices`,
			s.o.KioskID, stamp(s.o.Clock.Now()), string(devices))
		return wrapDB("publish status", err)
	})
}

// KioskStatuses lists every kiosk's last device report, by kiosk.
func (s *Store) KioskStatuses(ctx context.Context) ([]KioskStatus, error) {
	rows, err := s.db.QueryContext(ctx, `select kiosk_id, updated_at, devices from kiosk_status order by kiosk_id`)
	if err != nil {
		return nil, wrapDB("kiosk status", err)
	}
	defer rows.Close()
	var out []KioskStatus
	for rows.Next() {
		var k KioskStatus
		var at, devices string
		if err := rows.Scan(&k.KioskID, &at, &devices); err != nil {
			return nil, wrapDB("kiosk status", err)
		}
		k.Updated, _ = time.Parse(StampLayout, at)
		k.Devices = []byte(devices)
		out = append(out, k)
	}
	return out, wrapDB("kiosk status", rows.Err())
}
