package storage

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/totp"
)

// Staff login policy.
const (
	StaffMaxFailures = 5                // consecutive wrong PINs before the lock
	StaffLockout     = 15 * time.Minute // how long the lock lasts
	StaffPINMin      = 6                // digits
	StaffPINMax      = 12
)

// argon2id parameters (RFC 9106's second recommendation, sized for a
// 2-core kiosk: about 50 ms per login).
const (
	argonTime    = 3
	argonMemory  = 64 * 1024 // KiB
	argonThreads = 2
	argonKeyLen  = 32
)

// Staff login errors.
var (
	ErrBadLogin      = errors.New("wrong staff ID or PIN")
	ErrStaffExists   = errors.New("staff ID already exists")
	ErrStaffDisabled = errors.New("staff account disabled")
)

// LockedError is a staff account locked after too many wrong PINs.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string {
	return "staff account locked until " + e.Until.UTC().Format(time.RFC3339)
}

// StaffAccount is a staff account as listed (never the hash).
type StaffAccount struct {
	ID, Name    string
	Disabled    bool
	Failures    int
	LockedUntil string
	CreatedAt   string
}

var staffIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)

// CheckStaffPIN reports whether pin is acceptable for a staff account.
func CheckStaffPIN(pin string) error {
	if len(pin) < StaffPINMin || len(pin) > StaffPINMax || strings.Trim(pin, "0123456789") != "" {
		return fmt.Errorf("staff PIN must be %d to %d digits", StaffPINMin, StaffPINMax)
	}
	return nil
}

// AddStaff creates a staff account; actor is who added it (audited).
func (s *Store) AddStaff(ctx context.Context, id, name, pin, actor string) error {
	if !staffIDPattern.MatchString(id) {
		return fmt.Errorf("staff ID %q: use 1-32 letters, digits, '.', '_' or '-'", id)
	}
	if err := CheckStaffPIN(pin); err != nil {
		return err
	}
	hash, err := hashPIN(pin)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `insert into staff (id, name, pin_hash, created_at) values (?, ?, ?, ?) on conflict (id) do nothing`,
			id, name, hash, stamp(s.o.Clock.Now()))
		if err != nil {
			return wrapDB("add staff", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("add staff %s: %w", id, ErrStaffExists)
		}
		return s.appendTx(ctx, tx, kiosk.AuditEntry{Actor: actor, Action: "staff.add", Outcome: id})
	})
}

// ListStaff lists the staff accounts.
func (s *Store) ListStaff(ctx context.Context) ([]StaffAccount, error) {
	rows, err := s.db.QueryContext(ctx, `select id, name, disabled, failures, coalesce(locked_until, ''), created_at from staff order by id`)
	if err != nil {
		return nil, wrapDB("list staff", err)
	}
	defer rows.Close()
	var out []StaffAccount
	for rows.Next() {
		var a StaffAccount
		if err := rows.Scan(&a.ID, &a.Name, &a.Disabled, &a.Failures, &a.LockedUntil, &a.CreatedAt); err != nil {
			return nil, wrapDB("list staff", err)
		}
		out = append(out, a)
	}
	return out, wrapDB("list staff", rows.Err())
}

// DisableStaff disables an account (it can no longer log in).
func (s *Store) DisableStaff(ctx context.Context, id, actor string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `update staff set disabled = 1 where id = ?`, id)
		if err != nil {
			return wrapDB("disable staff", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("disable staff %s: %w", id, ErrBadLogin)
		}
		return s.appendTx(ctx, tx, kiosk.AuditEntry{Actor: actor, Action: "staff.disable", Outcome: id})
	})
}

// StaffLogin checks a staff PIN. Every attempt is audited (the ID, never
// the PIN); StaffMaxFailures wrong PINs in a row lock the account for
// StaffLockout. An unknown ID costs the same hashing time as a known one.
func (s *Store) StaffLogin(ctx context.Context, id, pin string) error {
	return s.login(ctx, id, pin, nil, "staff.login")
}

// DeskLogin checks a staff PIN and the TOTP code of the account's second
// factor, for the desk console: a wrong PIN or a wrong code counts as a
// failure towards the lock, and each code is accepted once. An account
// without a second factor cannot log in (ErrNoSecondFactor).
func (s *Store) DeskLogin(ctx context.Context, id, pin, code string) error {
	return s.login(ctx, id, pin, &code, "desk.login")
}

// ErrNoSecondFactor is a desk login by an account without TOTP enrolled.
var ErrNoSecondFactor = errors.New("no second factor enrolled: run uketsuke staff totp ID")

