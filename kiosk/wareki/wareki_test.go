package wareki

import (
	"errors"
	"testing"
	"time"
)

func TestEraBoundaries(t *testing.T) {
	tests := []struct {
		d    Date
		era  Era
		year int
	}{
		{MustDate(1912, 7, 29), Meiji, 45},
		{MustDate(1912, 7, 30), Taisho, 1},
		{MustDate(1926, 12, 24), Taisho, 15},
		{MustDate(1926, 12, 25), Showa, 1},
		{MustDate(1989, 1, 7), Showa, 64},
		{MustDate(1989, 1, 8), Heisei, 1},
		{MustDate(2019, 4, 30), Heisei, 31},
		{MustDate(2019, 5, 1), Reiwa, 1},
		{MustDate(2026, 11, 25), Reiwa, 8},
	}
	for _, tt := range tests {
		e, y, ok := EraOf(tt.d)
		if !ok || e != tt.era || y != tt.year {
			t.Errorf("EraOf(%s) = %s %d %v, want %s %d", tt.d, e, y, ok, tt.era, tt.year)
		}
		back, err := FromEra(tt.era, tt.year, tt.d.Month, tt.d.Day)
		if err != nil || back != tt.d {
			t.Errorf("FromEra(%s %d %d %d) = %s, %v; want %s", tt.era, tt.year, tt.d.Month, tt.d.Day, back, err, tt.d)
		}
	}
	if _, _, ok := EraOf(MustDate(1868, 10, 22)); ok {
		t.Error("EraOf(1868-10-22) reported an era; 明治 starts 1868-10-23")
	}
}

func TestFromEraRejectsDatesOutsideTheEra(t *testing.T) {
	tests := []struct {
		era        Era
		y, m, d    int
		wantErr    error
		wantResult Date
	}{
		{Heisei, 31, 4, 30, nil, MustDate(2019, 4, 30)},
		{Heisei, 31, 5, 1, ErrOutsideEra, Date{}},
		{Reiwa, 1, 4, 30, ErrOutsideEra, Date{}},
		{Reiwa, 1, 5, 1, nil, MustDate(2019, 5, 1)},
		{Showa, 64, 1, 7, nil, MustDate(1989, 1, 7)},
		{Showa, 64, 1, 8, ErrOutsideEra, Date{}},
		{Heisei, 1, 1, 7, ErrOutsideEra, Date{}},
		{Taisho, 1, 7, 29, ErrOutsideEra, Date{}},
		{Meiji, 45, 7, 30, ErrOutsideEra, Date{}},
		{Showa, 55, 2, 30, ErrNoSuchDate, Date{}},
		{Showa, 0, 1, 1, ErrNoSuchDate, Date{}},
		{Heisei, 4, 2, 29, nil, MustDate(1992, 2, 29)},
		{Heisei, 5, 2, 29, ErrNoSuchDate, Date{}},
	}
	for _, tt := range tests {
		got, err := FromEra(tt.era, tt.y, time.Month(tt.m), tt.d)
		if !errors.Is(err, tt.wantErr) || got != tt.wantResult {
			t.Errorf("FromEra(%s%d.%d.%d) = %s, %v; want %s, %v", tt.era, tt.y, tt.m, tt.d, got, err, tt.wantResult, tt.wantErr)
		}
	}
}

