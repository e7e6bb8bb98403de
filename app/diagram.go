package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"

	"github.com/uketsuke/uketsuke/kiosk"
)

// The pictures of where things are: simple drawings of the card front and
// of the documents, with the field being asked for ringed in red. They are
// drawn, not photographed, so they hold no one's data and scale cleanly.

type cardSpot int

const (
	cardReaderHint cardSpot = iota // the whole card, placed on the reader
	cardBirth
	cardExpiry
	cardSecurity
)

// box is one labelled area of a drawing, in a 440×280 frame.
type box struct {
	x, y, w, h float32
	text       string
	spot       bool
}

// drawScale shrinks the drawings to leave room for the keypad beside them.
const drawScale = 0.8

func drawing(w, h float32, title string, boxes []box) fyne.CanvasObject {
	k := float32(drawScale)
	w, h = w*k, h*k
	objs := []fyne.CanvasObject{}
	bg := canvas.NewRectangle(color.NRGBA{0xf4, 0xf7, 0xfb, 0xff})
	bg.StrokeColor, bg.StrokeWidth, bg.CornerRadius = colOutline, 3, 18
	bg.Resize(fyne.NewSize(w, h))
	objs = append(objs, bg)
	t := canvas.NewText(title, colMuted)
	t.TextSize = 18
	t.Move(fyne.NewPos(16, 10))
	objs = append(objs, t)
	for _, b := range boxes {
		r := canvas.NewRectangle(color.NRGBA{0xff, 0xff, 0xff, 0xff})
		r.StrokeColor, r.StrokeWidth, r.CornerRadius = colOutline, 1.5, 4
		label := canvas.NewText(b.text, colMuted)
		label.TextSize = 15
		if b.spot {
			r.StrokeColor, r.StrokeWidth = colError, 5
			r.FillColor = colWarn
			label.Color, label.TextStyle.Bold = colInk, true
		}
		r.Move(fyne.NewPos(b.x*k, b.y*k))
		r.Resize(fyne.NewSize(b.w*k, b.h*k))
		label.Move(fyne.NewPos(b.x*k+5, b.y*k+(b.h*k-20)/2))
		objs = append(objs, r, label)
	}
	c := container.NewWithoutLayout(objs...)
	return container.New(&atLeast{fyne.NewSize(w, h)}, c)
}

// cardPicture draws the front of a My Number card with spot ringed.
func cardPicture(spot cardSpot) fyne.CanvasObject {
	boxes := []box{
		{20, 44, 270, 36, "氏名", false},
		{20, 88, 270, 54, "住所", false},
		{20, 150, 270, 32, "生年月日　昭和◯年◯月◯日", spot == cardBirth},
		{20, 192, 270, 32, "20◯◯年◯月◯日まで有効", spot == cardExpiry},
		{310, 44, 110, 140, "顔写真", false},
		{310, 192, 110, 36, "コード", spot == cardSecurity},
	}
	if spot == cardSecurity {
		boxes[5].text = "1234"
	}
	pic := drawing(440, 280, "個人番号カード", boxes)
	if spot != cardReaderHint {
		return pic
	}
	// The reader under the card.
	reader := canvas.NewRectangle(color.NRGBA{0x30, 0x34, 0x3c, 0xff})
	reader.CornerRadius = 20
	reader.Resize(fyne.NewSize(440, 290))
	pic.Move(fyne.NewPos(44, 33))
	pic.Resize(fyne.NewSize(352, 224))
	return container.New(&atLeast{fyne.NewSize(440, 290)}, container.NewWithoutLayout(reader, pic))
}

// documentPicture draws a 資格確認書 or お知らせ with the field of step
// ringed.
func documentPicture(doc kiosk.Document, step int) fyne.CanvasObject {
	title := "資格確認書"
	if doc == kiosk.DocNotice {
		title = "資格情報のお知らせ"
	}
	return drawing(440, 280, title, []box{
		{20, 44, 400, 34, "氏名", false},
		{20, 84, 400, 34, "生年月日", step == formBirth},
		{20, 124, 120, 34, "記号", step == formSymbol},
		{146, 124, 190, 34, "番号", step == formNumber},
		{342, 124, 78, 34, "枝番", step == formBranch},
		{20, 164, 400, 34, "保険者番号", step == formInsurer},
		{20, 204, 400, 34, "保険者名称", false},
	})
}
