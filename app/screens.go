package app

import (
	"fmt"
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/uketsuke/uketsuke/kiosk"
)

// waits are the states that wait on a device: their screen is a progress
// bar with a title and a line (catalog keys).
var waits = map[kiosk.State][2]string{
	kiosk.StateReadingCard:         {"reading.title", "reading.keep"},
	kiosk.StateReadingPhoto:        {"photo.title", "reading.keep"},
	kiosk.StateCheckingPINTries:    {"pin.checks", "reading.keep"},
	kiosk.StateVerifyingPIN:        {"pin.verify", "reading.keep"},
	kiosk.StateCheckingEligibility: {"elig.title", "wait"},
	kiosk.StateRegistering:         {"registering.title", "wait"},
}

// patientScreen draws the screen of the current state and names it.
func (u *UI) patientScreen() (fyne.CanvasObject, string) {
	v := u.v
	name := v.State.String()
	if w, ok := waits[v.State]; ok {
		return u.progress(w[0], w[1]), name
	}
	switch v.State {
	case kiosk.StateWelcome:
		return u.welcome(), name
	case kiosk.StateChoosingDocument:
		return u.chooseDocument(), name
	case kiosk.StateChoosingMethod:
		return u.chooseMethod(), name
	case kiosk.StateReadingCardFront:
		return u.cardFrontScreen(), name
	case kiosk.StateEnteringCodeB:
		return u.codeBScreen(), fmt.Sprintf("%s-%d", name, u.loc.codeB.step+1)
	case kiosk.StateMatchingFace:
		return u.faceScreen(), name
	case kiosk.StateEnteringPIN:
		return u.pinScreen(), name
	case kiosk.StatePINLocked:
		return u.pinLocked(), name
	case kiosk.StateConsent:
		if u.loc.consentEach {
			return u.consentEach(), name + "-each"
		}
		return u.consentScreen(), name
	case kiosk.StateManualEntry:
		return u.formScreen(), fmt.Sprintf("%s-%s", name, formStepNames[u.loc.form.step])
	case kiosk.StateResult:
		return u.resultScreen(), name
	case kiosk.StateTicket:
		return u.ticketScreen(), name
	case kiosk.StateStaff:
		return u.handoverScreen(), name
	}
	return heading(u.t("wait")), name
}

// screen stacks a heading, content and a bottom row of actions.
func screen(title fyne.CanvasObject, body fyne.CanvasObject, actions ...fyne.CanvasObject) fyne.CanvasObject {
	var bottom fyne.CanvasObject
	if len(actions) > 0 {
		bottom = row(actions...)
	}
	return container.NewBorder(title, bottom, nil, nil, body)
}

func (u *UI) welcome() fyne.CanvasObject {
	top := container.NewVBox(heading(u.t("welcome.title")))
	if u.v.Ended == kiosk.EndCardRemoved {
		top.Add(alert(u.t("card.removed_reset")))
	}
	if u.loc.welcomeMyna {
		top.Add(para(u.t("welcome.myna_hint")))
		pic := cardPicture(cardReaderHint)
		back := newTile(u.t("btn.back"), "", sizeAction, func() { u.loc.welcomeMyna = false; u.refresh() }).quiet()
		return screen(top, container.NewCenter(pic), back)
	}
	place := para(u.t("welcome.place_card"))
	place.TextStyle.Bold = true
	top.Add(place)
	choose := func(doc kiosk.Document) func() {
		return func() { u.post(kiosk.DocumentChosen{Document: doc}) }
	}
	size := fyne.NewSize(390, 120)
	grid := container.NewGridWithColumns(3,
		newTile(u.t("doc.myna"), "", size, func() { u.loc.welcomeMyna = true; u.staffTouched(); u.refresh() }).primary(),
		newTile(u.t("doc.certificate"), "", size, choose(kiosk.DocCertificate)),
		newTile(u.t("doc.notice"), "", size, choose(kiosk.DocNotice)),
		// The old card first explains itself, then goes on by the date rules.
		newTile(u.t("doc.old_card"), "", size, u.openGuide("old-card", choose(kiosk.DocOldCard))),
		newTile(u.t("doc.other"), "", size, choose(kiosk.DocOther)),
		newTile(u.t("guide.button"), "", size, u.openGuide("index", nil)).quiet(),
	)
	return screen(top, container.NewVBox(para(u.t("welcome.or_choose")), container.NewCenter(grid)))
}

