package waitroom

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/catalog"
	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/insurance"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
	"github.com/uketsuke/uketsuke/storage"
)

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

// fixture is a real store with patients checked in (names, birth dates,
// insurance numbers in it) and the waiting room over it.
type fixture struct {
	t      *testing.T
	store  *storage.Store
	path   string
	srv    *Server
	http   *httptest.Server
	tokens []string
	clock  *clock
}

var secrets = []string{"宇計", "花子", "ｳｹｲ", "ハナコ", "1980", "S55", "06132013", "1234567", "記号", "9999"}

func newFixture(t *testing.T, patients int) *fixture {
	t.Helper()
	c := &clock{t: time.Date(2026, 11, 25, 9, 0, 0, 0, wareki.Tokyo)}
	path := filepath.Join(t.TempDir(), "kiosk.db")
	st, err := storage.Open(path, storage.Options{KioskID: "kiosk-1", Clock: c})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{t: t, store: st, path: path, clock: c}
	for range patients {
		f.checkIn(st)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	f.srv = &Server{Queue: st, Rules: Rules{MinutesPerPatient: 5}, Clinic: "うけつけ医院", Changes: st.Changes(ctx, 20*time.Millisecond), Clock: c}
	go f.srv.Run(ctx)
	f.http = httptest.NewServer(f.srv.Handler())
	t.Cleanup(f.http.Close)
	f.waitFor(func() bool { _, q, _ := f.srv.snapshot(); return len(q) == patients })
	return f
}

// checkIn registers a patient with all their personal data.
func (f *fixture) checkIn(st *storage.Store) kiosk.Ticket {
	f.t.Helper()
	tk, err := st.Register(context.Background(), kiosk.Visit{Path: kiosk.PathCertificate, Eligibility: &kiosk.EligibilityResult{
		Validity: kiosk.ValidityValid, Name: "宇計　花子", NameKana: "ｳｹｲ ﾊﾅｺ", Birth: wareki.MustDate(1980, 2, 17),
		Card: insurance.Card{Insurer: "06132013", Symbol: "記号9999", Number: "1234567", Branch: "01"},
	}, Patient: &kiosk.PatientDetails{Name: "宇計 花子", Kana: "ウケイ ハナコ", Birth: wareki.MustDate(1980, 2, 17), Sex: "2"}})
	if err != nil {
		f.t.Fatal(err)
	}
	f.tokens = append(f.tokens, tk.PageToken)
	return tk
}

func (f *fixture) waitFor(cond func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			f.t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (f *fixture) get(path string) (int, http.Header, string) {
	f.t.Helper()
	resp, err := http.Get(f.http.URL + path)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// noSecrets fails when a page carries anything of a patient, or any
// ticket's page token.
func (f *fixture) noSecrets(what, body string) {
	f.t.Helper()
	for _, s := range append(secrets, f.tokens...) {
		if strings.Contains(body, s) {
			f.t.Errorf("%s carries %q", what, s)
		}
	}
}

func TestDisplayShowsNumbersOnly(t *testing.T) {
	f := newFixture(t, 8)
	ctx := context.Background()
	for i, n := range []string{"001", "002", "003"} {
		f.clock.t = f.clock.t.Add(time.Minute)
		if err := f.store.Call(ctx, "2026-11-25", n, []string{"1番診察室", "2番診察室", "1番診察室"}[i], "7"); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.store.SetStatus(ctx, "2026-11-25", "001", storage.StatusDone, "7"); err != nil {
		t.Fatal(err)
	}
	f.waitFor(func() bool { b, _ := f.srv.boardData(ctx, "", f.srvQueue()); return len(b.(Board).Calling) == 2 })
	code, h, page := f.get("/display")
	if code != 200 || h.Get("Cache-Control") != "no-store" || !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Fatalf("/display: %d %v", code, h)
	}
	for _, want := range []string{">003<", ">002<", "2番診察室", ">001<", "お待ちの方 <strong id=\"waiting\">5</strong> 人", ">25</strong> 分", "うけつけ医院"} {
		if !strings.Contains(page, want) {
			t.Errorf("/display has no %q", want)
		}
	}
	f.noSecrets("/display", page)
	_, _, feed := f.get("/display/board")
	var b Board
	if err := json.Unmarshal([]byte(feed), &b); err != nil {
		t.Fatal(err)
	}
	if len(b.Calling) != 2 || b.Calling[0].Number != "003" || b.Calling[1].Room != "2番診察室" || len(b.Recent) != 1 || b.Recent[0].Number != "001" || b.Waiting != 5 || b.WaitMinutes != 25 {
		t.Errorf("board %+v", b)
	}
	f.noSecrets("/display/board", feed)
}

func (f *fixture) srvQueue() []storage.QueueEntry { _, q, _ := f.srv.snapshot(); return q }

func TestPatientPageShowsTheirPlace(t *testing.T) {
	f := newFixture(t, 6)
	ctx := context.Background()
	code, _, page := f.get("/q/" + f.tokens[5])
	if code != 200 || !strings.Contains(page, ">006<") || !strings.Contains(page, `data-state="waiting"`) || !strings.Contains(page, `class="ahead">5<`) {
		t.Errorf("the sixth: %d\n%s", code, page)
	}
	f.noSecrets("/q/ page", strings.ReplaceAll(page, f.tokens[5], ""))
	for _, n := range []string{"001", "002", "003"} {
		if err := f.store.Call(ctx, "2026-11-25", n, "1番診察室", "7"); err != nil {
			t.Fatal(err)
		}
	}
	f.waitFor(func() bool { _, _, b := f.get("/q/" + f.tokens[5] + "/place"); return strings.Contains(b, `"soon"`) })
	_, _, feed := f.get("/q/" + f.tokens[5] + "/place")
	var p Place
	if err := json.Unmarshal([]byte(feed), &p); err != nil || p.Number != "006" || p.Ahead != 2 || p.State != "soon" || p.WaitMinutes != 10 {
		t.Errorf("place %+v %v", p, err)
	}
	_, _, feed = f.get("/q/" + f.tokens[0] + "/place")
	if err := json.Unmarshal([]byte(feed), &p); err != nil || p.State != "called" || p.Room != "1番診察室" {
		t.Errorf("the called one: %+v %v", p, err)
	}
	// Unknown tokens, and yesterday's ticket the next day, open nothing.
	for _, bad := range []string{"nothing", strings.Repeat("A", 24), f.tokens[0][:23]} {
		if code, _, body := f.get("/q/" + bad); code != 404 || strings.Contains(body, "00") {
			t.Errorf("/q/%s: %d %s", bad, code, body)
		}
	}
	f.clock.t = f.clock.t.Add(24 * time.Hour)
	f.srv.refresh(ctx)
	if code, _, _ := f.get("/q/" + f.tokens[5]); code != 404 {
		t.Errorf("yesterday's ticket: %d", code)
	}
}

// TestLiveUpdates: a check-in and a call committed by another process's
// connection reach an open display stream and a patient's stream.
func TestLiveUpdates(t *testing.T) {
	f := newFixture(t, 2)
	kioskSide, err := storage.Open(f.path, storage.Options{KioskID: "kiosk-1", Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	defer kioskSide.Close()
	display := f.stream("/display/events")
	mine := f.stream("/q/" + f.tokens[1] + "/events")
	if b := <-display; !strings.Contains(b, `"waiting":2`) {
		t.Fatalf("first board %s", b)
	}
	if p := <-mine; !strings.Contains(p, `"ahead":1`) {
		t.Fatalf("first place %s", p)
	}
	f.checkIn(kioskSide)
	if b := next(t, display); !strings.Contains(b, `"waiting":3`) {
		t.Errorf("after a check-in %s", b)
	}
	if err := kioskSide.Call(context.Background(), "2026-11-25", "001", "1番診察室", "7"); err != nil {
		t.Fatal(err)
	}
	if b := next(t, display); !strings.Contains(b, `"number":"001"`) {
		t.Errorf("after the call %s", b)
	}
	if p := next(t, mine); !strings.Contains(p, `"ahead":0`) || !strings.Contains(p, `"soon"`) {
		t.Errorf("my place after the call %s", p)
	}
}

func next(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
		return ""
	}
}

// stream reads a server-sent event stream's data lines.
func (f *fixture) stream(path string) <-chan string {
	f.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", f.http.URL+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		f.t.Fatalf("%s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	ch := make(chan string, 16)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				ch <- d
			}
		}
	}()
	return ch
}

// speech records what it was asked to say.
type speech struct{ said []string }

func (s *speech) Render(_ context.Context, _ catalog.Lang, text string) ([]byte, error) {
	s.said = append(s.said, text)
	return []byte("RIFF....WAVE"), nil
}

// TestTheDisplaySaysTheCall: a number being called is said with its room
// (the number without leading zeros); anything else cannot be made to
// speak.
func TestTheDisplaySaysTheCall(t *testing.T) {
	f := newFixture(t, 3)
	sp := &speech{}
	f.srv.Speech, f.srv.Spoken = sp, func(n string) string { return strings.TrimLeft(n, "0") }
	if err := f.store.Call(context.Background(), "2026-11-25", "002", "1番診察室", "7"); err != nil {
		t.Fatal(err)
	}
	f.waitFor(func() bool {
		b, _ := f.srv.boardData(context.Background(), "", f.srvQueue())
		return len(b.(Board).Calling) == 1
	})
	if _, _, page := f.get("/display"); !strings.Contains(page, `data-speak="1"`) {
		t.Error("the display does not know it may speak")
	}
	code, h, body := f.get("/display/call?n=002&room=" + url.QueryEscape("1番診察室"))
	if code != 200 || h.Get("Content-Type") != "audio/wav" || body != "RIFF....WAVE" {
		t.Errorf("the call: %d %s", code, h.Get("Content-Type"))
	}
	f.get("/display/call?n=002&room=" + url.QueryEscape("1番診察室")) // from the cache
	if len(sp.said) != 1 || sp.said[0] != "受付番号、2番の方、1番診察室へどうぞ。" {
		t.Errorf("said %q", sp.said)
	}
	for _, bad := range []string{"n=001&room=" + url.QueryEscape("1番診察室"), "n=002&room=" + url.QueryEscape("2番診察室"), "n=" + url.QueryEscape("好きな文"), ""} {
		if code, _, _ := f.get("/display/call?" + bad); code != 404 {
			t.Errorf("%s: %d", bad, code)
		}
	}
	if len(sp.said) != 1 {
		t.Errorf("something else was said: %q", sp.said)
	}
}
