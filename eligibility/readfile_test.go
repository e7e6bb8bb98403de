package eligibility

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
)

// TestReadFileRefusesWhatIsNotAPlainFile: a FIFO (which would block a
// plain open), a symlink out of the folder, a directory and an oversized
// file are refused at once; a plain file is read.
func TestReadFileRefusesWhatIsNotAPlainFile(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.xml")
	os.WriteFile(plain, []byte("<x/>"), 0o600)
	if b, err := ReadFile(plain); err != nil || string(b) != "<x/>" {
		t.Fatalf("plain: %q, %v", b, err)
	}
	fifo := filepath.Join(dir, "fifo.xml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(t.TempDir(), "outside")
	os.WriteFile(secret, []byte("not yours"), 0o600)
	link := filepath.Join(dir, "link.xml")
	os.Symlink(secret, link)
	sub := filepath.Join(dir, "dir.xml")
	os.Mkdir(sub, 0o700)
	big := filepath.Join(dir, "big.xml")
	os.WriteFile(big, bytes.Repeat([]byte("a"), MaxFileSize+1), 0o600)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for path, want := range map[string]error{fifo: ErrNotRegular, link: ErrNotRegular, sub: ErrNotRegular, big: ErrTooLarge} {
			if b, err := ReadFile(path); !errors.Is(err, want) || b != nil {
				t.Errorf("%s: %q, %v; want %v", filepath.Base(path), b, err, want)
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("ReadFile blocked (on the FIFO?)")
	}
}

// TestTerminalAnswerFIFOIsAnErrorAnswer: a FIFO where the answer should be
// is an error answer for staff, not a hang until the deadline.
func TestTerminalAnswerFIFOIsAnErrorAnswer(t *testing.T) {
	res := filepath.Join(t.TempDir(), "OQSsiquc01res_x.xml")
	if err := syscall.Mkfifo(res, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	_, err := waitFor(ctx, res, 10*time.Millisecond)
	if !errors.Is(err, ErrNotRegular) || errors.Is(err, kiosk.ErrEligibilityUnavailable) {
		t.Fatalf("FIFO answer: %v after %s", err, time.Since(start))
	}
}
