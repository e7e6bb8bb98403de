package voice

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/uketsuke/uketsuke/catalog"
	"github.com/uketsuke/uketsuke/kiosk"
)

// DefaultPlayer plays a WAV from its standard input through ALSA (on a
// PipeWire system, through its ALSA plug-in).
var DefaultPlayer = []string{"aplay", "-q", "-"}

// NumberKey is the catalog line that says a 受付番号 after the ticket
// screen's line; its argument is the number as spoken.
const NumberKey = "voice.ticket.number"

// Said is one line the Speaker said.
type Said struct {
	Seq  int // 1 for the first line said, counting up
	Line kiosk.Line
	Lang catalog.Lang
	At   time.Time
	File string // the WAV it was written to (Speaker.Dir), or ""
}

// Speaker says the kiosk's spoken lines (it is a kiosk.Speaker): each
// screen's line is synthesised once and kept in memory, then handed to a
// player command on its standard input, so that a screen's line starts
// without waiting for the synthesiser. A ticket's number is synthesised
// while the line before it plays and streamed after it. A new line, End
// or turning the voice off cuts off the one playing.
type Speaker struct {
	Synth  Synth
	Player []string // nil: DefaultPlayer
	// Dir, if set, receives every line said as DIR/<seq>-<key>.<lang>.wav,
	// in full, instead of playing it (a machine without sound, the demo).
	Dir      string
	Volume   int          // percent of the synthesised level, 1–100; 0: 100
	StartOff bool         // each session starts with the voice off (a patient turns it on)
	Log      *slog.Logger // nil: discarded

	mu     sync.Mutex
	cache  map[string][]byte // key.lang → WAV, at Volume
	lang   catalog.Lang
	off    bool
	inited bool
	gen    int        // counts lines and cut-offs: a late part plays only if still current
	last   kiosk.Line // the screen's line, for Repeat
	cur    *playing
	said   []Said
	seq    int // lines said
}

// playing is a line on its way to the player.
type playing struct {
	cmd  *exec.Cmd     // nil when writing to Dir
	quit chan struct{} // closed to cut the line off
	done chan struct{} // closed when the player has exited (or the file is written)
}

// keepSaid is how many lines Said remembers.
const keepSaid = 256

func (s *Speaker) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

func cacheKey(key string, l catalog.Lang) string { return key + "." + langCode(l) }

// initLocked applies the defaults once.
func (s *Speaker) initLocked() {
	if !s.inited {
		s.inited, s.off = true, s.StartOff
	}
	if s.cache == nil {
		s.cache = map[string][]byte{}
	}
}

// Prepare synthesises every screen's line in both languages ahead of use.
func (s *Speaker) Prepare(ctx context.Context) error {
	for _, l := range []catalog.Lang{catalog.Ja, catalog.En} { // Japanese, most said, first
		for _, key := range Lines() {
			if key == NumberKey {
				continue // said with a number; synthesised per ticket
			}
			wav, err := s.render(ctx, l, catalog.T(l, key))
			if err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
			s.mu.Lock()
			s.initLocked()
			s.cache[cacheKey(key, l)] = wav
			s.mu.Unlock()
		}
	}
	return nil
}

func (s *Speaker) render(ctx context.Context, l catalog.Lang, text string) ([]byte, error) {
	wav, err := s.Synth.Render(ctx, l, text)
	if err != nil {
		return nil, err
	}
	return scaled(wav, s.Volume), nil
}

// SetLang sets the language of the lines said from now on.
func (s *Speaker) SetLang(l catalog.Lang) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.initLocked()
	s.lang = l
}

// SetOn turns the voice on or off (off cuts off what is playing).
func (s *Speaker) SetOn(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.initLocked()
	s.off = !on
	if !on {
		s.stopLocked()
	}
}

// On reports whether the voice is on.
func (s *Speaker) On() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.initLocked()
	return !s.off
}

// Say cuts off what is playing and says l. It returns at once; a line
// not synthesised yet is synthesised first, in the background.
func (s *Speaker) Say(ctx context.Context, l kiosk.Line) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.initLocked()
	s.stopLocked()
	s.last = l
	s.sayLocked(ctx, l)
}

// Repeat says the last screen's line again, in the language now set (the
// patient switched language or turned the voice on).
func (s *Speaker) Repeat() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.initLocked()
	s.stopLocked()
	if s.last.Key != "" {
		s.sayLocked(context.Background(), s.last)
	}
}

// End cuts off what is playing and returns to the defaults for the next
// patient: Japanese, the voice on unless StartOff.
func (s *Speaker) End() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.initLocked()
	s.stopLocked()
	s.last, s.lang, s.off = kiosk.Line{}, catalog.Ja, s.StartOff
}

// Said returns the last lines said, oldest first.
func (s *Speaker) Said() []Said {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Said(nil), s.said...)
}

