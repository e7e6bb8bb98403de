package main

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/software"

	"github.com/uketsuke/uketsuke/app"
	"github.com/uketsuke/uketsuke/catalog"
	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/voice"
)

// pilot walks demo patients through the real kiosk, tapping the screen's
// buttons as a patient would, and photographs every screen it sees.
type pilot struct {
	ui   *app.UI
	win  fyne.Window
	demo *demoCards
	out  io.Writer
	dir  string
	// voice is the kiosk's voice guide, checked at every screen waited for;
	// nil: the kiosk is silent.
	voice     *voice.Speaker
	saidShown int // the Seq of the line last printed

	shots   int
	seen    string // the last screen photographed
	lastTap time.Time
	tickets int

	mu    sync.Mutex
	drawn map[string]time.Time // when each screen was last drawn
}

// drew records when a screen was drawn (the screen's OnScreen hook).
func (p *pilot) drew(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn == nil {
		p.drawn = map[string]time.Time{}
	}
	p.drawn[name] = time.Now()
}

// drawnAt is when the screen was last drawn.
func (p *pilot) drawnAt(name string) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.drawn[name]
}

// step is one action of a scripted patient: tap a button, insert or
// remove the card, or wait for a screen.
type step struct {
	tap    string // button title
	insert string // persona
	remove bool
	face   string // point the demo camera at this persona
	wait   string // screen name prefix to wait for
	maybe  bool   // tap only if the button is there
}

// ifThere marks taps that apply only when their button is on screen.
func ifThere(steps []step) []step {
	for i := range steps {
		steps[i].maybe = true
	}
	return steps
}

func tap(titles ...string) []step {
	out := make([]step, len(titles))
	for i, t := range titles {
		out[i] = step{tap: t}
	}
	return out
}

func digits(s string) []step { return tap(strings.Split(s, "")...) }

func wait(screen string) step { return step{wait: screen} }

