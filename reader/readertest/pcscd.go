// Package readertest runs the PC/SC stack for end-to-end tests: it makes
// sure pcscd is running (starting one when it is not, through package
// pcscd) so that tests reach the virtual card through ebfe/scard → pcscd →
// vsmartcard-vpcd, one test binary at a time.
package readertest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
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

// Main runs a test binary's tests holding Exclusive with a pcscd that
// serves the virtual reader, and returns the exit code for os.Exit. What
// stops it is printed with pcscd's own log.
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
	var log syncBuffer
	stop, err := serveVPCD(&log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "readertest: %v\npcscd's log:\n%s\n", err, log.String())
		return 1
	}
	defer stop()
	return run()
}

// serveVPCD makes sure a pcscd runs that lists the virtual reader, empty.
// A pcscd that lists no virtual reader (started before vsmartcard-vpcd was
// installed) is replaced by a new one.
func serveVPCD(log io.Writer) (stop func(), err error) {
	var readers []string
	// A pcscd that another test binary is just stopping still answers on
	// its socket for a moment, then serves nobody: wait for it to go.
	for range 20 {
		if stop, err = pcscd.Ensure(log); err != nil {
			return nil, err
		}
		if readers, err = listReaders(); err == nil {
			break
		}
		stop()
		time.Sleep(250 * time.Millisecond)
	}
	if err != nil {
		return nil, err
	}
	if err == nil && !slices.Contains(readers, VPCDReader) {
		stop()
		_ = pcscd.Kill()
		var d *pcscd.Daemon
		if d, err = pcscd.Start(log); err != nil {
			return nil, err
		}
		stop = d.Stop
		readers, err = listReaders()
	}
	if err == nil && !slices.Contains(readers, VPCDReader) {
		err = fmt.Errorf("pcscd lists %q, not the virtual reader %q (is vsmartcard-vpcd installed? make setup-test)", readers, VPCDReader)
	}
	if err == nil {
		err = WaitCard(VPCDReader, false, 10*time.Second)
	}
	if err != nil {
		stop()
		return nil, err
	}
	return stop, nil
}

// listReaders asks pcscd for its readers.
func listReaders() ([]string, error) {
	ctx, err := scard.EstablishContext()
	if err != nil {
		return nil, fmt.Errorf("establish context: %w", err)
	}
	defer ctx.Release()
	readers, err := ctx.ListReaders()
	if err != nil && !errors.Is(err, scard.ErrNoReadersAvailable) {
		return nil, fmt.Errorf("list readers: %w", err)
	}
	return readers, nil
}

// syncBuffer is a bytes.Buffer pcscd's output can be written to while
// it is read.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
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
