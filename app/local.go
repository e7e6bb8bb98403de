package app

import (
	"errors"
	"strconv"
	"strings"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// local is what a screen is in the middle of: digits typed, the step of a
// multi-step entry. It lives only while its screen does and is wiped with
// every state change (so an idle timeout wipes it too).
type local struct {
	welcomeMyna bool // the patient chose マイナ保険証: show where the card goes
	pin         string
	codeB       codeBEntry
	consentEach bool
	consent     kiosk.Consent
	form        formEntry
}

// codeBEntry is 照合番号B typed in three steps.
type codeBEntry struct {
	step     int // 0 birth, 1 expiry year, 2 security code
	birth    dateEntry
	expiry   string
	security string
	// prefilled marks the steps whose value the camera read.
	prefilled [3]bool
}

// prefilled starts the typing screens with what the camera read.
func prefilled(p kiosk.CodeBParts) codeBEntry {
	var c codeBEntry
	if !p.Birth.IsZero() {
		if era, y, ok := wareki.EraOf(p.Birth); ok {
			for key, kanji := range eraKanji {
				if kanji == era.String() {
					c.birth = dateEntry{era: key, parts: [3]string{strconv.Itoa(y), strconv.Itoa(int(p.Birth.Month)), strconv.Itoa(p.Birth.Day)}}
					c.prefilled[0] = true
				}
			}
		}
	}
	if p.ExpiryYear != 0 {
		c.expiry, c.prefilled[1] = strconv.Itoa(p.ExpiryYear), true
	}
	if p.SecurityCode != "" {
		c.security, c.prefilled[2] = p.SecurityCode, true
	}
	return c
}

// again is the local state when the same state is shown again, e.g. with
// errors from the machine.
func (l local) again(v kiosk.View) local {
	switch v.State {
	case kiosk.StateManualEntry:
		if len(v.FormErrors) > 0 {
			l.form.step = formReview
		}
	case kiosk.StateEnteringCodeB:
		switch {
		case errors.Is(v.CodeBInputErr, kiosk.ErrCodeBBirth):
			l.codeB.step = 0
		case errors.Is(v.CodeBInputErr, kiosk.ErrCodeBExpiryYear):
			l.codeB.step = 1
		case errors.Is(v.CodeBInputErr, kiosk.ErrCodeBSecurityCode):
			l.codeB.step = 2
		}
	}
	return l
}

// dateEntry is a date typed as era + year, month, day.
type dateEntry struct {
	era   string // catalog key: era.reiwa … era.seireki; "" not chosen
	parts [3]string
	focus int
}

var eraKanji = map[string]string{
	"era.reiwa": "令和", "era.heisei": "平成", "era.showa": "昭和", "era.taisho": "大正", "era.seireki": "",
}

// eras in the order they are offered (most patients first).
var eras = []string{"era.showa", "era.heisei", "era.reiwa", "era.taisho", "era.seireki"}

func (d dateEntry) yearDigits() int {
	if d.era == "era.seireki" {
		return 4
	}
	return 2
}

func (d *dateEntry) typeDigit(s string) {
	if d.era == "" {
		return
	}
	limit := [3]int{d.yearDigits(), 2, 2}
	p := &d.parts[d.focus]
	if len(*p) >= limit[d.focus] {
		return
	}
	*p += s
	if len(*p) == limit[d.focus] && d.focus < 2 {
		d.focus++
	}
}

func (d *dateEntry) deleteDigit() {
	p := &d.parts[d.focus]
	if *p == "" && d.focus > 0 {
		d.focus--
		p = &d.parts[d.focus]
	}
	if *p != "" {
		*p = (*p)[:len(*p)-1]
	}
}

// complete reports whether every part is typed.
func (d dateEntry) complete() bool {
	return d.era != "" && d.parts[0] != "" && d.parts[1] != "" && d.parts[2] != ""
}

// String is the date as kiosk/wareki parses it: 昭和55年2月17日 or 1980年2月17日.
func (d dateEntry) String() string {
	if !d.complete() {
		return ""
	}
	return eraKanji[d.era] + d.parts[0] + "年" + d.parts[1] + "月" + d.parts[2] + "日"
}

// display is the date for the review screen, in the current language.
func (d dateEntry) display(t langText) string {
	if d.era == "" {
		return ""
	}
	var b strings.Builder
	if d.era != "era.seireki" {
		b.WriteString(t(d.era) + " ")
	}
	for i, unit := range []string{"date.year", "date.month", "date.day"} {
		b.WriteString(d.parts[i] + t(unit))
		if i < 2 {
			b.WriteString(" ")
		}
	}
	return b.String()
}
