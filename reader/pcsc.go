package reader

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/ebfe/scard"

	"github.com/uketsuke/uketsuke/kiosk"
)

// Context is a connection to the PC/SC service (pcscd).
type Context struct{ ctx *scard.Context }

// Establish connects to pcscd.
func Establish() (*Context, error) {
	ctx, err := scard.EstablishContext()
	if err != nil {
		return nil, fmt.Errorf("establish PC/SC context: %w", mapPCSC(err))
	}
	return &Context{ctx: ctx}, nil
}

// Release closes the connection.
func (c *Context) Release() error { return c.ctx.Release() }

// Readers lists the readers pcscd knows; none is an empty list, not an error.
func (c *Context) Readers() ([]string, error) {
	rs, err := c.ctx.ListReaders()
	if errors.Is(err, scard.ErrNoReadersAvailable) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list readers: %w", mapPCSC(err))
	}
	return rs, nil
}

// Pick returns the first reader whose name contains match (any reader
// when match is empty).
func (c *Context) Pick(match string) (string, error) {
	rs, err := c.Readers()
	if err != nil {
		return "", err
	}
	return pickReader(rs, match)
}

func pickReader(rs []string, match string) (string, error) {
	for _, r := range rs {
		if strings.Contains(r, match) {
			return r, nil
		}
	}
	if match == "" {
		return "", ErrNoReader
	}
	return "", fmt.Errorf("%w matching %q among %d", ErrNoReader, match, len(rs))
}

// Options tune a card session.
type Options struct {
	// Trace, if set, receives every APDU with VERIFY data masked.
	Trace Tracer
}

// Card is a session with the card in one reader. Methods are safe for
// concurrent use; each runs inside one PC/SC transaction.
type Card struct {
	mu     sync.Mutex
	h      *scard.Card
	reader string
	atr    []byte
	ch     *channel
}

// Connect opens a session with the card in reader.
func (c *Context) Connect(reader string, o Options) (*Card, error) {
	h, err := c.ctx.Connect(reader, scard.ShareShared, scard.ProtocolAny)
	if err != nil {
		if errors.Is(err, scard.ErrNoSmartcard) || errors.Is(err, scard.ErrRemovedCard) {
			return nil, fmt.Errorf("connect %q: %w", reader, ErrNoCard)
		}
		return nil, fmt.Errorf("connect %q: %w", reader, mapPCSC(err))
	}
	st, err := h.Status()
	if err != nil {
		_ = h.Disconnect(scard.LeaveCard)
		return nil, fmt.Errorf("card status: %w", mapPCSC(err))
	}
	return newCard(h, h, reader, st.Atr, o), nil
}

// newCard makes a session over t; h is the PC/SC handle behind it, nil
// for an in-process card in tests.
func newCard(h *scard.Card, t transmitter, reader string, atr []byte, o Options) *Card {
	return &Card{h: h, reader: reader, atr: atr, ch: &channel{t: t, trace: o.Trace, mapErr: mapPCSC}}
}

// Reader is the reader's name.
func (k *Card) Reader() string { return k.reader }

// ATR is the card's answer to reset.
func (k *Card) ATR() []byte { return k.atr }

// Close ends the session and leaves the card as it is.
func (k *Card) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.h == nil {
		return nil
	}
	err := k.h.Disconnect(scard.ResetCard) // drop any verified state on the card
	k.h = nil
	if err != nil && !errors.Is(mapPCSC(err), ErrCardRemoved) {
		return fmt.Errorf("disconnect: %w", mapPCSC(err))
	}
	return nil
}

// Stats are the APDUs sent and response bytes received so far.
func (k *Card) Stats() (apdus, bytes int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.ch.apdus, k.ch.bytes
}

// do runs f in one transaction.
func (k *Card) do(f func(o ops) error) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.h != nil {
		if err := k.h.BeginTransaction(); err != nil {
			return fmt.Errorf("begin transaction: %w", mapPCSC(err))
		}
		defer k.h.EndTransaction(scard.LeaveCard)
	}
	return f(ops{k.ch})
}

// Token reads the JPKI token info.
func (k *Card) Token() (tok string, err error) {
	err = k.do(func(o ops) error { tok, err = o.token(); return err })
	return tok, err
}

// AuthCertificate reads the 利用者証明用電子証明書 (no PIN needed).
func (k *Card) AuthCertificate() (c *Certificate, err error) {
	err = k.do(func(o ops) error { c, err = o.authCertificate(); return err })
	return c, err
}

// AuthPINTries reports the 利用者証明用 PIN tries left without using one.
func (k *Card) AuthPINTries() (n int, err error) {
	err = k.do(func(o ops) error { n, err = o.authPINTries(); return err })
	return n, err
}

// Authenticate verifies the 利用者証明用 PIN (once, never retried) and has the
// card sign a fresh challenge, checked against cert. A wrong PIN is a
// *kiosk.PINError with the tries left.
func (k *Card) Authenticate(pin kiosk.PIN, cert *Certificate) error {
	return k.do(func(o ops) error { return o.authenticate(pin, cert) })
}

// AuthenticatePhone authenticates an Android smartphone: the PIN (once),
// then the certificate, which check must accept, then a signed challenge.
func (k *Card) AuthenticatePhone(pin kiosk.PIN, check func(*Certificate) error) (c *Certificate, err error) {
	err = k.do(func(o ops) error { c, err = o.authenticatePhone(pin, check); return err })
	return c, err
}

// TextPINTries reports the 券面事項入力補助用 PIN tries left.
func (k *Card) TextPINTries() (n int, err error) {
	err = k.do(func(o ops) error { n, err = o.triesOf(aidText, efTextPIN); return err })
	return n, err
}

// CodeBTries reports the 照合番号B tries left of the 券面事項確認AP (10 at most).
func (k *Card) CodeBTries() (n int, err error) {
	err = k.do(func(o ops) error { n, err = o.triesOf(aidVisual, efVisualCodeB); return err })
	return n, err
}

// BasicInfo reads the 基本4情報 with the 入力補助 PIN, or with 照合番号B when
// pin is zero.
func (k *Card) BasicInfo(pin kiosk.PIN, code kiosk.CodeB) (bi BasicInfo, err error) {
	err = k.do(func(o ops) error { bi, err = o.basicInfo(pin, code); return err })
	return bi, err
}

// CardFace reads the card-face record (photo, birth date, sex, 有効期限)
// with 照合番号B, and the certificate that vouches for it. The photo must
// stay in memory.
func (k *Card) CardFace(code kiosk.CodeB) (cf CardFace, err error) {
	err = k.do(func(o ops) error { cf, err = o.cardFace(code); return err })
	return cf, err
}

// mapPCSC maps PC/SC errors to this package's sentinels, keeping the cause.
func mapPCSC(err error) error {
	var se scard.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se {
	case scard.ErrRemovedCard, scard.ErrResetCard, scard.ErrNoSmartcard, scard.ErrUnpoweredCard, scard.ErrUnresponsiveCard:
		return fmt.Errorf("%w (%v)", ErrCardRemoved, se)
	case scard.ErrNoService, scard.ErrServiceStopped, scard.ErrInvalidHandle:
		return fmt.Errorf("%w (%v)", ErrNoService, se)
	case scard.ErrReaderUnavailable, scard.ErrUnknownReader, scard.ErrNoReadersAvailable:
		return fmt.Errorf("%w (%v)", ErrNoReader, se)
	}
	return err
}
