// Package readertest runs the PC/SC stack for end-to-end tests: it makes
// sure pcscd is running (starting one when it is not, through package
// pcscd) so that tests reach the virtual card through ebfe/scard → pcscd →
// vsmartcard-vpcd, one test binary at a time.
package readertest

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/ebfe/scard"

	"github.com/uketsuke/uketsuke/reader/pcscd"
)

// The virtual readers of vsmartcard-vpcd (/etc/reader.conf.d/vpcd).
const (
	VPCDAddr    = "127.0.0.1:35963"
	VPCDReader  = "Virtual PCD 00 00" // the reader behind VPCDAddr
	EmptyReader = "Virtual PCD 00 01" // port 35964, never used by the tests
)

// lockPath is shared by every test binary that uses the virtual readers.
const lockPath = "/tmp/uketsuke-pcsc-tests.lock"

// Exclusive takes the machine-wide lock on pcscd and the virtual readers:
// `go test ./...` runs packages in parallel, and two packages putting cards
// into the same reader, or one restarting pcscd under another, would break
// each other. Hold it around m.Run in TestMain.
func Exclusive() (release func(), err error) {
	f, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// Main runs a test binary's tests holding Exclusive with pcscd running,
// and returns the exit code for os.Exit.
func Main(run func() int) int {
	// A fuzzing worker is a child of a test binary that already holds the
	// lock (and runs no end-to-end test): taking it would wait for ever.
	if slices.ContainsFunc(os.Args, func(a string) bool { return strings.HasPrefix(a, "-test.fuzzworker") }) {
		return run()
	}
	release, err := Exclusive()
	if err != nil {
		fmt.Fprintln(os.Stderr, "readertest: lock:", err)
		return 1
	}
	defer release()
	stop, err := pcscd.Ensure()
	if err != nil {
		fmt.Fprintln(os.Stderr, "readertest: cannot start pcscd:", err)
		return 1
	}
	defer stop()
	if err := WaitCard(VPCDReader, false, 10*time.Second); err != nil {
		fmt.Fprintln(os.Stderr, "readertest:", err)
		return 1
	}
	return run()
}

// WaitCard waits until pcscd reports a card in reader (present) or the
// reader empty: a card another test left there must be seen gone by
// pcscd's own presence poll before a new one goes in, or pcscd takes the
// new card for the old one.
func WaitCard(reader string, present bool, timeout time.Duration) error {
	ctx, err := scard.EstablishContext()
	if err != nil {
		return fmt.Errorf("establish context: %w", err)
	}
	defer ctx.Release()
	states := []scard.ReaderState{{Reader: reader, CurrentState: scard.StateUnaware}}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		err := ctx.GetStatusChange(states, time.Until(deadline))
		if err != nil && !errors.Is(err, scard.ErrTimeout) {
			return fmt.Errorf("reader %q: %w", reader, err)
		}
		if want := scard.StateEmpty; present {
			if states[0].EventState&scard.StatePresent != 0 {
				return nil
			}
		} else if states[0].EventState&want != 0 {
			return nil
		}
		states[0].CurrentState = states[0].EventState &^ scard.StateChanged
	}
	if present {
		return fmt.Errorf("reader %q has no card after %s", reader, timeout)
	}
	return fmt.Errorf("reader %q still holds a card after %s", reader, timeout)
}
