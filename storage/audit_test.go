package storage

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uketsuke/uketsuke/kiosk"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func appendN(t *testing.T, s *Store, n int) {
	t.Helper()
	for i := range n {
		if err := s.Append(context.Background(), kiosk.AuditEntry{Actor: "7", Action: "visit.status", Outcome: string(rune('a' + i))}); err != nil {
			t.Fatal(err)
		}
	}
}

func wantAuditError(t *testing.T, err error, problem string) {
	t.Helper()
	var ae *AuditError
	if !errors.As(err, &ae) || !strings.Contains(ae.Error(), problem) {
		t.Errorf("got %v, want an audit error about %q", err, problem)
	}
}

// TestKeyedChainCannotBeRewrittenWithoutTheKey: someone who can write the
// database recomputes the chain after an edit — with a plain hash, or with
// a key of their own — and verification still fails.
func TestKeyedChainCannotBeRewrittenWithoutTheKey(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t, Options{AuditKey: testKey})
	appendN(t, s, 5)
	if n, err := s.VerifyAudit(ctx); err != nil || n != 5 {
		t.Fatalf("intact: %d, %v", n, err)
	}
	// Rewrite row 3 and re-chain everything as the attacker can.
	forge := func(key []byte) {
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			_, err := rechain(ctx, tx, key, func(r *auditRow) {
				if r.id == 3 {
					r.outcome = "edited"
				}
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	forge(nil)
	_, err := s.VerifyAudit(ctx)
	wantAuditError(t, err, "not keyed")
	forge([]byte("the attacker's own key, 32 bytes"))
	_, err = s.VerifyAudit(ctx)
	wantAuditError(t, err, "keyed hash")
	// Without the key a keyed log cannot be appended to or verified.
	nokey := *s
	nokey.o.AuditKey = nil
	if err := nokey.Append(ctx, kiosk.AuditEntry{Actor: "x", Action: "y", Outcome: "z"}); !errors.Is(err, ErrAuditKey) {
		t.Errorf("append without the key: %v", err)
	}
}

// TestPublishedHeadCatchesTruncationAndRollback: cutting the tail and
// moving the head keeps the chain self-consistent; only the published
// head shows it. The same for an older copy of the database put back.
func TestPublishedHeadCatchesTruncationAndRollback(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t, Options{AuditKey: testKey})
	appendN(t, s, 4)
	old := filepath.Join(t.TempDir(), "old.db")
	if err := s.Backup(ctx, old); err != nil {
		t.Fatal(err)
	}
	appendN(t, s, 3)
	published, err := s.AuditHead(ctx)
	if err != nil || published.Count != 7 || published.DB == "" {
		t.Fatalf("head %+v, %v", published, err)
	}
	if _, err := s.VerifyAgainst(ctx, published); err != nil {
		t.Fatalf("intact against its head: %v", err)
	}
	appendN(t, s, 1) // more rows after publication are fine
	if _, err := s.VerifyAgainst(ctx, published); err != nil {
		t.Fatalf("a longer chain: %v", err)
	}
	// Cut the last three rows and move the head back: the chain alone still verifies.
	var h5 string
	s.db.QueryRow(`select hash from audit where id = 5`).Scan(&h5)
	s.db.Exec(`delete from audit where id > 5`)
	s.db.Exec(`update audit_head set count = 5, hash = ?`, h5)
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Fatalf("the cut chain should be self-consistent: %v", err)
	}
	_, err = s.VerifyAgainst(ctx, published)
	wantAuditError(t, err, "older copy of the database put back")
	s.Close()

	// An older copy put back in place of the database.
	b, _ := os.ReadFile(old)
	os.Remove(path + "-wal")
	os.Remove(path + "-shm")
	os.WriteFile(path, b, 0o600)
	back, err := Open(path, Options{AuditKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if _, err := back.VerifyAudit(ctx); err != nil {
		t.Fatalf("the old copy is self-consistent: %v", err)
	}
	_, err = back.VerifyAgainst(ctx, published)
	wantAuditError(t, err, "older copy of the database put back")
}

// TestUnkeyedChainIsRekeyedOnceWhenIntact: a log written before the key
// existed is re-chained with the key at open, after it verified.
func TestUnkeyedChainIsRekeyedOnceWhenIntact(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t, Options{})
	appendN(t, s, 3)
	s.Close()
	k, err := Open(path, Options{AuditKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := k.VerifyAudit(ctx); err != nil || n != 4 {
		t.Fatalf("rekeyed: %d rows, %v (3 and the rekey row)", n, err)
	}
	rows, _ := k.RecentAudit(ctx, 1)
	if rows[0].Action != "audit.rekey" {
		t.Fatalf("newest row %+v", rows[0])
	}
	k.Close()

	// A tampered unkeyed log is not laundered into a keyed one.
	s2, path2 := openTest(t, Options{})
	appendN(t, s2, 3)
	s2.db.Exec(`update audit set outcome = 'edited' where id = 2`)
	s2.Close()
	k2, err := Open(path2, Options{AuditKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	defer k2.Close()
	_, err = k2.VerifyAudit(ctx)
	wantAuditError(t, err, "not keyed")
}

func TestLoadAuditKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "etc", "audit.key")
	if _, _, err := LoadAuditKey(path, false); err == nil {
		t.Error("a missing key was accepted without create")
	}
	k, created, err := LoadAuditKey(path, true)
	if err != nil || !created || len(k) != AuditKeyBytes {
		t.Fatalf("create: %x %v %v", k, created, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %04o", fi.Mode().Perm())
	}
	again, created, err := LoadAuditKey(path, true)
	if err != nil || created || string(again) != string(k) {
		t.Fatalf("reload: %v %v", created, err)
	}
	os.Chmod(path, 0o644)
	if _, _, err := LoadAuditKey(path, true); err == nil {
		t.Error("a world-readable key was accepted")
	}
}

// TestCorruptDatabaseKeepsItsAuditRowsReadable: a database whose visit
// pages are damaged is moved aside, and its audit rows are written beside
// it for staff.
func TestCorruptDatabaseKeepsItsAuditRowsReadable(t *testing.T) {
	s, path := openTest(t, Options{AuditKey: testKey})
	appendN(t, s, 5)
	for range 300 {
		if _, err := s.Register(context.Background(), visit(s.o.Clock.Now())); err != nil {
			t.Fatal(err)
		}
	}
	s.db.Exec(`pragma wal_checkpoint(TRUNCATE)`)
	s.Close()
	b, _ := os.ReadFile(path)
	// Damage a page near the end (the visits written last), not the audit pages.
	page := 4096
	at := len(b) - 3*page
	copy(b[at+100:at+page-100], []byte(strings.Repeat("\xde\xad", (page-200)/2)))
	os.WriteFile(path, b, 0o600)
	re, err := Open(path, Options{AuditKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	defer re.Close()
	if re.Recovered == "" {
		t.Fatal("the damage did not make the file fail integrity_check")
	}
	kept, err := os.ReadFile(re.Recovered + ".audit.jsonl")
	if err != nil || strings.Count(string(kept), "\n") < 5 || !strings.Contains(string(kept), `"action":"visit.status"`) {
		t.Fatalf("audit rows kept: %v\n%s", err, kept)
	}
	if fi, _ := os.Stat(re.Recovered + ".audit.jsonl"); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %04o", fi.Mode().Perm())
	}
}
