package insurance

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// The worked examples of domain.md §4.3, recomputed there.
func TestCheckDigitWorkedExamples(t *testing.T) {
	for body, want := range map[string]int{
		"3312001": 5, // 33120015
		"0113001": 2, // 01130012
		"13101":   1, // 131011
		"5401602": 7, // 54016027
		"123456":  6, // 1234566
		"3913100": 8, // 39131008
	} {
		if got, err := CheckDigit(body); err != nil || got != want {
			t.Errorf("CheckDigit(%s) = %d, %v; want %d", body, got, err, want)
		}
	}
	if _, err := CheckDigit("12a"); err == nil {
		t.Error("CheckDigit accepted a letter")
	}
}

func problemOf(err error) Problem {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Problem
	}
	return 0
}

func TestParseInsurer(t *testing.T) {
	tests := []struct {
		in   string
		want InsurerNumber
		prob Problem
	}{
		{"33120015", "33120015", 0},
		{"01130012", "01130012", 0},
		{"131011", "131011", 0},
		{"39131008", "39131008", 0},
		{"０１１３００１２", "01130012", 0},
		{"0113-0012", "01130012", 0},
		{"01130013", "", ProblemCheckDigit},
		{"33120016", "", ProblemCheckDigit},
		{"131012", "", ProblemCheckDigit},
		{"1311", "", ProblemLength},
		{"0113001", "", ProblemLength},
		{"011300122", "", ProblemLength},
		{"0113OO12", "", ProblemNotDigits},
		{"", "", ProblemEmpty},
		{"01990010", "", ProblemPrefecture},
		{"01000013", "", ProblemPrefecture},
		{"481012", "", ProblemPrefecture},
	}
	for _, tt := range tests {
		got, err := ParseInsurer(tt.in)
		if got != tt.want || problemOf(err) != tt.prob {
			t.Errorf("ParseInsurer(%q) = %q, %v; want %q, problem %d", tt.in, got, err, tt.want, tt.prob)
		}
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) || fe.Field != FieldInsurer {
				t.Errorf("ParseInsurer(%q) error %v does not name the insurer field", tt.in, err)
			}
		}
	}
	if !InsurerNumber("39131008").IsLateElderly() || InsurerNumber("33120015").IsLateElderly() {
		t.Error("IsLateElderly is wrong")
	}
}

func TestParseKohiAndJukyu(t *testing.T) {
	if got, err := ParseKohi("54016027"); err != nil || got != "54016027" {
		t.Errorf("ParseKohi(54016027) = %q, %v", got, err)
	}
	for in, prob := range map[string]Problem{"54016028": ProblemCheckDigit, "5401602": ProblemLength, "54996020": ProblemPrefecture} {
		if _, err := ParseKohi(in); problemOf(err) != prob {
			t.Errorf("ParseKohi(%q) = %v, want problem %d", in, err, prob)
		}
	}
	if got, err := ParseJukyu("1234566"); err != nil || got != "1234566" {
		t.Errorf("ParseJukyu(1234566) = %q, %v", got, err)
	}
	for in, prob := range map[string]Problem{"1234567": ProblemCheckDigit, "123456": ProblemLength, "12345x6": ProblemNotDigits} {
		if _, err := ParseJukyu(in); problemOf(err) != prob {
			t.Errorf("ParseJukyu(%q) = %v, want problem %d", in, err, prob)
		}
	}
}

