package eligibility

import (
	"context"
	"errors"
	"testing"

	"github.com/uketsuke/uketsuke/kiosk"
)

type memKnown map[string]kiosk.NumbersQuery

func (m memKnown) LastNumbers(_ context.Context, s string) (kiosk.NumbersQuery, bool, error) {
	q, ok := m[s]
	return q, ok, nil
}
func (m memKnown) Remember(_ context.Context, s string, q kiosk.NumbersQuery) error {
	m[s] = q
	return nil
}

func TestReturningPatientIsReconfirmedByLastNumbers(t *testing.T) {
	sim, err := LoadSim("testdata/personas.toml")
	if err != nil {
		t.Fatal(err)
	}
	known := memKnown{}
	r := &Returning{Next: sim, Known: known}
	ctx := context.Background()
	card := &kiosk.CardInfo{CertSerial: "serial-of-a-card-the-sim-does-not-know"}
	// First visit: the card alone is not enough (the simulator, like the
	// terminal, does not know this card).
	if _, err := r.Check(ctx, kiosk.EligibilityQuery{ByCard: card}); !errors.Is(err, kiosk.ErrNeedsNumbers) {
		t.Fatalf("unknown card: %v", err)
	}
	// The patient types the numbers; they check out and the card is remembered.
	typed := numbers("01130012", "1234", "0987654", "01", "1980-02-17")
	typed.ByCard = card
	if res, err := r.Check(ctx, typed); err != nil || res.Validity != kiosk.ValidityValid {
		t.Fatalf("typed numbers: %+v, %v", res, err)
	}
	// Next visit: the card alone re-confirms by those numbers.
	res, err := r.Check(ctx, kiosk.EligibilityQuery{ByCard: card, Consent: kiosk.Consent{Limit: true}})
	if err != nil || res.Validity != kiosk.ValidityValid || res.Name != "診療　太郎" {
		t.Fatalf("returning card: %+v, %v", res, err)
	}
	// Numbers that do not check out are not remembered.
	other := &kiosk.CardInfo{CertSerial: "another"}
	wrong := numbers("06132013", "", "0000002", "00", "1990-06-01") // 無効
	wrong.ByCard = other
	r.Check(ctx, wrong)
	if _, ok := known["another"]; ok {
		t.Fatal("an invalid answer's numbers were remembered")
	}
}

func TestUnknownCardIsAskedOfABackendThatKnowsCards(t *testing.T) {
	sim, err := LoadSim("testdata/personas.toml")
	if err != nil {
		t.Fatal(err)
	}
	r := &Returning{Next: sim, Known: memKnown{}}
	res, err := r.Check(context.Background(), kiosk.EligibilityQuery{ByCard: &kiosk.CardInfo{CertSerial: "demo-taro"}})
	if err != nil || res.Name != "診療　太郎" {
		t.Fatalf("a card the backend knows: %+v, %v", res, err)
	}
	term := &Terminal{Dir: t.TempDir(), Institution: "1312345678"}
	r = &Returning{Next: term, Known: memKnown{}}
	if _, err := r.Check(context.Background(), kiosk.EligibilityQuery{ByCard: &kiosk.CardInfo{CertSerial: "x"}}); !errors.Is(err, kiosk.ErrNeedsNumbers) {
		t.Fatalf("the terminal and an unknown card: %v", err)
	}
}
