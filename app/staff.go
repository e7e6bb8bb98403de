package app

import (
	"context"
	"errors"
	"fmt"
	"image"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/uketsuke/uketsuke/kiosk"
)

// StaffIdle is how long a staff session lasts without a tap.
const StaffIdle = 2 * time.Minute

// StaffDesk is what staff mode reads and changes. Every method that
// changes something audits it with the staff id. Methods may be slow; the
// UI calls them off its goroutine.
type StaffDesk interface {
	// Login checks a staff ID and PIN. Errors: ErrStaffLogin, or a
	// *StaffLockedError.
	Login(ctx context.Context, id, pin string) error
	// Logout records the end of a staff session ("manual" or "auto").
	Logout(ctx context.Context, id, how string)
	// Queue is today's visits in queue order; the view is audited for staff.
	Queue(ctx context.Context, staff string) ([]QueueEntry, error)
	// SetStatus sets a visit's status: "called", "done" or "cancelled".
	SetStatus(ctx context.Context, staff, number, status string) error
	// MoveUp moves a waiting visit one place up.
	MoveUp(ctx context.Context, staff, number string) error
	// Recheck re-checks the eligibility-pending visits now.
	Recheck(ctx context.Context, staff string) (confirmed, pending int, err error)
	// Devices reports the state of the reader, camera, terminal and sync.
	Devices(ctx context.Context) []Device
	// SyncNow sends the day's visits to the clinic system; the string
	// says what happened.
	SyncNow(ctx context.Context, staff string) (string, error)
	// Audit returns the newest audit lines; the view is audited for staff.
	Audit(ctx context.Context, staff string, n int) ([]string, error)
	// Photo is the chip photo of the current session for 目視確認, or nil;
	// showing it to staff is audited.
	Photo(staff string) image.Image
	// CorrectPatient replaces what is known of the patient of today's visit
	// number (name, kana, birth date, sex); it goes to the clinic system.
	CorrectPatient(ctx context.Context, staff, number string, p kiosk.PatientDetails) error
}

// QueueEntry is one visit in the staff queue.
type QueueEntry struct {
	Number, Status, Path, Note string
	Pending                    bool
}

// Device is one line of the device status.
type Device struct {
	Name    string
	OK      *bool // nil: unknown
	Warning bool  // working, with something staff should know (OK true)
	Detail  string
	Advice  string // what to do about a fault or warning
}

// ErrStaffLogin is a wrong staff ID or PIN (or a disabled account).
var ErrStaffLogin = errors.New("wrong staff ID or PIN")

// StaffLockedError is an account locked after too many wrong PINs.
type StaffLockedError struct{ Until time.Time }

func (e *StaffLockedError) Error() string {
	return "staff account locked until " + e.Until.Format(time.RFC3339)
}

// staffMode is a logged-in staff session.
type staffMode struct {
	// ctx ends at logout: what a staff member started (a sync, a re-check)
	// is cancelled with their session.
	ctx     context.Context
	cancel  context.CancelFunc
	id      string
	lastTap time.Time
	page    string // "", "queue", "audit", "devices"
	queue   []QueueEntry
	audit   []string
	devices []Device
	message string
	patient *patientEntry // page "patient": a check-in by hand or a correction
	// photo is the chip photo for 目視確認, decoded off the UI goroutine
	// (photoFor says for which session state it was asked; "" not yet).
	photo    image.Image
	photoFor string
	loginErr string
}

func (s *staffMode) expired(now time.Time) bool {
	return now.Sub(s.lastTap) >= StaffIdle
}

// staffLogin is the login form's state.
type staffLogin struct {
	id, pin string
	onPIN   bool
	err     string
}

func (u *UI) staffTouched() {
	if u.staff != nil {
		u.staff.lastTap = u.d.Clock.Now()
	}
}

func (u *UI) openStaffLogin() {
	ctx, cancel := context.WithCancel(context.Background())
	u.staff = &staffMode{lastTap: u.d.Clock.Now(), ctx: ctx, cancel: cancel}
	u.login = &staffLogin{}
	u.refresh()
}

