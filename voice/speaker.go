package voice

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os/exec"
	"sync"
	"syscall"

	"github.com/uketsuke/uketsuke/catalog"
)

// DefaultPlayer plays a WAV from its standard input through ALSA (on a
// PipeWire system, through its ALSA plug-in).
var DefaultPlayer = []string{"aplay", "-q", "-"}

// Speaker says the kiosk's spoken lines (it is a kiosk.Speaker): each line
// is synthesised once and kept in memory, then handed to a player command
// on its standard input, so that a screen's line starts without waiting
// for the synthesiser. A new line or Stop cuts off the one playing.
type Speaker struct {
	Synth  Synth
	Player []string     // nil: DefaultPlayer
	Log    *slog.Logger // nil: discarded

	mu    sync.Mutex
	cache map[string][]byte // key.lang → WAV
	lang  catalog.Lang
	off   bool
	gen   int       // counts Say and Stop: a late synthesis plays only if still current
	cur   *exec.Cmd // the player playing, if any
	done  chan struct{}
}

func (s *Speaker) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

func cacheKey(key string, l catalog.Lang) string { return key + "." + langCode(l) }

// Prepare synthesises every spoken line in both languages ahead of use.
func (s *Speaker) Prepare(ctx context.Context) error {
	for _, key := range Lines() {
		for _, l := range []catalog.Lang{catalog.Ja, catalog.En} {
			wav, err := s.Synth.Render(ctx, l, catalog.T(l, key))
			if err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
			s.mu.Lock()
			if s.cache == nil {
				s.cache = map[string][]byte{}
			}
			s.cache[cacheKey(key, l)] = wav
			s.mu.Unlock()
		}
	}
	return nil
}

// SetLang sets the language of the lines said from now on.
func (s *Speaker) SetLang(l catalog.Lang) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lang = l
}

// SetOn turns the voice on or off (off cuts off what is playing).
func (s *Speaker) SetOn(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.off = !on
	if !on {
		s.gen++
		s.stopLocked()
	}
}

// On reports whether the voice is on.
func (s *Speaker) On() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.off
}

// Say cuts off what is playing and says key's line. It returns at once; a
// line not synthesised yet is synthesised first, in the background.
func (s *Speaker) Say(ctx context.Context, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	s.stopLocked()
	if s.off {
		return
	}
	if !catalog.Has(key) {
		s.log().Warn("no spoken line", "key", key)
		return
	}
	ck, gen, lang := cacheKey(key, s.lang), s.gen, s.lang
	if wav := s.cache[ck]; wav != nil {
		s.playLocked(wav)
		return
	}
	go func() {
		wav, err := s.Synth.Render(context.WithoutCancel(ctx), lang, catalog.T(lang, key))
		if err != nil {
			s.log().Warn("voice synthesis failed", "key", key, "err", err)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.cache == nil {
			s.cache = map[string][]byte{}
		}
		s.cache[ck] = wav
		if s.gen == gen && !s.off {
			s.playLocked(wav)
		}
	}()
}

// Stop cuts off what is playing.
func (s *Speaker) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	s.stopLocked()
}

func (s *Speaker) playLocked(wav []byte) {
	argv := s.Player
	if len(argv) == 0 {
		argv = DefaultPlayer
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin = bytes.NewReader(wav)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		s.log().Warn("voice player failed", "player", argv[0], "err", err)
		return
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.cur, s.done = cmd, done
}

// stopLocked kills the playing player and its children and waits for it.
func (s *Speaker) stopLocked() {
	if s.cur == nil {
		return
	}
	_ = syscall.Kill(-s.cur.Process.Pid, syscall.SIGKILL)
	<-s.done
	s.cur, s.done = nil, nil
}
