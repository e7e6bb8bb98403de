package sitequeue

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Probe is what doctor learns of the shared queue without changing it.
type Probe struct {
	Server      string // host:port/database, no credentials
	Schema      int    // 0: no tables yet (made at a kiosk's first connect)
	PrefixOwner string // the kiosk holding the prefix asked about; "" for none
	Kiosks      int    // kiosks known to the shared queue
	Link        string // the link the prefix's kiosk registered for desks; "" for none
	Desks       int    // desks registered for the kiosks' links
}

// Look connects to dsn and reads the schema version, who holds prefix and
// how many kiosks there are.
func Look(ctx context.Context, dsn, prefix string) (Probe, error) {
	var p Probe
	conn, err := connect(ctx, dsn)
	if err != nil {
		return p, err
	}
	defer conn.Close(context.Background())
	cfg := conn.Config()
	p.Server = fmt.Sprintf("%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
	var exists bool
	if err := conn.QueryRow(ctx, `select to_regclass('uketsuke.meta') is not null`).Scan(&exists); err != nil || !exists {
		return p, err
	}
	if err := conn.QueryRow(ctx, `select version from uketsuke.meta`).Scan(&p.Schema); err != nil {
		return p, fmt.Errorf("site queue: schema: %w", err)
	}
	if err := conn.QueryRow(ctx, `select count(*) from uketsuke.kiosks`).Scan(&p.Kiosks); err != nil {
		return p, fmt.Errorf("site queue: kiosks: %w", err)
	}
	err = conn.QueryRow(ctx, `select kiosk_id, coalesce(link_addr, '') from uketsuke.kiosks where prefix = $1`, prefix).Scan(&p.PrefixOwner, &p.Link)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return p, fmt.Errorf("site queue: prefix: %w", err)
	}
	if err := conn.QueryRow(ctx, `select count(*) from uketsuke.desks`).Scan(&p.Desks); err != nil {
		return p, fmt.Errorf("site queue: desks: %w", err)
	}
	return p, nil
}

// Newer reports whether the shared queue was made by a newer Uketsuke.
func (p Probe) Newer() bool { return p.Schema > schemaVersion }
