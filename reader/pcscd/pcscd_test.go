package pcscd_test

import (
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/reader/pcscd"
	"github.com/uketsuke/uketsuke/reader/readertest"
)

func TestMain(m *testing.M) { os.Exit(readertest.Main(m.Run)) }

// TestEnsureReplacesDeadDaemon leaves what a pcscd killed with SIGKILL
// leaves (its socket and pid file) and expects Ensure to see no daemon
// there and start one that answers.
func TestEnsureReplacesDeadDaemon(t *testing.T) {
	if !pcscd.Running() {
		t.Fatal("readertest.Main left no pcscd running")
	}
	pid, err := pcscd.PID()
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for syscall.Kill(pid, 0) == nil {
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := os.Stat(pcscd.Socket); err != nil {
		t.Fatalf("a killed pcscd should leave its socket: %v", err)
	}
	if pcscd.Running() {
		t.Fatal("Running says yes with only a dead daemon's socket")
	}
	if _, err := pcscd.Ensure(nil); err != nil { // readertest.Main stops it
		t.Fatal(err)
	}
	if !pcscd.Running() {
		t.Fatal("Ensure started no pcscd that answers")
	}
}
