package sim

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/insurance"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// Persona is a simulated patient: their card and documents, and how they
// behave at the kiosk. All data is synthetic.
type Persona struct {
	ID   string
	Kind string

	Name      string
	Kana      string // half-width, as the terminal answers
	Sex       string // 1 男, 2 女
	Birth     wareki.Date
	Insurance insurance.Card

	// The card.
	PIN            string
	PINTries       int
	CardExpiryYear int
	SecurityCode   string
	CertNotAfter   time.Time
	CardFault      bool // the reader cannot read it
	RemoveAtOp     int  // the card is pulled at this card operation (0: never)

	// The world.
	FaceMatchOn  int // the face matches on this attempt (0: never)
	TerminalDown bool
	KnownNumbers bool // a returning patient whose numbers are on file
	Validity     kiosk.Validity

	// Behaviour.
	Document    kiosk.Document // what they present first
	Method      kiosk.Method
	PINGuesses  []string    // typed in order; the real PIN after they run out
	NoPIN       bool        // does not know the PIN and says so
	CodeBTypo   bool        // types one wrong security code first
	FormTypo    bool        // mistypes the 保険者番号 once
	WalksAwayAt kiosk.State // leaves the kiosk in this state (StateWelcome: never)
}

// kind is one kind of patient with its share of the mix.
type kind struct {
	name   string
	weight int
	build  func(p *Persona, today wareki.Date)
}

// kinds is the patient mix, roughly as a clinic sees it in late 2026.
var kinds = []kind{
	{"face-ok", 20, func(p *Persona, _ wareki.Date) { p.Method = kiosk.MethodFace }},
	{"face-second-try", 6, func(p *Persona, _ wareki.Date) { p.Method, p.FaceMatchOn = kiosk.MethodFace, 2 }},
	{"face-fails-pin", 5, func(p *Persona, _ wareki.Date) { p.Method, p.FaceMatchOn = kiosk.MethodFace, 0 }},
	{"face-fails-no-pin", 2, func(p *Persona, _ wareki.Date) { p.Method, p.FaceMatchOn, p.NoPIN = kiosk.MethodFace, 0, true }},
	{"code-b-typo", 3, func(p *Persona, _ wareki.Date) { p.Method, p.CodeBTypo = kiosk.MethodFace, true }},
	{"pin-ok", 18, func(p *Persona, _ wareki.Date) { p.Method = kiosk.MethodPIN }},
	{"pin-typo", 5, func(p *Persona, _ wareki.Date) { p.Method, p.PINGuesses = kiosk.MethodPIN, []string{"0000"} }},
	{"pin-forgotten", 3, func(p *Persona, _ wareki.Date) {
		p.Method, p.PINGuesses = kiosk.MethodPIN, []string{"1111", "2222", "3333"}
	}},
	{"pin-locked", 2, func(p *Persona, _ wareki.Date) { p.Method, p.PINTries = kiosk.MethodPIN, 0 }},
	{"new-patient-numbers", 4, func(p *Persona, _ wareki.Date) { p.Method, p.KnownNumbers = kiosk.MethodPIN, false }},
	{"cert-expiring", 3, func(p *Persona, today wareki.Date) {
		p.Method, p.CertNotAfter = kiosk.MethodPIN, today.AddMonths(2).Time()
	}},
	{"cert-expired", 1, func(p *Persona, today wareki.Date) { p.CertNotAfter = today.AddMonths(-5).Time() }},
	{"reader-fault-notice", 3, func(p *Persona, _ wareki.Date) { p.CardFault = true }},
	{"card-pulled", 2, func(p *Persona, _ wareki.Date) { p.Method, p.RemoveAtOp = kiosk.MethodPIN, 3 }},
	{"certificate", 10, func(p *Persona, _ wareki.Date) { p.Document = kiosk.DocCertificate }},
	{"certificate-typo", 3, func(p *Persona, _ wareki.Date) { p.Document, p.FormTypo = kiosk.DocCertificate, true }},
	{"elderly-certificate", 6, func(p *Persona, _ wareki.Date) {
		p.Document = kiosk.DocCertificate
		p.Birth = wareki.MustDate(1944, 5, 5)
		p.Insurance = insurance.Card{Insurer: "39131008", Number: "1234567" + fmt.Sprint(len(p.ID)%10)}
	}},
	{"notice-alone", 2, func(p *Persona, _ wareki.Date) { p.Document = kiosk.DocNotice }},
	{"old-card", 1, func(p *Persona, _ wareki.Date) { p.Document = kiosk.DocOldCard }},
	{"invalid", 2, func(p *Persona, _ wareki.Date) { p.Document, p.Validity = kiosk.DocCertificate, kiosk.ValidityInvalid }},
	{"terminal-down", 2, func(p *Persona, _ wareki.Date) { p.Document, p.TerminalDown = kiosk.DocCertificate, true }},
	{"walks-away", 2, func(p *Persona, _ wareki.Date) { p.Method, p.WalksAwayAt = kiosk.MethodPIN, kiosk.StateConsent }},
}

