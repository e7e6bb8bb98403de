package reader

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/reader/trust"
)

// Port is the kiosk's card: it implements kiosk.CardReader over PC/SC. On
// ReadCard it connects to the card in the matching reader and keeps the
// session for the PIN and the card face; Close (or the next ReadCard)
// ends it. Errors wrap the kiosk's sentinels (kiosk.ErrCardRemoved …) and
// keep this package's cause.
type Port struct {
	Match string // reader name substring; empty: the first reader
	Trace Tracer
	// Anchors decide which certificates and card faces are J-LIS's; nil
	// trusts nothing (every card is refused).
	Anchors *trust.Anchors
	// Clock is the clock of the chain check; nil is the system's.
	Clock kiosk.Clock
	// RefuseVirtual refuses virtual readers (vsmartcard-vpcd's "Virtual
	// PCD"), which any local program can put a card into.
	RefuseVirtual bool
	// Log receives the reason a card or card face was refused (English,
	// no personal data); nil discards it.
	Log *slog.Logger

	mu    sync.Mutex
	pc    *Context
	card  *Card
	cert  *Certificate // nil on an Android phone until the PIN
	token kiosk.Token
}

var _ kiosk.CardReader = (*Port)(nil)

// ReadCard connects to the card and reads its 利用者証明用電子証明書.
func (p *Port) ReadCard(ctx context.Context) (kiosk.CardInfo, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closeLocked()
	if err := ctx.Err(); err != nil {
		return kiosk.CardInfo{}, err
	}
	card, err := p.connectLocked()
	if err != nil {
		return kiosk.CardInfo{}, toKiosk(err, false)
	}
	name, err := card.Token()
	if err != nil {
		_ = card.Close()
		return kiosk.CardInfo{}, toKiosk(err, false)
	}
	kind, err := TokenKind(name)
	if err != nil {
		_ = card.Close()
		return kiosk.CardInfo{}, toKiosk(err, false)
	}
	switch kind {
	case kiosk.TokenIPhone:
		_ = card.Close()
		return kiosk.CardInfo{Token: kind}, nil
	case kiosk.TokenAndroid:
		// The certificate opens only after the PIN (VerifyPIN reads it).
		p.card, p.token = card, kind
		return kiosk.CardInfo{Token: kind}, nil
	}
	cert, err := card.AuthCertificate()
	if err != nil {
		_ = card.Close()
		return kiosk.CardInfo{}, toKiosk(err, false)
	}
	if _, err := p.verifyChain(cert); err != nil {
		_ = card.Close()
		return kiosk.CardInfo{}, err
	}
	p.card, p.cert, p.token = card, cert, kind
	return info(cert, kind), nil
}

func info(cert *Certificate, t kiosk.Token) kiosk.CardInfo {
	return kiosk.CardInfo{CertSerial: cert.Serial, CertNotAfter: cert.NotAfter, Token: t}
}

// IsVirtual reports whether a PC/SC reader name is a vsmartcard-vpcd
// virtual reader.
func IsVirtual(name string) bool { return strings.Contains(name, "Virtual PCD") }

// verifyChain checks the certificate against the anchors at Now.
func (p *Port) verifyChain(cert *Certificate) (trust.Chain, error) {
	var clock kiosk.Clock = kiosk.SystemClock{}
	if p.Clock != nil {
		clock = p.Clock
	}
	if p.Anchors == nil {
		return trust.Chain{}, fmt.Errorf("%w: no trust anchors configured: %w", kiosk.ErrCardUntrusted, trust.ErrUntrusted)
	}
	chain, err := p.Anchors.VerifyAuth(cert.X509, clock.Now())
	if err != nil {
		p.logger().Warn("card refused: certificate chain", "reason", err.Error())
		return trust.Chain{}, fmt.Errorf("%w: %w", kiosk.ErrCardUntrusted, err)
	}
	return chain, nil
}

func (p *Port) logger() *slog.Logger {
	if p.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return p.Log
}

// connectLocked connects, re-establishing the PC/SC context once when
// pcscd has restarted since the last session.
func (p *Port) connectLocked() (*Card, error) {
	for attempt := 0; ; attempt++ {
		if p.pc == nil {
			pc, err := Establish()
			if err != nil {
				return nil, err
			}
			p.pc = pc
		}
		name, err := p.pc.Pick(p.Match)
		if err == nil && p.RefuseVirtual && IsVirtual(name) {
			p.logger().Error("refusing a virtual card reader: any local program can drive it (remove vsmartcard-vpcd from a production kiosk)", "reader", name)
			return nil, fmt.Errorf("reader %q: %w", name, ErrVirtualReader)
		}
		if err == nil {
			var card *Card
			if card, err = p.pc.Connect(name, Options{Trace: p.Trace}); err == nil {
				return card, nil
			}
		}
		if !errors.Is(err, ErrNoService) || attempt > 0 {
			return nil, err
		}
		_ = p.pc.Release()
		p.pc = nil
	}
}

