// Package app is the kiosk's Fyne screen: it draws the kiosk.View of the
// reception state machine, turns taps into kiosk events, and hosts the
// staff mode and the demo panel. It never blocks the UI goroutine: every
// call that can take time runs on its own goroutine and comes back
// through fyne.Do. Only cmd/uketsuke imports fyne's app driver.
package app

import (
	"image"
	"log/slog"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/uketsuke/uketsuke/catalog"
	"github.com/uketsuke/uketsuke/kiosk"
)

// Deps are what the screen drives. Post is required; the rest may be nil.
type Deps struct {
	// Post hands an event to the kiosk runner.
	Post func(kiosk.Event)
	// Staff backs the staff mode; nil hides the staff button.
	Staff StaffDesk
	// Demo backs the demo panel; nil outside demo mode.
	Demo Demo
	// Voice is the voice guide the screen controls (the 音声 button and the
	// language); nil: no voice, no button.
	Voice Voice
	// Printer prints the guidance slips (the kiosk core prints tickets
	// through the same port); nil: no printer.
	Printer kiosk.Printer
	// CardCamera: a document camera over the card tray reads the card
	// front (else the patient holds the card up to the face camera).
	CardCamera bool
	// ClinicName is printed on the slips.
	ClinicName string
	// MinutesPerPatient estimates the wait (0: no estimate shown).
	MinutesPerPatient int
	// Clock is the clock (default the system's).
	Clock kiosk.Clock
	// Log receives English lines for staff; never personal data.
	Log *slog.Logger
	// OnScreen, if set, is called after each screen is drawn with a short
	// name of the screen (state plus sub-step), for screenshots and the
	// headless demo's log.
	OnScreen func(name string)
}

// Voice is the voice guide as the screen controls it. The kiosk core
// decides what is said; the screen only switches the voice on or off and
// sets its language, and asks for the screen's line again after either.
type Voice interface {
	On() bool
	SetOn(on bool)
	SetLang(l catalog.Lang)
	Repeat()
}

// FaceFrame is one camera frame for the face screen's preview.
type FaceFrame struct {
	Image image.Image     // downscaled preview; never kept after the session
	Box   image.Rectangle // the detected face in Image's coordinates, or empty
	Hint  string          // catalog key of the quality guidance, or ""
}

// UI is the kiosk window's content.
type UI struct {
	d    Deps
	win  fyne.Window
	lang catalog.Lang
	v    kiosk.View
	loc  local // what the current screen is in the middle of

	staff *staffMode
	login *staffLogin
	guide *guideState // a guidance page open over the flow, or nil

	idle     *widget.Label
	facePic  *canvas.Image
	faceHint *widget.Label
	screen   string
	drawn    time.Time // when the screen last changed (a tap or a new view)

	// async runs slow work off the UI goroutine; tests make it synchronous.
	async func(func())
}

