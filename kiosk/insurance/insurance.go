// Package insurance validates the numbers printed on 資格確認書, 資格情報のお知らせ
// and 公費 certificates: 保険者番号, 公費負担者番号 and 受給者番号 with their check
// digit, 枝番, and the 記号・番号 (charset and length only: they have no
// standard check digit). Rules and worked examples: shared/docs/domain.md §4.
//
// Every Parse function takes what a person typed (full-width digits are
// accepted), returns the normalised value, and on failure an *Error that
// names the field and the problem, so the UI can say which field is wrong.
package insurance

import (
	"fmt"
	"strings"

	"golang.org/x/text/width"
)

// Field names a field of an insurance document.
type Field string

// The fields validated here.
const (
	FieldInsurer Field = "insurer_number" // 保険者番号
	FieldSymbol  Field = "symbol"         // 記号
	FieldNumber  Field = "number"         // 番号
	FieldBranch  Field = "branch"         // 枝番
	FieldKohi    Field = "kohi_number"    // 公費負担者番号
	FieldJukyu   Field = "jukyu_number"   // 受給者番号
)

// Problem says what is wrong with a field.
type Problem int

// The problems a field can have.
const (
	ProblemEmpty      Problem = iota + 1 // nothing typed
	ProblemLength                        // wrong number of digits or too long
	ProblemNotDigits                     // a character that is not 0-9
	ProblemCheckDigit                    // the last digit does not match
	ProblemPrefecture                    // 都道府県番号 not 01–47
	ProblemCharset                       // a character not allowed in 記号・番号, or mixed modes
	ProblemForbidden                     // present where the document has none (記号/枝番 of 後期高齢者)
)

var problemText = map[Problem]string{
	ProblemEmpty:      "is empty",
	ProblemLength:     "has the wrong length",
	ProblemNotDigits:  "must be digits only",
	ProblemCheckDigit: "check digit does not match",
	ProblemPrefecture: "prefecture code is not 01-47",
	ProblemCharset:    "has characters that are not allowed",
	ProblemForbidden:  "must be empty for this insurer",
}

// Error reports one invalid field.
type Error struct {
	Field   Field
	Problem Problem
	Detail  string // English detail for logs and the CLI; never the value itself for names
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s %s", e.Field, problemText[e.Problem])
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

// CheckDigit returns the check digit of body by the rule shared by 保険者番号,
// 公費負担者番号 and 受給者番号: weights 2,1,2,… from the rightmost digit, the
// digits of each product summed, 10 − the last digit of the sum (0 stays 0).
// body must be ASCII digits only.
func CheckDigit(body string) (int, error) {
	if body == "" {
		return 0, fmt.Errorf("check digit of an empty number")
	}
	sum := 0
	for i := range len(body) {
		c := body[len(body)-1-i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("check digit of %q: not a digit at %d", body, len(body)-1-i)
		}
		p := int(c-'0') * (2 - i%2)
		sum += p/10 + p%10
	}
	return (10 - sum%10) % 10, nil
}

// InsurerNumber is a validated 保険者番号 (8 digits, or 6 for 市町村国保 and 国保組合).
type InsurerNumber string

// IsLateElderly reports whether the number belongs to a 後期高齢者医療広域連合
// (法別番号 39): the insured are 75 or older (or 65+ with a disability).
func (n InsurerNumber) IsLateElderly() bool { return len(n) == 8 && n[:2] == "39" }

// IsNationalHealth reports whether the number is a 6-digit 国民健康保険 number.
func (n InsurerNumber) IsNationalHealth() bool { return len(n) == 6 }

// ParseInsurer validates a 保険者番号.
func ParseInsurer(s string) (InsurerNumber, error) {
	d, err := digits(FieldInsurer, s, 6, 8)
	if err != nil {
		return "", err
	}
	pref := d[:2]
	if len(d) == 8 {
		pref = d[2:4]
	}
	if err := checked(FieldInsurer, d, pref); err != nil {
		return "", err
	}
	return InsurerNumber(d), nil
}

// ParseKohi validates an 8-digit 公費負担者番号 (法別 2 + 都道府県 2 + 実施機関 3 + 検証 1).
func ParseKohi(s string) (string, error) {
	d, err := digits(FieldKohi, s, 8)
	if err != nil {
		return "", err
	}
	return d, checked(FieldKohi, d, d[2:4])
}

// ParseJukyu validates a 7-digit 公費 受給者番号 (6 digits + 検証 1).
func ParseJukyu(s string) (string, error) {
	d, err := digits(FieldJukyu, s, 7)
	if err != nil {
		return "", err
	}
	return d, checked(FieldJukyu, d, "")
}

// ParseBranch validates a 枝番: two digits; a single typed digit is zero-padded.
func ParseBranch(s string) (string, error) {
	d, err := digits(FieldBranch, s, 1, 2)
	if err != nil {
		return "", err
	}
	if len(d) == 1 {
		d = "0" + d
	}
	return d, nil
}

// maxFieldBytes is the record limit of 記号 and 番号 (38 bytes in Shift_JIS,
// i.e. 38 half-width or 19 full-width characters).
const maxFieldBytes = 38

// ParseSymbol validates a 記号. It may be empty (後期高齢者 and some 国保 have none).
func ParseSymbol(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", nil
	}
	return symbolOrNumber(FieldSymbol, s)
}