// A name as the terminal answers it: kanji, half-width kana and, for a
// given name, the sex (1 男, 2 女).
type namePart struct{ kanji, kana, sex string }

var (
	families = []namePart{{"診療", "ｼﾝﾘｮｳ", ""}, {"山田", "ﾔﾏﾀﾞ", ""}, {"佐藤", "ｻﾄｳ", ""}, {"鈴木", "ｽｽﾞｷ", ""}, {"髙橋", "ﾀｶﾊｼ", ""},
		{"渡邉", "ﾜﾀﾅﾍﾞ", ""}, {"山﨑", "ﾔﾏｻﾞｷ", ""}, {"田中", "ﾀﾅｶ", ""}, {"伊藤", "ｲﾄｳ", ""}, {"中村", "ﾅｶﾑﾗ", ""}}
	givens = []namePart{{"太郎", "ﾀﾛｳ", "1"}, {"花子", "ﾊﾅｺ", "2"}, {"一郎", "ｲﾁﾛｳ", "1"}, {"幸子", "ｻﾁｺ", "2"}, {"健", "ｹﾝ", "1"},
		{"美咲", "ﾐｻｷ", "2"}, {"翔太", "ｼｮｳﾀ", "1"}, {"和子", "ｶｽﾞｺ", "2"}, {"茂", "ｼｹﾞﾙ", "1"}, {"陽菜", "ﾋﾅ", "2"}}
	insurers = []insurance.InsurerNumber{"06132013", "01130012", "33120015", "131011"}
)

// newPersona draws a patient from the mix.
func newPersona(rng *rand.Rand, i int, today wareki.Date) *Persona {
	total := 0
	for _, k := range kinds {
		total += k.weight
	}
	pick := rng.IntN(total)
	var k kind
	for _, k = range kinds {
		if pick < k.weight {
			break
		}
		pick -= k.weight
	}
	birth := wareki.MustDate(1940+rng.IntN(80), time.Month(1+rng.IntN(12)), 1+rng.IntN(28))
	family, given := families[rng.IntN(len(families))], givens[rng.IntN(len(givens))]
	p := &Persona{
		ID:    fmt.Sprintf("P%04d", i),
		Kind:  k.name,
		Name:  family.kanji + "\u3000" + given.kanji,
		Kana:  family.kana + " " + given.kana,
		Sex:   given.sex,
		Birth: birth,
		Insurance: insurance.Card{
			Insurer: insurers[rng.IntN(len(insurers))],
			Symbol:  fmt.Sprintf("%d", 1000+rng.IntN(9000)),
			Number:  fmt.Sprintf("%07d", rng.IntN(10_000_000)),
			Branch:  fmt.Sprintf("%02d", rng.IntN(3)),
		},
		PIN:            fmt.Sprintf("%04d", 4000+rng.IntN(6000)),
		PINTries:       3,
		CardExpiryYear: today.Year + 1 + rng.IntN(9),
		SecurityCode:   fmt.Sprintf("%04d", rng.IntN(10000)),
		CertNotAfter:   today.Time().AddDate(1+rng.IntN(4), 0, 0),
		FaceMatchOn:    1,
		KnownNumbers:   true,
		Validity:       kiosk.ValidityValid,
		Document:       kiosk.DocMynaCard,
		Method:         kiosk.MethodFace,
	}
	k.build(p, today)
	return p
}

// form is what the persona types from their document.
func (p *Persona) form(typo bool) kiosk.Form {
	ins := string(p.Insurance.Insurer)
	if typo {
		b := []byte(ins)
		b[2] = '0' + (b[2]-'0'+1)%10
		ins = string(b)
	}
	return kiosk.Form{
		Insurer: ins, Symbol: p.Insurance.Symbol, Number: p.Insurance.Number, Branch: p.Insurance.Branch,
		Birth: p.Birth.Wareki(),
	}
}