func TestParse(t *testing.T) {
	want := MustDate(1980, 2, 17)
	for _, in := range []string{
		"19800217", "1980-02-17", "1980/2/17", "1980.2.17", "1980年2月17日",
		"昭和55年2月17日", "S55.2.17", "s55/02/17", "S550217", "昭和 55年 2月 17日",
		"１９８０年２月１７日", "昭和５５年２月１７日", "Ｓ５５．２．１７",
	} {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	if got, err := Parse("令和元年5月1日"); err != nil || got != MustDate(2019, 5, 1) {
		t.Errorf("Parse(令和元年5月1日) = %s, %v", got, err)
	}
	for in, wantErr := range map[string]error{
		"":                 ErrSyntax,
		"1980-13-01":       ErrNoSuchDate,
		"19800230":         ErrNoSuchDate,
		"平成31年5月1日":        ErrOutsideEra,
		"X55.2.17":         ErrSyntax,
		"昭和55年2月":          ErrSyntax,
		"1980-02-17 extra": ErrSyntax,
	} {
		if _, err := Parse(in); !errors.Is(err, wantErr) {
			t.Errorf("Parse(%q) error = %v, want %v", in, err, wantErr)
		}
	}
}

func TestEraYYMMDD(t *testing.T) {
	tests := map[Date]string{
		MustDate(1980, 2, 17): "550217", // domain.md §1.4 worked example
		MustDate(2019, 5, 1):  "010501",
		MustDate(2019, 4, 30): "310430",
		MustDate(1989, 1, 7):  "640107",
		MustDate(1989, 1, 8):  "010108",
	}
	for d, want := range tests {
		if got, err := d.EraYYMMDD(); err != nil || got != want {
			t.Errorf("%s.EraYYMMDD() = %q, %v; want %q", d, got, err, want)
		}
	}
	if _, err := MustDate(1800, 1, 1).EraYYMMDD(); err == nil {
		t.Error("EraYYMMDD before 明治 succeeded")
	}
}

func TestTodayIsTokyoWhateverTheMachineSays(t *testing.T) {
	// 2026-03-31 15:00 UTC is already 2026-04-01 in Tokyo.
	tests := []struct {
		t    time.Time
		want Date
	}{
		{time.Date(2026, 3, 31, 14, 59, 59, 0, time.UTC), MustDate(2026, 3, 31)},
		{time.Date(2026, 3, 31, 15, 0, 0, 0, time.UTC), MustDate(2026, 4, 1)},
		{time.Date(2026, 3, 31, 10, 0, 0, 0, time.FixedZone("PST", -8*3600)), MustDate(2026, 4, 1)},
	}
	for _, tt := range tests {
		if got := Today(tt.t); got != tt.want {
			t.Errorf("Today(%s) = %s, want %s", tt.t, got, tt.want)
		}
	}
}

func TestAddMonthsAndAge(t *testing.T) {
	if got := MustDate(2026, 1, 31).AddMonths(1); got != MustDate(2026, 2, 28) {
		t.Errorf("2026-01-31 + 1 month = %s", got)
	}
	if got := MustDate(2026, 5, 31).AddMonths(-3); got != MustDate(2026, 2, 28) {
		t.Errorf("2026-05-31 - 3 months = %s", got)
	}
	if got := MustDate(2026, 11, 30).AddMonths(3); got != MustDate(2027, 2, 28) {
		t.Errorf("2026-11-30 + 3 months = %s", got)
	}
	birth := MustDate(1951, 8, 1)
	if a := birth.Age(MustDate(2026, 7, 31)); a != 74 {
		t.Errorf("age the day before the 75th birthday = %d", a)
	}
	if a := birth.Age(MustDate(2026, 8, 1)); a != 75 {
		t.Errorf("age on the 75th birthday = %d", a)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"19800217", "昭和55年2月17日", "S55.2.17", "令和元年5月1日", "平成31年5月1日", "２０２６-０４-０１", "M45.7.29", "", "元年"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s)
		if err != nil {
			return
		}
		if !d.Valid() {
			t.Fatalf("Parse(%q) = invalid date %+v", s, d)
		}
		if back, err := Parse(d.String()); err != nil || back != d {
			t.Fatalf("round trip of %s via String: %s, %v", d, back, err)
		}
		if _, _, ok := EraOf(d); ok {
			if back, err := Parse(d.Wareki()); err != nil || back != d {
				t.Fatalf("round trip of %s via %s: %s, %v", d, d.Wareki(), back, err)
			}
		}
	})
}
