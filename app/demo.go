package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Demo drives the virtual card in demo mode.
type Demo interface {
	// Personas lists the demo patients by name.
	Personas() []string
	// Persona is the one whose card is (or will be) on the reader.
	Persona() string
	// Insert places the named persona's virtual card on the reader.
	Insert(persona string) error
	// Remove takes the card off the reader.
	Remove() error
	// ShowFace points the demo camera at photos of the named persona
	// (Insert points it at the card's owner), so that a face that does not
	// match can be tried.
	ShowFace(persona string) error
}

// demoPanel is the small strip that inserts and removes the virtual card
// and picks the persona. It exists only in demo mode.
func (u *UI) demoPanel() fyne.CanvasObject {
	pick := widget.NewSelect(u.d.Demo.Personas(), nil)
	pick.SetSelected(u.d.Demo.Persona())
	run := func(f func() error) {
		u.async(func() {
			if err := f(); err != nil {
				u.d.Log.Error("demo card", "err", err)
			}
		})
	}
	insert := newTile(u.t("demo.insert"), "", fyne.NewSize(200, 56), func() {
		name := pick.Selected
		run(func() error { return u.d.Demo.Insert(name) })
	})
	remove := newTile(u.t("demo.remove"), "", fyne.NewSize(200, 56), func() { run(u.d.Demo.Remove) })
	face := widget.NewSelect(u.d.Demo.Personas(), func(name string) { run(func() error { return u.d.Demo.ShowFace(name) }) })
	face.PlaceHolder = u.t("demo.face")
	bg := canvas.NewRectangle(colWarn)
	bg.CornerRadius = 10
	label := canvas.NewText(u.t("demo.title"), colInk)
	label.TextStyle.Bold = true
	return container.NewStack(bg, container.NewPadded(container.NewHBox(label, pick, insert, remove, face)))
}
