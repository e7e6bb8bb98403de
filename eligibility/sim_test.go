package eligibility

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/insurance"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

func numbers(ins, sym, num, br, birth string) kiosk.EligibilityQuery {
	d, _ := wareki.Parse(birth)
	return kiosk.EligibilityQuery{ByNumbers: &kiosk.NumbersQuery{Card: insurance.Card{Insurer: insurance.InsurerNumber(ins), Symbol: sym, Number: num, Branch: br}, Birth: d}}
}

func TestSimAnswersEveryCase(t *testing.T) {
	s, err := LoadSim("testdata/personas.toml")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cases := []struct {
		q        kiosk.EligibilityQuery
		validity kiosk.Validity
		check    func(kiosk.EligibilityResult) bool
	}{
		{numbers("01130012", "1234", "0987654", "01", "1980-02-17"), kiosk.ValidityValid, func(r kiosk.EligibilityResult) bool { return r.Ratio == "030" }},
		{kiosk.EligibilityQuery{ByCard: &kiosk.CardInfo{CertSerial: "demo-taro"}}, kiosk.ValidityValid, func(r kiosk.EligibilityResult) bool { return r.Name == "診療　太郎" }},
		{numbers("39131008", "", "12345678", "", "1944-05-05"), kiosk.ValidityValid, func(r kiosk.EligibilityResult) bool {
			return r.LateElderly && r.LimitClass == "B05" && len(r.NameFlags) == 1
		}},
		{numbers("06132013", "", "0000002", "00", "1990-06-01"), kiosk.ValidityInvalid, nil},
		{numbers("06132013", "", "0000003", "00", "1991-07-01"), kiosk.ValidityNewQualified, nil},
		{numbers("06132013", "", "0000005", "00", "1993-09-01"), kiosk.ValidityMultipleResult, nil},
		{numbers("131011", "", "7777777", "02", "2022-04-01"), kiosk.ValidityValid, func(r kiosk.EligibilityResult) bool { return r.Ratio == "020" }},
		{numbers("01130012", "1234", "0987654", "01", "1980-02-18"), kiosk.ValidityNotFound, nil}, // wrong birth date
	}
	for i, c := range cases {
		r, err := s.Check(ctx, c.q)
		if err != nil || r.Validity != c.validity || (c.check != nil && !c.check(r)) {
			t.Errorf("case %d: %+v, %v; want validity %s", i, r, err, c.validity)
		}
	}
	if _, err := s.Check(ctx, kiosk.EligibilityQuery{ByCard: &kiosk.CardInfo{CertSerial: "unknown"}}); !errors.Is(err, kiosk.ErrNeedsNumbers) {
		t.Errorf("unknown card: %v", err)
	}
	s.SetOutage(true)
	if _, err := s.Check(ctx, cases[0].q); !errors.Is(err, kiosk.ErrEligibilityUnavailable) {
		t.Errorf("outage: %v", err)
	}
	s.SetOutage(false)
	slow, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := s.Check(slow, numbers("33120015", "", "5555555", "00", "1970-01-01")); !errors.Is(err, kiosk.ErrEligibilityUnavailable) {
		t.Errorf("slow answer past the deadline: %v", err)
	}
}

func TestBindCardGivesAPersonaARunTimeSerial(t *testing.T) {
	s, err := LoadSim("testdata/personas.toml")
	if err != nil {
		t.Fatal(err)
	}
	if s.BindCard("nobody", "00ff") {
		t.Fatal("bound an unknown tag")
	}
	if !s.BindCard("demo-taro", "0a1b2c") {
		t.Fatal("demo-taro not found")
	}
	r, err := s.Check(context.Background(), kiosk.EligibilityQuery{ByCard: &kiosk.CardInfo{CertSerial: "0a1b2c"}})
	if err != nil || r.Name != "診療　太郎" {
		t.Fatalf("by the bound serial: %+v %v", r, err)
	}
	if _, err := s.Check(context.Background(), kiosk.EligibilityQuery{ByCard: &kiosk.CardInfo{CertSerial: "demo-taro"}}); !errors.Is(err, kiosk.ErrNeedsNumbers) {
		t.Fatalf("the tag still answers: %v", err)
	}
}