func (u *UI) staffLogout(how string) {
	if u.staff != nil && u.staff.cancel != nil {
		u.staff.cancel()
	}
	if u.staff != nil && u.staff.id != "" {
		id := u.staff.id
		u.async(func() { u.d.Staff.Logout(context.Background(), id, how) })
	}
	u.staff, u.login = nil, nil
	u.refresh()
}

// staffScreen is the login form until a staff member is in, then the menu.
func (u *UI) staffScreen() (fyne.CanvasObject, string) {
	if u.staff.id == "" {
		return u.loginScreen(), "staff-login"
	}
	switch u.staff.page {
	case "queue":
		return u.queueScreen(), "staff-queue"
	case "audit":
		return u.auditScreen(), "staff-audit"
	case "devices":
		return u.devicesScreen(), "staff-devices"
	case "patient":
		return u.patientEntryScreen(), "staff-patient"
	}
	return u.staffMenu(), "staff-menu"
}

func (u *UI) loginScreen() fyne.CanvasObject {
	l := u.login
	top := container.NewVBox(heading(u.t("staff.login.title")))
	if l.err != "" {
		top.Add(alert(l.err))
	}
	target := &l.id
	if l.onPIN {
		target = &l.pin
	}
	idBox := newTile(u.t("staff.login.id")+": "+l.id, "", fyne.NewSize(360, 80), func() { l.onPIN = false; u.refresh() })
	pinBox := newTile(u.t("staff.login.pin")+": "+strings.Repeat("●", len(l.pin)), "", fyne.NewSize(360, 80), func() { l.onPIN = true; u.refresh() })
	if l.onPIN {
		pinBox.Primary = true
	} else {
		idBox.Primary = true
	}
	enter := newTile(u.t("key.enter"), "", sizeKey, func() {
		if !l.onPIN {
			l.onPIN = true
			u.refresh()
			return
		}
		id, pin := l.id, l.pin
		l.pin = ""
		u.async(func() {
			err := u.d.Staff.Login(context.Background(), id, pin)
			fyne.Do(func() { u.loginDone(id, err) })
		})
	}).primary()
	pad := keypad(u.t, func(d string) {
		if len(*target) < 12 {
			*target += d
			u.refresh()
		}
	}, func() {
		if *target != "" {
			*target = (*target)[:len(*target)-1]
			u.refresh()
		}
	}, enter)
	back := newTile(u.t("staff.logout"), "", fyne.NewSize(380, 80), func() { u.staffLogout("cancel") }).quiet()
	left := container.NewVBox(top, container.NewCenter(idBox), container.NewCenter(pinBox), container.NewCenter(back))
	return container.NewGridWithColumns(2, middle(left), middle(pad))
}

func (u *UI) loginDone(id string, err error) {
	if u.staff == nil || u.login == nil {
		return
	}
	var locked *StaffLockedError
	switch {
	case err == nil:
		u.staff.id, u.staff.lastTap = id, u.d.Clock.Now()
		u.login = nil
	case errors.As(err, &locked):
		u.login.err = u.t("staff.login.locked", int(time.Until(locked.Until).Minutes()+1))
	case errors.Is(err, ErrStaffLogin):
		u.login.err = u.t("staff.login.bad")
	default:
		u.d.Log.Error("staff login", "err", err)
		u.login.err = u.t("staff.login.error")
	}
	u.refresh()
}

// staffDo runs a desk call off the UI goroutine, in the staff session's
// context, and redraws with its outcome; then, if given, runs next on the
// UI goroutine once the call has finished (e.g. reload the queue).
func (u *UI) staffDo(f func(ctx context.Context) (string, error), next ...func()) {
	u.staffTouched()
	s := u.staff
	u.async(func() {
		msg, err := f(s.ctx)
		fyne.Do(func() {
			if u.staff != s {
				return
			}
			if err != nil {
				u.d.Log.Error("staff action", "err", err)
				msg = u.t("staff.failed", err.Error())
			}
			s.message = msg
			if len(next) > 0 {
				next[0]()
				return
			}
			u.refresh()
		})
	})
}

