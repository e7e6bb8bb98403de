package app

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/uketsuke/uketsuke/catalog"
	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// guideState is the guidance page open over the flow: the index or a
// page, what "continue" does (e.g. go on with the old card), and the
// print result.
type guideState struct {
	page     string // "index" or a catalog.GuidePage ID
	next     func() // nil: the page only closes
	printed  bool
	printErr error
}

// openGuide shows a guidance page over the current screen.
func (u *UI) openGuide(page string, next func()) func() {
	return func() {
		u.guide = &guideState{page: page, next: next}
		u.staffTouched()
		u.refresh()
	}
}

// guideButton is the "more about this" button of a context trigger.
func (u *UI) guideButton(page string) fyne.CanvasObject {
	return newTile(u.t("guide.more"), "", fyne.NewSize(360, 72), u.openGuide(page, nil)).quiet()
}

// points returns a page's points for today: the 暫定措置 line depends on the date.
func (u *UI) points(p catalog.GuidePage) []string {
	out := make([]string, len(p.Points))
	for i, k := range p.Points {
		if k == "guide.old-card.2" && !wareki.Today(u.d.Clock.Now()).After(kiosk.ProvisionalLastDay) {
			k = "guide.old-card.2-now"
		}
		out[i] = k
	}
	return out
}

func (u *UI) guideScreen() (fyne.CanvasObject, string) {
	g := u.guide
	closeGuide := newTile(u.t("guide.close"), "", fyne.NewSize(320, 64), func() { u.guide = nil; u.refresh() }).quiet()
	if g.page == "index" {
		list := container.NewVBox()
		for _, p := range catalog.GuidePages() {
			list.Add(newTile(u.t(p.Title), "", fyne.NewSize(1000, 62), u.openGuide(p.ID, nil)))
		}
		return screen(heading(u.t("guide.index")), container.NewVScroll(list), closeGuide), "guide-index"
	}
	p, _ := catalog.Guide(g.page)
	body := container.New(textStack{gap: 4})
	for _, k := range u.points(p) {
		l := widget.NewLabel(u.t(k))
		l.Wrapping = fyne.TextWrapWord
		body.Add(l)
	}
	switch {
	case g.printErr != nil:
		body.Add(alert(u.t("guide.print_failed")))
	case g.printed:
		body.Add(note(u.t("guide.printed")))
	}
	actions := []fyne.CanvasObject{closeGuide}
	if u.d.Printer != nil {
		actions = append(actions, newTile(u.t("guide.print"), "", fyne.NewSize(320, 64), func() { u.printSlip(p) }))
	}
	if g.next != nil {
		next := g.next
		actions = append(actions, newTile(u.t("guide.continue"), "", fyne.NewSize(320, 64), func() { u.guide = nil; next() }).primary())
	}
	title := heading(u.t(p.Title))
	title.SizeName = theme.SizeNameSubHeadingText
	return screen(title, container.NewVScroll(body), actions...), "guide-" + p.ID
}

// slipText is the printable slip of a page: its points, the clinic's name
// and the date.
func (u *UI) slipText(p catalog.GuidePage) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", u.t(p.Title))
	for _, k := range u.points(p) {
		fmt.Fprintf(&b, "%s\n\n", u.t(k))
	}
	b.WriteString(u.t("guide.slip.footer", u.d.ClinicName, wareki.Today(u.d.Clock.Now()).String()) + "\n")
	return b.String()
}

func (u *UI) printSlip(p catalog.GuidePage) {
	g := u.guide
	text := u.slipText(p)
	u.async(func() {
		err := u.d.Printer.PrintSlip(context.Background(), text)
		if err != nil {
			u.d.Log.Error("print guidance slip", "page", p.ID, "err", err)
		}
		fyne.Do(func() {
			if u.guide == g {
				g.printed, g.printErr = err == nil, err
				u.refresh()
			}
		})
	})
}
