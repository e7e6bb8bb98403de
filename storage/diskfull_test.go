package storage

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestDiskFull fills a small tmpfs: the check-in that does not fit fails
// with ErrDiskFull, and everything stored before is intact. It mounts the
// tmpfs itself, so it needs root (make test and CI run as root).
func TestDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("TestDiskFull mounts a tmpfs and must run as root (as make test does)")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	s, err := Open(filepath.Join(dir, "kiosk.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, jst)
	big := visit(at)
	big.Eligibility.Message = string(make([]byte, 4000)) // fill the disk faster
	stored := 0
	var full error
	for range 5000 {
		if _, err := s.Register(ctx, big); err != nil {
			full = err
			break
		}
		stored++
	}
	if !errors.Is(full, ErrDiskFull) {
		t.Fatalf("after %d check-ins: %v, want disk full", stored, full)
	}
	// Nothing already stored is damaged.
	if err := s.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := s.List(ctx, "2026-11-25")
	if err != nil || len(rows) != stored {
		t.Fatalf("%d visits readable, %d stored: %v", len(rows), stored, err)
	}
	t.Logf("disk full after %d check-ins; all %d intact", stored, len(rows))
}
