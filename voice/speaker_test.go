package voice

import (
	"context"
	"os"
	"path/filepath"
	"slices"
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

// played waits for a recording other than those in seen, written in full
// (its size unchanged between two looks), and returns its path and its
// player's pid.
func played(t *testing.T, dir string, seen ...int) (string, int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	sizes := map[string]int64{}
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.wav"))
		for _, f := range files {
			pid, _ := strconv.Atoi(strings.TrimSuffix(filepath.Base(f), ".wav"))
			if slices.Contains(seen, pid) {
				continue
			}
			fi, err := os.Stat(f)
			if err != nil || fi.Size() <= 44 {
				continue
			}
			if sizes[f] == fi.Size() {
				return f, pid
			}
			sizes[f] = fi.Size()
		}
		if time.Now().After(deadline) {
			t.Fatalf("no new line played; files %v, seen %v", files, seen)
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
	first, pid1 := played(t, dir)
	length, rms := soxStat(t, first)
	if length < 2 || rms < 0.01 {
		t.Errorf("the welcome line played %.2f s at RMS %.3f", length, rms)
	}
	s.SetLang(catalog.En)
	s.Say(context.Background(), "voice.ticket")
	_, pid2 := played(t, dir, pid1)
	if alive(pid1) {
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
