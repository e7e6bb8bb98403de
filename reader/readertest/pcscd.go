// Package readertest runs the PC/SC stack for end-to-end tests: it makes
// sure pcscd is running (starting one when it is not) so that tests reach
// the virtual card through ebfe/scard → pcscd → vsmartcard-vpcd.
package readertest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ebfe/scard"
)

// Socket is pcscd's client socket; it exists while pcscd runs.
const Socket = "/run/pcscd/pcscd.comm"

// The virtual readers of vsmartcard-vpcd (/etc/reader.conf.d/vpcd).
const (
	VPCDAddr    = "127.0.0.1:35963"
	VPCDReader  = "Virtual PCD 00 00" // the reader behind VPCDAddr
	EmptyReader = "Virtual PCD 00 01" // port 35964, never used by the tests
)

// EnsurePCSCD starts pcscd unless it runs; stop ends the one it started
// (or whichever replaced it), and does nothing when pcscd was running.
func EnsurePCSCD() (stop func(), err error) {
	if _, err := os.Stat(Socket); err == nil {
		return func() {}, nil
	}
	cmd, err := StartPCSCD()
	if err != nil {
		return nil, err
	}
	return func() {
		if pid, err := PID(); err == nil {
			_ = syscall.Kill(pid, syscall.SIGTERM)
		}
		_ = cmd.Wait()
	}, nil
}

// StartPCSCD starts pcscd in the foreground and waits for its socket.
func StartPCSCD() (*exec.Cmd, error) {
	cmd := exec.Command("pcscd", "--foreground")
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	for range 100 {
		if _, err := os.Stat(Socket); err == nil {
			return cmd, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	return nil, errors.New("pcscd did not create its socket within 5s")
}

// PID reads the running pcscd's process id.
func PID() (int, error) {
	b, err := os.ReadFile("/run/pcscd/pcscd.pid")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.Trim(string(b), " \n\x00"))
}

// KillPCSCD kills pcscd hard, as a crash would, and removes the socket it
// leaves behind.
func KillPCSCD() error {
	pid, err := PID()
	if err != nil {
		return err
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return err
	}
	for range 100 {
		if syscall.Kill(pid, 0) != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return os.Remove(Socket)
}

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
	release, err := Exclusive()
	if err != nil {
		fmt.Fprintln(os.Stderr, "readertest: lock:", err)
		return 1
	}
	defer release()
	stop, err := EnsurePCSCD()
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
