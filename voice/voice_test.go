package voice

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/uketsuke/uketsuke/catalog"
)

// soxStat is sox's measure of a WAV file: its length in seconds and its
// RMS amplitude (0–1).
func soxStat(t *testing.T, path string) (length, rms float64) {
	t.Helper()
	out, err := exec.Command("sox", path, "-n", "stat").CombinedOutput()
	if err != nil {
		t.Fatalf("sox %s: %v\n%s", path, err, out)
	}
	get := func(label string) float64 {
		m := regexp.MustCompile(label + `:\s+(\S+)`).FindSubmatch(out)
		if m == nil {
			t.Fatalf("sox printed no %s:\n%s", label, out)
		}
		v, _ := strconv.ParseFloat(string(m[1]), 64)
		return v
	}
	return get(`Length \(seconds\)`), get(`RMS\s+amplitude`)
}

// TestEveryLineIsSpoken renders every spoken line with the real
// synthesisers and has sox measure it: each is speech-long and audible,
// and the WAV header agrees with sox on the length.
func TestEveryLineIsSpoken(t *testing.T) {
	var s Synth
	if err := s.Check(); err != nil {
		t.Fatalf("%v: run make setup-test", err)
	}
	dir := t.TempDir()
	files, err := s.RenderAll(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2*len(Lines()) || len(Lines()) < 15 {
		t.Fatalf("%d files for %d lines", len(files), len(Lines()))
	}
	for _, f := range files {
		length, rms := soxStat(t, f)
		if length < 0.5 || length > 12 {
			t.Errorf("%s: %.2f s long", filepath.Base(f), length)
		}
		if rms < 0.01 {
			t.Errorf("%s: RMS amplitude %.4f, silent", filepath.Base(f), rms)
		}
		b, _ := os.ReadFile(f)
		if d, err := Duration(b); err != nil || d < length-0.05 || d > length+0.05 {
			t.Errorf("%s: header says %.2f s (%v), sox %.2f s", filepath.Base(f), d, err, length)
		}
	}
	// Japanese through Open JTalk (48 kHz), English through espeak-ng.
	out, _ := exec.Command("sox", "--i", "-r", filepath.Join(dir, "voice.ticket.ja.wav")).Output()
	if strings.TrimSpace(string(out)) != "48000" {
		t.Errorf("the Japanese line's rate is %s, want Open JTalk's 48000", out)
	}
}

func TestDuration(t *testing.T) {
	for name, b := range map[string][]byte{"empty": nil, "text": []byte("RIFF....WAVEjunkjunkjunkjunkjunkjunkjunkjunkjunk"), "short": []byte("RIFF")} {
		if _, err := Duration(b); err == nil {
			t.Errorf("%s: a duration", name)
		}
	}
}

func TestNumberLineIsRenderedWithANumber(t *testing.T) {
	for _, l := range []catalog.Lang{catalog.Ja, catalog.En} {
		if text := lineText(l, NumberKey); strings.Contains(text, "%") || !strings.Contains(text, SampleNumber) {
			t.Errorf("%v: %q", l, text)
		}
	}
}