func (u *UI) staffMenu() fyne.CanvasObject {
	s := u.staff
	line := u.t("staff.auto_logout")
	if s.message != "" {
		line = s.message
	}
	top := container.NewVBox(heading(u.t("staff.menu.title", s.id)), plain(line))
	size := fyne.NewSize(380, 60)
	// The current patient: 目視確認, manual check-in, cancel.
	session := container.NewVBox()
	v := u.v
	if v.State == kiosk.StateWelcome {
		session.Add(plain(u.t("staff.session.none")))
	} else {
		session.Add(plain(u.t("staff.session") + ": " + v.State.String() + " / " + v.Handover.String()))
		u.loadPhoto(s, v)
		if img := s.photo; img != nil {
			pic := canvas.NewImageFromImage(img)
			pic.FillMode = canvas.ImageFillContain
			pic.SetMinSize(fyne.NewSize(150, 180))
			session.Add(container.NewVBox(plain(u.t("staff.visual.photo")), container.NewCenter(pic)))
		} else {
			session.Add(plain(u.t("staff.visual.no_photo")))
		}
		session.Add(newTile(u.t("staff.visual"), "", size, func() { u.staffPost(kiosk.StaffConfirm{Staff: kiosk.StaffID(s.id)}) }).primary())
		session.Add(newTile(u.t("staff.cancel"), "", size, func() { u.staffPost(kiosk.StaffCancel{Staff: kiosk.StaffID(s.id)}) }))
	}
	session.Add(newTile(u.t("staff.checkin"), "", size, u.staffCheckIn))
	tools := container.NewVBox(
		newTile(u.t("staff.queue"), "", size, func() { u.staffPage("queue") }),
		newTile(u.t("staff.pending.recheck"), "", size, func() {
			u.staffDo(func(ctx context.Context) (string, error) {
				ok, left, err := u.d.Staff.Recheck(ctx, s.id)
				return u.t("staff.pending.result", ok, left), err
			})
		}),
		newTile(u.t("staff.devices"), "", size, func() { u.staffPage("devices") }),
		newTile(u.t("staff.sync"), "", size, func() {
			u.staffDo(func(ctx context.Context) (string, error) { return u.d.Staff.SyncNow(ctx, s.id) })
		}),
		newTile(u.t("staff.audit"), "", size, func() { u.staffPage("audit") }),
	)
	back := newTile(u.t("staff.logout"), "", fyne.NewSize(380, 90), func() { u.staffLogout("manual") }).quiet()
	return screen(top, container.NewGridWithColumns(2, session, tools), back)
}

// staffPost sends a staff event about the patient's session and hands
// the screen back to the patient, who goes on from where staff left them.
func (u *UI) staffPost(ev kiosk.Event) {
	u.post(ev)
	u.staffLogout("handback")
}

// staffPage loads a page's data off the UI goroutine and shows it; the
// message of an action that led here is kept.
func (u *UI) staffPage(page string) {
	u.staffTouched()
	s := u.staff
	u.async(func() {
		ctx := s.ctx
		var q []QueueEntry
		var a []string
		var d []Device
		var err error
		switch page {
		case "queue":
			q, err = u.d.Staff.Queue(ctx, s.id)
		case "audit":
			a, err = u.d.Staff.Audit(ctx, s.id, 40)
		case "devices":
			d = u.d.Staff.Devices(ctx)
		}
		fyne.Do(func() {
			if u.staff != s {
				return
			}
			if s.page != page {
				s.message = "" // a new page starts without the last one's message
			}
			s.page, s.queue, s.audit, s.devices = page, q, a, d
			if err != nil {
				u.d.Log.Error("staff page", "page", page, "err", err)
				s.message = u.t("staff.failed", err.Error())
			}
			u.refresh()
		})
	})
}

