package main

import (
	"context"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRunNotifiesSystemdFromTheUILoop runs the real kiosk window as
// systemd would for a Type=notify unit with a watchdog, and reads the
// notification socket: READY=1 once the screen is up, then WATCHDOG=1
// again and again, and STOPPING=1 on SIGTERM.
func TestRunNotifiesSystemdFromTheUILoop(t *testing.T) {
	display := testXvfb(t)
	bin, _ := filepath.Abs(binary(t))
	sock := filepath.Join(t.TempDir(), "notify")
	l, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "run", "--demo", "--data-dir", t.TempDir())
	cmd.Dir = repoRoot
	cmd.Env = append(demoEnv(t, display), "NOTIFY_SOCKET="+sock, "WATCHDOG_USEC=600000")
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var got []string
	read := func() string {
		buf := make([]byte, 256)
		l.SetReadDeadline(time.Now().Add(60 * time.Second))
		n, err := l.Read(buf)
		if err != nil {
			t.Fatalf("no notification (after %q): %v", got, err)
		}
		got = append(got, string(buf[:n]))
		return string(buf[:n])
	}
	if m := read(); m != "READY=1" {
		t.Fatalf("first notification %q, want READY=1", m)
	}
	for range 3 {
		if m := read(); m != "WATCHDOG=1" {
			t.Fatalf("notification %q, want WATCHDOG=1 (all: %q)", m, got)
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	for {
		if m := read(); m == "STOPPING=1" {
			break
		} else if m != "WATCHDOG=1" {
			t.Fatalf("unexpected notification %q (all: %q)", m, strings.Join(got, " "))
		}
	}
	cmd.Wait()
}
