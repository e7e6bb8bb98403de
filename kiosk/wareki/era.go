package wareki

import (
	"errors"
	"fmt"
	"time"
)

// Era is a Japanese era (元号).
type Era int

// The eras a living person can be born in. Boundaries are the Gregorian
// first days: 大正 1912-07-30, 昭和 1926-12-25, 平成 1989-01-08, 令和 2019-05-01.
const (
	Meiji Era = iota + 1
	Taisho
	Showa
	Heisei
	Reiwa
)

type eraInfo struct {
	kanji, latin string
	first        Date // first day of the era
}

var eras = [...]eraInfo{
	Meiji:  {"明治", "M", Date{1868, time.October, 23}},
	Taisho: {"大正", "T", Date{1912, time.July, 30}},
	Showa:  {"昭和", "S", Date{1926, time.December, 25}},
	Heisei: {"平成", "H", Date{1989, time.January, 8}},
	Reiwa:  {"令和", "R", Date{2019, time.May, 1}},
}

// Errors returned by the constructors and Parse. They are wrapped with the
// offending value; test with errors.Is.
var (
	ErrNoSuchDate = errors.New("no such date")
	ErrOutsideEra = errors.New("date outside the era")
	ErrSyntax     = errors.New("not a date")
)

// String returns the era's kanji name, e.g. 昭和.
func (e Era) String() string {
	if e < Meiji || e > Reiwa {
		return fmt.Sprintf("Era(%d)", int(e))
	}
	return eras[e].kanji
}

// Letter returns the era's one-letter abbreviation used on forms (M T S H R).
func (e Era) Letter() string {
	if e < Meiji || e > Reiwa {
		return "?"
	}
	return eras[e].latin
}

// First returns the era's first day.
func (e Era) First() Date { return eras[e].first }

// Last returns the era's last day; for 令和 it is the zero Date (open-ended).
func (e Era) Last() Date {
	if e == Reiwa {
		return Date{}
	}
	return eras[e+1].first.AddDays(-1)
}

// Eras lists the eras from oldest to newest.
func Eras() []Era { return []Era{Meiji, Taisho, Showa, Heisei, Reiwa} }

// EraOf returns the era and era year (元年 = 1) of d. Dates before 明治
// return ok == false.
func EraOf(d Date) (era Era, year int, ok bool) {
	for e := Reiwa; e >= Meiji; e-- {
		if !d.Before(eras[e].first) {
			return e, d.Year - eras[e].first.Year + 1, true
		}
	}
	return 0, 0, false
}

// FromEra converts an era date to a Date. The date must lie inside the era:
// 平成31年5月1日 is rejected because that day is 令和元年5月1日.
func FromEra(e Era, year int, month time.Month, day int) (Date, error) {
	if e < Meiji || e > Reiwa {
		return Date{}, fmt.Errorf("era %d: %w", int(e), ErrSyntax)
	}
	if year < 1 {
		return Date{}, fmt.Errorf("%s%d年: %w", e, year, ErrNoSuchDate)
	}
	d, err := NewDate(eras[e].first.Year+year-1, month, day)
	if err != nil {
		return Date{}, fmt.Errorf("%s%d年%d月%d日: %w", e, year, int(month), day, ErrNoSuchDate)
	}
	if d.Before(e.First()) || (e != Reiwa && d.After(e.Last())) {
		return Date{}, fmt.Errorf("%s%d年%d月%d日 (%s): %s runs %s to %s: %w",
			e, year, int(month), day, d, e, e.First(), lastString(e), ErrOutsideEra)
	}
	return d, nil
}

func lastString(e Era) string {
	if e == Reiwa {
		return "today"
	}
	return e.Last().String()
}

// Wareki formats d as 昭和55年2月17日 (元年 for the first year).
func (d Date) Wareki() string {
	e, y, ok := EraOf(d)
	if !ok {
		return d.String()
	}
	ys := fmt.Sprintf("%d", y)
	if y == 1 {
		ys = "元"
	}
	return fmt.Sprintf("%s%s年%d月%d日", e, ys, int(d.Month), d.Day)
}

// EraYYMMDD returns the six digits of d as 和暦 year, month and day, the
// form the 照合番号B uses (1980-02-17 → "550217").
func (d Date) EraYYMMDD() (string, error) {
	_, y, ok := EraOf(d)
	if !ok || !d.Valid() {
		return "", fmt.Errorf("%s: %w", d, ErrOutsideEra)
	}
	if y > 99 {
		return "", fmt.Errorf("%s: era year %d does not fit two digits: %w", d, y, ErrOutsideEra)
	}
	return fmt.Sprintf("%02d%02d%02d", y, int(d.Month), d.Day), nil
}
