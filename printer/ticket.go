package printer

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/uketsuke/uketsuke/printer/escpos"
)

// Ticket is what a 受付票 shows. It carries no name, birth date or
// insurance number: a ticket left on a chair tells nobody who it was.
type Ticket struct {
	Clinic  string    // the clinic's name
	Number  string    // 受付番号
	Waiting int       // patients ahead
	At      time.Time // printed in Asia/Tokyo
	QR      string    // what the QR code opens (the ticket's place in the queue); "": none
	Kiosk   string    // the kiosk's id, small at the bottom
}

var tokyo = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Tokyo"); err == nil {
		return l
	}
	return time.FixedZone("JST", 9*3600)
}()

var weekdays = []string{"日", "月", "火", "水", "木", "金", "土"}

// paperColumns is how many normal-width characters a line of 80 mm paper
// holds (font A, 12 dots of 576).
const paperColumns = 48

// TicketJob lays the ticket out for an 80 mm ESC/POS printer: the
// clinic, 受付番号 in the largest type that fits, the Tokyo date and
// time, the people waiting, the QR code, and the cut.
func TicketJob(t Ticket) []byte {
	at := t.At.In(tokyo)
	size := 6
	for size > 2 && utf8.RuneCountInString(t.Number)*size > paperColumns {
		size--
	}
	d := escpos.New().Align(escpos.Center)
	if t.Clinic != "" {
		d.Bold(true).Size(2, 2).Line(t.Clinic).Size(1, 1).Bold(false)
	}
	d.Line("受付票").Feed(1).Line("受付番号").
		Bold(true).Size(size, size).Line(t.Number).Size(1, 1).Bold(false).Feed(1).
		Line(fmt.Sprintf("%d年%d月%d日（%s）%02d:%02d", at.Year(), at.Month(), at.Day(), weekdays[at.Weekday()], at.Hour(), at.Minute())).
		Line(fmt.Sprintf("お待ちの方 %d 人", t.Waiting))
	if t.QR != "" {
		d.Feed(1).QR(t.QR, 6).Line("待ち状況はこちら")
	}
	d.Feed(1).Line("番号でお呼びします。この票をお持ちください。")
	if t.Kiosk != "" {
		d.Line(t.Kiosk)
	}
	return d.Feed(3).Cut().Bytes()
}

// SlipJob prints a guidance slip: its lines left aligned, then the cut.
func SlipJob(text string) []byte {
	return escpos.New().Align(escpos.Left).Lines(text).Feed(3).Cut().Bytes()
}
