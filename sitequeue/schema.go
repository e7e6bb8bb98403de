// Package sitequeue is the site's one queue for many kiosks, in
// PostgreSQL ([queue] backend = "postgres"). Each kiosk keeps its own
// SQLite store as the record of its visits and issues numbers from its own
// prefix; its Replica pushes every change of a visit into the shared
// queue and applies the actions staff take at the desk on its visits.
// The desk and the waiting room read and change the shared queue through
// Queue. LISTEN/NOTIFY carries every change within moments; when
// PostgreSQL is away each kiosk goes on alone and catches up when it
// answers again: nothing lost, nothing twice.
package sitequeue

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// schemaVersion is the version of the tables below; a database of a newer
// version is refused.
const schemaVersion = 1

// ddl creates the shared queue's tables in the schema uketsuke. Times are
// kept as the kiosks' stamps (UTC, milliseconds), which sort as text.
const ddl = `
create schema if not exists uketsuke;
create table if not exists uketsuke.meta (
  one     integer primary key check (one = 1),
  version integer not null
);
-- Each kiosk and the number prefix it issues from: a prefix is one
-- kiosk's, so numbers are unique across the site.
create table if not exists uketsuke.kiosks (
  kiosk_id text primary key,
  prefix   text not null unique,
  seen_at  timestamptz not null default now()
);
-- Where desks reach the kiosk for 目視確認 ([queue] link), and the
-- SHA-256 of its link certificate, which desks pin.
alter table uketsuke.kiosks add column if not exists link_addr text;
alter table uketsuke.kiosks add column if not exists link_cert text;
-- The desks whose client certificate (SHA-256) the kiosks' links accept.
create table if not exists uketsuke.desks (
  fingerprint text primary key,
  name        text not null,
  seen_at     timestamptz not null default now()
);
create table if not exists uketsuke.visits (
  id            text primary key,
  kiosk_id      text not null references uketsuke.kiosks (kiosk_id),
  business_day  text not null,
  number        text not null,
  seq           integer not null,
  created_at    text not null,
  status        text not null,
  priority      boolean not null default false,
  called_at     text,
  room          text not null default '',
  pos           double precision not null, -- queue order; staff move it
  page_token    text unique,
  path          text not null,
  auth          text not null,
  name_check    boolean not null,
  cert_notice   text not null,
  eligibility   text,                      -- JSON; null when pending or purged
  patient       text,                      -- JSON; null unless typed by staff
  purged        boolean not null default false,
  kiosk_version bigint not null,           -- the kiosk's version of this row
  unique (business_day, number)
);
create index if not exists visits_day on uketsuke.visits (business_day, priority desc, pos);
-- What staff did at the desk, for the kiosk that owns the visit to apply
-- to its own record (then applied_at is set).
create table if not exists uketsuke.actions (
  id         bigserial primary key,
  kiosk_id   text not null,
  visit_id   text references uketsuke.visits (id), -- null for an alert
  action     text not null,
  arg        text not null,
  actor      text not null,
  at         text not null,
  applied_at timestamptz,
  outcome    text
);
create index if not exists actions_due on uketsuke.actions (kiosk_id, id) where applied_at is null;
create index if not exists actions_visit on uketsuke.actions (visit_id) where applied_at is null;
-- Each kiosk's alerts (a kiosk that needs staff), by the kiosk's own id.
create table if not exists uketsuke.alerts (
  id         bigserial primary key,
  kiosk_id   text not null,
  local_id   bigint not null,
  reason     text not null,
  raised_at  text not null,
  cleared_at text,
  cleared_by text,
  unique (kiosk_id, local_id)
);
create index if not exists alerts_open on uketsuke.alerts (id) where cleared_at is null;
-- What each kiosk last reported for the desk (JSON: its hand-over to
-- the clinic system and its latest audit rows).
create table if not exists uketsuke.kiosk_reports (
  kiosk_id   text primary key,
  updated_at text not null,
  report     text not null
);
-- What each kiosk last reported of its devices and installation (JSON).
create table if not exists uketsuke.kiosk_status (
  kiosk_id   text primary key,
  updated_at text not null,
  devices    text not null
);
`

// Notification channels.
const (
	// chanQueue carries a kiosk id whenever the queue changed.
	chanQueue = "uketsuke_queue"
	// chanActions carries the kiosk id that has desk actions to apply.
	chanActions = "uketsuke_actions"
)

// ErrNewerSchema: the shared queue was made by a newer Uketsuke.
var ErrNewerSchema = errors.New("the site queue is from a newer version of Uketsuke")

// Migrate creates the shared queue's tables when missing, under an
// advisory lock (kiosks starting together), and refuses a newer schema.
func Migrate(ctx context.Context, conn *pgx.Conn) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("site queue schema: %w", err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `select pg_advisory_xact_lock(7711)`); err != nil {
		return fmt.Errorf("site queue schema: %w", err)
	}
	if _, err := tx.Exec(ctx, ddl); err != nil {
		return fmt.Errorf("site queue schema: %w", err)
	}
	var have int
	err = tx.QueryRow(ctx, `select version from uketsuke.meta`).Scan(&have)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		if _, err := tx.Exec(ctx, `insert into uketsuke.meta values (1, $1)`, schemaVersion); err != nil {
			return fmt.Errorf("site queue schema: %w", err)
		}
	case err != nil:
		return fmt.Errorf("site queue schema: %w", err)
	case have > schemaVersion:
		return fmt.Errorf("%w: schema %d, this version knows %d", ErrNewerSchema, have, schemaVersion)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("site queue schema: %w", err)
	}
	return nil
}
