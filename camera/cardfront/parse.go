package cardfront

import (
	"image"
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
	text  string
	conf  []float32
	boxes []image.Rectangle // each rune's box in the image read
	// runs are the image's runs of ink columns and em its text's height,
	// for the witness (see witnessOf); nil for other readings.
	runs [][2]int
	em   int
}

// edgeJunk is what the remains of a ruled frame read as at a line's ends.
const edgeJunk = "_|｜-—―.,。、'`\"‘’:;・"

// lineOf joins Tesseract's symbols, folding full-width digits, dropping
// spaces and the remains of frames at the ends.
func lineOf(syms []tess.Symbol) line {
	var rs []rune
	var conf []float32
	var boxes []image.Rectangle
	for _, s := range syms {
		for _, r := range width.Fold.String(s.Text) {
			if r == ' ' || r == '\u3000' {
				continue
			}
			rs = append(rs, r)
			conf = append(conf, s.Conf)
			boxes = append(boxes, s.Box)
		}
	}
	for len(rs) > 0 && strings.ContainsRune(edgeJunk, rs[0]) {
		rs, conf, boxes = rs[1:], conf[1:], boxes[1:]
	}
	for len(rs) > 0 && strings.ContainsRune(edgeJunk, rs[len(rs)-1]) {
		rs, conf, boxes = rs[:len(rs)-1], conf[:len(conf)-1], boxes[:len(boxes)-1]
	}
	return line{text: string(rs), conf: conf, boxes: boxes}
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
	birthRe   = regexp.MustCompile(`^(?:生年月日)?(\p{Han}\p{Han})(元|[0-9]{1,2})年([0-9]{1,2})月([0-9]{1,2})日生`)
	seirekiRe = regexp.MustCompile(`^(?:生年月日)?[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日生`)
	expiryRe  = regexp.MustCompile(`^([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日まで有効$`)
	codeRe    = regexp.MustCompile(`^[0-9]{4}$`)
	digitsRe  = regexp.MustCompile(`(元|[0-9]{1,2})年([0-9]{1,2})月([0-9]{1,2})[^0-9]`)
)

// titles are the names a card front prints: today's and the planned
// design's.
var titles = []string{"個人番号カード", "マイナンバーカード"}