// progress is a waiting screen: what is happening and an activity bar
// (anything over 300 ms shows one).
func (u *UI) progress(title, sub string) fyne.CanvasObject {
	bar := widget.NewProgressBarInfinite()
	box := container.New(&atLeast{fyne.NewSize(600, 24)}, bar)
	return middle(container.NewVBox(heading(u.t(title)), para(u.t(sub)), container.NewCenter(box)))
}

var cardProblemKeys = map[kiosk.CardError]string{
	kiosk.CardErrRemoved: "card.problem.removed", kiosk.CardErrNotMyNumber: "card.problem.not_myna",
	kiosk.CardErrReader: "card.problem.reader", kiosk.CardErrData: "card.problem.data",
	kiosk.CardErrPINBlocked: "card.problem.pin_blocked", kiosk.CardErrCodeBBlocked: "card.problem.codeb_blocked",
	kiosk.CardErrCertExpired: "card.problem.cert_expired",
}

func (u *UI) chooseDocument() fyne.CanvasObject {
	top := container.NewVBox()
	if k, ok := cardProblemKeys[u.v.CardProblem]; ok {
		top.Add(alert(u.t(k)))
	}
	top.Add(heading(u.t("choose.title")))
	choose := func(doc kiosk.Document) func() {
		return func() { u.post(kiosk.DocumentChosen{Document: doc, WithCard: true}) }
	}
	grid := container.NewGridWithColumns(3,
		newTile(u.t("doc.certificate"), "", fyne.NewSize(360, 130), choose(kiosk.DocCertificate)),
		newTile(u.t("doc.notice"), "", fyne.NewSize(360, 130), choose(kiosk.DocNotice)),
		newTile(u.t("doc.other"), "", fyne.NewSize(360, 130), choose(kiosk.DocOther)),
	)
	page := "notice"
	if u.v.CardProblem == kiosk.CardErrCertExpired {
		page = "cert-expiry"
	}
	return screen(top, container.NewVBox(container.NewCenter(grid), para(u.t("choose.again"))), u.guideButton(page))
}

// certNotice is the 電子証明書 renewal notice, or nil.
func (u *UI) certNotice() fyne.CanvasObject {
	switch u.v.Cert {
	case kiosk.CertExpiring:
		return note(u.t("cert.expiring"))
	case kiosk.CertGrace:
		return note(u.t("cert.grace"))
	}
	return nil
}

func (u *UI) chooseMethod() fyne.CanvasObject {
	top := container.NewVBox(heading(u.t("method.title")))
	var more []fyne.CanvasObject
	if n := u.certNotice(); n != nil {
		top.Add(n)
		more = append(more, u.guideButton("cert-expiry"))
	}
	size := fyne.NewSize(480, 200)
	grid := container.NewGridWithColumns(2,
		newTile(u.t("method.face"), u.t("method.face.sub"), size, func() { u.post(kiosk.MethodChosen{Method: kiosk.MethodFace}) }).primary(),
		newTile(u.t("method.pin"), u.t("method.pin.sub"), size, func() { u.post(kiosk.MethodChosen{Method: kiosk.MethodPIN}) }).primary(),
	)
	return screen(top, container.NewCenter(grid), more...)
}

