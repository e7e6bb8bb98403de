package eligibility

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/insurance"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// SimPersona is one insured person of the simulator. All data is synthetic.
type SimPersona struct {
	ID          string        `toml:"id"`
	CertSerial  string        `toml:"cert_serial"` // the card's certificate, for a certified reader's query
	Insurer     string        `toml:"insurer"`
	InsurerName string        `toml:"insurer_name"`
	Symbol      string        `toml:"symbol"`
	Number      string        `toml:"number"`
	Branch      string        `toml:"branch"`
	Birth       string        `toml:"birth"` // YYYY-MM-DD
	Name        string        `toml:"name"`
	Kana        string        `toml:"kana"`
	Sex         string        `toml:"sex"`
	Validity    int           `toml:"validity"` // 1–5; 0 means 1
	Ratio       string        `toml:"ratio"`    // e.g. "030"
	LimitClass  string        `toml:"limit_class"`
	Preschool   bool          `toml:"preschool"`
	Delay       time.Duration `toml:"delay"` // a slow answer
	Message     string        `toml:"message"`
}

// Sim is the eligibility simulator (the demo's default backend): it answers
// from a registry of personas, by numbers or by certificate, with every
// validity code, slow answers, and outages on demand.
type Sim struct {
	mu       sync.Mutex
	personas []SimPersona
	outage   bool
}

var _ kiosk.EligibilityChecker = (*Sim)(nil)

// LoadSim reads a persona registry ([[persona]] tables).
func LoadSim(path string) (*Sim, error) {
	var f struct {
		Persona []SimPersona `toml:"persona"`
	}
	md, err := toml.DecodeFile(path, &f)
	if err != nil {
		return nil, fmt.Errorf("eligibility personas %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("eligibility personas %s: unknown key %s", path, und[0])
	}
	for _, p := range f.Persona {
		if _, err := wareki.Parse(p.Birth); err != nil || p.Insurer == "" || p.Number == "" {
			return nil, fmt.Errorf("eligibility persona %q: needs insurer, number and a birth date", p.ID)
		}
		if p.Validity < 0 || p.Validity > 5 {
			return nil, fmt.Errorf("eligibility persona %q: validity %d", p.ID, p.Validity)
		}
	}
	return &Sim{personas: f.Persona}, nil
}

// BindCard gives the persona registered with cert_serial = tag the real
// serial of a card built at run time (the demo's virtual cards get fresh
// certificates). It reports whether such a persona exists.
func (s *Sim) BindCard(tag, serial string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	personas := slices.Clone(s.personas)
	for i := range personas {
		if personas[i].CertSerial == tag {
			personas[i].CertSerial = serial
			s.personas = personas
			return true
		}
	}
	return false
}

// SetOutage makes the simulated terminal stop (or resume) answering.
func (s *Sim) SetOutage(down bool) {
	s.mu.Lock()
	s.outage = down
	s.mu.Unlock()
}

// Check answers a query like the terminal would.
func (s *Sim) Check(ctx context.Context, q kiosk.EligibilityQuery) (kiosk.EligibilityResult, error) {
	s.mu.Lock()
	down, personas := s.outage, s.personas
	s.mu.Unlock()
	if down {
		return kiosk.EligibilityResult{}, fmt.Errorf("simulated 資格確認端末: %w", kiosk.ErrEligibilityUnavailable)
	}
	var found *SimPersona
	for i := range personas {
		p := &personas[i]
		switch {
		case q.ByCard != nil && p.CertSerial != "" && p.CertSerial == q.ByCard.CertSerial:
			found = p
		case q.ByNumbers != nil && p.matches(*q.ByNumbers):
			found = p
		}
		if found != nil {
			break
		}
	}
	if found == nil {
		if q.ByNumbers == nil {
			return kiosk.EligibilityResult{}, fmt.Errorf("simulated 資格確認端末: %w", kiosk.ErrNeedsNumbers)
		}
		return kiosk.EligibilityResult{Validity: kiosk.ValidityNotFound, Message: "該当資格なし", ResultSource: "sim"}, nil
	}
	if found.Delay > 0 {
		select {
		case <-ctx.Done():
			return kiosk.EligibilityResult{}, fmt.Errorf("simulated 資格確認端末: %w: %w", kiosk.ErrEligibilityUnavailable, ctx.Err())
		case <-time.After(found.Delay):
		}
	}
	return found.result(), nil
}

func (p *SimPersona) matches(q kiosk.NumbersQuery) bool {
	return p.Insurer == string(q.Card.Insurer) && p.Symbol == q.Card.Symbol && p.Number == q.Card.Number &&
		(p.Branch == q.Card.Branch || q.Card.Branch == "") && p.Birth == q.Birth.String()
}

func (p *SimPersona) result() kiosk.EligibilityResult {
	v := kiosk.Validity(p.Validity)
	if v == 0 {
		v = kiosk.ValidityValid
	}
	birth, _ := wareki.Parse(p.Birth)
	card := insurance.Card{Insurer: insurance.InsurerNumber(p.Insurer), Symbol: p.Symbol, Number: p.Number, Branch: p.Branch}
	r := kiosk.EligibilityResult{
		Validity: v, InsurerName: p.InsurerName, Card: card, Name: p.Name, NameKana: p.Kana, Birth: birth, Sex: p.Sex,
		Ratio: p.Ratio, LimitClass: p.LimitClass, Message: p.Message, LateElderly: card.Insurer.IsLateElderly(), ResultSource: "sim",
	}
	r.NameFlags = Result{Name: p.Name}.Flags().NameChars
	if p.Preschool && r.Ratio == "" {
		r.Ratio = "020" // 未就学: 2割
	}
	return r
}
