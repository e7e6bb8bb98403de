package reader

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
	"github.com/uketsuke/uketsuke/reader/cardsim"
	"github.com/uketsuke/uketsuke/reader/trust"
)

var testIssuer = sync.OnceValues(cardsim.NewIssuer)

// recorder is a transmitter that keeps every command it passes on.
type recorder struct {
	t    transmitter
	cmds [][]byte
}

func (r *recorder) Transmit(cmd []byte) ([]byte, error) {
	r.cmds = append(r.cmds, bytes.Clone(cmd))
	return r.t.Transmit(cmd)
}

// buildCard makes persona p's virtual card with the shared test CA.
func buildCard(t testing.TB, p *cardsim.Persona) *cardsim.Card {
	t.Helper()
	is, err := testIssuer()
	if err != nil {
		t.Fatal(err)
	}
	c, err := is.Build(p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// simCard builds a virtual card (in process) for p and a reader session
// over it that records every APDU.
func simCard(t testing.TB, p *cardsim.Persona) (*cardsim.Card, *Card, *recorder) {
	t.Helper()
	sc := buildCard(t, p)
	rec := &recorder{t: sc}
	return sc, newCard(nil, rec, "in-process", sc.ATR(), Options{}), rec
}

func mustPIN(s string) kiosk.PIN {
	p, err := kiosk.NewPIN(s)
	if err != nil {
		panic(err)
	}
	return p
}

func codeB(t testing.TB, birth string, year int, sc string) kiosk.CodeB {
	t.Helper()
	d, err := wareki.Parse(birth)
	if err != nil {
		t.Fatal(err)
	}
	c, err := kiosk.NewCodeB(d, year, sc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestReadEverything(t *testing.T) {
	p := cardsim.TestPersona()
	sim, card, _ := simCard(t, p)
	tok, err := card.Token()
	if err != nil || tok != "JPKIAPICCTOKEN2" {
		t.Fatalf("token %q, %v", tok, err)
	}
	cert, err := card.AuthCertificate()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cert.Subject, "C=JP") || cert.Serial == "" || !cert.NotAfter.After(time.Now().AddDate(3, 0, 0)) {
		t.Fatalf("certificate %+v", cert)
	}
	if cert.Serial != sim.CertSerial() {
		t.Fatalf("serial read %s, the card says %s", cert.Serial, sim.CertSerial())
	}
	if s := cert.Status(time.Now()); s != kiosk.CertOK {
		t.Fatalf("status %s", s)
	}
	if n, err := card.AuthPINTries(); err != nil || n != 3 {
		t.Fatalf("auth PIN tries %d, %v", n, err)
	}
	if err := card.Authenticate(mustPIN("1234"), cert); err != nil {
		t.Fatalf("authenticate: %v", err)
	}
	bi, err := card.BasicInfo(mustPIN("5678"), kiosk.CodeB{})
	if err != nil {
		t.Fatal(err)
	}
	want := BasicInfo{Name: "試験\u3000花子", Address: "東京都千代田区千代田１番１号", Birth: wareki.MustDate(1980, 2, 17), Sex: "2"}
	if bi != want {
		t.Fatalf("基本4情報 %+v, want %+v", bi, want)
	}
	code := codeB(t, "1980-02-17", 2035, "2285")
	if bi2, err := card.BasicInfo(kiosk.PIN{}, code); err != nil || bi2 != want {
		t.Fatalf("基本4情報 by 照合番号B %+v, %v", bi2, err)
	}
	if n, err := card.CodeBTries(); err != nil || n != 10 {
		t.Fatalf("code B tries %d, %v", n, err)
	}
	cf, err := card.CardFace(code)
	if err != nil {
		t.Fatal(err)
	}
	if cf.Birth != want.Birth || cf.Sex != "2" || cf.Expiry != wareki.MustDate(2035, 2, 17) || string(cf.Photo[4:8]) != "jP  " {
		t.Fatalf("card face %+v (photo %d bytes)", cf, len(cf.Photo))
	}
	if sim.Forbidden() != 0 {
		t.Fatalf("%d accesses to the 個人番号 or 照合番号A", sim.Forbidden())
	}
}

func TestWrongPINCountsDownAndLocks(t *testing.T) {
	_, card, rec := simCard(t, cardsim.TestPersona())
	cert, err := card.AuthCertificate()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []int{2, 1} {
		before := len(rec.cmds)
		err := card.Authenticate(mustPIN("9999"), cert)
		var pe *kiosk.PINError
		if !errors.As(err, &pe) || pe.Remaining != want {
			t.Fatalf("wrong PIN: %v, want %d tries left", err, want)
		}
		if v := countVerifies(rec.cmds[before:]); v != 1 {
			t.Fatalf("one Authenticate sent %d VERIFY with data; a failed VERIFY must never be retried", v)
		}
		if n, _ := card.AuthPINTries(); n != want {
			t.Fatalf("tries after a wrong PIN %d, want %d", n, want)
		}
	}
	if err := card.Authenticate(mustPIN("9999"), cert); !errors.Is(err, ErrBlocked) {
		t.Fatalf("third wrong PIN: %v, want blocked", err)
	}
	// Locked stays locked, even for the right PIN.
	if err := card.Authenticate(mustPIN("1234"), cert); !errors.Is(err, ErrBlocked) {
		t.Fatalf("right PIN on a locked card: %v", err)
	}
	if n, err := card.AuthPINTries(); err != nil || n != 0 {
		t.Fatalf("tries on a locked card %d, %v", n, err)
	}
}

func TestRightPINResetsTheCounter(t *testing.T) {
	_, card, _ := simCard(t, cardsim.TestPersona())
	cert, _ := card.AuthCertificate()
	_ = card.Authenticate(mustPIN("0000"), cert)
	if err := card.Authenticate(mustPIN("1234"), cert); err != nil {
		t.Fatal(err)
	}
	if n, _ := card.AuthPINTries(); n != 3 && n != -1 {
		t.Fatalf("tries after the right PIN: %d", n)
	}
}

func TestCodeBCountsDownFromTen(t *testing.T) {
	sim, card, _ := simCard(t, cardsim.TestPersona())
	wrong := codeB(t, "1980-02-17", 2035, "2286")
	_, err := card.CardFace(wrong)
	var pe *kiosk.PINError
	if !errors.As(err, &pe) || pe.Remaining != 9 {
		t.Fatalf("wrong 照合番号B: %v", err)
	}
	if n, _ := card.CodeBTries(); n != 9 {
		t.Fatalf("code B tries %d", n)
	}
	p := cardsim.TestPersona()
	p.CodeBTries = 0
	_, locked, _ := simCard(t, p)
	if _, err := locked.CardFace(codeB(t, "1980-02-17", 2035, "2285")); !errors.Is(err, ErrBlocked) {
		t.Fatalf("locked 照合番号B: %v", err)
	}
	if sim.Forbidden() != 0 {
		t.Fatal("forbidden access")
	}
}

func countVerifies(cmds [][]byte) int {
	n := 0
	for _, c := range cmds {
		if len(c) > 5 && c[1] == insVerify {
			n++
		}
	}
	return n
}

// TestNoForbiddenCommandEver runs every public operation, right and wrong,
// and checks every APDU sent: the 入力補助AP's EF 0001 (個人番号), the
// 券面AP's EF 0005 and the 照合番号A keys (EF 0013 / 0014) are never named,
// neither by SELECT nor by a short EF identifier.
func TestNoForbiddenCommandEver(t *testing.T) {
	sim, card, rec := simCard(t, cardsim.TestPersona())
	cert, _ := card.AuthCertificate()
	code := codeB(t, "1980-02-17", 2035, "2285")
	_, _ = card.Token()
	_, _ = card.AuthPINTries()
	_ = card.Authenticate(mustPIN("0000"), cert)
	_ = card.Authenticate(mustPIN("1234"), cert)
	_, _ = card.TextPINTries()
	_, _ = card.CodeBTries()
	_, _ = card.BasicInfo(mustPIN("5678"), kiosk.CodeB{})
	_, _ = card.BasicInfo(mustPIN("0000"), kiosk.CodeB{})
	_, _ = card.BasicInfo(kiosk.PIN{}, code)
	_, _ = card.CardFace(code)
	_, _ = card.CardFace(codeB(t, "1980-02-17", 2035, "0000"))
	if len(rec.cmds) < 40 {
		t.Fatalf("only %d APDUs recorded", len(rec.cmds))
	}
	var app []byte
	for _, c := range rec.cmds {
		if c[1] == insSelect && c[2] == 0x04 {
			app = c[5:]
			continue
		}
		inText, inVisual := bytes.Equal(app, aidText), bytes.Equal(app, aidVisual)
		var fid uint16
		switch {
		case c[1] == insSelect && c[2] == 0x02:
			fid = uint16(c[5])<<8 | uint16(c[6])
		case (c[1] == insReadBinary || c[1] == insVerify) && c[2]&0x80 != 0:
			fid = uint16(c[2] & 0x1F)
		case c[1] == insVerify && c[3] != 0x80:
			fid = uint16(c[3] & 0x1F)
		default:
			continue
		}
		if (inText && (fid == 0x0001 || fid == 0x0014)) || (inVisual && (fid == 0x0005 || fid == 0x0013)) {
			t.Errorf("forbidden command % X in application % X", c, app)
		}
	}
	if sim.Forbidden() != 0 {
		t.Errorf("the card counted %d forbidden accesses", sim.Forbidden())
	}
}

func TestTraceMasksVerifyData(t *testing.T) {
	var lines []string
	_, card, _ := simCard(t, cardsim.TestPersona())
	card.ch.trace = func(cmd, resp []byte) { lines = append(lines, fmt.Sprintf("% X", cmd)) }
	cert, _ := card.AuthCertificate()
	_ = card.Authenticate(mustPIN("1234"), cert)
	_, _ = card.CardFace(codeB(t, "1980-02-17", 2035, "2285"))
	all := strings.Join(lines, "\n")
	if !strings.Contains(all, "00 20 00 98 04 58 58 58 58") {
		t.Fatalf("no masked VERIFY in the trace:\n%s", all)
	}
	for _, secret := range []string{"31 32 33 34", "35 35 30 32 31 37"} {
		if strings.Contains(all, secret) {
			t.Errorf("trace contains a secret (%s):\n%s", secret, all)
		}
	}
}

func TestQuirkyCardsReadTheSame(t *testing.T) {
	sim, plain, _ := simCard(t, cardsim.TestPersona())
	cert, _ := plain.AuthCertificate()
	code := codeB(t, "1980-02-17", 2035, "2285")
	face, _ := plain.CardFace(code)
	for _, q := range []cardsim.Quirks{{GetResponse: true}, {WrongLe: true}, {GetResponse: true, WrongLe: true}} {
		sim.SetQuirks(q)
		c2, err := plain.AuthCertificate()
		if err != nil || !bytes.Equal(c2.Raw, cert.Raw) {
			t.Fatalf("quirks %+v: certificate %v", q, err)
		}
		f2, err := plain.CardFace(code)
		if err != nil || !bytes.Equal(f2.Photo, face.Photo) {
			t.Fatalf("quirks %+v: card face %v", q, err)
		}
		if err := plain.Authenticate(mustPIN("1234"), cert); err != nil {
			t.Fatalf("quirks %+v: authenticate %v", q, err)
		}
	}
}

func TestNotAMyNumberCard(t *testing.T) {
	p := cardsim.TestPersona()
	p.NotMyNumber = true
	_, card, _ := simCard(t, p)
	for name, f := range map[string]func() error{
		"token":       func() error { _, err := card.Token(); return err },
		"certificate": func() error { _, err := card.AuthCertificate(); return err },
		"tries":       func() error { _, err := card.AuthPINTries(); return err },
		"card face":   func() error { _, err := card.CardFace(codeB(t, "1980-02-17", 2035, "2285")); return err },
	} {
		if err := f(); !errors.Is(err, ErrNotMyNumberCard) {
			t.Errorf("%s on another card: %v", name, err)
		}
	}
}

// TestFullReadUsesTheFewestAPDUs: each file is read with ceil(size/256)
// READ BINARY commands, the minimum for short APDUs.
func TestFullReadUsesTheFewestAPDUs(t *testing.T) {
	_, card, rec := simCard(t, cardsim.TestPersona())
	cert, _ := card.AuthCertificate()
	reads := 0
	for _, c := range rec.cmds {
		if c[1] == insReadBinary {
			reads++
		}
	}
	if want := (len(cert.Raw) + 255) / 256; reads != want {
		t.Fatalf("certificate of %d bytes read with %d READ BINARY, minimum %d", len(cert.Raw), reads, want)
	}
}

// scripted answers each command with the next canned response.
type scripted struct {
	resps [][]byte
	errs  []error
	i     int
}

func (s *scripted) Transmit([]byte) ([]byte, error) {
	if s.i >= len(s.resps) {
		return nil, ErrCardRemoved
	}
	r, err := s.resps[s.i], error(nil)
	if s.i < len(s.errs) {
		err = s.errs[s.i]
	}
	s.i++
	return r, err
}

func TestBadResponses(t *testing.T) {
	ok := []byte{0x90, 0x00}
	tests := []struct {
		name  string
		resps [][]byte
		want  error
	}{
		{"no answer", [][]byte{{}}, ErrCardRemoved},
		{"one byte", [][]byte{{0x90}}, ErrCorrupt},
		{"select not found", [][]byte{{0x6A, 0x82}}, ErrNotMyNumberCard},
		{"select INS unknown", [][]byte{{0x6D, 0x00}}, ErrNotMyNumberCard},
		{"cert not allowed", [][]byte{ok, {0x69, 0x82}}, ErrSecurity},
		{"cert garbage TLV", [][]byte{ok, {0x30, 0x85, 1, 2, 3, 0x90, 0x00}}, ErrCorrupt},
		{"cert shorter than it says", [][]byte{ok, {0x30, 0x82, 0x01, 0x00, 1, 2, 0x90, 0x00}, {0x6B, 0x00}}, ErrCorrupt},
		{"cert not DER", [][]byte{ok, {0x30, 0x03, 1, 2, 3, 0x90, 0x00}}, ErrCorrupt},
		{"removed mid-read", [][]byte{ok}, ErrCardRemoved},
		{"endless 61xx", nil, ErrCorrupt},
	}
	for _, tt := range tests {
		resps := tt.resps
		if tt.name == "endless 61xx" {
			resps = [][]byte{ok}
			for range 40 {
				resps = append(resps, []byte{0x61, 0x10})
			}
		}
		card := newCard(nil, &scripted{resps: resps}, "scripted", nil, Options{})
		if _, err := card.AuthCertificate(); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}

func FuzzParseTLVs(f *testing.F) {
	f.Add([]byte{0xFF, 0x20, 0x05, 0xDF, 0x22, 0x02, 'a', 'b'})
	f.Add([]byte{0x30, 0x82, 0x01, 0x00})
	f.Add([]byte{0xDF, 0x21, 0x83, 0xFF, 0xFF, 0xFF})
	f.Add([]byte{0x1F, 0x80, 0x80, 0x80, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		tlvs, err := parseTLVs(b)
		if err != nil {
			return
		}
		total := 0
		for _, x := range tlvs {
			total += len(x.value)
		}
		if total > len(b) {
			t.Fatalf("values of %d bytes from %d", total, len(b))
		}
		_, _ = parseTemplate(b, 0xFF20)
	})
}

func FuzzParseCardData(f *testing.F) {
	p := cardsim.TestPersona()
	_, card, rec := simCard(f, p)
	_, _ = card.BasicInfo(mustPIN("5678"), kiosk.CodeB{})
	_ = rec
	f.Add([]byte{0xFF, 0x20, 0x0C, 0xDF, 0x22, 0x01, 'x', 0xDF, 0x24, 0x08, '1', '9', '8', '0', '0', '2', '1', '7'})
	f.Add(append([]byte{0xFF, 0x20, 0x81, 0x10}, bytes.Repeat([]byte{0xDF}, 16)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		if bi, err := ParseBasicInfo(b); err == nil && (bi.Name == "" || !bi.Birth.Valid()) {
			t.Fatalf("accepted %+v", bi)
		} else if err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("untyped error %v", err)
		}
		if cf, err := ParseCardFace(b); err == nil && (len(cf.Photo) < 12 || !cf.Expiry.Valid()) {
			t.Fatalf("accepted %+v", cf)
		} else if err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("untyped error %v", err)
		}
		if _, err := ParseCertificate(b); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("untyped error %v", err)
		}
	})
}

// FuzzResponses answers a whole certificate read and PIN check with
// fuzzed responses: nothing may panic or loop, and every error is one a
// caller can act on.
func FuzzResponses(f *testing.F) {
	f.Add([]byte{0x90, 0x00, 0x90, 0x00, 0x30, 0x03, 0x01, 0x02, 0x03, 0x90, 0x00})
	f.Add([]byte{0x61, 0x00, 0x6C, 0x10, 0x63, 0xC2})
	f.Fuzz(func(t *testing.T, stream []byte) {
		// Split the stream into responses of 2..40 bytes.
		var resps [][]byte
		for len(stream) > 0 {
			n := min(int(stream[0])%40+2, len(stream))
			resps = append(resps, stream[:n])
			stream = stream[n:]
		}
		card := newCard(nil, &scripted{resps: resps}, "fuzz", nil, Options{})
		_, err := card.AuthCertificate()
		checkTyped(t, err)
		_, err = card.AuthPINTries()
		checkTyped(t, err)
	})
}

func checkTyped(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var pe *kiosk.PINError
	var se *StatusError
	for _, s := range []error{ErrCorrupt, ErrCardRemoved, ErrNotMyNumberCard, ErrSecurity, ErrBlocked, ErrNotFound} {
		if errors.Is(err, s) {
			return
		}
	}
	if errors.As(err, &pe) || errors.As(err, &se) {
		return
	}
	t.Fatalf("error a caller cannot act on: %v", err)
}

// testAnchors trusts J-LIS and the virtual card's test hierarchy.
func testAnchors(t testing.TB) *trust.Anchors {
	t.Helper()
	return cardsim.TestAnchors(mustProduction(t))
}

// FuzzParseCVC: a card-verifiable certificate from the card is parsed
// without panicking, every error is typed, and what parses is shaped.
func FuzzParseCVC(f *testing.F) {
	is, err := cardsim.NewIssuer()
	if err != nil {
		f.Fatal(err)
	}
	c, err := is.Build(cardsim.TestPersona())
	if err != nil {
		f.Fatal(err)
	}
	good, _ := c.File(cardsim.AIDVisual, 0x0004)
	f.Add(good)
	f.Add(good[:40])
	f.Add([]byte{0x7F, 0x21, 0x04, 0x5F, 0x4E, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		cvc, err := ParseCVC(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if cvc.Key == nil || len(cvc.Signature) != 256 || len(cvc.Body) < 40 {
			t.Fatalf("accepted %+v", cvc)
		}
	})
}
