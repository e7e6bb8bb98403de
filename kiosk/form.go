package kiosk

import (
	"errors"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/uketsuke/uketsuke/kiosk/insurance"
	"github.com/uketsuke/uketsuke/kiosk/name"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// Form is the manual entry of a 資格確認書 or 資格情報のお知らせ, as typed.
type Form struct {
	Insurer string // 保険者番号
	Symbol  string // 記号 (may be empty)
	Number  string // 番号
	Branch  string // 枝番 (empty for 後期高齢者)
	Birth   string // 生年月日, 和暦 or 西暦
	Name    string // 氏名 (optional: the eligibility answer carries it)
	Kohi    string // 公費負担者番号 (optional, with Jukyu)
	Jukyu   string // 受給者番号 (optional)
}

// Form fields beyond the insurance numbers.
const (
	FieldBirth insurance.Field = "birth_date"
	FieldName  insurance.Field = "name"
)

// FieldError names a wrong field of a Form, for an inline message.
type FieldError struct {
	Field insurance.Field
	Err   error // *insurance.Error, a wareki or name error; never contains the value
}

func (e FieldError) Error() string { return string(e.Field) + ": " + e.Err.Error() }

// dateProblem keeps only the kind of a date error: the wareki errors quote
// the typed value, and a birth date must not reach a log through a view.
func dateProblem(err error) error {
	for _, sentinel := range []error{wareki.ErrOutsideEra, wareki.ErrNoSuchDate} {
		if errors.Is(err, sentinel) {
			return sentinel
		}
	}
	return wareki.ErrSyntax
}

// parseBirth reads a typed birth date, which may not be after today.
func parseBirth(s string, today wareki.Date) (wareki.Date, *FieldError) {
	birth, err := wareki.Parse(s)
	switch {
	case err != nil:
		return birth, &FieldError{FieldBirth, dateProblem(err)}
	case birth.After(today):
		return birth, &FieldError{FieldBirth, errors.New("birth date is in the future")}
	}
	return birth, nil
}

// ParsedForm is a Form that passed validation.
type ParsedForm struct {
	Card  insurance.Card
	Birth wareki.Date
	Name  name.Name // zero when not typed
	Kohi  string
	Jukyu string
}

// ValidateForm checks every field of f and returns all errors at once, in
// the order of the document. A birth date after today is rejected.
func ValidateForm(f Form, today wareki.Date) (ParsedForm, []FieldError) {
	var p ParsedForm
	var errs []FieldError
	card, cerrs := insurance.ParseCard(f.Insurer, f.Symbol, f.Number, f.Branch)
	for _, e := range cerrs {
		errs = append(errs, FieldError{e.Field, e})
	}
	p.Card = card
	birth, berr := parseBirth(f.Birth, today)
	if berr != nil {
		errs = append(errs, *berr)
	}
	p.Birth = birth
	if strings.TrimSpace(f.Name) != "" {
		n, err := name.Parse(f.Name)
		if err != nil {
			errs = append(errs, FieldError{FieldName, err})
		}
		p.Name = n
	}
	if f.Kohi != "" || f.Jukyu != "" {
		var err error
		if p.Kohi, err = insurance.ParseKohi(f.Kohi); err != nil {
			errs = append(errs, FieldError{insurance.FieldKohi, err})
		}
		if p.Jukyu, err = insurance.ParseJukyu(f.Jukyu); err != nil {
			errs = append(errs, FieldError{insurance.FieldJukyu, err})
		}
	}
	if errs != nil {
		return ParsedForm{}, errs
	}
	return p, nil
}

// PatientForm is what staff type about a patient checked in by hand, as
// typed: what the clinic system needs to register a new patient.
type PatientForm struct {
	Name  string // 漢字氏名 (optional: the kana stands in until corrected)
	Kana  string // カナ氏名, full- or half-width katakana
	Birth string // 生年月日, 和暦 or 西暦
	Sex   string // 1 男, 2 女
}

// Patient form fields.
const (
	FieldKana insurance.Field = "kana"
	FieldSex  insurance.Field = "sex"
)

// Patient form problems (never quoting the value).
var (
	ErrKanaEmpty  = errors.New("kana is empty")
	ErrKanaLetter = errors.New("kana has a character that is not katakana")
	ErrSex        = errors.New("sex must be 1 (male) or 2 (female)")
)

// ValidatePatient checks a PatientForm and returns every error at once.
// The kana is kept full-width, names apart by one U+3000; without a
// kanji name the kana stands as the name.
func ValidatePatient(f PatientForm, today wareki.Date) (PatientDetails, []FieldError) {
	var p PatientDetails
	var errs []FieldError
	kana := strings.Join(strings.Fields(norm.NFKC.String(f.Kana)), "\u3000")
	switch {
	case kana == "":
		errs = append(errs, FieldError{FieldKana, ErrKanaEmpty})
	case !isKatakana(kana):
		errs = append(errs, FieldError{FieldKana, ErrKanaLetter})
	}
	p.Kana = kana
	if strings.TrimSpace(f.Name) != "" {
		if _, err := name.Parse(f.Name); err != nil {
			errs = append(errs, FieldError{FieldName, err})
		}
		p.Name = strings.Join(strings.Fields(f.Name), "\u3000")
	} else {
		p.Name = kana
	}
	birth, err := parseBirth(f.Birth, today)
	if err != nil {
		errs = append(errs, *err)
	}
	p.Birth = birth
	if f.Sex != "1" && f.Sex != "2" {
		errs = append(errs, FieldError{FieldSex, ErrSex})
	}
	p.Sex = f.Sex
	if errs != nil {
		return PatientDetails{}, errs
	}
	return p, nil
}

// isKatakana reports whether s is full-width katakana, the long vowel
// mark, the middle dot and U+3000 between names.
func isKatakana(s string) bool {
	for _, r := range s {
		if !(r >= 'ァ' && r <= 'ヶ' || r == 'ー' || r == '・' || r == '\u3000') {
			return false
		}
	}
	return true
}
