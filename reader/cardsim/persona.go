package cardsim

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// Persona is the holder of a virtual card, as read from a TOML file. All
// of it is synthetic.
type Persona struct {
	ID           string `toml:"id"`
	Name         string `toml:"name"` // family and given name separated by U+3000
	Kana         string `toml:"kana"`
	Address      string `toml:"address"`
	Birth        string `toml:"birth"` // YYYY-MM-DD
	Sex          string `toml:"sex"`   // 1 男, 2 女
	AuthPIN      string `toml:"auth_pin"`
	AuthPINTries int    `toml:"auth_pin_tries"` // 0..3; 0 is locked
	TextPIN      string `toml:"text_pin"`
	SignPassword string `toml:"sign_password"`
	CardExpiry   string `toml:"card_expiry"` // 有効期限, YYYY-MM-DD
	SecurityCode string `toml:"security_code"`
	CodeBTries   int    `toml:"code_b_tries"` // 0..10
	// Photo is an image file (JPEG or PNG), relative to the persona file.
	// When it is missing a drawn placeholder face is used.
	Photo string `toml:"photo"`
	// CertNotBefore / CertNotAfter bound the 利用者証明用電子証明書. Either a
	// date (YYYY-MM-DD) or a offset from now such as "-2y", "+3m", "+40d".
	CertNotBefore string `toml:"cert_not_before"`
	CertNotAfter  string `toml:"cert_not_after"`
	// CardFrontGlare: the demo's card camera sees a lamp's reflection over
	// the printed card front, so that 照合番号B is typed (not read by camera).
	CardFrontGlare bool `toml:"card_front_glare"`
	// NotMyNumber makes the card another kind of card (no JPKI application).
	NotMyNumber bool `toml:"not_my_number"`
	// Token makes it a smartphone マイナ保険証: "android" (the certificate
	// opens only after the PIN) or "iphone"; "" or "card" is the card.
	// A phone has only the 公的個人認証AP.
	Token string `toml:"token"`

	dir string // where the file was, for Photo
}

// LoadPersona reads a persona file.
func LoadPersona(path string) (*Persona, error) {
	var p Persona
	md, err := toml.DecodeFile(path, &p)
	if err != nil {
		return nil, fmt.Errorf("persona %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("persona %s: unknown key %s", path, und[0])
	}
	p.dir = filepath.Dir(path)
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("persona %s: %w", path, err)
	}
	return &p, nil
}

func (p *Persona) validate() error {
	switch {
	case p.ID == "":
		return errors.New("id is empty")
	case !strings.Contains(p.Name, "\u3000"):
		return errors.New("name needs U+3000 between family and given name")
	case len(p.AuthPIN) != 4 || len(p.TextPIN) != 4:
		return errors.New("auth_pin and text_pin must be 4 digits")
	case p.AuthPINTries < 0 || p.AuthPINTries > 3:
		return errors.New("auth_pin_tries must be 0..3")
	case p.CodeBTries < 0 || p.CodeBTries > 10:
		return errors.New("code_b_tries must be 0..10")
	case p.Sex != "1" && p.Sex != "2" && p.Sex != "3" && p.Sex != "9":
		return errors.New("sex must be 1, 2, 3 or 9")
	case p.Token != "" && p.Token != "card" && p.Token != "android" && p.Token != "iphone":
		return errors.New("token must be card, android or iphone")
	}
	if _, err := p.codeB(); err != nil {
		return fmt.Errorf("birth, card_expiry, security_code: %w", err)
	}
	for _, s := range []string{p.CertNotBefore, p.CertNotAfter} {
		if _, err := when(s, time.Now()); err != nil {
			return err
		}
	}
	return nil
}

// codeB is the persona's 照合番号B, built the way the kiosk builds it.
func (p *Persona) codeB() (kiosk.CodeB, error) {
	birth, err := wareki.Parse(p.Birth)
	if err != nil {
		return kiosk.CodeB{}, err
	}
	exp, err := wareki.Parse(p.CardExpiry)
	if err != nil {
		return kiosk.CodeB{}, err
	}
	return kiosk.NewCodeB(birth, exp.Year, p.SecurityCode)
}