// isTitle reports whether l is the card's name printed on its front, to
// within two misread, missing or extra characters: the name only tells a
// front from other cards (a licence's first line is far from either), it
// is no part of 照合番号B.
func isTitle(l line) bool {
	for _, t := range titles {
		if editDistance([]rune(l.text), []rune(t)) <= 2 {
			return true
		}
	}
	return false
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// birthOf reads the birth date from its line ("昭和55年2月17日生"),
// checked to be a real date of its era, not after today and not more
// than 130 years ago: one date, or two when the era's name was misread so
// that two eras fit ("?和5年": 昭和 or 令和; see possibleBirth). seireki
// is true for a birth date printed in 西暦 (a foreign resident's card): it
// is not read, since which calendar 照合番号B then uses is not known and a
// guess costs a try.
func birthOf(l line, today wareki.Date) (ds []wareki.Date, conf float32, seireki bool) {
	m := birthRe.FindStringSubmatchIndex(l.text)
	if m == nil {
		return nil, 0, seirekiRe.MatchString(l.text)
	}
	ys := l.text[m[4]:m[5]]
	y := 1
	if ys != "元" {
		y, _ = strconv.Atoi(ys)
		if y == 1 { // 元年 is printed as 元, never as 1
			return nil, 0, false
		}
	}
	mo, _ := strconv.Atoi(l.text[m[6]:m[7]])
	da, _ := strconv.Atoi(l.text[m[8]:m[9]])
	if ds = eraDates(l.text[m[2]:m[3]], y, time.Month(mo), da, today); len(ds) == 0 {
		return nil, 0, false
	}
	// The era's own characters do not count towards the confidence: the
	// date's validity decides the era (eraDates), the digits the code.
	from, to := l.runeSpan(m[3], m[1])
	return ds, l.minConf(from, to), false
}

// birthEnd is the right edge, in the image read, of a birth date's
// text up to its 生 ("昭和55年2月17日生"), when the line has one.
func birthEnd(l line) (int, bool) {
	m := birthRe.FindStringIndex(l.text)
	if m == nil {
		return 0, false
	}
	_, to := l.runeSpan(m[0], m[1])
	if to == 0 || to > len(l.boxes) || l.boxes[to-1].Empty() {
		return 0, false
	}
	return l.boxes[to-1].Max.X, true
}

// possibleBirth reports whether someone born on b can hold a card that
// expires in year expiry: a card is issued from 2016 to today, and lasts
// to the tenth birthday after it for a holder of 18 and over, to the
// fifth for a younger one (under 20 before 2022), give or take a year
// for where the birthday falls. It tells 昭和 from 令和 when the era's first character is
// misread: a child born in 令和 holds a five-year card.
func possibleBirth(b wareki.Date, expiry int, today wareki.Date) bool {
	for issued := 2016; issued <= today.Year; issued++ {
		age, lasts := issued-b.Year, expiry-issued
		if age >= 17 && lasts >= 9 && lasts <= 11 || age >= 0 && age <= 20 && lasts >= 4 && lasts <= 6 {
			return true
		}
	}
	return false
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

// witnessOf gives the digits of a birth date's era year (元 for 1),
// month and day ("55.2.17") from the witness: a reading of the line with
// its glyphs spread apart (spread), whose era and other characters may be
// misread. The ink must bear the reading out: from the era year to the
// character after the day, each character is a run of ink of its own
// (spread leaves none touching), a digit's no wider than a digit (a "1"
// three fifths of an em at most, any other three quarters), a kanji's
// not narrower than two fifths of an em. Blur that joins "44" into one
// blob, read "4" at every scale, shows as a run too wide. "" when the
// digits do not show so.
func witnessOf(l line) string {
	m := digitsRe.FindStringSubmatchIndex(l.text)
	if m == nil || l.em <= 0 {
		return ""
	}
	want := []rune(l.text[m[2]:m[1]])
	fits := func(r [2]int, c rune) bool {
		w := 20 * (r[1] - r[0]) // in twentieths of the em
		switch {
		case c == '1':
			return w <= 12*l.em
		case c >= '0' && c <= '9':
			return w <= 15*l.em
		}
		return w >= 8*l.em
	}
	shown := false
	for s := 0; s+len(want) <= len(l.runs) && !shown; s++ {
		shown = true
		for t, c := range want {
			if !fits(l.runs[s+t], c) {
				shown = false
				break
			}
		}
	}
	if !shown {
		return ""
	}
	var out []string
	for g := 1; g <= 3; g++ {
		digits := l.text[m[2*g]:m[2*g+1]]
		if digits != "元" {
			n, _ := strconv.Atoi(digits)
			digits = strconv.Itoa(n)
		}
		out = append(out, digits)
	}
	return strings.Join(out, ".")
}

// codeOf reads the 4-digit セキュリティコード.
func codeOf(l line) (code string, conf float32, ok bool) {
	if !codeRe.MatchString(l.text) {
		return "", 0, false
	}
	return l.text, l.minConf(0, len(l.conf)), true
}

// eraDates are the dates of an era's year, month and day: in the era
// named by name, or, when one of its two characters was misread ("申和"),
// in each era that has the other character in its place and in which the
// date exists and is past ("申和59年" is 昭和: 令和59年 is to come).
func eraDates(name string, y int, mo time.Month, day int, today wareki.Date) []wareki.Date {
	rs := []rune(name)
	if len(rs) != 2 {
		return nil
	}
	named := false
	for _, e := range wareki.Eras() {
		named = named || name == e.String()
	}
	var found []wareki.Date
	for _, e := range wareki.Eras() {
		er := []rune(e.String())
		if named && name != e.String() || !named && rs[0] != er[0] && rs[1] != er[1] {
			continue
		}
		d, err := wareki.FromEra(e, y, mo, day)
		if err != nil || d.After(today) || d.Before(wareki.MustDate(today.Year-130, 1, 1)) {
			continue
		}
		found = append(found, d)
	}
	return found
}