func join(parts ...[]step) []step {
	var out []step
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// The demo's staff account (created in the demo's database only).
const (
	demoStaffID  = "7"
	demoStaffPIN = "314159"
)

// demoClinic is the demo's clinic name, on screen and on tickets.
const demoClinic = "うけつけデモ医院"

// demoPatient is one scripted walk through the kiosk.
type demoPatient struct {
	name  string
	steps []step
}

// demoPatients covers the demo's paths: face OK, PIN, PIN locked, a
// 資格確認書 typed in, an 無効 answer, and a card that is not a My Number card.
func demoPatients() []demoPatient {
	finish := join([]step{wait("consent")}, tap("すべて提供する"), []step{wait("ticket")}, tap("終わる"), []step{{remove: true}, wait("welcome")})
	// The card camera reads taro's 照合番号B from his card front: no typing.
	// hanako's card front shines under the lamp: what the camera read is
	// filled in, the rest typed.
	readFront := []step{wait("reading-card-front|consent|entering-pin")}
	codeBGlare := join([]step{wait("entering-code-b-1")}, tap("つぎへ"), []step{wait("entering-code-b-2")}, tap("つぎへ"),
		[]step{wait("entering-code-b-3")}, digits("7301"), tap("つぎへ"))
	staffLogin := join(tap("職員用"), []step{wait("staff-login")}, digits(demoStaffID), tap("決定"), digits(demoStaffPIN), tap("決定"), []step{wait("staff-menu")})
	certificate := func(insurer, number, branch, birthEra, birth string) []step {
		branchSteps := tap("なし")
		if branch != "" {
			branchSteps = join(digits(branch), tap("つぎへ"))
		}
		return join(tap("資格確認書"), []step{wait("manual-entry-insurer")}, digits(insurer), tap("つぎへ"), tap("なし"),
			digits(number), tap("つぎへ"), branchSteps, tap(birthEra), digits(birth), tap("つぎへ"),
			[]step{wait("manual-entry-review")}, tap("この内容で確認する"), []step{wait("consent")})
	}
	return []demoPatient{
		{"taro: マイナ保険証, 顔認証 (or the PIN when the face does not match)", join(
			[]step{{insert: "taro"}, wait("choosing-method")}, tap("顔認証"), readFront,
			[]step{wait("consent|entering-pin")}, ifThere(tap("1", "2", "3", "4", "決定")), finish)},
		{"taro's card, someone else at the camera: the face does not match, the PIN does", join(
			[]step{{insert: "taro"}, {face: "kiyoshi"}, wait("choosing-method")}, tap("顔認証"), readFront,
			[]step{wait("entering-pin")}, tap("1", "2", "3", "4", "決定"), finish)},
		{"hanako: 顔認証, her card front in the lamp's glare: what the camera read is filled in, the code typed", join(
			[]step{{insert: "hanako"}, wait("choosing-method")}, tap("顔認証"), codeBGlare,
			finish)},
		{"kiyoshi: マイナ保険証, 暗証番号, お知らせ numbers typed (card not yet known), certificate expiring", join(
			[]step{{insert: "kiyoshi"}, wait("choosing-method")}, tap("暗証番号"), []step{wait("entering-pin")},
			digits("1944"), tap("決定"), []step{wait("consent")}, tap("すべて提供する"), []step{wait("manual-entry-insurer")},
			digits("39131008"), tap("つぎへ"), tap("なし"), digits("12345678"), tap("つぎへ"), tap("なし"), tap("昭和"), digits("190505"), tap("つぎへ"),
			[]step{wait("manual-entry-review")}, tap("この内容で確認する"), []step{wait("ticket")}, tap("終わる"), []step{{remove: true}, wait("welcome")})},
		{"hanako: マイナ保険証, PIN locked: reset guidance, then staff", join(
			[]step{{insert: "hanako"}, wait("choosing-method")}, tap("暗証番号"), []step{wait("pin-locked")}, tap("わかりました"),
			[]step{wait("staff"), {remove: true}}, staffLogin, tap("いまの受付を中止する"), []step{wait("welcome")})},
		{"75+ patient: 資格確認書 typed in", join(certificate("39131008", "12345678", "", "昭和", "190505"), tap("提供する"),
			[]step{wait("ticket")}, tap("終わる"), []step{wait("welcome")})},
		{"資格確認書 with an invalid insurance: 無効, then staff", join(certificate("06132013", "0000002", "00", "平成", "020601"), tap("提供する"),
			[]step{wait("result")}, tap("わかりました"), []step{wait("staff")}, staffLogin, tap("手動で受付する"),
			// No valid answer says who she is: staff type what ORCA needs.
			[]step{wait("staff-patient")}, tap("ウ", "ケ", "ツ", "ケ", "空白", "ハ", "ナ", "コ", "つぎへ", "平成"), digits("020601"),
			tap("つぎへ", "女", "この内容で受付する"),
			[]step{wait("ticket")}, tap("終わる"), []step{wait("welcome")})},
		{"questions: the ご案内 pages, one printed", join(
			tap("ご案内・よくある質問"), []step{wait("guide-index")},
			tap("マイナンバーカードは保険証として登録されていますか"), []step{wait("guide-registration")}, tap("もとの画面にもどる"), []step{wait("welcome")},
			tap("ご案内・よくある質問"), tap("数字4けたの暗証番号について"), []step{wait("guide-pin")}, tap("この内容を印刷する"), tap("もとの画面にもどる"),
			tap("ご案内・よくある質問"), tap("資格情報のお知らせについて"), []step{wait("guide-notice")}, tap("もとの画面にもどる"),
			tap("ご案内・よくある質問"), tap("受診のときに持ってくるもの"), []step{wait("guide-bring")}, tap("もとの画面にもどる"),
			tap("ご案内・よくある質問"), tap("資格確認書について"), []step{wait("guide-certificate")}, tap("もとの画面にもどる"),
			tap("ご案内・よくある質問"), tap("カードの電子証明書の有効期限について"), []step{wait("guide-cert-expiry")}, tap("もとの画面にもどる"),
			tap("以前の健康保険証"), []step{wait("guide-old-card")}, tap("受付を続ける"), []step{wait("staff")},
			staffLogin, tap("いまの受付を中止する"), []step{wait("welcome")})},
		{"another kind of card: the documents are offered", join(
			[]step{{insert: "other-card"}, wait("choosing-document")}, []step{{remove: true}})},
	}
}

// run walks every demo patient, printing each step.
func (p *pilot) run(ctx context.Context) error {
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return err
	}
	if err := p.waitFor(ctx, "welcome", 20*time.Second); err != nil {
		return err
	}
	p.photo()
	for i, patient := range demoPatients() {
		fmt.Fprintf(p.out, "patient %d — %s\n", i+1, patient.name)
		for _, s := range patient.steps {
			if err := p.do(ctx, s); err != nil {
				return fmt.Errorf("patient %d (%s): %w", i+1, patient.name, err)
			}
		}
	}
	if err := p.checkRecordings(ctx); err != nil {
		return err
	}
	fmt.Fprintf(p.out, "done: %d patients walked, %d tickets; %d screenshots in %s\n", len(demoPatients()), p.tickets, p.shots, p.dir)
	return nil
}

