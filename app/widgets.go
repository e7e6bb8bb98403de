package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// tile is the kiosk's button: a large, plainly coloured area with a title
// and an optional second line, pressed anywhere. Tests find tiles by
// Title.
type tile struct {
	widget.BaseWidget
	Title, Sub string
	Primary    bool // the action most patients take: filled blue
	Quiet      bool // a secondary action: outlined
	Compact    bool // body-size text: a key of a dense keyboard (staff only)
	MinArea    fyne.Size
	OnTapped   func()

	bg      *canvas.Rectangle
	pressed bool
}

func newTile(title, sub string, size fyne.Size, tapped func()) *tile {
	t := &tile{Title: title, Sub: sub, MinArea: size, OnTapped: tapped}
	t.ExtendBaseWidget(t)
	return t
}

func (t *tile) primary() *tile { t.Primary = true; return t }
func (t *tile) quiet() *tile   { t.Quiet = true; return t }
func (t *tile) compact() *tile { t.Compact = true; return t }

// Tapped runs the action.
func (t *tile) Tapped(*fyne.PointEvent) {
	if t.OnTapped != nil {
		t.OnTapped()
	}
}

// MouseDown and MouseUp show the press, so that a tap is seen to land.
func (t *tile) MouseDown(*desktop.MouseEvent) { t.pressed = true; t.paint() }

// MouseUp ends the press.
func (t *tile) MouseUp(*desktop.MouseEvent) { t.pressed = false; t.paint() }

func (t *tile) colours() (bg, fg color.Color) {
	switch {
	case t.Primary:
		bg, fg = colAction, colPaper
	case t.Quiet:
		bg, fg = colPaper, colAction
	default:
		bg, fg = colSoft, colInk
	}
	if t.pressed {
		bg = color.NRGBA{0x7f, 0xa6, 0xd9, 0xff}
	}
	return bg, fg
}

func (t *tile) paint() {
	if t.bg == nil {
		return
	}
	t.bg.FillColor, _ = t.colours()
	t.bg.Refresh()
}

func (t *tile) CreateRenderer() fyne.WidgetRenderer {
	bgc, fg := t.colours()
	t.bg = canvas.NewRectangle(bgc)
	t.bg.CornerRadius = 14
	t.bg.StrokeColor = colAction
	t.bg.StrokeWidth = 3
	title := canvas.NewText(t.Title, fg)
	title.TextStyle.Bold = true
	title.TextSize = theme.Size(theme.SizeNameSubHeadingText)
	if t.Compact {
		title.TextSize = theme.Size(theme.SizeNameText)
	}
	title.Alignment = fyne.TextAlignCenter
	lines := container.NewVBox(title)
	if t.Sub != "" {
		sub := canvas.NewText(t.Sub, fg)
		sub.TextSize = theme.Size(theme.SizeNameText) * 0.85
		sub.Alignment = fyne.TextAlignCenter
		lines.Add(sub)
	}
	return widget.NewSimpleRenderer(container.New(&atLeast{t.MinArea}, t.bg, container.NewCenter(lines)))
}

// atLeast stacks its objects and asks for at least a given size.
type atLeast struct{ min fyne.Size }

func (l *atLeast) MinSize(objs []fyne.CanvasObject) fyne.Size {
	m := l.min
	for _, o := range objs {
		m = m.Max(o.MinSize())
	}
	return m
}

func (l *atLeast) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

// Sizes of touch targets (1280×800 at about 6 px per mm).
var (
	sizeChoice = fyne.NewSize(520, 130) // a choice on a choice screen
	sizeKey    = fyne.NewSize(140, 60)  // a keypad key
	sizeAction = fyne.NewSize(280, 84)  // next / back / OK
	sizeHalf   = fyne.NewSize(200, 72)  // actions under a keypad
	sizeSmall  = fyne.NewSize(180, 56)  // header and staff buttons
)

// heading is a screen's one question or statement.
func heading(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.SizeName = theme.SizeNameHeadingText
	l.TextStyle.Bold = true
	l.Wrapping = fyne.TextWrapWord
	l.Alignment = fyne.TextAlignCenter
	return l
}

// para is body text, wrapped and centred.
func para(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	l.Alignment = fyne.TextAlignCenter
	return l
}

// alert is body text in the error colour.
func alert(s string) *widget.Label {
	l := para(s)
	l.Importance = widget.DangerImportance
	l.TextStyle.Bold = true
	return l
}