// session returns the open card or a "card removed" error.
func (p *Port) session(ctx context.Context) (*Card, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if p.card == nil {
		return nil, fmt.Errorf("no card session: %w", kiosk.ErrCardRemoved)
	}
	return p.card, nil
}

// PINTries reports the 利用者証明用 PIN tries left without using one.
func (p *Port) PINTries(ctx context.Context) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	card, err := p.session(ctx)
	if err != nil {
		return 0, err
	}
	n, err := card.AuthPINTries()
	if err != nil {
		return 0, toKiosk(err, false)
	}
	return n, nil
}

// VerifyPIN verifies the PIN once and checks the card's signature of a
// fresh challenge.
func (p *Port) VerifyPIN(ctx context.Context, pin kiosk.PIN) (kiosk.CardInfo, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	card, err := p.session(ctx)
	if err != nil {
		return kiosk.CardInfo{}, err
	}
	if p.token == kiosk.TokenAndroid {
		var untrusted error
		cert, err := card.AuthenticatePhone(pin, func(c *Certificate) error {
			_, untrusted = p.verifyChain(c)
			return untrusted
		})
		if untrusted != nil {
			return kiosk.CardInfo{}, untrusted
		}
		if err != nil {
			return kiosk.CardInfo{}, toKiosk(err, false)
		}
		p.cert = cert
		return info(cert, p.token), nil
	}
	if err := card.Authenticate(pin, p.cert); err != nil {
		return kiosk.CardInfo{}, toKiosk(err, false)
	}
	return info(p.cert, p.token), nil
}

// ReadFacePhoto unlocks the card face with code and returns the chip photo.
func (p *Port) ReadFacePhoto(ctx context.Context, code kiosk.CodeB) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	card, err := p.session(ctx)
	if err != nil {
		return nil, err
	}
	cf, err := card.CardFace(code)
	if err != nil {
		return nil, toKiosk(err, true)
	}
	if err := VerifyCardFace(p.Anchors, cf); err != nil {
		clear(cf.Photo)
		p.logger().Warn("chip photo refused: card face", "reason", err.Error())
		return nil, fmt.Errorf("%w: %w", kiosk.ErrPhotoUntrusted, err)
	}
	return cf.Photo, nil
}

// Close ends the card session.
func (p *Port) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closeLocked()
	if p.pc != nil {
		err := p.pc.Release()
		p.pc = nil
		return err
	}
	return nil
}

func (p *Port) closeLocked() {
	if p.card != nil {
		_ = p.card.Close()
		p.card, p.cert, p.token = nil, nil, kiosk.TokenCard
	}
}

// toKiosk maps this package's errors to the kiosk's port contract; codeB
// says whether a PIN-style error concerns 照合番号B.
func toKiosk(err error, codeB bool) error {
	if err == nil {
		return nil
	}
	var pe *kiosk.PINError
	switch {
	case errors.As(err, &pe) && codeB:
		return fmt.Errorf("%w: %w", &kiosk.CodeBError{Remaining: pe.Remaining}, err)
	case errors.As(err, &pe):
		return err
	case errors.Is(err, ErrBlocked) && codeB:
		return fmt.Errorf("%w: %w", kiosk.ErrCodeBBlocked, err)
	case errors.Is(err, ErrBlocked):
		return fmt.Errorf("%w: %w", kiosk.ErrPINBlocked, err)
	case errors.Is(err, ErrCardRemoved), errors.Is(err, ErrNoCard):
		return fmt.Errorf("%w: %w", kiosk.ErrCardRemoved, err)
	case errors.Is(err, ErrNotMyNumberCard):
		return fmt.Errorf("%w: %w", kiosk.ErrNotMyNumberCard, err)
	case errors.Is(err, ErrNoReader), errors.Is(err, ErrNoService), errors.Is(err, ErrVirtualReader):
		return fmt.Errorf("%w: %w", kiosk.ErrNoReader, err)
	}
	return fmt.Errorf("%w: %w", kiosk.ErrCardData, err)
}