// checkVoice checks that the line last said is the screen's: the line of
// the kiosk state on display, in the screen's language, and on the ticket
// screen the number shown. Nothing said yet (the kiosk's first screen)
// is not checked.
func (p *pilot) checkVoice(ctx context.Context) error {
	if p.voice == nil {
		return nil
	}
	var v kiosk.View
	var lang catalog.Lang
	p.onUI(func() { v, lang = p.ui.View(), p.ui.Lang() })
	want := kiosk.Line{Key: "voice." + v.State.String()}
	if v.State == kiosk.StateTicket && v.Ticket != nil {
		want.Number = v.Ticket.Number
	}
	deadline := time.Now().Add(2 * time.Second) // the line is said as the screen is drawn
	for {
		said := p.voice.Said()
		if len(said) == 0 {
			return nil
		}
		last := said[len(said)-1]
		if last.Line == want && last.Lang == lang {
			if last.Seq != p.saidShown { // a new line since the last screen checked
				p.saidShown = last.Seq
				fmt.Fprintf(p.out, "  said: %s\n", describeLine(last))
			}
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("on screen %s the voice said %s, want %+v", p.screen(), describeLine(last), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func describeLine(s voice.Said) string {
	text := catalog.T(s.Lang, s.Line.Key)
	if s.Line.Number != "" {
		text += catalog.T(s.Lang, voice.NumberKey, voice.Spoken(s.Line.Number))
	}
	return fmt.Sprintf("%s 「%s」", s.Line.Key, text)
}

// checkRecordings checks the lines the voice wrote into files (the demo
// without a sound device): each there, speech-long and audible.
func (p *pilot) checkRecordings(ctx context.Context) error {
	if p.voice == nil {
		return nil
	}
	said := p.voice.Said()
	files := 0
	for _, s := range said {
		if s.File == "" {
			continue
		}
		var wav []byte
		deadline := time.Now().Add(10 * time.Second)
		for {
			var err error
			if wav, err = os.ReadFile(s.File); err == nil || time.Now().After(deadline) || ctx.Err() != nil {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		d, err := voice.Duration(wav)
		level, _ := voice.Level(wav)
		if err != nil || d < 0.5 || level < 0.01 {
			return fmt.Errorf("the spoken line %s: %.2f s at level %.3f (%v)", s.File, d, level, err)
		}
		files++
	}
	where := "played on the sound device"
	if files > 0 {
		where = fmt.Sprintf("written to %s, every one audible", filepath.Dir(said[0].File))
	}
	fmt.Fprintf(p.out, "voice: %d lines said, %s\n", len(said), where)
	return nil
}

func (p *pilot) do(ctx context.Context, s step) error {
	switch {
	case s.insert != "":
		fmt.Fprintf(p.out, "  card on the reader: %s\n", s.insert)
		start := time.Now()
		if err := p.demo.Insert(s.insert); err != nil {
			return err
		}
		if err := p.waitFor(ctx, "choosing-method|choosing-document", 20*time.Second); err != nil {
			return err
		}
		fmt.Fprintf(p.out, "  card insertion → %s: %s\n", p.screen(), p.drawnAt(p.screen()).Sub(start).Round(time.Millisecond))
	case s.face != "":
		fmt.Fprintf(p.out, "  the camera shows %s\n", s.face)
		return p.demo.ShowFace(s.face)
	case s.remove:
		fmt.Fprintln(p.out, "  card taken off the reader")
		return p.demo.Remove()
	case s.wait != "":
		if err := p.waitFor(ctx, s.wait, 30*time.Second); err != nil {
			return err
		}
		if strings.HasPrefix(p.screen(), "ticket") {
			p.tickets++
			fmt.Fprintf(p.out, "  last tap → ticket: %s\n", p.drawnAt(p.screen()).Sub(p.lastTap).Round(time.Millisecond))
		}
		return p.checkVoice(ctx)
	default:
		var ok bool
		p.lastTap = time.Now()
		p.onUI(func() { ok = p.ui.Tap(s.tap) })
		if !ok && s.maybe {
			return nil
		}
		if !ok {
			return fmt.Errorf("no button %q on screen %s", s.tap, p.screen())
		}
		time.Sleep(120 * time.Millisecond) // a person's pace, and time to draw
		p.photo()
	}
	return nil
}

// waitFor waits until the screen's name starts with one of the |-separated prefixes.
func (p *pilot) waitFor(ctx context.Context, prefixes string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		name := p.screen()
		for _, want := range strings.Split(prefixes, "|") {
			if strings.HasPrefix(name, want) {
				p.photo()
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("waited %s for screen %s; the screen is %s", timeout, prefixes, name)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(30 * time.Millisecond):
		}
	}
}

func (p *pilot) onUI(f func()) {
	done := make(chan struct{})
	fyne.Do(func() { f(); close(done) })
	<-done
}

func (p *pilot) screen() string {
	var s string
	p.onUI(func() { s = p.ui.Screen() })
	return s
}

// photo saves the screen once per screen name.
func (p *pilot) photo() {
	name := p.screen()
	if name == p.seen {
		return
	}
	p.seen = name
	time.Sleep(150 * time.Millisecond) // let the new screen be painted
	if strings.HasPrefix(name, "reading-card-front") {
		// The live view: its frames come a moment after the screen.
		if time.Sleep(600 * time.Millisecond); p.screen() != name {
			return
		}
	}
	p.shots++
	path := filepath.Join(p.dir, fmt.Sprintf("%02d-%s.png", p.shots, name))
	if err := p.grab(path); err != nil {
		fmt.Fprintf(p.out, "  screenshot: %v\n", err)
		return
	}
	fmt.Fprintf(p.out, "  screen: %s\n", name)
}

// grab saves what is on the X screen (ImageMagick's import), which is what
// a person sees; without import it renders the window's content in
// software instead.
func (p *pilot) grab(path string) error {
	if bin, err := exec.LookPath("import"); err == nil {
		out, err := exec.Command(bin, "-window", "root", path).CombinedOutput()
		if err != nil {
			return fmt.Errorf("import: %w: %s", err, out)
		}
		return nil
	}
	var img image.Image
	p.onUI(func() { img = software.Render(p.win.Content(), app.Theme()) })
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return png.Encode(f, img)
}
