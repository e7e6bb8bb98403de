package kiosk

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// The ports: small interfaces the Runner drives. Hardware and storage
// packages implement them; cmd wires them together. Every method must
// return promptly when ctx is cancelled.

// CardReader is the card on the reader.
//
// Errors: implementations wrap the sentinels below (ErrCardRemoved,
// ErrNotMyNumberCard, ErrNoReader, ErrCardData, ErrPINBlocked,
// ErrCodeBBlocked) or return *PINError / *CodeBError; the Runner maps them
// with errors.Is / errors.As. VerifyPIN and ReadFacePhoto send their
// secret exactly once and never retry: each failure costs a try.
type CardReader interface {
	// ReadCard reads the 利用者証明用電子証明書 (no secret needed).
	ReadCard(ctx context.Context) (CardInfo, error)
	// PINTries reports the PIN tries left without using one.
	PINTries(ctx context.Context) (int, error)
	// VerifyPIN verifies the PIN and has the card sign a fresh challenge
	// that is checked against the certificate. It returns the card as known
	// after the PIN: on an Android smartphone the certificate can only be
	// read then.
	VerifyPIN(ctx context.Context, pin PIN) (CardInfo, error)
	// ReadFacePhoto unlocks the card face with code and returns the chip
	// photo (JPEG 2000). The photo must stay in memory.
	ReadFacePhoto(ctx context.Context, code CodeB) ([]byte, error)
}

// FaceVerifier compares the live camera face with the chip photo. It keeps
// the photo and template in memory for one session only.
type FaceVerifier interface {
	// Enroll takes the chip photo for this session.
	Enroll(ctx context.Context, photo []byte) error
	// Verify captures the live face and compares it with the enrolled photo.
	Verify(ctx context.Context) (FaceMatch, error)
	// Forget drops the photo and template. It is called at every session end.
	Forget()
}

// FaceMatch is the outcome of one face comparison.
type FaceMatch struct {
	Matched bool
	Score   float64
	// Evidence is which comparison decided (for the audit): EvidencePrint,
	// EvidenceChip or EvidenceConflict; "" when the port does not say.
	Evidence string
}

// The evidence a face match may rest on.
const (
	// EvidencePrint: the live face against the card's printed photo,
	// proven to be the chip's own picture.
	EvidencePrint = "print"
	// EvidenceChip: the live face against the chip photo alone.
	EvidenceChip = "chip"
	// EvidenceConflict: the printed photo shows someone other than the
	// chip photo; the face path cannot succeed with this card.
	EvidenceConflict = "conflict"
)

// CardFrontReader reads 照合番号B's parts from the card front with a
// camera, so that the face path needs no typing. It watches until every
// part was read the same in several frames or ctx ends, and returns what
// it has: parts it could not read with confidence are left unset, never
// guessed. Frames stay in memory.
type CardFrontReader interface {
	ReadCardFront(ctx context.Context) (CodeBParts, error)
}

// EligibilityChecker answers オンライン資格確認 queries. Errors wrapping
// ErrEligibilityUnavailable mean "try again later" (the visit may be
// registered as pending); ErrNeedsNumbers means a card identity alone
// cannot be checked here; anything else is an error answer for staff.
type EligibilityChecker interface {
	Check(ctx context.Context, q EligibilityQuery) (EligibilityResult, error)
}

// VisitStore registers visits durably and hands out 受付番号. Register
// returns only after the visit is durable; on error nothing was stored.
type VisitStore interface {
	Register(ctx context.Context, v Visit) (Ticket, error)
}

// AuditLog appends audit rows. Rows carry ids and codes, never personal data.
type AuditLog interface {
	Append(ctx context.Context, e AuditEntry) error
}

// Printer is the ticket printer. PrintTicket returns once the printer took
// the ticket or failed; it is called once per ticket, never retried.
type Printer interface {
	PrintTicket(ctx context.Context, t Ticket) error
	PrintSlip(ctx context.Context, text string) error
}

// Line is what the voice says on a screen: the catalog line of Key, then,
// on the ticket screen, the 受付番号. Nothing else a patient has or types
// is ever spoken.
type Line struct {
	Key    string // catalog key, "voice.<state>"
	Number string // the 受付番号 said after the line, or ""
}

// Speaker is the voice guide. Say speaks a line, cutting off what it was
// saying; End cuts it off at the end of a session and returns to the
// kiosk's defaults (Japanese, the voice on or off as configured) for the
// next patient. Both return at once: the speaking happens in the
// background (the event loop calls them). NoSpeaker is silent.
type Speaker interface {
	Say(ctx context.Context, l Line)
	End()
}

// NoSpeaker is the Speaker of a kiosk without voice guidance.
type NoSpeaker struct{}

// Say does nothing.
func (NoSpeaker) Say(context.Context, Line) {}

// End does nothing.
func (NoSpeaker) End() {}

// StaffPager tells staff that someone is needed at the kiosk.
type StaffPager interface {
	Page(ctx context.Context, reason Handover)
}

// Clock gives the time. Tests and the simulator inject their own.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// Errors of the ports.
var (
	ErrCardRemoved     = errors.New("card removed")
	ErrNotMyNumberCard = errors.New("not a My Number card")
	ErrNoReader        = errors.New("no card reader")
	ErrCardData        = errors.New("card data corrupt or unexpected")
	ErrPINBlocked      = errors.New("PIN blocked")
	ErrCodeBBlocked    = errors.New("照合番号B blocked")
	// ErrCardUntrusted: the card's certificate does not chain to a J-LIS CA,
	// or its signature does not verify under it. The card is refused.
	ErrCardUntrusted = errors.New("card not issued by J-LIS")
	// ErrPhotoUntrusted: the card-face signature does not verify; the chip
	// photo must not be used for the face match.
	ErrPhotoUntrusted         = errors.New("card face not signed by J-LIS")
	ErrEligibilityUnavailable = errors.New("eligibility terminal unavailable")
	ErrNeedsNumbers           = errors.New("card identity cannot be checked without insurance numbers")
)

// PINError is a wrong PIN; Remaining is the tries the card has left.
type PINError struct{ Remaining int }

func (e *PINError) Error() string {
	if e.Remaining == 1 {
		return "wrong PIN, 1 try left"
	}
	return fmt.Sprintf("wrong PIN, %d tries left", e.Remaining)
}

// CodeBError is a 照合番号B the card refused; Remaining is -1 when unknown.
type CodeBError struct{ Remaining int }

func (e *CodeBError) Error() string {
	return fmt.Sprintf("照合番号B rejected, %d tries left", e.Remaining)
}
