package app

import (
	"context"
	"fmt"
	"image"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/uketsuke/uketsuke/kiosk"
)

// walk visits every object under o, into containers and scrolls.
func walk(o fyne.CanvasObject, f func(fyne.CanvasObject) bool) bool {
	if o == nil {
		return false
	}
	if f(o) {
		return true
	}
	switch c := o.(type) {
	case *fyne.Container:
		for _, ch := range c.Objects {
			if walk(ch, f) {
				return true
			}
		}
	case *container.Scroll:
		return walk(c.Content, f)
	}
	return false
}

func findTile(o fyne.CanvasObject, title string) *tile {
	var found *tile
	eachTile(o, func(t *tile) bool {
		if strings.TrimSpace(t.Title) == title {
			found = t
			return true
		}
		return false
	})
	return found
}

func tileTitles(o fyne.CanvasObject) []string {
	var out []string
	eachTile(o, func(t *tile) bool { out = append(out, t.Title); return false })
	return out
}

func findText(o fyne.CanvasObject, s string) bool {
	return walk(o, func(x fyne.CanvasObject) bool {
		switch v := x.(type) {
		case *tile:
			return strings.Contains(v.Title, s) || strings.Contains(v.Sub, s)
		case *widget.Label:
			return strings.Contains(v.Text, s)
		case *canvas.Text:
			return strings.Contains(v.Text, s)
		}
		return false
	})
}

// fakeDesk is a staff desk over the harness.
type fakeDesk struct {
	h        *harness
	pin      string
	fails    int
	logouts  []string
	statuses []string
	synced   int
	calls    []string // desk calls in the order they ran
	setErr   error    // SetStatus fails with it

	corrections []string // staff:number:kana:sex
}

func (d *fakeDesk) CorrectPatient(_ context.Context, staff, number string, p kiosk.PatientDetails) error {
	d.calls = append(d.calls, "correct")
	d.corrections = append(d.corrections, staff+":"+number+":"+p.Kana+":"+p.Sex)
	return nil
}

func (d *fakeDesk) Login(_ context.Context, id, pin string) error {
	if d.fails >= 5 {
		return &StaffLockedError{Until: d.h.now.Add(15 * 60e9)}
	}
	if id != "7" || pin != d.pin {
		d.fails++
		return ErrStaffLogin
	}
	d.fails = 0
	return nil
}

func (d *fakeDesk) Logout(_ context.Context, id, how string) {
	d.logouts = append(d.logouts, id+":"+how)
}

func (d *fakeDesk) Queue(context.Context, string) ([]QueueEntry, error) {
	d.calls = append(d.calls, "queue")
	var out []QueueEntry
	for i := range d.h.store.Visits() {
		out = append(out, QueueEntry{Number: fmt.Sprintf("%03d", i+1), Status: "waiting", Path: "myna-card"})
	}
	return out, nil
}

func (d *fakeDesk) SetStatus(_ context.Context, staff, number, status string) error {
	d.calls = append(d.calls, "set")
	d.statuses = append(d.statuses, staff+":"+number+":"+status)
	return d.setErr
}

func (d *fakeDesk) MoveUp(_ context.Context, staff, number string) error {
	d.statuses = append(d.statuses, staff+":"+number+":up")
	return nil
}

func (d *fakeDesk) Recheck(context.Context, string) (int, int, error) { return 2, 1, nil }
func (d *fakeDesk) Devices(context.Context) []Device {
	ok, bad := true, false
	return []Device{{Name: "reader", OK: &ok}, {Name: "terminal", OK: &bad, Detail: "no answer"},
		{Name: "backup", OK: &ok, Warning: true, Detail: "the newest backup is 3 days old", Advice: "check [backup] dir"}}
}
func (d *fakeDesk) SyncNow(context.Context, string) (string, error) { d.synced++; return "sent 3", nil }
func (d *fakeDesk) Audit(context.Context, string, int) ([]string, error) {
	return []string{"09:00 7 staff.login ok"}, nil
}
func (d *fakeDesk) Photo(string) image.Image { return nil }