// when reads a date or an offset from now ("+5y", "-3m", "+10d").
func when(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("certificate validity dates are required")
	}
	if s[0] == '+' || s[0] == '-' {
		var n int
		var unit byte
		if _, err := fmt.Sscanf(s[1:], "%d%c", &n, &unit); err != nil {
			return time.Time{}, fmt.Errorf("offset %q: %w", s, err)
		}
		if s[0] == '-' {
			n = -n
		}
		switch unit {
		case 'y':
			return now.AddDate(n, 0, 0), nil
		case 'm':
			return now.AddDate(0, n, 0), nil
		case 'd':
			return now.AddDate(0, 0, n), nil
		}
		return time.Time{}, fmt.Errorf("offset %q: unit must be y, m or d", s)
	}
	d, err := wareki.Parse(s)
	if err != nil {
		return time.Time{}, err
	}
	return d.Time(), nil
}

// card lays out the three applications.
func (p *Persona) card(is *Issuer, certDER []byte, userKey *rsa.PrivateKey, photo []byte) (*Card, error) {
	caDER := is.der
	birth, _ := wareki.Parse(p.Birth)
	expiry, _ := wareki.Parse(p.CardExpiry)
	codeB, _ := p.codeB()
	birthKey, _ := birth.EraYYMMDD()
	signKey, err := rsa.GenerateKey(rand.Reader, 1024) // the 署名用 key is never used here; keep start-up fast
	if err != nil {
		return nil, err
	}
	token := []byte(fmt.Sprintf("%-32s", map[string]string{"android": "JPKIAPGPSETOKEN", "iphone": "JPKIAPIOSTOKEN"}[p.Token]))
	if p.Token == "" || p.Token == "card" {
		token = []byte(fmt.Sprintf("%-32s", "JPKIAPICCTOKEN2"))
	}
	// On the Android token the 利用者証明用 certificate opens only after the PIN.
	var authCertNeeds []uint16
	if p.Token == "android" {
		authCertNeeds = []uint16{0x0018}
	}
	// A synthetic 個人番号 so that "the kiosk never reads it" is a real check.
	myNumber := tlvBytes(0xFF10, []byte("000000000000"))
	myNumber = append(myNumber, 0xFF, 0xFF)

	basic := tlvBytes(0xFF20, concat(
		tlvBytes(0xDF21, []byte{0, 0, 0, 0, 0, 0, 0, 0}),
		tlvBytes(0xDF22, []byte(p.Name)),
		tlvBytes(0xDF23, []byte(p.Address)),
		tlvBytes(0xDF24, []byte(birth.Compact())),
		tlvBytes(0xDF25, []byte(p.Sex)),
	))
	groups := [3][]byte{
		concat(tlvBytes(0xDF22, []byte(birth.Compact())), tlvBytes(0xDF23, []byte(p.Sex)), tlvBytes(0xDF24, rsaKeyTLV(&userKey.PublicKey))),
		concat(tlvBytes(0xDF25, stripes(200, 24, 7)), tlvBytes(0xDF26, stripes(400, 48, 11))),
		tlvBytes(0xDF27, photo),
	}
	faceSig, err := is.signFace(groups)
	if err != nil {
		return nil, fmt.Errorf("card face signature: %w", err)
	}
	if is.TamperPhoto {
		// Another picture in the chip after J-LIS signed the card face.
		groups[2] = tlvBytes(0xDF27, append(bytes.Clone(photo[:len(photo)-1]), photo[len(photo)-1]^0xFF))
	}
	face := tlvBytes(0xFF20, concat(
		tlvBytes(0xDF21, bytes.Repeat([]byte{0}, 20)),
		groups[0], groups[1], groups[2],
		tlvBytes(0xDF28, faceSig),
		tlvBytes(0xDF29, []byte(expiry.Compact())),
		tlvBytes(0xDF2A, stripes(80, 16, 3)),
	))
	pad := func(b []byte, n int) []byte { return append(b, bytes.Repeat([]byte{0xFF}, n)...) }
	authPIN := &key{secret: []byte(p.AuthPIN), max: 3, left: p.AuthPINTries}
	card := &Card{
		notMyna:  p.NotMyNumber,
		verified: map[*key]bool{},
		apps: []*app{
			{aid: AIDJPKI, efs: map[uint16]*ef{
				0x0001: {data: certDER, needs: []uint16{0x001B}}, // stands in for the 署名用 certificate
				0x0002: {data: caDER},
				0x0006: {data: token},
				0x000A: {data: certDER, needs: authCertNeeds},
				0x000B: {data: caDER},
				0x0017: {signer: userKey, needs: []uint16{0x0018}},
				0x0018: {key: authPIN},
				0x001A: {signer: signKey, needs: []uint16{0x001B}},
				0x001B: {key: &key{secret: []byte(p.SignPassword), max: 5, left: 5}},
			}},
			{aid: AIDText, efs: map[uint16]*ef{
				0x0001: {data: myNumber, needs: []uint16{0x0011, 0x0014}, private: true},
				0x0002: {data: pad(basic, 40), needs: []uint16{0x0011, 0x0015}},
				0x0011: {key: &key{secret: []byte(p.TextPIN), max: 3, left: 3}},
				0x0014: {key: &key{secret: []byte("000000000000"), max: 10, left: 10}, private: true},
				0x0015: {key: &key{secret: codeB.Bytes(), max: 10, left: 10}},
			}},
			{aid: AIDVisual, efs: map[uint16]*ef{
				0x0002: {data: pad(face, 120), needs: []uint16{0x0012, 0x0013}},
				0x0003: {data: tlvBytes(0xDF34, []byte("131016"))},
				0x0004: {data: is.cvc},
				0x0005: {data: stripes(160, 24, 5), needs: []uint16{0x0013}, private: true},
				0x0011: {key: &key{secret: []byte(birthKey), max: 10, left: 10}},
				0x0012: {key: &key{secret: codeB.Bytes(), max: 10, left: p.CodeBTries}},
				0x0013: {key: &key{secret: []byte("000000000000"), max: 10, left: 10}, private: true},
			}},
		},
	}
	if p.Token == "android" || p.Token == "iphone" {
		card.apps = card.apps[:1] // a phone answers as the 公的個人認証AP only
	}
	return card, nil
}