// login checks the PIN and, when code is not nil, the TOTP code.
func (s *Store) login(ctx context.Context, id, pin string, code *string, action string) error {
	now := s.o.Clock.Now()
	var hash, lockedUntil, secret string
	var disabled bool
	var failures int
	var lastStep int64
	err := s.db.QueryRowContext(ctx, `select pin_hash, disabled, failures, coalesce(locked_until, ''), coalesce(totp_secret, ''), totp_step
		from staff where id = ?`, id).Scan(&hash, &disabled, &failures, &lockedUntil, &secret, &lastStep)
	known := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return wrapDB("staff login", err)
	}
	if !known {
		hash = dummyHash()
	}
	ok := verifyPIN(hash, pin) && known
	secondOK, step := true, lastStep
	if code != nil {
		step, secondOK = totp.Verify(secret, *code, now, lastStep)
	}
	audit := func(tx *sql.Tx, outcome string) error {
		actor := id
		if !known {
			actor = "unknown-staff"
		}
		return s.appendTx(ctx, tx, kiosk.AuditEntry{Actor: actor, Action: action, Outcome: outcome})
	}
	// The failure count and the audit row must be committed even though
	// the login fails: the transaction returns nil and the verdict is kept.
	var verdict error
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		outcome := ""
		switch until, perr := time.Parse(StampLayout, lockedUntil); {
		case perr == nil && now.Before(until):
			outcome, verdict = "locked", &LockedError{Until: until}
		case !known:
			outcome, verdict = "unknown", ErrBadLogin
		case disabled:
			outcome, verdict = "disabled", ErrStaffDisabled
		case ok && code != nil && secret == "":
			outcome, verdict = "no-second-factor", ErrNoSecondFactor
		case ok && secondOK:
			if _, err := tx.ExecContext(ctx, `update staff set failures = 0, locked_until = null, totp_step = ? where id = ?`, step, id); err != nil {
				return wrapDB("staff login", err)
			}
			outcome = "ok"
		default:
			failures++
			var until any
			outcome, verdict = fmt.Sprintf("wrong-pin:%d", failures), ErrBadLogin
			if ok {
				outcome = fmt.Sprintf("wrong-totp:%d", failures)
			}
			if failures >= StaffMaxFailures {
				locked := &LockedError{Until: now.Add(StaffLockout)}
				until, failures = stamp(locked.Until), 0
				outcome, verdict = "locked-out", locked
			}
			if _, err := tx.ExecContext(ctx, `update staff set failures = ?, locked_until = ? where id = ?`, failures, until, id); err != nil {
				return wrapDB("staff login", err)
			}
		}
		return audit(tx, outcome)
	})
	return errors.Join(err, verdict)
}

// dummyHash is verified against for unknown IDs, so that timing does not
// tell which IDs exist. Computed on first use: it costs a hash.
var dummyHash = sync.OnceValue(func() string {
	h, err := hashPIN("000000")
	if err != nil {
		panic(err)
	}
	return h
})

func hashPIN(pin string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash PIN: %w", err)
	}
	key := argon2.IDKey([]byte(pin), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

func verifyPIN(encoded, pin string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pin), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// SetTOTP enrols secret as the account's second factor for the desk
// console (replacing any before), audited as actor.
func (s *Store) SetTOTP(ctx context.Context, id, secret, actor string) error {
	if _, err := totp.Code(secret, time.Now()); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `update staff set totp_secret = ?, totp_step = 0 where id = ?`, secret, id)
		if err != nil {
			return wrapDB("set totp", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("staff %s: %w", id, ErrNotFound)
		}
		return s.appendTx(ctx, tx, kiosk.AuditEntry{Actor: actor, Action: "staff.totp", Outcome: "enrolled:" + id})
	})
}

// MoveUp moves a waiting visit one place up this kiosk's queue of day.
func (s *Store) MoveUp(ctx context.Context, day, number, actor string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `select id, number, coalesce(queue_pos, seq) from visits
			where business_day = ? and kiosk_id = ? and status = ? order by coalesce(queue_pos, seq)`, day, s.o.KioskID, StatusWaiting)
		if err != nil {
			return wrapDB("move up", err)
		}
		type entry struct {
			id, number string
			pos        float64
		}
		var q []entry
		for rows.Next() {
			var e entry
			if err := rows.Scan(&e.id, &e.number, &e.pos); err != nil {
				rows.Close()
				return wrapDB("move up", err)
			}
			q = append(q, e)
		}
		rows.Close()
		for i, e := range q {
			if e.number != number {
				continue
			}
			if i == 0 {
				return nil // already first
			}
			prev := q[i-1]
			if _, err := tx.ExecContext(ctx, `update visits set queue_pos = ? where id = ?`, prev.pos, e.id); err != nil {
				return wrapDB("move up", err)
			}
			if _, err := tx.ExecContext(ctx, `update visits set queue_pos = ? where id = ?`, e.pos, prev.id); err != nil {
				return wrapDB("move up", err)
			}
			return s.appendTx(ctx, tx, kiosk.AuditEntry{Actor: actor, Action: "visit.move-up", Outcome: "ok", VisitID: e.id})
		}
		return fmt.Errorf("move up %s: %w", number, ErrNotFound)
	})
}

// AuditRow is one audit log row for the staff view.
type AuditRow struct {
	KioskID                           string // the kiosk whose store holds it
	ID                                int64
	At, Actor, Action, Outcome, Visit string
}

// RecentAudit returns the last n audit rows, newest first.
func (s *Store) RecentAudit(ctx context.Context, n int) ([]AuditRow, error) {
	rows, err := s.db.QueryContext(ctx, `select id, at, actor, action, outcome, coalesce(visit_id, '') from audit order by id desc limit ?`, n)
	if err != nil {
		return nil, wrapDB("recent audit", err)
	}
	defer rows.Close()
	var out []AuditRow
	for rows.Next() {
		r := AuditRow{KioskID: s.o.KioskID}
		if err := rows.Scan(&r.ID, &r.At, &r.Actor, &r.Action, &r.Outcome, &r.Visit); err != nil {
			return nil, wrapDB("recent audit", err)
		}
		out = append(out, r)
	}
	return out, wrapDB("recent audit", rows.Err())
}
