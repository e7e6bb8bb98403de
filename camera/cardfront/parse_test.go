package cardfront

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/uketsuke/uketsuke/camera/cardfront/tess"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

var today = wareki.MustDate(2026, 12, 1)

func textLine(s string) line {
	var syms []tess.Symbol
	for _, r := range s {
		syms = append(syms, tess.Symbol{Text: string(r), Conf: 99})
	}
	return lineOf(syms)
}

func TestBirthLines(t *testing.T) {
	for _, c := range []struct {
		text string
		want string // YYYY-MM-DD, "" none
	}{
		{"昭和55年 2月17日生", "1980-02-17"},
		{"昭和55年2月17日生 性別 女", "1980-02-17"},
		{"令和元年5月1日生", "2019-05-01"},
		{"令和1年5月1日生", ""},                      // 元年 is printed 元
		{"申和59年2月2日生", "1984-02-02"},           // 令和59年 is to come: 昭和
		{"内和5年2月2日生", "1930-02-02|2023-02-02"}, // 昭和5年 or 令和5年: the expiry decides
		{"平成31年5月1日生", ""},                     // 平成 ended on 4月30日
		{"昭和64年1月8日生", ""},
		{"令和9年1月1日生", ""}, // after today
		{"昭和55年2月30日生", ""},
		{"1980年2月17日生", ""}, // 西暦: a foreign resident's card, not read
		{"2035年2月17日まで有効", ""},
		{"_昭和55年2月17日生|", "1980-02-17"},
	} {
		ds, _, _ := birthOf(textLine(c.text), today)
		got := ""
		for i, d := range ds {
			got += map[bool]string{true: "|"}[i > 0] + d.String()
		}
		if got != c.want {
			t.Errorf("%q: %q, want %q", c.text, got, c.want)
		}
	}
	if _, _, seireki := birthOf(textLine("1980年2月17日生"), today); !seireki {
		t.Error("a 西暦 birth date is not told apart")
	}
}

func TestExpiryAndCodeLines(t *testing.T) {
	for _, c := range []struct {
		text string
		year int
	}{
		{"2035年 2月17日まで有効", 2035},
		{"2015年2月17日まで有効", 0}, // before the first cards
		{"2045年2月17日まで有効", 0}, // more than 11 years ahead
		{"2035年2月30日まで有効", 0},
		{"2029年(令和11年)03月12日まで有効", 0}, // a driving licence
		{"203年2月17日まで有効", 0},
	} {
		d, _, ok := expiryOf(textLine(c.text), today)
		if got := map[bool]int{true: d.Year}[ok]; got != c.year {
			t.Errorf("%q: %d, want %d", c.text, got, c.year)
		}
	}
	for text, want := range map[string]string{"2285": "2285", "228": "", "22855": "", "22a5": "", "２２８５": "2285"} {
		if got, _, _ := codeOf(textLine(text)); got != want {
			t.Errorf("code %q: %q, want %q", text, got, want)
		}
	}
	for text, want := range map[string]bool{"個人番号カード": true, "マイナンパーーカード": true, "運転免許証": false, "個人番号": false, "": false} {
		if got := isTitle(textLine(text)); got != want {
			t.Errorf("title %q: %v", text, got)
		}
	}
}

// FuzzLineParsers: whatever Tesseract reads, the parsers never panic and
// give only valid values.
func FuzzLineParsers(f *testing.F) {
	for _, s := range []string{"昭和55年2月17日生", "2035年2月17日まで有効", "2285", "個人番号カード", "申和59年2月2日生", "_|", "元年年月日生"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		l := textLine(s)
		for _, d := range first(birthOf(l, today)) {
			if !d.Valid() || d.After(today) {
				t.Fatalf("%q: birth %v", s, d)
			}
		}
		if d, _, ok := expiryOf(l, today); ok && (d.Year < 2016 || d.Year > today.Year+11 || !d.Valid()) {
			t.Fatalf("%q: expiry %v", s, d)
		}
		if c, _, ok := codeOf(l); ok && (len(c) != 4 || strings.Trim(c, "0123456789") != "") {
			t.Fatalf("%q: code %q", s, c)
		}
		_ = isTitle(l)
		if x, ok := birthEnd(l); ok {
			t.Fatalf("%q: a birth date ends at %d in a reading without boxes", s, x)
		}
		if x, ok := birthEnd(boxedLine(s)); ok && (x <= 0 || x > 30*utf8.RuneCountInString(s)) {
			t.Fatalf("%q: a birth date ends at %d", s, x)
		}
		if w := witnessOf(witnessLine(s, len(s)%5)); w != "" && strings.Count(w, ".") != 2 {
			t.Fatalf("%q: witness %q", s, w)
		}
	})
}