func (s *Speaker) sayLocked(ctx context.Context, l kiosk.Line) {
	if s.off {
		return
	}
	if !catalog.Has(l.Key) {
		s.log().Warn("no spoken line", "key", l.Key)
		return
	}
	lang := s.lang
	parts := []<-chan []byte{s.partLocked(ctx, lang, l.Key, cacheKey(l.Key, lang))}
	if l.Number != "" {
		parts = append(parts, s.partLocked(ctx, lang, NumberKey, "", Spoken(l.Number)))
	}
	s.seq++
	said := Said{Seq: s.seq, Line: l, Lang: lang, At: time.Now()}
	p := &playing{quit: make(chan struct{}), done: make(chan struct{})}
	if s.Dir != "" {
		said.File = filepath.Join(s.Dir, fmt.Sprintf("%04d-%s.%s.wav", s.seq, l.Key, langCode(lang)))
	}
	s.said = append(s.said, said)
	if len(s.said) > keepSaid {
		s.said = s.said[len(s.said)-keepSaid:]
	}
	s.gen++
	s.cur = p
	go s.play(p, s.gen, said.File, parts)
}

// partLocked returns a channel that delivers the WAV of key's line (with
// args) in lang: at once from the cache (cache != ""), else once
// synthesised. It delivers nothing (closes) when synthesis fails.
func (s *Speaker) partLocked(ctx context.Context, lang catalog.Lang, key, cache string, args ...any) <-chan []byte {
	ch := make(chan []byte, 1)
	if wav := s.cache[cache]; cache != "" && wav != nil {
		ch <- wav
		close(ch)
		return ch
	}
	go func() {
		defer close(ch)
		wav, err := s.render(context.WithoutCancel(ctx), lang, catalog.T(lang, key, args...))
		if err != nil {
			s.log().Warn("voice synthesis failed", "key", key, "err", err)
			return
		}
		if cache != "" {
			s.mu.Lock()
			s.cache[cache] = wav
			s.mu.Unlock()
		}
		ch <- wav
	}()
	return ch
}

// next waits for a part, or for the line to be cut off.
func next(p *playing, part <-chan []byte) (pcm, bool) {
	select {
	case wav, ok := <-part:
		if !ok {
			return pcm{}, false
		}
		w, err := parseWAV(wav)
		return w, err == nil
	case <-p.quit:
		return pcm{}, false
	}
}

// play hands the parts of one line to the player, or writes them to
// file: the first part as soon as it is there, the rest streamed after it.
func (s *Speaker) play(p *playing, gen int, file string, parts []<-chan []byte) {
	defer close(p.done)
	if file != "" {
		s.record(file, parts)
		return
	}
	first, ok := next(p, parts[0])
	if !ok {
		return
	}
	argv := s.Player
	if len(argv) == 0 {
		argv = DefaultPlayer
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		s.log().Warn("voice player failed", "player", argv[0], "err", err)
		return
	}
	s.mu.Lock()
	if s.gen != gen { // cut off before it started
		s.mu.Unlock()
		return
	}
	if err := cmd.Start(); err != nil {
		s.mu.Unlock()
		s.log().Warn("voice player failed", "player", argv[0], "err", err)
		return
	}
	p.cmd = cmd
	s.mu.Unlock()
	s.stream(p, stdin, first, parts[1:])
	_ = cmd.Wait()
}

// record writes a line to file in full, even when it was cut off: the
// file is what the line would have said.
func (s *Speaker) record(file string, parts []<-chan []byte) {
	var all []pcm
	for _, part := range parts {
		wav, ok := <-part
		if w, err := parseWAV(wav); ok && err == nil && (all == nil || w.sameFormat(all[0])) {
			all = append(all, w)
		}
	}
	if all == nil {
		return
	}
	if err := writeFile(file, joinWAV(all)); err != nil {
		s.log().Warn("voice: writing the line failed", "err", err)
	}
}

// stream writes the line to the player: one WAV file when it has one
// part, else a WAV of unknown length whose parts follow one another.
func (s *Speaker) stream(p *playing, w io.WriteCloser, first pcm, rest []<-chan []byte) {
	defer w.Close()
	size := uint32(len(first.data))
	if len(rest) > 0 {
		size = unknownSize
	}
	if _, err := w.Write(append(first.header(size), first.data...)); err != nil {
		return // cut off: the player is gone
	}
	for _, part := range rest {
		next, ok := next(p, part)
		if !ok {
			return
		}
		if !next.sameFormat(first) {
			s.log().Warn("voice: a part of the line in another format, left out")
			continue
		}
		if _, err := w.Write(next.data); err != nil {
			return
		}
	}
}

// stopLocked cuts off the line playing. A player already started is
// killed with its children and waited for (it needs no lock to exit); one
// not started yet sees the line is no longer current and never starts.
func (s *Speaker) stopLocked() {
	s.gen++
	p := s.cur
	if p == nil {
		return
	}
	s.cur = nil
	close(p.quit)
	if p.cmd != nil {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

func writeFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// Spoken is a 受付番号 as it is read out: the prefix as it is, the digits
// without leading zeros ("A007" → "A7").
func Spoken(number string) string {
	i := strings.IndexFunc(number, func(r rune) bool { return r >= '0' && r <= '9' })
	if i < 0 {
		return number
	}
	digits := strings.TrimLeft(number[i:], "0")
	if digits == "" {
		digits = "0"
	}
	return number[:i] + digits
}
