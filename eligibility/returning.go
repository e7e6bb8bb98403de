package eligibility

import (
	"context"
	"fmt"

	"github.com/uketsuke/uketsuke/kiosk"
)

// KnownCards remembers the insurance numbers a card was last confirmed
// with (storage.Store implements it, keyed by a salted hash).
type KnownCards interface {
	LastNumbers(ctx context.Context, certSerial string) (kiosk.NumbersQuery, bool, error)
	Remember(ctx context.Context, certSerial string, q kiosk.NumbersQuery) error
}

// Returning answers a query by card identity without a certified reader:
// a returning patient's card is re-confirmed by the numbers it had last
// time; an unknown card answers kiosk.ErrNeedsNumbers, and once the
// patient has typed their 資格確認書 / お知らせ numbers and they check out,
// the card is remembered with them.
type Returning struct {
	Next  kiosk.EligibilityChecker
	Known KnownCards
}

var _ kiosk.EligibilityChecker = (*Returning)(nil)

// Check implements kiosk.EligibilityChecker.
func (r *Returning) Check(ctx context.Context, q kiosk.EligibilityQuery) (kiosk.EligibilityResult, error) {
	if q.ByNumbers == nil && q.ByCard != nil {
		nq, ok, err := r.Known.LastNumbers(ctx, q.ByCard.CertSerial)
		if err != nil {
			return kiosk.EligibilityResult{}, fmt.Errorf("returning patient: %w", err)
		}
		if !ok {
			// Not seen here: a backend that can answer by the card's
			// identity does; the 資格確認端末 answers ErrNeedsNumbers.
			return r.Next.Check(ctx, q)
		}
		nq.LimitConsent = q.Consent.Limit
		return r.Next.Check(ctx, kiosk.EligibilityQuery{ByNumbers: &nq, Consent: q.Consent})
	}
	res, err := r.Next.Check(ctx, q)
	if err == nil && res.Validity == kiosk.ValidityValid && q.ByCard != nil && q.ByNumbers != nil {
		if rerr := r.Known.Remember(ctx, q.ByCard.CertSerial, *q.ByNumbers); rerr != nil {
			return res, nil // the answer stands; the card is simply asked for numbers next time
		}
	}
	return res, err
}
