package sim

import (
	"context"
	"errors"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/kiosktest"
)

// insert puts persona p's card on the reader: the card, the face and the
// terminal's answer become p's.
func insert(p *Persona, card *kiosktest.Card, face *kiosktest.Face, elig *kiosktest.Eligibility) {
	*card = kiosktest.Card{
		PIN: p.PIN, PINLeft: p.PINTries, CodeBLeft: 10, Birth: p.Birth, ExpiryYear: p.CardExpiryYear,
		SecurityCode: p.SecurityCode, RemoveAtOp: p.RemoveAtOp,
		Info:  kiosk.CardInfo{CertSerial: p.ID, CertNotAfter: p.CertNotAfter},
		Photo: []byte("simulated JPEG 2000 photo of " + p.ID),
	}
	if p.CardFault {
		card.ReadErr = kiosk.ErrNoReader
	}
	face.Forget()
	face.MatchOn = p.FaceMatchOn
	*elig = kiosktest.Eligibility{Known: p.KnownNumbers, Down: p.TerminalDown, Result: kiosk.EligibilityResult{
		Validity: p.Validity, Card: p.Insurance, Birth: p.Birth, Name: p.Name, NameKana: p.Kana, Sex: p.Sex,
		Ratio: "030", LateElderly: p.Insurance.Insurer.IsLateElderly(), ResultSource: "sim",
	}}
}

// teeAudit appends to two logs.
type teeAudit struct{ a, b kiosk.AuditLog }

func (t teeAudit) Append(ctx context.Context, e kiosk.AuditEntry) error {
	return errors.Join(t.a.Append(ctx, e), t.b.Append(ctx, e))
}
