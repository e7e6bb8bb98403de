package audithead

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/storage"
)

func TestPublishedHeadsAreFoundAgain(t *testing.T) {
	dir := t.TempDir()
	p := Places{Ledger: filepath.Join(dir, "etc", "audit-heads.jsonl"), ExportDir: filepath.Join(dir, "export")}
	at := time.Date(2026, 11, 30, 15, 30, 0, 0, time.UTC) // 2026-12-01 in Tokyo
	for _, h := range []storage.Head{
		{Count: 10, Hash: "k1:aa", At: at, Kiosk: "front-1", DB: "db1"},
		{Count: 12, Hash: "k1:bb", At: at.Add(time.Hour), Kiosk: "front-1", DB: "db1"},
		{Count: 99, Hash: "k1:cc", At: at, Kiosk: "front-1", DB: "demo"}, // another database
		{Count: 50, Hash: "k1:dd", At: at, Kiosk: "front-2", DB: "db1"},  // another kiosk
	} {
		if err := Publish(h, p); err != nil {
			t.Fatal(err)
		}
	}
	f, ok := Latest("front-1", "db1", p)
	if !ok || f.Head.Count != 12 || f.Head.Hash != "k1:bb" {
		t.Fatalf("latest %+v %v", f, ok)
	}
	if _, err := os.Stat(filepath.Join(p.ExportDir, "uketsuke-audit-head-2026-12-01.jsonl")); err != nil {
		t.Errorf("no head in the day's export: %v", err)
	}
	// The ledger alone is enough: a head deleted from the export is still found.
	os.RemoveAll(p.ExportDir)
	if f, ok := Latest("front-1", "db1", p); !ok || f.Head.Count != 12 || f.Source != p.Ledger {
		t.Fatalf("from the ledger: %+v %v", f, ok)
	}
	if fi, _ := os.Stat(p.Ledger); fi.Mode().Perm() != 0o600 {
		t.Errorf("ledger mode %04o", fi.Mode().Perm())
	}
	if _, ok := Latest("front-9", "db1", p); ok {
		t.Error("a head for an unknown kiosk")
	}
}