func TestParseBranchSymbolNumber(t *testing.T) {
	for in, want := range map[string]string{"01": "01", "1": "01", "００": "00", "99": "99"} {
		if got, err := ParseBranch(in); err != nil || got != want {
			t.Errorf("ParseBranch(%q) = %q, %v", in, got, err)
		}
	}
	for in, prob := range map[string]Problem{"": ProblemEmpty, "123": ProblemLength, "a1": ProblemNotDigits} {
		if _, err := ParseBranch(in); problemOf(err) != prob {
			t.Errorf("ParseBranch(%q) = %v, want problem %d", in, err, prob)
		}
	}
	for in, want := range map[string]string{"1234": "1234", "１２３４": "1234", "ab12": "AB12", "愛知": "愛知", "東京１": "東京1"} {
		got, err := ParseSymbol(in)
		if in == "東京１" {
			// Narrowing makes "東京1": a mix of full- and half-width; the full-width form is kept as typed.
			if err != nil || got != "東京１" {
				t.Errorf("ParseSymbol(%q) = %q, %v", in, got, err)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("ParseSymbol(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if got, err := ParseSymbol("  "); err != nil || got != "" {
		t.Errorf("empty 記号 = %q, %v", got, err)
	}
	for in, prob := range map[string]Problem{
		"東京1":                   ProblemCharset,
		"12-34":                 ProblemCharset,
		"ｱｲｳ":                   ProblemCharset,
		strings.Repeat("1", 39): ProblemLength,
		strings.Repeat("東", 20): ProblemLength,
		"":                      ProblemEmpty,
	} {
		if _, err := ParseNumber(in); problemOf(err) != prob {
			t.Errorf("ParseNumber(%q) = %v, want problem %d", in, err, prob)
		}
	}
}

func TestParseCard(t *testing.T) {
	c, errs := ParseCard("06132013", "1234", "1987654", "1")
	if errs != nil || c != (Card{"06132013", "1234", "1987654", "01"}) {
		t.Fatalf("ParseCard = %+v, %v", c, errs)
	}
	c, errs = ParseCard("39131008", "", "12345678", "")
	if errs != nil || c.Number != "12345678" || c.Branch != "" {
		t.Fatalf("後期高齢者 card = %+v, %v", c, errs)
	}
	_, errs = ParseCard("39131008", "12", "1234", "01")
	fields := map[Field]Problem{}
	for _, e := range errs {
		fields[e.Field] = e.Problem
	}
	want := map[Field]Problem{FieldSymbol: ProblemForbidden, FieldBranch: ProblemForbidden, FieldNumber: ProblemLength}
	for f, p := range want {
		if fields[f] != p {
			t.Errorf("後期高齢者 card with 記号/枝番/short 番号: field %s problem %d, want %d (all: %v)", f, fields[f], p, errs)
		}
	}
	_, errs = ParseCard("01130013", "", "", "x")
	if len(errs) != 3 {
		t.Errorf("three bad fields gave %d errors: %v", len(errs), errs)
	}
}

func FuzzParseInsurer(f *testing.F) {
	for _, s := range []string{"33120015", "131011", "０１１３００１２", "01130013", "", "39-131008", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseInsurer(s)
		if err != nil {
			if problemOf(err) == 0 {
				t.Fatalf("ParseInsurer(%q) returned an untyped error %v", s, err)
			}
			return
		}
		if len(n) != 6 && len(n) != 8 {
			t.Fatalf("ParseInsurer(%q) = %q", s, n)
		}
		cd, _ := CheckDigit(string(n[:len(n)-1]))
		if int(n[len(n)-1]-'0') != cd {
			t.Fatalf("ParseInsurer(%q) = %q with a wrong check digit", s, n)
		}
		// Changing any one digit must break the check digit.
		b := []byte(n)
		b[0] = '0' + (b[0]-'0'+1)%10
		if _, err := ParseInsurer(string(b)); err == nil {
			t.Fatalf("ParseInsurer accepted %q after a single-digit change of %q", b, n)
		}
	})
}

func FuzzParseKohiJukyu(f *testing.F) {
	for _, s := range []string{"54016027", "1234566", "", "５４０１６０２７"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if k, err := ParseKohi(s); err == nil && len(k) != 8 {
			t.Fatalf("ParseKohi(%q) = %q", s, k)
		} else if err != nil && problemOf(err) == 0 {
			t.Fatalf("ParseKohi(%q) untyped error %v", s, err)
		}
		if j, err := ParseJukyu(s); err == nil && len(j) != 7 {
			t.Fatalf("ParseJukyu(%q) = %q", s, j)
		} else if err != nil && problemOf(err) == 0 {
			t.Fatalf("ParseJukyu(%q) untyped error %v", s, err)
		}
	})
}

func FuzzParseCard(f *testing.F) {
	f.Add("06132013", "1234", "1987654", "01")
	f.Add("39131008", "", "12345678", "")
	f.Add("131011", "愛知", "東京１", "1")
	f.Fuzz(func(t *testing.T, ins, sym, num, br string) {
		c, errs := ParseCard(ins, sym, num, br)
		if errs != nil {
			for _, e := range errs {
				if e.Field == "" || e.Problem == 0 {
					t.Fatalf("error without field or problem: %#v", e)
				}
			}
			return
		}
		if c.Number == "" || !utf8.ValidString(c.Symbol) || !utf8.ValidString(c.Number) {
			t.Fatalf("ParseCard accepted %+v", c)
		}
		if c.Insurer.IsLateElderly() && (c.Symbol != "" || c.Branch != "") {
			t.Fatalf("後期高齢者 card with 記号/枝番: %+v", c)
		}
	})
}
