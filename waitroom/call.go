package waitroom

import (
	"context"
	"net/http"
	"sync"

	"github.com/uketsuke/uketsuke/catalog"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// Speech synthesises a line (voice.Synth).
type Speech interface {
	Render(ctx context.Context, lang catalog.Lang, text string) ([]byte, error)
}

// SpokenCall is a call as the display says it: 受付番号、12番の方、1番診察室へどうぞ。
// The number is read without its leading zeros.
func SpokenCall(number, room string, spoken func(string) string) string {
	if room == "" {
		return catalog.T(catalog.Ja, "call.spoken_noroom", spoken(number))
	}
	return catalog.T(catalog.Ja, "call.spoken", spoken(number), room)
}

// callCache keeps the spoken calls made, by number and room.
type callCache struct {
	mu sync.Mutex
	m  map[string][]byte
}

// call serves GET /display/call?n=NUMBER&room=ROOM: the call spoken, as
// WAV, for a number being called now to that room only (nothing else can
// be made to speak).
func (s *Server) call(w http.ResponseWriter, r *http.Request) {
	if s.Speech == nil {
		http.NotFound(w, r)
		return
	}
	number, room := r.URL.Query().Get("n"), r.URL.Query().Get("room")
	_, q, _ := s.snapshot()
	calling := false
	for _, c := range s.Rules.board(q, wareki.Tokyo).Calling {
		calling = calling || (c.Number == number && c.Room == room)
	}
	if !calling {
		http.NotFound(w, r)
		return
	}
	key := number + "\x00" + room
	s.calls.mu.Lock()
	wav := s.calls.m[key]
	s.calls.mu.Unlock()
	if wav == nil {
		var err error
		wav, err = s.Speech.Render(r.Context(), catalog.Ja, SpokenCall(number, room, s.spoken()))
		if err != nil {
			s.log().Warn("waiting room: the call was not synthesised", "err", err)
			http.Error(w, "no voice", http.StatusServiceUnavailable)
			return
		}
		s.calls.mu.Lock()
		if s.calls.m == nil || len(s.calls.m) > 200 {
			s.calls.m = map[string][]byte{}
		}
		s.calls.m[key] = wav
		s.calls.mu.Unlock()
	}
	w.Header().Set("Content-Type", "audio/wav")
	_, _ = w.Write(wav)
}

func (s *Server) spoken() func(string) string {
	if s.Spoken != nil {
		return s.Spoken
	}
	return func(n string) string { return n }
}