// tlvBytes encodes one BER-TLV object with a 1- or 2-byte tag.
func tlvBytes(tag uint16, v []byte) []byte {
	var b []byte
	if tag > 0xFF {
		b = append(b, byte(tag>>8))
	}
	b = append(b, byte(tag))
	switch n := len(v); {
	case n < 0x80:
		b = append(b, byte(n))
	case n <= 0xFF:
		b = append(b, 0x81, byte(n))
	default:
		b = append(b, 0x82, byte(n>>8), byte(n))
	}
	return append(b, v...)
}

func concat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// stripes draws a 1-bit PNG of w×h, standing in for the card's rendered
// name, address and number images.
func stripes(w, h, period int) []byte {
	img := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.White, color.Black})
	for y := range h {
		for x := range w {
			if (x/period+y/3)%2 == 0 && y > 2 && y < h-2 {
				img.SetColorIndex(x, y, 1)
			}
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

// PhotoPath is the persona's photo file ("" when the card gets a drawn
// placeholder face).
func (p *Persona) PhotoPath() string {
	if p.Photo == "" || filepath.IsAbs(p.Photo) {
		return p.Photo
	}
	return filepath.Join(p.dir, p.Photo)
}

// photoJP2 loads the persona's photo, or draws a placeholder, and encodes
// it as the card stores it: greyscale JPEG 2000 in a JP2 container.
func (p *Persona) photoJP2() ([]byte, error) {
	var img image.Image
	if path := p.PhotoPath(); path != "" {
		if f, err := os.Open(path); err == nil {
			img, _, err = image.Decode(f)
			f.Close()
			if err != nil {
				return nil, fmt.Errorf("photo %s: %w", path, err)
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("photo: %w", err)
		}
	}
	if img == nil {
		img = placeholderFace()
	}
	return EncodeJP2(chipPhoto(img))
}
