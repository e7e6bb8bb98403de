// Package pcscd starts and stops the PC/SC daemon where no service
// manager does it for the kiosk (the demo, tests on a bare machine).
package pcscd

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Socket is pcscd's client socket; it exists while pcscd runs.
const Socket = "/run/pcscd/pcscd.comm"

// Ensure starts pcscd unless it runs; stop ends the one it started
// (or whichever replaced it), and does nothing when pcscd was running.
func Ensure() (stop func(), err error) {
	if _, err := os.Stat(Socket); err == nil {
		return func() {}, nil
	}
	cmd, err := Start()
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

// Start starts pcscd in the foreground and waits for its socket.
func Start() (*exec.Cmd, error) {
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
