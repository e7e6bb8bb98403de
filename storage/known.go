package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"

	"github.com/uketsuke/uketsuke/kiosk"
)

// KnownCardDays is how long a card's last insurance numbers are kept
// without a visit.
const KnownCardDays = 400

func (s *Store) cardKey(ctx context.Context, serial string) (string, error) {
	var salt string
	if err := s.db.QueryRowContext(ctx, `select value from meta where key = 'card_salt'`).Scan(&salt); err != nil {
		return "", wrapDB("card salt", err)
	}
	h := sha256.Sum256([]byte(salt + "\x00" + serial))
	return hex.EncodeToString(h[:]), nil
}

// LastNumbers returns the insurance numbers the card with this certificate
// serial was last confirmed with.
func (s *Store) LastNumbers(ctx context.Context, serial string) (kiosk.NumbersQuery, bool, error) {
	key, err := s.cardKey(ctx, serial)
	if err != nil {
		return kiosk.NumbersQuery{}, false, err
	}
	var js string
	err = s.db.QueryRowContext(ctx, `select numbers from known_cards where card_key = ?`, key).Scan(&js)
	if errors.Is(err, sql.ErrNoRows) {
		return kiosk.NumbersQuery{}, false, nil
	}
	if err != nil {
		return kiosk.NumbersQuery{}, false, wrapDB("known card", err)
	}
	var q kiosk.NumbersQuery
	if err := json.Unmarshal([]byte(js), &q); err != nil {
		return kiosk.NumbersQuery{}, false, err
	}
	return q, true, nil
}

// Remember records the numbers a card was confirmed with.
func (s *Store) Remember(ctx context.Context, serial string, q kiosk.NumbersQuery) error {
	key, err := s.cardKey(ctx, serial)
	if err != nil {
		return err
	}
	js, _ := json.Marshal(q)
	_, err = s.db.ExecContext(ctx, `insert into known_cards (card_key, numbers, updated_at) values (?, ?, ?)
		on conflict (card_key) do update set numbers = excluded.numbers, updated_at = excluded.updated_at`,
		key, string(js), stamp(s.o.Clock.Now()))
	return wrapDB("remember card", err)
}