// loadPhoto decodes the chip photo for the session shown in v off the UI
// goroutine, once per session state, and redraws when it is there.
func (u *UI) loadPhoto(s *staffMode, v kiosk.View) {
	key := v.State.String() + "/" + v.Handover.String()
	if s.photoFor == key {
		return
	}
	s.photoFor, s.photo = key, nil
	u.async(func() {
		img := u.d.Staff.Photo(s.id)
		fyne.Do(func() {
			if u.staff != s || s.photoFor != key || img == nil {
				return
			}
			s.photo = img
			u.refresh()
		})
	})
}

func (u *UI) backToMenu() fyne.CanvasObject {
	return newTile(u.t("btn.back"), "", sizeAction, func() { u.staff.page = ""; u.staffTouched(); u.refresh() }).quiet()
}

func (u *UI) queueScreen() fyne.CanvasObject {
	s := u.staff
	rows := container.NewVBox()
	if len(s.queue) == 0 {
		rows.Add(para(u.t("staff.queue.empty")))
	}
	act := func(number, status string) func() {
		return func() {
			u.staffDo(func(ctx context.Context) (string, error) {
				if status == "up" {
					return "", u.d.Staff.MoveUp(ctx, s.id, number)
				}
				return "", u.d.Staff.SetStatus(ctx, s.id, number, status)
			}, func() { u.staffPage("queue") }) // reload once the change is made
		}
	}
	small := fyne.NewSize(120, 60)
	for _, e := range s.queue {
		text := fmt.Sprintf("%s　%s　%s", e.Number, u.t("status."+e.Status), e.Path)
		if e.Pending {
			text += "　" + u.t("staff.pending")
		}
		if e.Note != "" {
			text += "　" + e.Note
		}
		l := widget.NewLabel(text)
		buttons := container.NewHBox()
		if e.Status == "waiting" {
			buttons.Add(newTile(u.t("staff.up"), "", small, act(e.Number, "up")).quiet())
			buttons.Add(newTile(u.t("staff.call"), "", small, act(e.Number, "called")))
		}
		if e.Status == "waiting" || e.Status == "called" {
			buttons.Add(newTile(u.t("staff.done"), "", small, act(e.Number, "done")))
			buttons.Add(newTile(u.t("staff.remove"), "", small, act(e.Number, "cancelled")).quiet())
		}
		if e.Status != "cancelled" {
			buttons.Add(newTile(u.t("staff.fix"), "", small, func() { u.openPatientEntry(e.Number) }).quiet())
		}
		rows.Add(container.NewBorder(nil, nil, nil, buttons, l))
	}
	top := container.NewVBox(heading(u.t("staff.queue")))
	if s.message != "" {
		top.Add(para(s.message))
	}
	return screen(top, container.NewVScroll(rows), u.backToMenu())
}

func (u *UI) auditScreen() fyne.CanvasObject {
	rows := container.NewVBox()
	for _, line := range u.staff.audit {
		l := widget.NewLabel(line)
		l.SizeName = theme.SizeNameCaptionText
		rows.Add(l)
	}
	return screen(heading(u.t("staff.audit")), container.NewVScroll(rows), u.backToMenu())
}

func (u *UI) devicesScreen() fyne.CanvasObject {
	rows := container.NewVBox()
	for _, d := range u.staff.devices {
		state, imp := u.t("device.unknown"), widget.MediumImportance
		switch {
		case d.OK != nil && *d.OK && d.Warning:
			state, imp = u.t("device.warning"), widget.WarningImportance
		case d.OK != nil && *d.OK:
			state = u.t("device.ok")
		case d.OK != nil:
			state, imp = u.t("device.fail"), widget.DangerImportance
		}
		text := fmt.Sprintf("%s: %s　%s", d.Name, state, d.Detail)
		if d.Advice != "" {
			text += "\n→ " + d.Advice
		}
		l := widget.NewLabel(text)
		l.Wrapping = fyne.TextWrapWord
		l.Importance = imp
		rows.Add(l)
	}
	return screen(heading(u.t("staff.devices")), container.NewVScroll(rows), u.backToMenu())
}
