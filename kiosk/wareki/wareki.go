// Package wareki owns calendar dates for reception: a civil Date without a
// time of day, the Japanese eras (明治 to 令和) with their exact boundaries,
// parsing of dates typed as 和暦 or 西暦, and the business date in Asia/Tokyo.
//
// Every business date of the kiosk is a Tokyo date, whatever the machine's
// own time zone says; use Today to get it from a time.Time.
package wareki

import (
	"fmt"
	"time"
	_ "time/tzdata" // Asia/Tokyo must resolve on machines without tzdata.
)

// Tokyo is the time zone of every business date.
var Tokyo = mustLoadTokyo()

func mustLoadTokyo() *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		// time/tzdata is linked in, so this only fails if the Go runtime is broken.
		panic(fmt.Sprintf("load Asia/Tokyo: %v", err))
	}
	return loc
}

// Date is a Gregorian calendar date with no time of day.
// The zero Date is invalid and reports IsZero.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date, or an error when it does not exist in the calendar.
func NewDate(year int, month time.Month, day int) (Date, error) {
	d := Date{year, month, day}
	if !d.Valid() {
		return Date{}, fmt.Errorf("%04d-%02d-%02d: %w", year, int(month), day, ErrNoSuchDate)
	}
	return d, nil
}

// MustDate is NewDate for constants in code and tests; it panics on an
// impossible date.
func MustDate(year int, month time.Month, day int) Date {
	d, err := NewDate(year, month, day)
	if err != nil {
		panic(err)
	}
	return d
}

// Today returns the Tokyo business date of t.
func Today(t time.Time) Date {
	y, m, d := t.In(Tokyo).Date()
	return Date{y, m, d}
}

// Valid reports whether d is a real calendar date between years 1 and 9999.
func (d Date) Valid() bool {
	if d.Year < 1 || d.Year > 9999 || d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	return d.Day <= daysIn(d.Year, d.Month)
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// Time returns midnight of d in Tokyo.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, Tokyo) }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return sign(d.Year - e.Year)
	case d.Month != e.Month:
		return sign(int(d.Month) - int(e.Month))
	default:
		return sign(d.Day - e.Day)
	}
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date {
	y, m, dd := time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC).Date()
	return Date{y, m, dd}
}

// AddMonths returns d moved by n calendar months; a day that does not exist
// in the target month is clamped to its last day (1月31日 + 1 month = 2月28日),
// as Japanese administrative rules count months.
func (d Date) AddMonths(n int) Date {
	total := d.Year*12 + int(d.Month) - 1 + n
	y, m := total/12, time.Month(total%12+1)
	day := min(d.Day, daysIn(y, m))
	return Date{y, m, day}
}

// Age returns the age in completed years on the day on. Under 年齢計算ニ関スル法律
// a person gains a year at the end of the day before the birthday; for the
// date-only rules of reception the birthday itself is used, as insurers do.
func (d Date) Age(on Date) int {
	age := on.Year - d.Year
	if on.Month < d.Month || (on.Month == d.Month && on.Day < d.Day) {
		age--
	}
	return age
}

// String formats d as 2006-01-02.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Compact formats d as yyyyMMdd, the form of every date in the 資格確認 XML.
func (d Date) Compact() string {
	return fmt.Sprintf("%04d%02d%02d", d.Year, int(d.Month), d.Day)
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 12, 0, 0, 0, time.UTC).Day()
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