// witnessLine is a witness reading of text whose glyphs stand apart in
// ink at an em of 20: a digit 8 px wide ("1" 5), a kanji 18, but for the
// rune at wide, whose ink is 18 px (two digits blurred into one blob).
func witnessLine(text string, wide int) line {
	var syms []tess.Symbol
	var runs [][2]int
	x := 0
	for i, r := range []rune(text) {
		w := 18
		switch {
		case i == wide:
		case r == '1':
			w = 5
		case r >= '0' && r <= '9':
			w = 8
		}
		syms = append(syms, tess.Symbol{Text: string(r), Conf: 99})
		runs = append(runs, [2]int{x, x + w})
		x += w + 8
	}
	l := lineOf(syms)
	l.runs, l.em = runs, 20
	return l
}

// TestWitnessOf: the witness gives a birth date's digits whatever it
// made of the era and the characters around them, and none when a digit
// stands in ink too wide for one (blur joined two).
func TestWitnessOf(t *testing.T) {
	for text, want := range map[string]string{
		"内和42年11月11日生性史女": "42.11.11",
		"信和2年5月1日生":       "2.5.1",
		"念衝2エ年5月1日生":      "",
		"令和元年5月1日生":       "元.5.1",
		"昭和05年01月02曰生":    "5.1.2",
		"昭和5年+月15日生":      "",
		"昭和5年11月":         "",
		"":                "",
	} {
		if got := witnessOf(witnessLine(text, -1)); got != want {
			t.Errorf("%q: %q, want %q", text, got, want)
		}
	}
	if got := witnessOf(witnessLine("昭和4年6月27日生", 2)); got != "" {
		t.Errorf("a digit in ink two digits wide: %q", got)
	}
	if got := witnessOf(witnessLine("昭和4年6月27日生", 0)); got != "4.6.27" {
		t.Errorf("a wide era character: %q", got)
	}
	if got := witnessOf(textLine("昭和4年6月27日生")); got != "" {
		t.Errorf("a reading without its ink: %q", got)
	}
	if eraDigits("B:2019-05-01") != "元.5.1" || eraDigits("B:1980-02-17") != "55.2.17" {
		t.Errorf("eraDigits: %q %q", eraDigits("B:2019-05-01"), eraDigits("B:1980-02-17"))
	}
}

func first(ds []wareki.Date, _ float32, _ bool) []wareki.Date { return ds }

// TestExpiryTellsShowaFromReiwa: a child born in 令和 holds a five-year
// card, so a card expiring in 2035 was not a 令和 child's; one expiring in
// 2028 could be either's.
func TestExpiryTellsShowaFromReiwa(t *testing.T) {
	showa, reiwa := wareki.MustDate(1927, 5, 18), wareki.MustDate(2020, 5, 18)
	for _, c := range []struct {
		birth  wareki.Date
		expiry int
		want   bool
	}{
		{showa, 2035, true}, {reiwa, 2035, false}, {reiwa, 2028, true}, {showa, 2028, true},
		{reiwa, 2023, false}, {wareki.MustDate(2008, 4, 1), 2036, true}, {wareki.MustDate(2012, 4, 1), 2036, false},
	} {
		if got := possibleBirth(c.birth, c.expiry, today); got != c.want {
			t.Errorf("born %v, expiring %d: %v, want %v", c.birth, c.expiry, got, c.want)
		}
	}
	l := cardLine{kind: lineDate, seen: map[string][]variant{
		"A:1927-05-18|2020-05-18": {{japanese, 1.5, false}, {japanese, 2.5, false}},
		"B:1927-05-18":            {{japanese, 2, false}},
	}, witness: "2.5.18"}
	if l.agreed("B:1927-05-18") {
		t.Fatal("one reading of the era agreed before the expiry settled the others")
	}
	l.resolve(2035, today)
	if l.value != "B:1927-05-18" || len(l.seen) != 1 {
		t.Fatalf("after the expiry: %q %v", l.value, l.seen)
	}
	l.seen = map[string][]variant{"A:1927-05-18|2020-05-18": {{japanese, 1.5, false}, {japanese, 2.5, false}}}
	if l.resolve(2028, today); l.value != "" {
		t.Fatalf("an expiry either era fits settled on %q", l.value)
	}
}