// ParseNumber validates a 番号 (被保険者番号). It must not be empty.
func ParseNumber(s string) (string, error) {
	return symbolOrNumber(FieldNumber, s)
}

// symbolOrNumber accepts either half-width letters and digits (full-width
// ones are narrowed) or full-width characters (漢字, かな, 全角英数), never a
// mix of both modes, within the 38-byte record limit.
func symbolOrNumber(f Field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", &Error{Field: f, Problem: ProblemEmpty}
	}
	if narrow := width.Narrow.String(s); isAlnum(narrow) {
		if len(narrow) > maxFieldBytes {
			return "", &Error{Field: f, Problem: ProblemLength, Detail: fmt.Sprintf("%d characters, at most %d", len(narrow), maxFieldBytes)}
		}
		return strings.ToUpper(narrow), nil
	}
	n := 0
	for _, r := range s {
		if r < 0x3000 || r == '\u3000' || (r >= 0xFF61 && r <= 0xFF9F) || r == 0xFFFD {
			return "", &Error{Field: f, Problem: ProblemCharset, Detail: "use half-width letters and digits, or full-width characters, not both"}
		}
		n++
	}
	if 2*n > maxFieldBytes {
		return "", &Error{Field: f, Problem: ProblemLength, Detail: fmt.Sprintf("%d full-width characters, at most %d", n, maxFieldBytes/2)}
	}
	return s, nil
}

func isAlnum(s string) bool {
	for i := range len(s) {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// digits narrows full-width digits, drops spaces and hyphens people type as
// separators, and checks that what remains is digits of one of the lengths.
func digits(f Field, s string, lengths ...int) (string, error) {
	n := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u3000' {
			return -1
		}
		return r
	}, width.Narrow.String(s))
	if n == "" {
		return "", &Error{Field: f, Problem: ProblemEmpty}
	}
	for i := range len(n) {
		if n[i] < '0' || n[i] > '9' {
			return "", &Error{Field: f, Problem: ProblemNotDigits}
		}
	}
	for _, l := range lengths {
		if len(n) == l {
			return n, nil
		}
	}
	return "", &Error{Field: f, Problem: ProblemLength, Detail: fmt.Sprintf("%d digits, want %s", len(n), lengthsText(lengths))}
}

func lengthsText(ls []int) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = fmt.Sprint(l)
	}
	return strings.Join(parts, " or ")
}

// checked verifies the check digit and, when pref is not empty, the 都道府県番号.
func checked(f Field, d, pref string) error {
	if pref != "" && (pref < "01" || pref > "47") {
		return &Error{Field: f, Problem: ProblemPrefecture, Detail: "prefecture " + pref}
	}
	want, _ := CheckDigit(d[:len(d)-1]) // d is all digits here
	if got := int(d[len(d)-1] - '0'); got != want {
		return &Error{Field: f, Problem: ProblemCheckDigit, Detail: fmt.Sprintf("last digit %d, expected %d", got, want)}
	}
	return nil
}
