// Package storage is the kiosk's local store on SQLite (WAL): the visit
// queue with gapless 受付番号 per Tokyo business day, a hash-chained audit
// log, and the outbox of visit events for the clinic system. A check-in
// (visit + audit row + outbox row) is one transaction, acknowledged only
// once it is durable (synchronous=FULL: the WAL is fsynced at commit).
//
// It never stores a PIN, a face image, a descriptor or a 個人番号: the
// kiosk types it is given carry none.
package storage

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/uketsuke/uketsuke/kiosk"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Errors callers act on.
var (
	// ErrNewerSchema: the database was written by a newer Uketsuke; it is
	// left untouched.
	ErrNewerSchema = errors.New("database is from a newer version of Uketsuke")
	// ErrDiskFull: the disk is full; nothing was stored.
	ErrDiskFull = errors.New("disk full")
	// ErrNotFound: no such visit.
	ErrNotFound = errors.New("no such visit")
	// ErrNotAllowed: the visit's state does not allow the change (a
	// finished or cancelled visit called).
	ErrNotAllowed = errors.New("not allowed in the visit's state")
)

// Options configure a Store.
type Options struct {
	KioskID string // recorded with every visit; counters are per kiosk
	Prefix  string // 受付番号 prefix
	Clock   kiosk.Clock
	Log     *slog.Logger
	// AuditKey keys the audit chain (HMAC-SHA256); it is kept outside the
	// database (see LoadAuditKey). Without it the chain is only hashed.
	AuditKey []byte
	// RetryAfter is the wait before the first retry of a failed delivery,
	// doubling at each failure up to RetryMax: 30 s and 10 min when zero
	// (ORCA back after an outage gets the waiting patients within minutes).
	RetryAfter, RetryMax time.Duration

	synchronous string // "FULL" unless a benchmark compares another mode
}

// Store is the local database. Safe for concurrent use.
type Store struct {
	db   *sql.DB
	path string
	o    Options
	// Recovered names the file a corrupt database was moved to when Open
	// found one, for staff; empty otherwise.
	Recovered string
}

// Open opens (creating or migrating) the database at path. A corrupt
// database is moved aside and a fresh one started; a database from a newer
// version is refused and left as it is.
func Open(path string, o Options) (*Store, error) {
	if o.Clock == nil {
		o.Clock = kiosk.SystemClock{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.KioskID == "" {
		o.KioskID = "kiosk-1"
	}
	if err := privateFiles(path); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	s := &Store{path: path, o: o}
	db, err := s.openChecked()
	if isCorrupt(err) {
		moved, merr := moveAside(path, o.Clock.Now())
		if merr != nil {
			return nil, fmt.Errorf("open store: %w (and moving it aside failed: %w)", err, merr)
		}
		o.Log.Error("database corrupt; moved aside and started a new one", "moved_to", moved, "err", err)
		s.Recovered = moved
		if n, serr := salvageAudit(moved); serr != nil {
			o.Log.Error("audit rows of the corrupt database could not all be read", "read", n, "err", serr)
		} else {
			o.Log.Info("audit rows of the corrupt database kept for staff", "rows", n, "file", moved+".audit.jsonl")
		}
		db, err = s.openChecked()
	}
	if err != nil {
		return nil, err
	}
	s.db = db
	if err := s.rekey(context.Background()); err != nil {
		o.Log.Error("audit log not re-keyed", "err", err)
	}
	return s, nil
}

// privateFiles makes the data directory 0700 and the database and its
// WAL 0600, at every start (not only when created), and creates the
// database file 0600 so SQLite's journal files inherit that mode.
func privateFiles(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDONLY, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// dsn: WAL; synchronous=FULL so that a commit survives power loss (see
// BenchmarkCheckIn for its cost); immediate transactions so that writers
// queue on the busy timeout instead of failing on upgrade; secure_delete
// so that purged personal data is overwritten, not left in free pages.
func dsn(path, synchronous string) string {
	if synchronous == "" {
		synchronous = "FULL"
	}
	return "file:" + path + "?_journal_mode=WAL&_synchronous=" + synchronous + "&_busy_timeout=10000&_foreign_keys=on&_txlock=immediate&_secure_delete=on"
}

func (s *Store) openChecked() (*sql.DB, error) {
	db, err := sql.Open("sqlite3", dsn(s.path, s.o.synchronous))
	if err != nil {
		return nil, err
	}
	var res string
	if err := db.QueryRow("pragma integrity_check").Scan(&res); err != nil {
		db.Close()
		return nil, fmt.Errorf("integrity check: %w", err)
	}
	if res != "ok" {
		db.Close()
		return nil, fmt.Errorf("%w: %s", errIntegrity, res)
	}
	if err := migrate(db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// migrate applies the embedded migrations above PRAGMA user_version.
func migrate(db *sql.DB) error {
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	slices.Sort(files)
	var have int
	if err := db.QueryRow("pragma user_version").Scan(&have); err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	if have > len(files) {
		return fmt.Errorf("%w: schema %d, this version knows %d", ErrNewerSchema, have, len(files))
	}
	for i := have; i < len(files); i++ {
		body, err := migrations.ReadFile(files[i])
		if err != nil {
			return err
		}
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		if _, err := tx.Exec(string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", files[i], err)
		}
		if _, err := tx.Exec("pragma user_version = " + strconv.Itoa(i+1)); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", files[i], err)
		}
	}
	return nil
}

// moveAside renames a database and its WAL files out of the way.
func moveAside(path string, now time.Time) (string, error) {
	dst := fmt.Sprintf("%s.corrupt-%s", path, now.UTC().Format("20060102T150405"))
	if err := os.Rename(path, dst); err != nil {
		return "", err
	}
	for _, ext := range []string{"-wal", "-shm"} {
		if err := os.Rename(path+ext, dst+ext); err != nil && !errors.Is(err, os.ErrNotExist) {
			return dst, err
		}
	}
	return dst, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Path is the database file.
func (s *Store) Path() string { return s.path }

// inTx runs f in one transaction, rolling back on error or panic.
func (s *Store) inTx(ctx context.Context, f func(tx *sql.Tx) error) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return wrapDB("begin", err)
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
		if err != nil {
			if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
				err = errors.Join(err, rerr)
			}
		}
	}()
	if err := f(tx); err != nil {
		return err
	}
	return wrapDB("commit", tx.Commit())
}

// errIntegrity is a database that integrity_check finds damaged.
var errIntegrity = errors.New("integrity check failed")

// isCorrupt reports whether err means the file itself is damaged (a failed
// integrity check, SQLite's corrupt or not-a-database): only then is it
// moved aside. A permission error, a failed migration or a full disk stops
// with the error and touches nothing.
func isCorrupt(err error) bool {
	var se sqlite3.Error
	return errors.Is(err, errIntegrity) || errors.As(err, &se) && (se.Code == sqlite3.ErrCorrupt || se.Code == sqlite3.ErrNotADB)
}

func isDiskFull(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrFull || se.Code == sqlite3.ErrIoErr && strings.Contains(se.Error(), "disk"))
}

// wrapDB adds context and turns a full disk into ErrDiskFull.
func wrapDB(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case isDiskFull(err):
		return fmt.Errorf("%s: %w: %w", op, ErrDiskFull, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// StampLayout is how times are kept in the database (and in the site
// queue): UTC, milliseconds; stamps sort as text.
const StampLayout = "2006-01-02T15:04:05.000Z"

// stamp formats a time for the database.
func stamp(t time.Time) string { return t.UTC().Format(StampLayout) }