// codeBScreen: 照合番号B in three steps, each with where it is on the card.
func (u *UI) codeBScreen() fyne.CanvasObject {
	c := &u.loc.codeB
	// A refused or mistyped code replaces the heading: one message at a time.
	var top fyne.CanvasObject = heading(u.t("codeb.title"))
	errKey := map[error]string{kiosk.ErrCodeBBirth: "codeb.err.birth", kiosk.ErrCodeBExpiryYear: "codeb.err.expiry", kiosk.ErrCodeBSecurityCode: "codeb.err.security"}
	switch k, ok := errKey[u.v.CodeBInputErr]; {
	case ok:
		top = alert(u.t(k))
	case u.v.CodeBFrontWrong && u.v.CodeBWrong == 1:
		top = alert(u.t("codeb.front_wrong"))
	case u.v.CodeBWrong > 0:
		top = alert(u.t("codeb.rejected"))
	case c.prefilled[c.step]:
		top = heading(u.t("codeb.prefilled"))
	}
	notes := container.NewVBox()
	if u.v.CodeBLeft >= 0 {
		notes.Add(para(u.t("codeb.left", u.v.CodeBLeft)))
	}
	usePIN := newTile(u.t("btn.use_pin"), "", fyne.NewSize(280, 72), func() { u.post(kiosk.UsePINInstead{}) }).quiet()
	var entry fyne.CanvasObject
	var label, where string
	var ready bool
	var spot cardSpot
	switch c.step {
	case 0:
		label, where, spot = "codeb.birth", "codeb.birth.where", cardBirth
		entry = u.dateInput(&c.birth)
		ready = c.birth.complete()
	case 1:
		label, where, spot = "codeb.expiry", "codeb.expiry.where", cardExpiry
		entry = u.digitsInput(&c.expiry, 4, false)
		ready = len(c.expiry) == 4
	default:
		label, where, spot = "codeb.security", "codeb.security.where", cardSecurity
		entry = u.digitsInput(&c.security, 4, false)
		ready = len(c.security) == 4
	}
	next := newTile(u.t("btn.next"), "", sizeAction, func() {
		if c.step < 2 {
			c.step++
			u.staffTouched()
			u.refresh()
			return
		}
		u.post(kiosk.CodeBEntered{Birth: c.birth.String(), ExpiryYear: atoi(c.expiry), SecurityCode: c.security})
	}).primary()
	actions := []fyne.CanvasObject{}
	if c.step > 0 {
		actions = append(actions, newTile(u.t("btn.back"), "", sizeHalf, func() { c.step--; u.refresh() }).quiet())
	}
	if ready {
		next.MinArea = sizeHalf
		actions = append(actions, next)
	}
	return container.NewBorder(top, nil, nil, nil, container.NewGridWithColumns(2,
		container.NewVBox(explain(u.t(label), u.t(where)), container.NewCenter(cardPicture(spot)), notes, container.NewCenter(usePIN)),
		container.NewVBox(entry, row(actions...))))
}

// digitsInput is a field with a keypad that types into *s (at most n digits).
func (u *UI) digitsInput(s *string, n int, mask bool) fyne.CanvasObject {
	shown := *s
	if mask {
		shown = strings.Repeat("●", len(*s)) + strings.Repeat("○", n-len(*s))
	}
	return container.NewVBox(
		container.NewCenter(field("", shown, true, false)),
		keypad(u.t, func(d string) {
			if len(*s) < n {
				*s += d
				u.staffTouched()
				u.refresh()
			}
		}, func() {
			if *s != "" {
				*s = (*s)[:len(*s)-1]
				u.refresh()
			}
		}, nil),
	)
}

// dateInput is the era choice, the three parts and a keypad.
func (u *UI) dateInput(d *dateEntry) fyne.CanvasObject {
	eraRow := container.NewHBox()
	for _, e := range eras {
		t := newTile(u.t(e), "", fyne.NewSize(100, 56), func() {
			d.era, d.parts, d.focus = e, [3]string{}, 0
			u.staffTouched()
			u.refresh()
		})
		if d.era == e {
			t.primary()
		}
		eraRow.Add(t)
	}
	parts := container.NewHBox()
	for i, unit := range []string{"date.year", "date.month", "date.day"} {
		// The unit is part of the title, so that a part showing "5" is
		// never mistaken for the keypad's 5 (by a person or a test).
		t := newTile(d.parts[i]+" "+u.t(unit), "", fyne.NewSize(120, 70), func() { d.focus = i; u.refresh() })
		if d.focus == i && d.era != "" {
			t.Primary = true
		}
		parts.Add(t)
	}
	pad := keypad(u.t, func(s string) { d.typeDigit(s); u.staffTouched(); u.refresh() }, func() { d.deleteDigit(); u.refresh() }, nil)
	return container.NewVBox(container.NewCenter(eraRow), container.NewCenter(parts), pad)
}

var guideKeys = []string{
	"face.guide.ok", "face.guide.no_face", "face.guide.many_faces", "face.guide.off_centre",
	"face.guide.too_small", "face.guide.tilted", "face.guide.too_dark", "face.guide.too_bright", "face.guide.blurry",
}

// GuideKey is the catalog key of camera quality problem p (as numbered in
// package camera: 0 OK, then no face, several faces, off centre, too small,
// tilted, dark, bright, blurred).
func GuideKey(p int) string {
	if p < 0 || p >= len(guideKeys) {
		return ""
	}
	return guideKeys[p]
}

