package reader

import (
	"errors"
	"fmt"

	"github.com/uketsuke/uketsuke/kiosk"
)

// Errors a caller can act on. Every error of this package wraps one of
// these or is a *kiosk.PINError (a wrong PIN or code, with the tries the
// card has left) or a *StatusError; test with errors.Is / errors.As.
var (
	ErrNoService       = errors.New("PC/SC service (pcscd) not running")
	ErrNoReader        = errors.New("no card reader")
	ErrNoCard          = errors.New("no card in the reader")
	ErrCardRemoved     = errors.New("card removed")
	ErrNotMyNumberCard = errors.New("not a My Number card")
	ErrBlocked         = errors.New("PIN or code blocked")
	ErrSecurity        = errors.New("security status not satisfied")
	ErrNotFound        = errors.New("file or application not found")
	ErrCorrupt         = errors.New("corrupt or unexpected card data")
	ErrVirtualReader   = errors.New("virtual card reader refused outside the demo and tests")
)

// StatusError is a status word the card answered that has no more specific
// meaning here. It unwraps to the sentinel the status word implies.
type StatusError struct {
	Op string // the command, e.g. "READ BINARY"
	SW uint16
}

func (e *StatusError) Error() string { return fmt.Sprintf("%s: status %04X", e.Op, e.SW) }

// Unwrap maps status words to the sentinels (ISO 7816-4 §5.1.3, domain.md §1.5).
func (e *StatusError) Unwrap() error {
	switch {
	case e.SW == 0x6A82 || e.SW == 0x6A88:
		return ErrNotFound
	case e.SW == 0x6982:
		return ErrSecurity
	case e.SW == 0x6983 || e.SW == 0x6984 || e.SW == 0x63C0:
		return ErrBlocked
	case e.SW == 0x6986, e.SW == 0x6B00, e.SW&0xFF00 == 0x6700, e.SW == 0x6D00, e.SW == 0x6E00:
		return ErrCorrupt // the card did not expect this command where it was
	}
	return nil
}

// statusError turns a failing status word into the error a caller acts on.
// 63Cx on a VERIFY is a *kiosk.PINError; 63C0 and 6983/6984 are ErrBlocked.
func statusError(op string, sw uint16) error {
	if sw&0xFFF0 == 0x63C0 && sw != 0x63C0 {
		return &kiosk.PINError{Remaining: int(sw & 0x0F)}
	}
	return &StatusError{Op: op, SW: sw}
}
