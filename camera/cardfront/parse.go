package cardfront

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/width"

	"github.com/uketsuke/uketsuke/camera/cardfront/tess"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// line is one recognised line: its text without spaces and, per rune of
// that text, the confidence Tesseract gave it.
type line struct {
	text string
	conf []float32
}

// lineOf joins Tesseract's symbols, folding full-width digits and
// dropping spaces.
func lineOf(syms []tess.Symbol) line {
	var l line
	var b strings.Builder
	for _, s := range syms {
		for _, r := range width.Fold.String(s.Text) {
			if r == ' ' || r == '\u3000' {
				continue
			}
			b.WriteRune(r)
			l.conf = append(l.conf, s.Conf)
		}
	}
	l.text = b.String()
	return l
}

// minConf is the lowest confidence of the runes [from, to) of the text.
func (l line) minConf(from, to int) float32 {
	m := float32(100)
	for i := from; i < to && i < len(l.conf); i++ {
		m = min(m, l.conf[i])
	}
	return m
}

// runeSpan converts a byte span of the text to a rune span.
func (l line) runeSpan(from, to int) (int, int) {
	return len([]rune(l.text[:from])), len([]rune(l.text[:to]))
}

var (
	titleRe   = regexp.MustCompile(`^(個人番号カード|マイナンバーカード)$`)
	birthRe   = regexp.MustCompile(`^(?:生年月日)?(明治|大正|昭和|平成|令和)(元|[0-9]{1,2})年([0-9]{1,2})月([0-9]{1,2})日生`)
	seirekiRe = regexp.MustCompile(`^(?:生年月日)?[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日生`)
	expiryRe  = regexp.MustCompile(`^([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日まで有効$`)
	codeRe    = regexp.MustCompile(`^[0-9]{4}$`)
)

// isTitle reports whether l is the card's name printed on its front.
func isTitle(l line) bool { return titleRe.MatchString(l.text) }

// birthOf reads the birth date from its line ("昭和55年2月17日生"),
// checked to be a real date of its era, not after today and not more
// than 130 years ago. seireki is true for a birth date printed in 西暦
// (a foreign resident's card): it is not read, since which calendar
// 照合番号B then uses is not known and a guess costs a try.
func birthOf(l line, today wareki.Date) (d wareki.Date, conf float32, seireki, ok bool) {
	m := birthRe.FindStringSubmatchIndex(l.text)
	if m == nil {
		return wareki.Date{}, 0, seirekiRe.MatchString(l.text), false
	}
	era := eraNamed(l.text[m[2]:m[3]])
	ys := l.text[m[4]:m[5]]
	y := 1
	if ys != "元" {
		y, _ = strconv.Atoi(ys)
		if y == 1 { // 元年 is printed as 元, never as 1
			return wareki.Date{}, 0, false, false
		}
	}
	mo, _ := strconv.Atoi(l.text[m[6]:m[7]])
	da, _ := strconv.Atoi(l.text[m[8]:m[9]])
	d, err := wareki.FromEra(era, y, time.Month(mo), da)
	if err != nil || d.After(today) || d.Before(wareki.MustDate(today.Year-130, 1, 1)) {
		return wareki.Date{}, 0, false, false
	}
	from, to := l.runeSpan(m[0], m[1])
	return d, l.minConf(from, to), false, true
}

// expiryOf reads the 有効期限 from its line ("2035年2月17日まで有効"): a real
// date from 2016 (the first cards) to 11 years after today (a card lasts
// at most ten years and then to a birthday).
func expiryOf(l line, today wareki.Date) (d wareki.Date, conf float32, ok bool) {
	m := expiryRe.FindStringSubmatchIndex(l.text)
	if m == nil {
		return wareki.Date{}, 0, false
	}
	y, _ := strconv.Atoi(l.text[m[2]:m[3]])
	mo, _ := strconv.Atoi(l.text[m[4]:m[5]])
	da, _ := strconv.Atoi(l.text[m[6]:m[7]])
	d, err := wareki.NewDate(y, time.Month(mo), da)
	if err != nil || y < 2016 || y > today.Year+11 {
		return wareki.Date{}, 0, false
	}
	return d, l.minConf(0, len(l.conf)), true
}

// codeOf reads the 4-digit セキュリティコード.
func codeOf(l line) (code string, conf float32, ok bool) {
	if !codeRe.MatchString(l.text) {
		return "", 0, false
	}
	return l.text, l.minConf(0, len(l.conf)), true
}

func eraNamed(s string) wareki.Era {
	for _, e := range wareki.Eras() {
		if e.String() == s {
			return e
		}
	}
	return wareki.Reiwa
}