// cardFrontScreen: the camera reads 照合番号B from the card front, with a
// live view and guidance; the patient may type it instead.
func (u *UI) cardFrontScreen() fyne.CanvasObject {
	sub, hint := "cardfront.held", "cardfront.show"
	if u.d.CardCamera {
		sub, hint = "cardfront.tray", "cardfront.hold"
	}
	top := container.NewVBox(heading(u.t("cardfront.title")), para(u.t(sub)))
	u.facePic = canvas.NewImageFromImage(nil)
	u.facePic.FillMode = canvas.ImageFillContain
	u.facePic.SetMinSize(fyne.NewSize(440, 250))
	frame := canvas.NewRectangle(color.Black)
	u.faceHint = para(u.t(hint))
	u.faceHint.SizeName = theme.SizeNameSubHeadingText
	u.faceHint.TextStyle.Bold = true
	typeIt := newTile(u.t("btn.type_code"), "", fyne.NewSize(320, 80), func() { u.post(kiosk.TypeCodeB{}) }).quiet()
	usePIN := newTile(u.t("btn.use_pin"), "", fyne.NewSize(320, 80), func() { u.post(kiosk.UsePINInstead{}) }).quiet()
	return screen(top, container.NewVBox(container.NewCenter(container.NewStack(frame, u.facePic)), u.faceHint), row(typeIt, usePIN))
}

func (u *UI) faceScreen() fyne.CanvasObject {
	top := container.NewVBox(heading(u.t("face.title")))
	if u.v.FaceFailures > 0 {
		top.Add(para(u.t("face.retry", u.v.FaceFailures+1)))
	}
	u.facePic = canvas.NewImageFromImage(nil)
	u.facePic.FillMode = canvas.ImageFillContain
	u.facePic.SetMinSize(fyne.NewSize(440, 250))
	frame := canvas.NewRectangle(color.Black)
	u.faceHint = para(u.t("face.guide.no_face"))
	u.faceHint.SizeName = theme.SizeNameSubHeadingText
	u.faceHint.TextStyle.Bold = true
	usePIN := newTile(u.t("btn.use_pin"), "", sizeAction, func() { u.post(kiosk.UsePINInstead{}) }).quiet()
	return screen(top, container.NewVBox(container.NewCenter(container.NewStack(frame, u.facePic)), u.faceHint), usePIN)
}

func (u *UI) pinScreen() fyne.CanvasObject {
	top := container.NewVBox(heading(u.t("pin.title")))
	if u.v.PINWrong {
		top.Add(alert(u.t("pin.wrong")))
	}
	if u.v.PINLeft > 0 {
		l := para(u.t("pin.left", u.v.PINLeft))
		l.TextStyle.Bold = true
		top.Add(l)
	} else {
		top.Add(para(u.t("pin.sub")))
	}
	var enter *tile
	if len(u.loc.pin) == 4 {
		enter = newTile(u.t("key.enter"), "", sizeKey, func() {
			pin, err := kiosk.NewPIN(u.loc.pin)
			u.loc.pin = ""
			if err == nil {
				u.post(kiosk.PINEntered{PIN: pin})
			}
		}).primary()
	}
	shown := strings.Repeat("●", len(u.loc.pin)) + strings.Repeat("○", 4-len(u.loc.pin))
	pad := keypad(u.t, func(d string) {
		if len(u.loc.pin) < 4 {
			u.loc.pin += d
			u.staffTouched()
			u.refresh()
		}
	}, func() {
		if u.loc.pin != "" {
			u.loc.pin = u.loc.pin[:len(u.loc.pin)-1]
			u.refresh()
		}
	}, enter)
	unknown := newTile(u.t("pin.unknown"), "", fyne.NewSize(380, 90), func() { u.post(kiosk.PINUnknown{}) }).quiet()
	left := container.NewVBox(top, container.NewCenter(unknown))
	return container.NewGridWithColumns(2, middle(left), container.NewVBox(container.NewCenter(field("", shown, true, u.v.PINWrong)), pad))
}

