package kiosk

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/text/width"

	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// PIN is a 4-digit 利用者証明用電子証明書 暗証番号 on its way to the card. It
// formats as asterisks with every fmt verb, so it cannot reach a log by
// accident; only Bytes gives the digits, for the VERIFY command.
type PIN struct{ digits string }

// ErrBadPIN means the typed PIN is not 4 digits. It never consumes a try.
var ErrBadPIN = errors.New("PIN must be 4 digits")

// NewPIN accepts exactly 4 digits (full-width digits are narrowed).
func NewPIN(s string) (PIN, error) {
	d := width.Narrow.String(s)
	if len(d) != 4 || strings.Trim(d, "0123456789") != "" {
		return PIN{}, ErrBadPIN
	}
	return PIN{d}, nil
}

// Bytes returns the ASCII digits for the card. Callers must not keep them.
func (p PIN) Bytes() []byte { return []byte(p.digits) }

// IsZero reports whether no PIN is held.
func (p PIN) IsZero() bool { return p.digits == "" }

// Format masks the PIN for every verb.
func (p PIN) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte("PIN(****)")) }

// CodeB is a 照合番号B: birth date as 和暦 YYMMDD, the card's expiry year and
// the 4-digit security code printed under the photo (domain.md §1.4). It
// unlocks the card-face record. Like PIN it formats masked. There is no way
// to build the 照合番号A (the 個人番号) in this package, by design.
type CodeB struct{ digits string }

// Errors of NewCodeB.
var (
	ErrCodeBExpiryYear   = errors.New("card expiry year must be a 4-digit year from 2016 to 2099")
	ErrCodeBSecurityCode = errors.New("security code must be 4 digits")
	ErrCodeBBirth        = errors.New("birth date cannot be written in an era")
)

// NewCodeB builds the 14-digit 照合番号B. Each part is checked so that a typing
// slip is caught here and never costs one of the card's 10 tries.
func NewCodeB(birth wareki.Date, expiryYear int, securityCode string) (CodeB, error) {
	yymmdd, err := birth.EraYYMMDD()
	if err != nil {
		return CodeB{}, fmt.Errorf("%w: %w", ErrCodeBBirth, err)
	}
	// マイナンバーカード were first issued in 2016; an expiry year is 2016 or later.
	if expiryYear < 2016 || expiryYear > 2099 {
		return CodeB{}, ErrCodeBExpiryYear
	}
	sc := width.Narrow.String(securityCode)
	if len(sc) != 4 || strings.Trim(sc, "0123456789") != "" {
		return CodeB{}, ErrCodeBSecurityCode
	}
	return CodeB{fmt.Sprintf("%s%04d%s", yymmdd, expiryYear, sc)}, nil
}

// Bytes returns the 14 ASCII digits for the card. Callers must not keep them.
func (c CodeB) Bytes() []byte { return []byte(c.digits) }

// IsZero reports whether no code is held.
func (c CodeB) IsZero() bool { return c.digits == "" }

// Format masks the code for every verb.
func (c CodeB) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte("CodeB(**************)")) }

// CodeBParts are the parts of 照合番号B as read from the card front by a
// camera: each one is set only when it was read with confidence. Like
// CodeB it formats masked, and it lives for one session.
type CodeBParts struct {
	Birth        wareki.Date // zero: not read
	ExpiryYear   int         // 0: not read
	SecurityCode string      // "": not read
}

// Complete reports whether all three parts were read.
func (p CodeBParts) Complete() bool {
	return !p.Birth.IsZero() && p.ExpiryYear != 0 && p.SecurityCode != ""
}

// Code builds the 照合番号B from complete parts.
func (p CodeBParts) Code() (CodeB, error) { return NewCodeB(p.Birth, p.ExpiryYear, p.SecurityCode) }

// Format masks the parts for every verb: it tells only which were read.
func (p CodeBParts) Format(f fmt.State, _ rune) {
	mark := func(ok bool) byte {
		if ok {
			return '*'
		}
		return '-'
	}
	fmt.Fprintf(f, "CodeBParts(birth:%c expiry:%c code:%c)", mark(!p.Birth.IsZero()), mark(p.ExpiryYear != 0), mark(p.SecurityCode != ""))
}
