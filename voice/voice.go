// Package voice turns the kiosk's spoken lines into sound: Japanese
// through Open JTalk (Debian's open-jtalk, the NAIST dictionary and the
// nitech-jp-atr503-m001 voice from contrib), English through espeak-ng's
// English voice (its Japanese voice cannot read kanji). Lines come back
// as WAV bytes, to be kept in memory and played without waiting.
package voice

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/uketsuke/uketsuke/catalog"
)

// Debian's paths of the Japanese dictionary and voice.
const (
	DefaultDict  = "/var/lib/mecab/dic/open-jtalk/naist-jdic"
	DefaultVoice = "/usr/share/hts-voice/nitech-jp-atr503-m001/nitech_jp_atr503_m001.htsvoice"
)

// Synth renders text to WAV. The zero Synth uses Debian's paths.
type Synth struct {
	Dict, Voice string  // Open JTalk's dictionary folder and voice file
	Speed       float64 // Open JTalk's speech speed (-r); 0: 1.0
}

// ErrNoSynth is a missing synthesiser, dictionary or voice.
var ErrNoSynth = errors.New("voice: synthesiser not installed")

// Check reports whether both synthesisers and the Japanese dictionary and
// voice are installed.
func (s Synth) Check() error {
	for _, bin := range []string{"open_jtalk", "espeak-ng"} {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Errorf("%w: %s (apt-get install open-jtalk espeak-ng)", ErrNoSynth, bin)
		}
	}
	for _, p := range []string{s.dict(), s.voice()} {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("%w: %s (apt-get install open-jtalk-mecab-naist-jdic hts-voice-nitech-jp-atr503-m001, from contrib)", ErrNoSynth, p)
		}
	}
	return nil
}

func (s Synth) dict() string {
	if s.Dict != "" {
		return s.Dict
	}
	return DefaultDict
}

func (s Synth) voice() string {
	if s.Voice != "" {
		return s.Voice
	}
	return DefaultVoice
}

// Render synthesises text in lang and returns the WAV file's bytes.
func (s Synth) Render(ctx context.Context, lang catalog.Lang, text string) ([]byte, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, errors.New("voice: nothing to say")
	}
	var wav []byte
	var err error
	if lang == catalog.En {
		wav, err = run(ctx, exec.CommandContext(ctx, "espeak-ng", "-v", "en", "-s", "150", "--stdout", text))
	} else {
		wav, err = s.jtalk(ctx, text)
	}
	if err != nil {
		return nil, err
	}
	if _, err := Duration(wav); err != nil {
		return nil, fmt.Errorf("voice: the synthesiser's output: %w", err)
	}
	return wav, nil
}

// jtalk runs open_jtalk, which reads and writes files only, in a private
// temporary folder.
func (s Synth) jtalk(ctx context.Context, text string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "uketsuke-voice-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.wav")
	if err := os.WriteFile(in, []byte(text+"\n"), 0o600); err != nil {
		return nil, err
	}
	speed := s.Speed
	if speed <= 0 {
		speed = 1
	}
	cmd := exec.CommandContext(ctx, "open_jtalk", "-x", s.dict(), "-m", s.voice(), "-r", fmt.Sprintf("%.2f", speed), "-ow", out, in)
	if _, err := run(ctx, cmd); err != nil {
		return nil, err
	}
	return os.ReadFile(out)
}

func run(ctx context.Context, cmd *exec.Cmd) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return nil, fmt.Errorf("%w: %s", ErrNoSynth, cmd.Path)
		}
		return nil, fmt.Errorf("voice: %s: %w: %s", filepath.Base(cmd.Path), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// Duration reads a PCM WAV file's header and returns its length in
// seconds. (espeak-ng writes an unknown data length, 0x7fffffff or 0,
// when it writes to a pipe: the bytes that follow count then.)
func Duration(wav []byte) (float64, error) {
	p, err := parseWAV(wav)
	if err != nil {
		return 0, err
	}
	return p.seconds(), nil
}

// Lines are the catalog's spoken lines: every voice.* key.
func Lines() []string {
	var keys []string
	for _, k := range catalog.Keys() {
		if strings.HasPrefix(k, "voice.") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// RenderAll writes every spoken line in Japanese and English into dir as
// <catalog key>.<ja|en>.wav (the number line with SampleNumber) and
// returns the files written.
func (s Synth) RenderAll(ctx context.Context, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	var files []string
	for _, key := range Lines() {
		for _, l := range []catalog.Lang{catalog.Ja, catalog.En} {
			wav, err := s.Render(ctx, l, lineText(l, key))
			if err != nil {
				return files, fmt.Errorf("%s: %w", key, err)
			}
			name := filepath.Join(dir, key+"."+langCode(l)+".wav")
			if err := os.WriteFile(name, wav, 0o600); err != nil {
				return files, err
			}
			files = append(files, name)
		}
	}
	return files, nil
}

// SampleNumber is the 受付番号 NumberKey's line is rendered with when it
// is rendered on its own.
const SampleNumber = "12"

// lineText is key's line in l; the number line with SampleNumber.
func lineText(l catalog.Lang, key string) string {
	if key == NumberKey {
		return catalog.T(l, key, SampleNumber)
	}
	return catalog.T(l, key)
}

func langCode(l catalog.Lang) string {
	if l == catalog.En {
		return "en"
	}
	return "ja"
}