func (u *UI) resetRoutes() fyne.CanvasObject {
	box := container.NewVBox()
	for _, r := range u.v.ResetRoutes {
		place := map[kiosk.ResetPlace]string{kiosk.ResetCityOffice: "reset.city", kiosk.ResetConvenienceStore: "reset.store"}[r.Place]
		l := para("● " + u.t(place))
		l.Alignment = fyne.TextAlignLeading
		l.TextStyle.Bold = true
		box.Add(l)
		var needs []string
		for _, n := range r.Needs {
			switch n {
			case kiosk.NeedCard:
				needs = append(needs, u.t("need.card"))
			case kiosk.NeedIdentityDocument:
				needs = append(needs, u.t("need.id"))
			case kiosk.NeedSmartphoneApp:
				needs = append(needs, u.t("need.app"))
			case kiosk.NeedSignaturePassword:
				needs = append(needs, u.t("need.sig_password", kiosk.SignaturePasswordMin, kiosk.SignaturePasswordMax))
			}
		}
		n := para("　" + u.t("reset.needs") + ": " + strings.Join(needs, "、"))
		n.Alignment = fyne.TextAlignLeading
		box.Add(n)
	}
	return box
}

func (u *UI) pinLocked() fyne.CanvasObject {
	top := container.NewVBox(heading(u.t("locked.title")), para(u.t("locked.body")))
	ok := newTile(u.t("btn.ok"), "", sizeAction, func() { u.post(kiosk.Acknowledged{}) }).primary()
	return screen(top, u.resetRoutes(), u.guideButton("pin"), ok)
}

func (u *UI) consentScreen() fyne.CanvasObject {
	items := u.v.ConsentItems
	if !items.Diagnosis { // documents: only 限度額 is asked
		top := container.NewVBox(heading(u.t("consent.limit.q")), para(u.t("consent.limit.why")))
		give := func(yes bool) func() {
			return func() { u.post(kiosk.ConsentGiven{Consent: kiosk.Consent{Limit: yes}}) }
		}
		grid := container.NewGridWithColumns(2,
			newTile(u.t("consent.on"), "", sizeChoice, give(true)).primary(),
			newTile(u.t("consent.off"), "", sizeChoice, give(false)),
		)
		return screen(top, container.NewCenter(grid))
	}
	top := container.NewVBox(heading(u.t("consent.question")), para(u.t("consent.why")))
	all := kiosk.Consent{Comprehensive: true, Diagnosis: true, Medication: true, Checkup: true, Surgery: true, Limit: true}
	size := fyne.NewSize(700, 110)
	list := container.NewVBox(
		newTile(u.t("consent.all"), "", size, func() { u.post(kiosk.ConsentGiven{Consent: all}) }).primary(),
		newTile(u.t("consent.each"), "", size, func() { u.loc.consentEach = true; u.staffTouched(); u.refresh() }),
		newTile(u.t("consent.none"), "", size, func() { u.post(kiosk.ConsentGiven{Consent: kiosk.Consent{}}) }),
	)
	return screen(top, container.NewCenter(list))
}

// consentEach asks item by item; each row is a clear 提供する / 提供しない pair.
func (u *UI) consentEach() fyne.CanvasObject {
	c := &u.loc.consent
	rows := container.NewVBox()
	for _, it := range []struct {
		key string
		v   *bool
	}{{"consent.diagnosis", &c.Diagnosis}, {"consent.medication", &c.Medication}, {"consent.checkup", &c.Checkup}, {"consent.surgery", &c.Surgery}, {"consent.limit", &c.Limit}} {
		on := newTile(u.t("consent.on"), "", fyne.NewSize(220, 64), func() { *it.v = true; u.staffTouched(); u.refresh() })
		off := newTile(u.t("consent.off"), "", fyne.NewSize(220, 64), func() { *it.v = false; u.staffTouched(); u.refresh() })
		if *it.v {
			on.primary()
		} else {
			off.Primary = true
		}
		l := widget.NewLabel(u.t(it.key))
		l.TextStyle.Bold = true
		rows.Add(container.NewBorder(nil, nil, nil, container.NewHBox(on, off), l))
	}
	back := newTile(u.t("btn.back"), "", sizeAction, func() { u.loc.consentEach = false; u.refresh() }).quiet()
	next := newTile(u.t("key.enter"), "", sizeAction, func() { u.post(kiosk.ConsentGiven{Consent: *c}) }).primary()
	return screen(heading(u.t("consent.each.title")), container.NewCenter(container.New(&atLeast{fyne.NewSize(900, 0)}, rows)), back, next)
}

