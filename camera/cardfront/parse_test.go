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
		{"令和1年5月1日生", ""},            // 元年 is printed 元
		{"申和59年2月2日生", "1984-02-02"}, // 令和59年 is to come: 昭和
		{"?和5年2月2日生", ""},            // 昭和5年 or 令和5年
		{"平成31年5月1日生", ""},           // 平成 ended on 4月30日
		{"昭和64年1月8日生", ""},
		{"令和9年1月1日生", ""}, // after today
		{"昭和55年2月30日生", ""},
		{"1980年2月17日生", ""}, // 西暦: a foreign resident's card, not read
		{"2035年2月17日まで有効", ""},
		{"_昭和55年2月17日生|", "1980-02-17"},
	} {
		d, _, _, ok := birthOf(textLine(c.text), today)
		if got := map[bool]string{true: d.String()}[ok]; got != c.want {
			t.Errorf("%q: %q, want %q", c.text, got, c.want)
		}
	}
	if _, _, seireki, _ := birthOf(textLine("1980年2月17日生"), today); !seireki {
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
		if d, _, _, ok := birthOf(l, today); ok && (!d.Valid() || d.After(today)) {
			t.Fatalf("%q: birth %v", s, d)
		}
		if d, _, ok := expiryOf(l, today); ok && (d.Year < 2016 || d.Year > today.Year+11 || !d.Valid()) {
			t.Fatalf("%q: expiry %v", s, d)
		}
		if c, _, ok := codeOf(l); ok && (len(c) != 4 || strings.Trim(c, "0123456789") != "") {
			t.Fatalf("%q: code %q", s, c)
		}
		_ = isTitle(l)
	})
}

// TestWitnessOf: the witness gives a birth date's digits whatever it
// made of the era and the characters around them.
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
		if got := witnessOf(textLine(text)); got != want {
			t.Errorf("%q: %q, want %q", text, got, want)
		}
	}
	if eraDigits("B:2019-05-01") != "元.5.1" || eraDigits("B:1980-02-17") != "55.2.17" {
		t.Errorf("eraDigits: %q %q", eraDigits("B:2019-05-01"), eraDigits("B:1980-02-17"))
	}
}
