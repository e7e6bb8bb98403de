package retention

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestSweepRemovesOnlyOldMatchingFiles(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	write := func(name string, age time.Duration) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte("x"), 0o600)
		os.Chtimes(p, now.Add(-age), now.Add(-age))
		return p
	}
	old := write("uketsuke-visits-2026-08-01.csv", 120*24*time.Hour)
	fresh := write("uketsuke-visits-2026-11-30.csv", 24*time.Hour)
	other := write("notes.txt", 400*24*time.Hour)
	fifo := filepath.Join(dir, "uketsuke-visits-fifo.csv")
	syscall.Mkfifo(fifo, 0o600)
	os.Chtimes(fifo, now.Add(-400*24*time.Hour), now.Add(-400*24*time.Hour))
	corrupt := write("uketsuke.db.corrupt-20260101T000000", 200*24*time.Hour)
	salvaged := write("uketsuke.db.corrupt-20260101T000000.audit.jsonl", 200*24*time.Hour)
	n, err := Sweep([]Files{{dir, "uketsuke-visits-*", ""}, {dir, "uketsuke.db.corrupt-*", "*.audit.jsonl"}, {filepath.Join(dir, "missing"), "*", ""}}, 90*24*time.Hour, now)
	if err != nil || n != 2 {
		t.Fatalf("removed %d, %v", n, err)
	}
	for p, want := range map[string]bool{old: false, fresh: true, other: true, fifo: true, corrupt: false, salvaged: true} {
		if _, err := os.Lstat(p); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", filepath.Base(p), err == nil, want)
		}
	}
}