// New builds the UI into win, showing the welcome screen.
func New(win fyne.Window, d Deps) *UI {
	if d.Clock == nil {
		d.Clock = kiosk.SystemClock{}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	u := &UI{d: d, win: win, v: kiosk.View{State: kiosk.StateWelcome}}
	u.async = func(f func()) { go f() }
	u.refresh()
	return u
}

// WelcomeIdle is how long the welcome screen keeps what the last person
// left on it (a guidance page, the card hint, English) before it is back
// to the plain Japanese welcome screen for the next patient.
const WelcomeIdle = 60 * time.Second

// Show draws v. Call it on the UI goroutine (fyne.Do from the runner's
// watch function).
func (u *UI) Show(v kiosk.View) {
	if v.State != u.v.State {
		u.loc, u.guide = local{}, nil // a new screen starts clean
		if v.State == kiosk.StateEnteringCodeB {
			u.loc.codeB = prefilled(v.CodeBPrefill)
		}
		if v.State == kiosk.StateWelcome {
			u.setLang(catalog.Ja) // a session ended: the next patient starts in Japanese
		}
	} else {
		u.loc = u.loc.again(v)
	}
	u.v = v
	u.refresh()
}

// ShowFace updates the camera preview of the face screen, and of the
// card-front screen (the card in Box, guidance in Hint). Call it on the
// UI goroutine.
func (u *UI) ShowFace(f FaceFrame) {
	if u.facePic == nil || (u.v.State != kiosk.StateMatchingFace && u.v.State != kiosk.StateReadingCardFront) {
		return
	}
	if f.Image != nil {
		u.facePic.Image = withBox(f.Image, f.Box)
		u.facePic.Refresh()
	}
	if f.Hint != "" && u.faceHint != nil {
		if text := u.t(f.Hint); text != u.faceHint.Text {
			u.faceHint.SetText(text)
		}
	}
}

// Tick refreshes the idle countdown and the staff auto-logout. Call it
// about once a second on the UI goroutine.
func (u *UI) Tick() {
	now := u.d.Clock.Now()
	if u.staff != nil && u.staff.expired(now) {
		u.staffLogout("auto")
		return
	}
	if u.v.State == kiosk.StateWelcome && u.staff == nil && now.Sub(u.drawn) >= WelcomeIdle &&
		(u.guide != nil || u.loc != (local{}) || u.lang != catalog.Ja) {
		u.loc, u.guide = local{}, nil
		u.setLang(catalog.Ja)
		u.refresh()
		return
	}
	if u.idle == nil {
		return
	}
	text := ""
	if dl := u.v.Deadline; !dl.IsZero() && u.staff == nil {
		if left := dl.Sub(now); left > 0 && left <= 20*time.Second {
			text = u.t("idle.warning", int(left.Seconds()+0.5))
		}
	}
	if u.idle.Text != text {
		u.idle.SetText(text)
	}
}

// Lang is the current language.
func (u *UI) Lang() catalog.Lang { return u.lang }

// setLang sets the screen's and the voice's language.
func (u *UI) setLang(l catalog.Lang) {
	u.lang = l
	if u.d.Voice != nil {
		u.d.Voice.SetLang(l)
	}
}

// View is the kiosk view on display.
func (u *UI) View() kiosk.View { return u.v }

// Canvas is the window's canvas (its size and scale, for --ui-map).
func (u *UI) Canvas() fyne.Canvas { return u.win.Canvas() }

// Screen names the screen on display (see Deps.OnScreen).
func (u *UI) Screen() string { return u.screen }

func (u *UI) t(key string, args ...any) string { return catalog.T(u.lang, key, args...) }

func (u *UI) post(ev kiosk.Event) {
	u.staffTouched()
	u.d.Post(ev)
}

// refresh rebuilds the window content from the view and the local state.
// Screens are small; a full rebuild keeps what is shown a pure function of
// (view, local state, language), which the golden tests rely on.
func (u *UI) refresh() {
	u.drawn = u.d.Clock.Now()
	u.facePic, u.faceHint = nil, nil
	var body fyne.CanvasObject
	var name string
	switch {
	case u.staff != nil:
		body, name = u.staffScreen()
	case u.guide != nil:
		body, name = u.guideScreen()
	default:
		body, name = u.patientScreen()
	}
	u.idle = widget.NewLabel("")
	u.idle.Importance = widget.DangerImportance
	u.idle.Alignment = fyne.TextAlignCenter
	u.Tick()
	header, footer := u.header(), u.footer()
	room := DesignHeight - header.MinSize().Height - footer.MinSize().Height
	content := container.NewBorder(header, footer, nil, nil, container.New(bodyLayout{room}, container.NewPadded(body)))
	u.win.SetContent(content)
	// A wrapped label knows its height only once it has its width: the
	// first layout gives every label its width, the second stacks them by
	// their wrapped heights (else a two-line heading overlaps the line
	// under it).
	content.Refresh()
	u.screen = name
	if u.d.OnScreen != nil {
		u.d.OnScreen(name)
	}
}

// header: the step indicator, the language switch and the staff button.
func (u *UI) header() fyne.CanvasObject {
	other := catalog.En
	if u.lang == catalog.En {
		other = catalog.Ja
	}
	lang := newTile(other.String(), "", sizeSmall, func() {
		u.setLang(other)
		u.staffTouched()
		u.refresh()
		if u.d.Voice != nil && u.staff == nil {
			u.d.Voice.Repeat() // the screen's line in the language chosen
		}
	}).quiet()
	right := container.NewHBox(lang)
	if u.d.Voice != nil && u.staff == nil {
		right.Objects = append([]fyne.CanvasObject{u.voiceButton()}, right.Objects...)
	}
	if u.d.Staff != nil && u.staff == nil {
		right.Add(newTile(u.t("btn.staff"), "", sizeSmall, u.openStaffLogin).quiet())
	}
	if u.staff != nil {
		mode := canvas.NewText("  "+u.t("btn.staff"), colMuted)
		mode.TextStyle.Bold = true
		return container.NewBorder(nil, nil, mode, right)
	}
	return container.NewBorder(nil, nil, nil, right, u.steps())
}

// voiceButton switches the voice guide on or off; turned on, it says the
// screen's line.
func (u *UI) voiceButton() fyne.CanvasObject {
	on := u.d.Voice.On()
	key := "btn.voice_off"
	if on {
		key = "btn.voice_on"
	}
	return newTile(u.t(key), "", sizeSmall, func() {
		u.d.Voice.SetOn(!on)
		if !on {
			u.d.Voice.Repeat()
		}
		u.refresh()
	}).quiet()
}

// footer: 係員を呼ぶ on every patient screen, the idle countdown, and the
// demo panel in demo mode.
func (u *UI) footer() fyne.CanvasObject {
	var left fyne.CanvasObject = layoutSpacer(fyne.NewSize(1, 1))
	if u.d.Demo != nil {
		left = u.demoPanel()
	}
	if u.staff != nil {
		return container.NewBorder(nil, nil, left, nil, u.idle)
	}
	call := newTile(u.t("btn.call_staff"), "", fyne.NewSize(280, 76), func() { u.post(kiosk.CallStaff{}) })
	return container.NewBorder(nil, nil, left, call, u.idle)
}

// steps draws where the patient is in the flow.
func (u *UI) steps() fyne.CanvasObject {
	keys, at := stepsOf(u.v)
	if keys == nil {
		return layoutSpacer(fyne.NewSize(1, 1))
	}
	box := container.NewHBox()
	for i, k := range keys {
		bg := canvas.NewRectangle(colSoft)
		fg := colMuted
		switch {
		case i == at:
			bg.FillColor, fg = colAction, colPaper
		case i < at:
			fg = colInk
		}
		bg.CornerRadius = 20
		label := canvas.NewText(u.t(k), fg)
		label.TextSize = 22
		label.TextStyle.Bold = i == at
		box.Add(container.NewStack(bg, container.NewPadded(label)))
	}
	return container.NewCenter(box)
}

// stepsOf returns the step labels of the view's path and the current one,
// from the phase the kiosk core gives the view.
func stepsOf(v kiosk.View) ([]string, int) {
	card := []string{"step.card", "step.identity", "step.consent", "step.check", "step.ticket"}
	doc := []string{"step.document", "step.consent", "step.check", "step.ticket"}
	ph := v.Phase()
	switch {
	case ph == kiosk.PhaseNone:
		return nil, 0
	case v.Path == kiosk.PathMynaCard && v.State != kiosk.StateChoosingDocument:
		return card, int(ph - kiosk.PhaseStart)
	case ph == kiosk.PhaseStart:
		return doc, 0
	}
	return doc, int(ph - kiosk.PhaseIdentity) // a document has no identity step
}
