package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestXvfbDisplaysAreFreeAndCleanedUp starts virtual screens side by side:
// each gets its own display, and stopping one leaves no socket behind.
func TestXvfbDisplaysAreFreeAndCleanedUp(t *testing.T) {
	if _, err := exec.LookPath("Xvfb"); err != nil {
		t.Fatal("Xvfb is not installed: run make setup-test")
	}
	const n = 4
	displays := make([]string, n)
	stops := make([]func(), n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stop, d, err := launchXvfb(1280, 800)
			if err != nil {
				t.Error(err)
				return
			}
			stops[i], displays[i] = stop, d
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, d := range displays {
		if stops[i] == nil {
			continue
		}
		if seen[d] {
			t.Errorf("display %s given twice: %v", d, displays)
		}
		seen[d] = true
		if _, err := os.Stat(xSocket(d)); err != nil {
			t.Errorf("display %s has no socket: %v", d, err)
		}
	}
	for i, stop := range stops {
		if stop == nil {
			continue
		}
		stop()
		for _, p := range []string{xSocket(displays[i]), "/tmp/.X" + displays[i][1:] + "-lock"} {
			if _, err := os.Stat(p); err == nil {
				t.Errorf("%s left behind after stop", p)
			}
		}
	}
}

// TestKilledRunTakesItsXvfbAlong kills `uketsuke run` on its own virtual
// screen: the Xvfb it started must go too, or killed kiosks fill every
// display number.
func TestKilledRunTakesItsXvfbAlong(t *testing.T) {
	bin, _ := filepath.Abs(binary(t))
	cmd := exec.Command(bin, "run", "--demo", "--data-dir", t.TempDir())
	cmd.Dir, cmd.Env = repoRoot, demoEnv(t, "")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	started := regexp.MustCompile(`virtual screen \(Xvfb (:\d+)\)`)
	display := ""
	lines := bufio.NewScanner(stderr)
	for display == "" && lines.Scan() {
		if m := started.FindStringSubmatch(lines.Text()); m != nil {
			display = m[1]
		}
	}
	if display == "" {
		t.Fatal("run never said which virtual screen it started")
	}
	go func() {
		for lines.Scan() {
		}
	}()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := os.Stat(xSocket(display))
		if os.IsNotExist(err) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Xvfb %s still serves 10 s after its kiosk was killed", display)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// xSocket is the Unix socket of an X display such as ":93".
func xSocket(display string) string { return "/tmp/.X11-unix/X" + display[1:] }
