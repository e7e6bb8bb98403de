package wareki

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/width"
)

var (
	reCompact   = regexp.MustCompile(`^(\d{4})(\d{2})(\d{2})$`)
	reGregorian = regexp.MustCompile(`^(\d{4})(?:[-/.]|年)(\d{1,2})(?:[-/.]|月)(\d{1,2})日?$`)
	reEra       = regexp.MustCompile(`^(明治|大正|昭和|平成|令和|[MTSHR])(元|\d{1,2})(?:[-/.]|年)(\d{1,2})(?:[-/.]|月)(\d{1,2})日?$`)
	reEraPacked = regexp.MustCompile(`^([MTSHR])(\d{2})(\d{2})(\d{2})$`)
)

// Parse reads a date typed as 西暦 (19800217, 1980-02-17, 1980/2/17,
// 1980年2月17日) or 和暦 (昭和55年2月17日, 令和元年5月1日, S55.2.17, S550217).
// Full-width digits and letters are accepted and spaces are ignored. An era
// date must lie inside its era (see FromEra).
func Parse(s string) (Date, error) {
	in := strings.ToUpper(width.Fold.String(s))
	in = strings.Join(strings.Fields(in), "")
	if m := reCompact.FindStringSubmatch(in); m != nil {
		return gregorian(s, m[1], m[2], m[3])
	}
	if m := reGregorian.FindStringSubmatch(in); m != nil {
		return gregorian(s, m[1], m[2], m[3])
	}
	m := reEra.FindStringSubmatch(in)
	if m == nil {
		m = reEraPacked.FindStringSubmatch(in)
	}
	if m == nil {
		return Date{}, fmt.Errorf("%q: %w", s, ErrSyntax)
	}
	era := eraByName(m[1])
	year := 1
	if m[2] != "元" {
		year, _ = strconv.Atoi(m[2])
	}
	month, _ := strconv.Atoi(m[3])
	day, _ := strconv.Atoi(m[4])
	d, err := FromEra(era, year, time.Month(month), day)
	if err != nil {
		return Date{}, fmt.Errorf("%q: %w", s, err)
	}
	return d, nil
}

// ParseCompact reads the yyyyMMdd form used by the 資格確認 XML and the card.
func ParseCompact(s string) (Date, error) {
	m := reCompact.FindStringSubmatch(s)
	if m == nil {
		return Date{}, fmt.Errorf("%q is not yyyyMMdd: %w", s, ErrSyntax)
	}
	return gregorian(s, m[1], m[2], m[3])
}

func gregorian(orig, ys, ms, ds string) (Date, error) {
	y, _ := strconv.Atoi(ys)
	m, _ := strconv.Atoi(ms)
	d, _ := strconv.Atoi(ds)
	date, err := NewDate(y, time.Month(m), d)
	if err != nil {
		return Date{}, fmt.Errorf("%q: %w", orig, err)
	}
	return date, nil
}

func eraByName(s string) Era {
	for _, e := range Eras() {
		if s == eras[e].kanji || s == eras[e].latin {
			return e
		}
	}
	return 0 // unreachable: the patterns admit only known names
}
