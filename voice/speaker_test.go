package voice

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/catalog"
)

// recorder is a player that writes the WAV it is given to DIR/<pid>.wav
// and then stays, as a player does while the line plays.
func recorder(dir string) []string {
	return []string{"sh", "-c", `cat > "$0/$$.wav"; sleep 30`, dir}
}

// played waits for the n-th recording and returns its path and pid.
func played(t *testing.T, dir string, n int) (string, int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.wav"))
		if len(files) >= n {
			var newest string
			var at time.Time
			for _, f := range files {
				if fi, err := os.Stat(f); err == nil && fi.Size() > 44 && !fi.ModTime().Before(at) {
					newest, at = f, fi.ModTime()
				}
			}
			if newest != "" {
				pid, _ := strconv.Atoi(strings.TrimSuffix(filepath.Base(newest), ".wav"))
				return newest, pid
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %d-th line played; files %v", n, files)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// TestSpeakerSaysAndCutsOff: a line is played from memory, the next line
// cuts it off (its player is gone), Stop cuts off the last one, and with
// the voice off nothing plays.
func TestSpeakerSaysAndCutsOff(t *testing.T) {
	if err := (Synth{}).Check(); err != nil {
		t.Fatalf("%v: run make setup-test", err)
	}
	dir := t.TempDir()
	s := &Speaker{Player: recorder(dir)}
	if err := s.Prepare(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Say(context.Background(), "voice.welcome")
	first, pid1 := played(t, dir, 1)
	length, rms := soxStat(t, first)
	if length < 2 || rms < 0.01 {
		t.Errorf("the welcome line played %.2f s at RMS %.3f", length, rms)
	}
	s.SetLang(catalog.En)
	s.Say(context.Background(), "voice.ticket")
	_, pid2 := played(t, dir, 2)
	if pid2 == pid1 || alive(pid1) {
		t.Errorf("the first line was not cut off (pids %d, %d)", pid1, pid2)
	}
	s.Stop()
	if alive(pid2) {
		t.Error("Stop left the line playing")
	}
	s.SetOn(false)
	s.Say(context.Background(), "voice.result")
	time.Sleep(300 * time.Millisecond)
	if files, _ := filepath.Glob(filepath.Join(dir, "*.wav")); len(files) != 2 {
		t.Errorf("with the voice off %d lines played, want the 2 before", len(files))
	}
	s.SetOn(true)
	s.Say(context.Background(), "voice.no-such-screen") // logged, never played
	time.Sleep(200 * time.Millisecond)
	if files, _ := filepath.Glob(filepath.Join(dir, "*.wav")); len(files) != 2 {
		t.Errorf("an unknown key played: %d files", len(files))
	}
}

// BenchmarkSayToPlayer is the time from a screen's Say to its player
// holding the first bytes of the line (the line synthesised ahead, as the
// kiosk does at start): the part of the ≤ 300 ms target the kiosk
// controls; the sound device adds its own buffer.
func BenchmarkSayToPlayer(b *testing.B) {
	dir := b.TempDir()
	first := filepath.Join(dir, "first")
	s := &Speaker{Player: []string{"sh", "-c", `head -c 44 > "$0"; cat > /dev/null`, first}}
	if err := s.Prepare(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		os.Remove(first)
		start := time.Now()
		s.Say(context.Background(), "voice.ticket")
		for {
			if fi, err := os.Stat(first); err == nil && fi.Size() >= 44 {
				break
			}
			if time.Since(start) > 5*time.Second {
				b.Fatal("the player never got the line")
			}
			time.Sleep(200 * time.Microsecond)
		}
	}
	s.Stop()
}
