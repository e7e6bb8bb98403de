package waitroom

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
	"github.com/uketsuke/uketsuke/storage"
)

// Queue is where the waiting room reads the queue (the store).
type Queue interface {
	Queue(ctx context.Context, day string) ([]storage.QueueEntry, error)
	FindPage(ctx context.Context, token string) (day, number string, err error)
}

// Server serves /display, /display/events, /q/<token> and
// /q/<token>/events. Run keeps its view of the queue current.
type Server struct {
	Queue   Queue
	Rules   Rules
	Clinic  string          // shown on the pages
	Changes <-chan struct{} // signals that the queue may have changed (storage.Store.Changes)
	Clock   kiosk.Clock     // nil: the system's
	Log     *slog.Logger    // nil: discarded
	// Speech, if set, lets the display say each call aloud after its
	// chime; Spoken reads a number aloud (voice.Spoken).
	Speech Speech
	Spoken func(number string) string

	mu    sync.Mutex
	day   string
	queue []storage.QueueEntry
	gen   int
	wake  chan struct{} // closed and replaced when the queue changes
	calls callCache
}

//go:embed assets
var assets embed.FS

var pages = template.Must(template.New("").ParseFS(assets, "assets/*.html"))

func (s *Server) now() time.Time {
	if s.Clock != nil {
		return s.Clock.Now()
	}
	return time.Now()
}

func (s *Server) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Run reads the queue at every change signal and at least every 30 s
// (the day rolls over at Tokyo midnight), until ctx ends.
func (s *Server) Run(ctx context.Context) {
	tick := time.NewTicker(30 * time.Second)
	defer tick.Stop()
	for {
		s.refresh(ctx)
		select {
		case <-ctx.Done():
			return
		case _, ok := <-s.Changes:
			if !ok {
				s.Changes = nil
			}
		case <-tick.C:
		}
	}
}

func (s *Server) refresh(ctx context.Context) {
	day := wareki.Today(s.now()).String()
	q, err := s.Queue.Queue(ctx, day)
	if err != nil {
		if ctx.Err() == nil {
			s.log().Error("waiting room: reading the queue failed", "err", err)
		}
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.day, s.queue = day, q
	s.gen++
	if s.wake != nil {
		close(s.wake)
	}
	s.wake = make(chan struct{})
}

// snapshot is the queue as last read, and a channel closed at the next
// change.
func (s *Server) snapshot() (string, []storage.QueueEntry, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wake == nil {
		s.wake = make(chan struct{})
	}
	return s.day, s.queue, s.wake
}

// Handler serves the pages.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /display", s.display)
	mux.HandleFunc("GET /display/board", func(w http.ResponseWriter, r *http.Request) { s.feed(w, r, s.boardData) })
	mux.HandleFunc("GET /display/events", func(w http.ResponseWriter, r *http.Request) { s.events(w, r, s.boardData) })
	mux.HandleFunc("GET /display/call", s.call)
	mux.HandleFunc("GET /q/{token}", s.page)
	mux.HandleFunc("GET /q/{token}/place", func(w http.ResponseWriter, r *http.Request) { s.feed(w, r, s.placeData(r.PathValue("token"))) })
	mux.HandleFunc("GET /q/{token}/events", func(w http.ResponseWriter, r *http.Request) { s.events(w, r, s.placeData(r.PathValue("token"))) })
	mux.HandleFunc("GET /waitroom.js", s.asset("assets/waitroom.js", "text/javascript; charset=utf-8"))
	mux.HandleFunc("GET /waitroom.css", s.asset("assets/waitroom.css", "text/css; charset=utf-8"))
	return headers(mux)
}

// headers: nothing is cached, nothing leaks into a referrer, no framing,
// scripts from this origin only.
func headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'self'; media-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}

func (s *Server) asset(name, ctype string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := assets.ReadFile(name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", ctype)
		_, _ = w.Write(b)
	}
}

