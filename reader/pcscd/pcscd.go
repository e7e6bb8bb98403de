// Package pcscd starts and stops the PC/SC daemon where no service
// manager does it for the kiosk (the demo, tests on a bare machine).
package pcscd

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Socket is pcscd's client socket; it exists while pcscd runs.
const Socket = "/run/pcscd/pcscd.comm"

// pidFile is where pcscd writes its process id.
const pidFile = "/run/pcscd/pcscd.pid"

// Running reports whether a pcscd answers on Socket. A socket file left
// by a pcscd that died does not count.
func Running() bool {
	c, err := net.DialTimeout("unix", Socket, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// Ensure starts pcscd unless one answers; stop ends the one it started
// (or whichever replaced it), and does nothing when pcscd was running.
// Its log goes to log (nil: discarded).
func Ensure(log io.Writer) (stop func(), err error) {
	if Running() {
		return func() {}, nil
	}
	d, err := Start(log)
	if err != nil {
		return nil, err
	}
	return d.Stop, nil
}

// Daemon is a pcscd this process started.
type Daemon struct {
	proc   *os.Process
	exited chan struct{} // closed once the process has been reaped
}

// Start starts pcscd in the foreground, its log to log (nil: discarded),
// and waits until it answers. A socket and pid file a dead pcscd left
// behind are removed first, or pcscd would take them for a live one.
func Start(log io.Writer) (*Daemon, error) {
	if !Running() {
		_ = os.Remove(Socket)
		_ = os.Remove(pidFile)
	}
	cmd := exec.Command("pcscd", "--foreground")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start pcscd: %w", err)
	}
	d := &Daemon{proc: cmd.Process, exited: make(chan struct{})}
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(d.exited) }()
	deadline := time.After(5 * time.Second)
	for !Running() {
		select {
		case <-d.exited:
			return nil, fmt.Errorf("pcscd exited at start: %v", waitErr)
		case <-deadline:
			_ = cmd.Process.Kill()
			<-d.exited
			return nil, errors.New("pcscd did not answer on " + Socket + " within 5s")
		case <-time.After(50 * time.Millisecond):
		}
	}
	return d, nil
}

// Stop ends the running pcscd (this one, or one started in its place)
// and waits until this one has exited and none answers any more: a pcscd
// shutting down still accepts connections it will not serve.
func (d *Daemon) Stop() {
	if pid, err := PID(); err == nil {
		_ = syscall.Kill(pid, syscall.SIGTERM)
	}
	_ = d.proc.Signal(syscall.SIGTERM)
	<-d.exited
	for range 100 {
		if !Running() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// PID reads the running pcscd's process id.
func PID() (int, error) {
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.Trim(string(b), " \n\x00"))
}

// Kill kills pcscd hard, as a crash would, and removes the socket it
// leaves behind.
func Kill() error {
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
