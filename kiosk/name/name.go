// Package name validates a patient's name as typed or as received, and
// flags every character outside JIS X 0208. Such characters (髙, 﨑, 𠮷 …)
// print as ● at the desk and on the レセコン, the most common complaint at
// clinics, so staff must confirm them by eye.
package name

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/width"
)

// Errors returned by Parse; test with errors.Is.
var (
	ErrEmpty   = errors.New("name is empty")
	ErrBadChar = errors.New("name has a control character or invalid text")
	ErrTooLong = errors.New("name is too long")
)

// MaxRunes is the longest name accepted (the 資格確認 XML allows 100
// characters; 50 leaves room and still fits every real name).
const MaxRunes = 50

// Flag marks one character of a name outside JIS X 0208.
type Flag struct {
	Index int  `json:"index"` // rune index in the name
	Rune  rune `json:"rune"`  // the character's code point
}

// String gives the character and its code point, e.g. 髙 (U+9AD9).
func (f Flag) String() string { return fmt.Sprintf("%c (U+%04X)", f.Rune, f.Rune) }

// Name is a validated full-width name with family and given name separated
// by U+3000, as on the card, plus the characters staff must confirm.
type Name struct {
	Text  string
	Flags []Flag
}

// NeedsStaffCheck reports whether any character is outside JIS X 0208.
func (n Name) NeedsStaffCheck() bool { return len(n.Flags) > 0 }

// Parse normalises a name to full width (ASCII and half-width kana are
// widened; runs of spaces become one U+3000) and rejects control characters
// and invalid text. It never rejects a character for being outside JIS X
// 0208; it flags it.
func Parse(s string) (Name, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\u3000' || r == '\t' })
	if len(fields) == 0 {
		return Name{}, ErrEmpty
	}
	text := width.Widen.String(strings.Join(fields, "\u3000"))
	n := Name{Text: text}
	i := 0
	for _, r := range text {
		if r == utf8RuneError || unicode.IsControl(r) {
			return Name{}, fmt.Errorf("%w: at character %d", ErrBadChar, i+1)
		}
		if !isJIS0208(r) {
			n.Flags = append(n.Flags, Flag{Index: i, Rune: r})
		}
		i++
	}
	if i > MaxRunes {
		return Name{}, fmt.Errorf("%w: %d characters, at most %d", ErrTooLong, i, MaxRunes)
	}
	return n, nil
}

const utf8RuneError = '\uFFFD'

// IsJIS0208 reports whether r is a character of JIS X 0208 (rows 1–8 and
// 16–84). Vendor extensions that Shift_JIS encoders also accept — NEC row
// 13 (①, ㈱) and the IBM/NEC-selected kanji (髙, 﨑) — are not JIS X 0208.
func IsJIS0208(r rune) bool { return isJIS0208(r) }

// cp932Twins maps the JIS-standard code point of a JIS X 0208 character to
// the one that Windows (and x/text's Shift_JIS encoder) uses for it: both
// are the same character, e.g. 〜 WAVE DASH and ～ FULLWIDTH TILDE (1-33).
var cp932Twins = map[rune]rune{
	'\u301C': '\uFF5E', // 〜
	'\u2212': '\uFF0D', // −
	'\u2016': '\u2225', // ‖
	'\u2014': '\u2015', // —
	'\u00A2': '\uFFE0', // ¢
	'\u00A3': '\uFFE1', // £
	'\u00AC': '\uFFE2', // ¬
}

func isJIS0208(r rune) bool {
	if twin, ok := cp932Twins[r]; ok {
		r = twin
	}
	b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(string(r)))
	if err != nil || len(b) != 2 {
		return false
	}
	s1, s2 := int(b[0]), int(b[1])
	var row int
	switch {
	case s1 >= 0x81 && s1 <= 0x9F:
		row = (s1-0x81)*2 + 1
	case s1 >= 0xE0 && s1 <= 0xFC:
		row = (s1-0xC1)*2 + 1
	default:
		return false
	}
	if s2 >= 0x9F {
		row++
	}
	return row >= 1 && row <= 8 || row >= 16 && row <= 84
}
