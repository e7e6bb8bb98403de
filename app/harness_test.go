package app

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/uketsuke/uketsuke/catalog"
	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/insurance"
	"github.com/uketsuke/uketsuke/kiosk/kiosktest"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// harness runs the real reception machine and runner (synchronously)
// behind the UI, with in-process ports, in fyne's test driver.
type harness struct {
	t     *testing.T
	m     *kiosk.Machine
	r     *kiosk.Runner
	ui    *UI
	w     fyne.Window
	now   time.Time
	card  *kiosktest.Card
	face  *kiosktest.Face
	elig  *kiosktest.Eligibility
	store *kiosktest.Store
	desk  *fakeDesk
	queue []kiosk.Event
	busy  bool
	shots []string // screen names in order
	slips []string // printed guidance slips
	voice *fakeVoice
}

// fakeVoice is the voice guide of the harness: the runner's Speaker and
// the screen's Voice, recording what would be said in which language.
type fakeVoice struct {
	off  bool
	lang catalog.Lang
	last kiosk.Line
	said []string // key[+number].lang
}

func (v *fakeVoice) Say(_ context.Context, l kiosk.Line) { v.last = l; v.say() }

func (v *fakeVoice) say() {
	if v.off || v.last.Key == "" {
		return
	}
	code := "ja"
	if v.lang == catalog.En {
		code = "en"
	}
	key := v.last.Key
	if v.last.Number != "" {
		key += "+" + v.last.Number
	}
	v.said = append(v.said, key+"."+code)
}

func (v *fakeVoice) End()                   { v.last, v.lang, v.off = kiosk.Line{}, catalog.Ja, false }
func (v *fakeVoice) On() bool               { return !v.off }
func (v *fakeVoice) SetOn(on bool)          { v.off = !on }
func (v *fakeVoice) SetLang(l catalog.Lang) { v.lang = l }
func (v *fakeVoice) Repeat()                { v.say() }

func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessAt(t, DesignWidth, DesignHeight)
}

// newHarnessAt is newHarness on a w × h pixel screen: the canvas scaled
// by FitScale, as the kiosk runs there.
func newHarnessAt(t *testing.T, sw, sh int) *harness {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(Theme())
	h := &harness{
		t: t, now: time.Date(2026, 11, 25, 9, 30, 0, 0, wareki.Tokyo),
		card:  kiosktest.NewCard("1234", wareki.MustDate(1980, 5, 5), 2034, "5678"),
		face:  &kiosktest.Face{MatchOn: 1},
		elig:  &kiosktest.Eligibility{Result: kiosk.EligibilityResult{Validity: kiosk.ValidityValid, Name: "受付　花子"}, Known: true},
		store: &kiosktest.Store{},
		voice: &fakeVoice{},
	}
	h.desk = &fakeDesk{h: h, pin: "314159"}
	h.m = kiosk.NewMachine(kiosk.Config{FaceAttempts: 2, CodeBMaxWrong: 2, CodeBReserve: 3})
	h.r = kiosk.NewRunner(h.m, kiosk.Ports{Card: h.card, Face: h.face, Eligibility: h.elig, Store: h.store, Audit: h.store, Speaker: h.voice, Clock: h}, nil)
	h.w = test.NewTempWindow(t, nil)
	scale := FitScale(sw, sh)
	h.w.Canvas().(test.WindowlessCanvas).SetScale(scale)
	lw, lh := float32(sw)/scale, float32(sh)/scale
	h.w.Resize(fyne.NewSize(lw, lh))
	h.ui = New(h.w, Deps{
		Post: h.post, Staff: h.desk, Clock: h, MinutesPerPatient: 5, ClinicName: "うけつけ医院",
		Printer: slipPrinter{h}, Voice: h.voice,
		OnScreen: func(n string) {
			h.shots = append(h.shots, n)
			// Every screen must fit the kiosk screen: nothing may be
			// pushed off the bottom where a patient cannot see it.
			if m := h.w.Content().MinSize(); m.Width > lw || m.Height > lh {
				t.Errorf("screen %s needs %.0f×%.0f, more than %.0f×%.0f", n, m.Width, m.Height, lw, lh)
			}
		},
	})
	h.ui.async = func(f func()) { f() }
	return h
}

// Now is the harness clock.
func (h *harness) Now() time.Time { return h.now }

// post steps the machine with ev and every reply its effects produce,
// showing the view after each step as the real runner publishes it.
func (h *harness) post(ev kiosk.Event) {
	h.queue = append(h.queue, ev)
	if h.busy {
		return
	}
	h.busy = true
	for len(h.queue) > 0 {
		ev := h.queue[0]
		h.queue = h.queue[1:]
		for _, eff := range h.m.Step(ev, h.now) {
			if reply := h.r.Exec(context.Background(), eff); reply != nil {
				h.queue = append(h.queue, reply)
			}
		}
		h.ui.Show(h.m.View()) // the runner publishes after every step
	}
	h.busy = false
}

func (h *harness) state() kiosk.State { return h.m.View().State }

func (h *harness) want(s kiosk.State) {
	h.t.Helper()
	if got := h.state(); got != s {
		h.t.Fatalf("state %s, want %s (screens: %v)", got, s, h.shots)
	}
}

// tap taps the tile titled title on the current screen.
func (h *harness) tap(title string) {
	h.t.Helper()
	if !h.ui.Tap(title) {
		h.t.Fatalf("no %q on screen %s; tiles: %v", title, h.ui.Screen(), tileTitles(h.w.Content()))
	}
}

// has reports whether text appears in a tile or label on screen.
func (h *harness) has(text string) bool { return findText(h.w.Content(), text) }

func (h *harness) wantText(text string) {
	h.t.Helper()
	if !h.has(text) {
		h.t.Fatalf("screen %s does not show %q", h.ui.Screen(), text)
	}
}

// typeDigits taps keypad keys.
func (h *harness) typeDigits(s string) {
	h.t.Helper()
	for _, c := range s {
		h.tap(string(c))
	}
}

// shot saves the window as testdata/shots/<name>.png for people to look at.
func (h *harness) shot(name string) image.Image {
	h.t.Helper()
	img := h.w.Canvas().Capture()
	dir := filepath.Join("testdata", "shots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		h.t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, name+".png"))
	if err != nil {
		h.t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		h.t.Fatal(err)
	}
	return img
}

// A valid 保険者番号 for the forms: 06 + 13 + 001 with its check digit.
func validInsurer(t *testing.T) string {
	t.Helper()
	d, err := insurance.CheckDigit("0613001")
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("0613001%d", d)
}

// slipPrinter records the guidance slips the screen prints.
type slipPrinter struct{ h *harness }

func (p slipPrinter) PrintTicket(context.Context, kiosk.Ticket) error { return nil }
func (p slipPrinter) PrintSlip(_ context.Context, text string) error {
	p.h.slips = append(p.h.slips, text)
	return nil
}