// note is a highlighted box for notices (certificate expiry, 後期高齢者).
func note(s string) fyne.CanvasObject {
	bg := canvas.NewRectangle(colWarn)
	bg.CornerRadius = 10
	return container.NewStack(bg, container.NewPadded(para(s)))
}

// bigText is text drawn at an exact size (the reception number).
func bigText(s string, size float32, c color.Color) *canvas.Text {
	t := canvas.NewText(s, c)
	t.TextSize = size
	t.TextStyle.Bold = true
	t.Alignment = fyne.TextAlignCenter
	return t
}

// row centres objects side by side.
func row(objs ...fyne.CanvasObject) fyne.CanvasObject {
	return container.NewCenter(container.NewHBox(objs...))
}

// keypad is the on-screen numeric keypad: 1–9, delete, 0 and an optional
// extra key (e.g. 決定).
func keypad(lang langText, digit func(string), del func(), extra *tile) fyne.CanvasObject {
	keys := make([]fyne.CanvasObject, 0, 12)
	for _, d := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9"} {
		keys = append(keys, newTile(d, "", sizeKey, func() { digit(d) }))
	}
	keys = append(keys, newTile(lang("key.delete"), "", sizeKey, del).quiet())
	keys = append(keys, newTile("0", "", sizeKey, func() { digit("0") }))
	if extra != nil {
		keys = append(keys, extra)
	} else {
		keys = append(keys, layoutSpacer(sizeKey))
	}
	return container.NewCenter(container.NewGridWithColumns(3, keys...))
}

func layoutSpacer(s fyne.Size) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(s)
	return r
}

// field shows typed characters in a box (masked for a PIN).
func field(label, value string, focused, bad bool) fyne.CanvasObject {
	bg := canvas.NewRectangle(colPaper)
	bg.StrokeWidth = 3
	bg.StrokeColor = colOutline
	if focused {
		bg.StrokeColor = colAction
		bg.StrokeWidth = 5
	}
	if bad {
		bg.StrokeColor = colError
	}
	bg.CornerRadius = 8
	v := bigText(value, 44, colInk)
	box := container.New(&atLeast{fyne.NewSize(max(float32(len([]rune(value)))*30+60, 160), 72)}, bg, container.NewCenter(v))
	if label == "" {
		return box
	}
	l := widget.NewLabel(label)
	l.Alignment = fyne.TextAlignCenter
	return container.NewVBox(l, box)
}

// langText looks up catalog text in the current language.
type langText func(key string, args ...any) string

// explain is what is asked (bold) and where to find it.
func explain(what, where string) fyne.CanvasObject {
	w := para(what)
	w.TextStyle.Bold = true
	return container.NewVBox(w, para(where))
}

// smallField is a typed value on the review screen.
func smallField(value string, bad bool) fyne.CanvasObject {
	bg := canvas.NewRectangle(colPaper)
	bg.StrokeWidth, bg.StrokeColor, bg.CornerRadius = 2, colOutline, 6
	if bad {
		bg.StrokeColor, bg.StrokeWidth = colError, 4
	}
	v := canvas.NewText(value, colInk)
	v.TextSize = 26
	v.TextStyle.Bold = true
	return container.New(&atLeast{fyne.NewSize(300, 40)}, bg, container.NewCenter(v))
}

// middle centres o vertically at full width, so that wrapped text inside
// it keeps the width to wrap in (a Center container would squeeze it).
func middle(o fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVBox(layout.NewSpacer(), o, layout.NewSpacer())
}

// plain is one line of text that does not wrap (staff screens, where a
// wrapped label inside a column would be laid out too short).
func plain(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Alignment = fyne.TextAlignCenter
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

// textStack stacks wrapped text at full width. Unlike a VBox it sizes each
// object after giving it its width, so a paragraph that wraps to more
// lines pushes the next one down instead of overlapping it.
type textStack struct{ gap float32 }

func (l textStack) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for i, o := range objs {
		m := o.MinSize()
		s.Width = max(s.Width, m.Width)
		s.Height += m.Height
		if i > 0 {
			s.Height += l.gap
		}
	}
	return s
}

func (l textStack) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	y := float32(0)
	for _, o := range objs {
		o.Resize(fyne.NewSize(size.Width, o.MinSize().Height))
		h := o.MinSize().Height // now measured at this width
		o.Resize(fyne.NewSize(size.Width, h))
		o.Move(fyne.NewPos(0, y))
		y += h + l.gap
	}
}