var validityKeys = map[kiosk.Validity]string{
	kiosk.ValidityInvalid: "result.invalid", kiosk.ValidityNewQualified: "result.new",
	kiosk.ValidityNotFound: "result.not_found", kiosk.ValidityMultipleResult: "result.multiple",
}

func (u *UI) resultScreen() fyne.CanvasObject {
	key := "result.error"
	if u.v.Result != nil {
		if k, ok := validityKeys[u.v.Result.Validity]; ok {
			key = k
		}
	}
	body := container.NewVBox(para(u.t("result.next")))
	actions := []fyne.CanvasObject{}
	if u.v.Result != nil && u.v.Result.Validity == kiosk.ValidityNotFound && u.v.Path == kiosk.PathMynaCard {
		body.Add(note(u.t("result.linkage")))
		actions = append(actions, u.guideButton("registration"))
	}
	actions = append(actions, newTile(u.t("btn.ok"), "", sizeAction, func() { u.post(kiosk.Acknowledged{}) }).primary())
	return screen(heading(u.t(key)), body, actions...)
}

func (u *UI) ticketScreen() fyne.CanvasObject {
	t := u.v.Ticket
	if t == nil {
		return u.progress("registering.title", "wait")
	}
	number := container.NewVBox(para(u.t("ticket.number")), bigText(t.Number, 150, colAction))
	box := container.NewVBox()
	wait := u.t("ticket.wait.none")
	if t.Waiting > 0 {
		wait = u.t("ticket.wait", t.Waiting)
		if u.d.MinutesPerPatient > 0 {
			wait += " " + u.t("ticket.wait.minutes", t.Waiting*u.d.MinutesPerPatient)
		}
	}
	box.Add(para(wait))
	switch u.v.Print {
	case kiosk.PrintFailed:
		box.Add(alert(u.t("ticket.print_failed")))
	case kiosk.PrintDone:
		box.Add(para(u.t("ticket.printed")))
	}
	if u.v.Pending {
		box.Add(note(u.t("ticket.pending")))
	}
	if u.v.Result != nil && len(u.v.Result.NameFlags) > 0 {
		box.Add(note(u.t("ticket.name_check")))
	}
	switch u.v.Elderly {
	case kiosk.ElderlyBlanket:
		box.Add(note(u.t("elderly.blanket")))
	case kiosk.ElderlyBlanketEnded:
		box.Add(note(u.t("elderly.ended")))
	case kiosk.ElderlyOver85:
		box.Add(note(u.t("elderly.over85")))
	}
	if n := u.certNotice(); n != nil {
		box.Add(n)
	}
	if u.v.Path == kiosk.PathMynaCard {
		box.Add(para(u.t("ticket.take_card")))
	}
	done := newTile(u.t("ticket.done"), "", sizeAction, func() { u.post(kiosk.Acknowledged{}) }).primary()
	box.Add(container.NewCenter(done))
	return container.NewBorder(heading(u.t("ticket.title")), nil, nil, nil,
		container.NewGridWithColumns(2, container.NewCenter(number), middle(box)))
}

func (u *UI) handoverScreen() fyne.CanvasObject {
	top := container.NewVBox(heading(u.t("handover.title")))
	key := "handover." + u.v.Handover.String()
	top.Add(para(u.t(key)))
	body := container.NewVBox()
	if u.v.Handover == kiosk.HandoverPINLocked {
		body.Add(u.resetRoutes())
	}
	if u.v.Handover == kiosk.HandoverNotAccepted && u.v.Elderly != kiosk.ElderlyNone {
		body.Add(note(u.t("elderly.ended")))
	}
	if page := handoverGuide(u.v); page != "" {
		return screen(top, body, u.guideButton(page))
	}
	return screen(top, body)
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// handoverGuide is the guidance page that answers why the patient was
// handed to staff, or "".
func handoverGuide(v kiosk.View) string {
	switch v.Handover {
	case kiosk.HandoverPINLastTry, kiosk.HandoverPINLocked, kiosk.HandoverAuthFailed:
		return "pin"
	case kiosk.HandoverNotAccepted:
		if v.Document == kiosk.DocOldCard {
			return "old-card"
		}
		return "bring"
	case kiosk.HandoverCardProblem:
		return "bring"
	}
	return ""
}
