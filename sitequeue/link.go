package sitequeue

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Link is where desks reach a kiosk for 目視確認 (kiosklink over TLS).
type Link struct {
	KioskID string
	Addr    string // host:port
	Cert    string // SHA-256 of the kiosk's link certificate, hex
}

// ErrUnknownDesk: a client certificate that no desk of the site
// registered.
var ErrUnknownDesk = errors.New("not a desk of this site")

// Desks answers a kiosk's link: is this client certificate a desk's? A
// desk found is remembered for a minute; one not found is asked of
// PostgreSQL each time (a desk just started is let in at once).
type Desks struct {
	DSN string

	mu    sync.Mutex
	known map[string]time.Time // fingerprint → until when it is believed
}

// deskMemory is how long a desk found is believed without asking again
// (a desk removed from uketsuke.desks is refused after at most this).
const deskMemory = time.Minute

// Check returns nil for a registered desk's certificate fingerprint,
// ErrUnknownDesk for another, and an error when PostgreSQL does not
// answer (the link is then refused: no desk is let in unchecked).
func (d *Desks) Check(ctx context.Context, fingerprint string) error {
	d.mu.Lock()
	until, ok := d.known[fingerprint]
	d.mu.Unlock()
	if ok && time.Now().Before(until) {
		return nil
	}
	conn, err := connect(ctx, d.DSN)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	var one int
	err = conn.QueryRow(ctx, `select 1 from uketsuke.desks where fingerprint = $1`, fingerprint).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrUnknownDesk
	}
	if err != nil {
		return fmt.Errorf("site queue: desks: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.known == nil {
		d.known = map[string]time.Time{}
	}
	d.known[fingerprint] = time.Now().Add(deskMemory)
	return nil
}

// RegisterDesk records this desk's link client certificate, so the
// kiosks' links accept it.
func (q *Queue) RegisterDesk(ctx context.Context, fingerprint, name string) error {
	if err := q.ready(ctx); err != nil {
		return err
	}
	_, err := q.pool.Exec(ctx, `insert into uketsuke.desks (fingerprint, name) values ($1, $2)
		on conflict (fingerprint) do update set name = excluded.name, seen_at = now()`, fingerprint, name)
	return wrap("register the desk", err)
}

// Links returns every kiosk that serves a link, by kiosk id.
func (q *Queue) Links(ctx context.Context) ([]Link, error) {
	return rowsOf(ctx, q, "links", `select kiosk_id, link_addr, link_cert from uketsuke.kiosks
		where link_addr is not null and link_cert is not null order by kiosk_id`, func(row pgx.CollectableRow) (Link, error) {
		var l Link
		err := row.Scan(&l.KioskID, &l.Addr, &l.Cert)
		return l, err
	})
}
