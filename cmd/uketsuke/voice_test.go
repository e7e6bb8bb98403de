package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
)

// TestVoiceWithoutASoundDevice: no sound device silences the kiosk with a
// warning on the device screen (never an error), the demo writes its
// lines into files instead, and a sound device or a player of the
// clinic's own turns the voice on.
func TestVoiceWithoutASoundDevice(t *testing.T) {
	dir := t.TempDir()
	pcm := filepath.Join(dir, "pcm")
	old := procPCM
	procPCM = pcm
	t.Cleanup(func() { procPCM = old })
	open := func(vc VoiceConfig, demoDir string) (*station, bool) {
		cfg := defaultConfig()
		cfg.Voice = vc
		s := &station{health: &health{}}
		t.Cleanup(s.close)
		sp := s.openVoice(&globals{cfg: cfg, log: slog.New(slog.DiscardHandler)}, demoDir)
		return s, sp != nil
	}
	voiceEntry := func(s *station) (ok, warning bool, detail string) {
		for _, d := range s.health.entries() {
			if d.Name == "voice" && d.OK != nil {
				return *d.OK, d.Warning, d.Detail
			}
		}
		t.Fatal("no voice entry on the device screen")
		return
	}

	s, on := open(VoiceConfig{}, "")
	if ok, warning, detail := voiceEntry(s); on || !ok || !warning || !strings.Contains(detail, "no sound device") {
		t.Errorf("no ALSA: voice %v; entry ok %v warning %v %q", on, ok, warning, detail)
	}
	lines := filepath.Join(dir, "voice")
	s, on = open(VoiceConfig{}, lines)
	if ok, warning, detail := voiceEntry(s); !on || !ok || !warning || !strings.Contains(detail, lines) {
		t.Errorf("demo: voice %v; entry ok %v warning %v %q", on, ok, warning, detail)
	}
	if err := os.WriteFile(pcm, []byte("00-00: ALC887 Analog : ALC887 Analog : playback 1 : capture 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, on = open(VoiceConfig{}, "")
	if ok, warning, detail := voiceEntry(s); !on || !ok || warning || !strings.Contains(detail, "ALC887") {
		t.Errorf("a sound card: voice %v; entry ok %v warning %v %q", on, ok, warning, detail)
	}
	os.Remove(pcm)
	s, on = open(VoiceConfig{Player: []string{"paplay"}}, "")
	if ok, warning, _ := voiceEntry(s); !on || !ok || warning {
		t.Errorf("the clinic's own player: voice %v; entry ok %v warning %v", on, ok, warning)
	}
}

// TestDemoVoiceWritesWhatItSays: the demo's speaker writes the line it
// says, synthesised on first use before the background synthesis is
// done, into its folder.
func TestDemoVoiceWritesWhatItSays(t *testing.T) {
	old := procPCM
	procPCM = filepath.Join(t.TempDir(), "none")
	t.Cleanup(func() { procPCM = old })
	lines := filepath.Join(t.TempDir(), "voice")
	s := &station{health: &health{}}
	t.Cleanup(s.close)
	sp := s.openVoice(&globals{cfg: defaultConfig(), log: slog.New(slog.DiscardHandler)}, lines)
	if sp == nil {
		t.Fatal("no demo voice")
	}
	sp.Say(context.Background(), kiosk.Line{Key: "voice.ticket", Number: "004"})
	deadline := time.Now().Add(15 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(lines, "*-voice.ticket.ja.wav"))
		if len(files) == 1 {
			fi, err := os.Stat(files[0])
			if err == nil && fi.Size() > 100_000 && fi.Mode().Perm() == 0o600 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the line was not written: %v", files)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