// errNoPage is a token that opens nothing today.
var errNoPage = errors.New("no such ticket today")

// dataFunc computes a feed's data from the queue.
type dataFunc func(ctx context.Context, day string, q []storage.QueueEntry) (any, error)

func (s *Server) boardData(_ context.Context, _ string, q []storage.QueueEntry) (any, error) {
	return s.Rules.board(q, wareki.Tokyo), nil
}

// placeData finds the ticket of token: valid on its own business day
// only.
func (s *Server) placeData(token string) dataFunc {
	return func(ctx context.Context, day string, q []storage.QueueEntry) (any, error) {
		tday, number, err := s.Queue.FindPage(ctx, token)
		if errors.Is(err, storage.ErrNotFound) || (err == nil && tday != day) {
			return nil, errNoPage
		}
		if err != nil {
			return nil, err
		}
		p, ok := s.Rules.place(q, number)
		if !ok {
			return nil, errNoPage
		}
		return p, nil
	}
}

// feed writes the data once, as JSON.
func (s *Server) feed(w http.ResponseWriter, r *http.Request, data dataFunc) {
	day, q, _ := s.snapshot()
	v, err := data(r.Context(), day, q)
	if err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) fail(w http.ResponseWriter, err error) {
	if errors.Is(err, errNoPage) {
		http.Error(w, "この番号札のページはありません（番号札は発行された日のみ有効です）", http.StatusNotFound)
		return
	}
	s.log().Error("waiting room: a page failed", "err", err)
	http.Error(w, "ただいま表示できません", http.StatusServiceUnavailable)
}

// events streams the data as server-sent events: now, and at every
// change that changes it.
func (s *Server) events(w http.ResponseWriter, r *http.Request, data dataFunc) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	day, q, wake := s.snapshot()
	v, err := data(r.Context(), day, q)
	if err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	var last string
	keepAlive := time.NewTicker(25 * time.Second)
	defer keepAlive.Stop()
	for {
		if err == nil {
			b, _ := json.Marshal(v)
			if string(b) != last {
				last = string(b)
				if _, werr := fmt.Fprintf(w, "data: %s\n\n", b); werr != nil {
					return
				}
				fl.Flush()
			}
		}
		select {
		case <-r.Context().Done():
			return
		case <-keepAlive.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
			fl.Flush()
			continue
		case <-wake:
		}
		day, q, wake = s.snapshot()
		v, err = data(r.Context(), day, q)
		if errors.Is(err, errNoPage) {
			fmt.Fprint(w, "event: gone\ndata: {}\n\n")
			fl.Flush()
			return
		}
	}
}

type pageData struct {
	Speak  bool // the display says the calls
	Clinic string
	Title  string
	Feed   string      // the events URL
	Data   template.JS // the first data, for the script
	Board  Board
	Place  Place
}

func (s *Server) display(w http.ResponseWriter, r *http.Request) {
	_, q, _ := s.snapshot()
	b := s.Rules.board(q, wareki.Tokyo)
	s.render(w, "display.html", pageData{Speak: s.Speech != nil, Clinic: s.Clinic, Title: "呼び出し", Feed: "/display/events", Data: jsData(b), Board: b})
}

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	day, q, _ := s.snapshot()
	v, err := s.placeData(token)(r.Context(), day, q)
	if err != nil {
		s.fail(w, err)
		return
	}
	s.render(w, "place.html", pageData{Clinic: s.Clinic, Title: "順番のご案内", Feed: "/q/" + token + "/events", Data: jsData(v), Place: v.(Place)})
}

func jsData(v any) template.JS {
	b, _ := json.Marshal(v)
	return template.JS(strings.ReplaceAll(string(b), "</", `<\/`))
}

func (s *Server) render(w http.ResponseWriter, name string, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pages.ExecuteTemplate(w, name, d); err != nil {
		s.log().Error("waiting room: a page did not render", "page", name, "err", err)
	}
}
