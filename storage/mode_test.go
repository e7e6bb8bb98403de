package storage

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
)

// TestModesAreSetAtEveryStart: a data directory and database someone
// loosened are made private again when the kiosk starts; the WAL and a
// backup are private too.
func TestModesAreSetAtEveryStart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "uketsuke.db")
	st, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Append(context.Background(), kiosk.AuditEntry{Actor: "t", Action: "x", Outcome: "y"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	os.Chmod(dir, 0o755)
	os.Chmod(path, 0o644)
	st, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Append(context.Background(), kiosk.AuditEntry{Actor: "t", Action: "x", Outcome: "z"}); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "copy.db")
	if err := st.Backup(context.Background(), backup); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600, path + "-wal": 0o600, path + "-shm": 0o600, backup: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %04o, want %04o", filepath.Base(p), got, want)
		}
	}
}

// TestRealKioskRefusesADemoStore: the demo marks its store, and what a
// demo wrote into a store (its staff account) is recognised too.
func TestRealKioskRefusesADemoStore(t *testing.T) {
	ctx := context.Background()
	st, err := Open(filepath.Join(t.TempDir(), "a.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CheckNotDemo(ctx); err != nil {
		t.Fatalf("a fresh store: %v", err)
	}
	if err := st.MarkDemo(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.CheckNotDemo(ctx); !errors.Is(err, ErrDemoStore) {
		t.Fatalf("marked: %v", err)
	}
	legacy, err := Open(filepath.Join(t.TempDir(), "b.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer legacy.Close()
	if err := legacy.AddStaff(ctx, "7", "デモ職員", "314159", "demo"); err != nil {
		t.Fatal(err)
	}
	if err := legacy.CheckNotDemo(ctx); !errors.Is(err, ErrDemoStore) {
		t.Fatalf("a store with the demo's staff account: %v", err)
	}
}

// TestPurgeByAgeLeavesNothingInTheFile: without a sync target, visits are
// purged by age; the purged name is gone from the database file and its
// WAL, not just from the rows.
func TestPurgeByAgeLeavesNothingInTheFile(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 10, 9, 0, 0, 0, jst)}
	s, path := openTest(t, Options{Clock: c})
	ctx := context.Background()
	v := visit(c.Now())
	v.Eligibility.Name = "消去　確認子"
	if _, err := s.Register(ctx, v); err != nil {
		t.Fatal(err)
	}
	raw := func() []byte {
		var all []byte
		for _, p := range []string{path, path + "-wal"} {
			b, _ := os.ReadFile(p)
			all = append(all, b...)
		}
		return all
	}
	if !bytes.Contains(raw(), []byte("消去　確認子")) {
		t.Fatal("the name is not in the file to begin with")
	}
	c.set(c.Now().AddDate(0, 0, 91))
	if n, _ := s.Purge(ctx, Retention{Days: 90}); n != 0 {
		t.Fatalf("an unsynced visit was purged by the sync rule: %d", n)
	}
	if n, err := s.Purge(ctx, Retention{Days: 90, ByAge: true}); err != nil || n != 1 {
		t.Fatalf("purge by age: %d, %v", n, err)
	}
	if bytes.Contains(raw(), []byte("消去　確認子")) {
		t.Error("the purged name is still readable in the database file or its WAL")
	}
}

// TestOnlyCorruptionMovesTheDatabaseAside: a migration that fails leaves
// the database where it is, untouched, with the error; only damage moves it.
func TestOnlyCorruptionMovesTheDatabaseAside(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Make the next migration fail: its table already exists, and the
	// version says it has not run.
	s.db.Exec(`drop table settings`)
	s.db.Exec(`create table settings (x int)`)
	s.db.Exec(`pragma user_version = 6`)
	s.Close()
	before, _ := os.ReadFile(path)
	if _, err := Open(path, Options{}); err == nil {
		t.Fatal("a failed migration was not reported")
	}
	if m, _ := filepath.Glob(path + ".corrupt-*"); len(m) != 0 {
		t.Fatalf("a database whose migration failed was moved aside: %v", m)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("the database was changed")
	}
}
