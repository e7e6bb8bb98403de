package reader

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
	"github.com/uketsuke/uketsuke/reader/trust"
)

// Application identifiers (domain.md §1.2; three libraries agree).
var (
	aidJPKI   = []byte{0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01} // 公的個人認証AP
	aidText   = []byte{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08} // 券面事項入力補助AP
	aidVisual = []byte{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02} // 券面事項確認AP
)

// Elementary files (domain.md §1.3), named by their short EF identifier,
// which equals the file id. The 入力補助AP's EF 0001 (個人番号) and the
// 照合番号A keys are deliberately absent: this package cannot name them.
const (
	efJPKIToken    = 0x06 // token info
	efJPKIAuthCert = 0x0A // 利用者証明用電子証明書
	efJPKIAuthKey  = 0x17 // its private key (selected before signing)
	efJPKIAuthPIN  = 0x18 // its 4-digit PIN, 3 tries
	efTextBasic    = 0x02 // 基本4情報
	efTextPIN      = 0x11 // 券面事項入力補助用暗証番号
	efTextCodeB    = 0x15 // 照合番号B of the 入力補助AP
	efVisualFace   = 0x02 // card face record
	efVisualCert   = 0x04 // the AP's card-verifiable certificate (7F21)
	efVisualCodeB  = 0x12 // 照合番号B of the 券面事項確認AP, 10 tries
)

// digestInfoSHA256 is the DER prefix of a SHA-256 DigestInfo (domain.md §1.6).
var digestInfoSHA256 = []byte{0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}

// Certificate is a parsed 利用者証明用電子証明書. Its subject CN is an opaque
// serial; it carries no name (domain.md §1.6).
type Certificate struct {
	Raw       []byte
	Subject   string
	Issuer    string
	Serial    string // hex
	NotBefore time.Time
	NotAfter  time.Time
	PublicKey *rsa.PublicKey
	X509      *x509.Certificate
}

// Status classifies the certificate's expiry at now (renewal notice rules).
func (c *Certificate) Status(now time.Time) kiosk.CertStatus {
	return kiosk.CertificateStatus(c.NotAfter, now)
}

// ParseCertificate parses a DER certificate from the card.
func ParseCertificate(der []byte) (*Certificate, error) {
	x, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse certificate: %w: %w", ErrCorrupt, err)
	}
	pub, ok := x.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("certificate key is %T, want RSA: %w", x.PublicKey, ErrCorrupt)
	}
	return &Certificate{
		Raw: der, Subject: x.Subject.String(), Issuer: x.Issuer.String(),
		Serial: hex.EncodeToString(x.SerialNumber.Bytes()), NotBefore: x.NotBefore, NotAfter: x.NotAfter,
		PublicKey: pub, X509: x,
	}, nil
}

// Sex is the 性別 code of the card (1 男, 2 女, 3 未設定, 9 適用不能).
type Sex string

// BasicInfo is the 基本4情報 of the 券面事項入力補助AP.
type BasicInfo struct {
	Name    string // family and given name separated by U+3000
	Address string
	Birth   wareki.Date
	Sex     Sex
}

// CardFace is the card-face record of the 券面事項確認AP. Photo is the chip
// photo (JPEG 2000 in a JP2 container, greyscale); keep it in memory only.
type CardFace struct {
	Birth  wareki.Date
	Sex    Sex
	Expiry wareki.Date // 有効期限 (DF29, not covered by the signature)
	Photo  []byte
	// Signed are the three groups DF28 signs (DF22–DF24, DF25–DF26, DF27),
	// each as written; Signature is DF28.
	Signed    [3][]byte
	Signature []byte
	// Certificate is the AP's card-verifiable certificate (EF 0004), which
	// certifies the key of Signature; empty when the card has none.
	Certificate trust.CVC
}

// ops are the card operations over a channel; Card adds the PC/SC session.
type ops struct{ ch *channel }

func (o ops) selectJPKI() error { return o.selectApp(aidJPKI) }

// selectApp selects an application. A card that answers the SELECT with any
// status word but 9000 (6A82 not found, 6D00, 6E00 …) is not a My Number card.
func (o ops) selectApp(aid []byte) error {
	err := o.ch.selectAID(aid)
	var se *StatusError
	if errors.As(err, &se) {
		return fmt.Errorf("%w: %w", ErrNotMyNumberCard, err)
	}
	return err
}

// token reads the JPKI token info (e.g. "JPKIAPICCTOKEN2").
func (o ops) token() (string, error) {
	if err := o.selectJPKI(); err != nil {
		return "", err
	}
	b, err := o.ch.readBinarySFI(efJPKIToken, 0x20)
	if err != nil {
		return "", fmt.Errorf("read token: %w", err)
	}
	s := strings.TrimRight(string(b), "\x00 ")
	if !utf8.ValidString(s) || !strings.HasPrefix(s, "JPKIAP") {
		return "", fmt.Errorf("token %q: %w", s, ErrNotMyNumberCard)
	}
	return s, nil
}

// Token names of EF 0006 (domain-2026 §2).
const (
	TokenCard    = "JPKIAPICCTOKEN2" // the plastic card
	TokenAndroid = "JPKIAPGPSETOKEN" // スマホ用電子証明書 on Android
	TokenIPhone  = "JPKIAPIOSTOKEN"  // スマホ用電子証明書 on an iPhone
)

// TokenKind classifies a token name for the kiosk; an unknown name is
// corrupt data (a device the kiosk does not know how to treat).
func TokenKind(name string) (kiosk.Token, error) {
	switch {
	case name == TokenAndroid:
		return kiosk.TokenAndroid, nil
	case name == TokenIPhone:
		return kiosk.TokenIPhone, nil
	case strings.HasPrefix(name, "JPKIAPICCTOKEN"):
		return kiosk.TokenCard, nil
	}
	return 0, fmt.Errorf("unknown JPKI token %q: %w", name, ErrCorrupt)
}

// authCertificate reads EF 000A, which needs no PIN on a physical card.
func (o ops) authCertificate() (*Certificate, error) {
	if err := o.selectJPKI(); err != nil {
		return nil, err
	}
	der, err := o.ch.readTLVFile(efJPKIAuthCert)
	if err != nil {
		return nil, fmt.Errorf("read 利用者証明用電子証明書: %w", err)
	}
	return ParseCertificate(der)
}

// authPINTries asks the tries left of the 利用者証明用 PIN without using one.
func (o ops) authPINTries() (int, error) { return o.triesOf(aidJPKI, efJPKIAuthPIN) }

// authenticate verifies the 利用者証明用 PIN once and proves possession: the
// card signs the SHA-256 DigestInfo of a fresh random challenge with the
// user-auth key, and the signature is checked with cert's public key.
func (o ops) authenticate(pin kiosk.PIN, cert *Certificate) error {
	if pin.IsZero() {
		return fmt.Errorf("authenticate: no PIN")
	}
	if err := o.selectJPKI(); err != nil {
		return err
	}
	if err := o.ch.verify(efJPKIAuthPIN, pin.Bytes()); err != nil {
		return fmt.Errorf("verify 利用者証明用 PIN: %w", err)
	}
	return o.prove(cert)
}

// authenticatePhone is authenticate for an Android smartphone, whose
// certificate opens only after the PIN: verify the PIN once, read the
// certificate (the AP stays selected, the PIN verified), let check decide
// whether it is trusted, then prove possession with a signed challenge.
func (o ops) authenticatePhone(pin kiosk.PIN, check func(*Certificate) error) (*Certificate, error) {
	if pin.IsZero() {
		return nil, fmt.Errorf("authenticate: no PIN")
	}
	if err := o.selectJPKI(); err != nil {
		return nil, err
	}
	if err := o.ch.verify(efJPKIAuthPIN, pin.Bytes()); err != nil {
		return nil, fmt.Errorf("verify 利用者証明用 PIN: %w", err)
	}
	der, err := o.ch.readTLVFile(efJPKIAuthCert)
	if err != nil {
		return nil, fmt.Errorf("read 利用者証明用電子証明書 after the PIN: %w", err)
	}
	cert, err := ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	if err := check(cert); err != nil {
		return nil, err
	}
	return cert, o.prove(cert)
}

// prove has the card sign the SHA-256 DigestInfo of a fresh random
// challenge with the user-auth key and checks it with cert's key.
func (o ops) prove(cert *Certificate) error {
	challenge := make([]byte, 32)
	if _, err := rand.Read(challenge); err != nil {
		return fmt.Errorf("challenge: %w", err)
	}
	sum := sha256.Sum256(challenge)
	di := append(bytes.Clone(digestInfoSHA256), sum[:]...)
	if err := o.ch.selectEF(efJPKIAuthKey); err != nil {
		return err
	}
	sig, err := o.ch.check(apdu{cla: 0x80, ins: insSignature, p1: 0x00, p2: 0x80, data: di, le: maxShortLe})
	if err != nil {
		return fmt.Errorf("sign challenge: %w", err)
	}
	if err := rsa.VerifyPKCS1v15(cert.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
		return fmt.Errorf("challenge signature does not verify with the certificate: %w: %w", ErrCorrupt, err)
	}
	return nil
}

// triesOf selects an application and asks a key's tries left.
func (o ops) triesOf(aid []byte, key byte) (int, error) {
	if err := o.selectApp(aid); err != nil {
		return 0, err
	}
	return o.ch.triesLeft(key)
}

// unlockAndRead verifies secret against key in application aid, once,
// and reads the TLV file ef.
func (o ops) unlockAndRead(aid []byte, key, ef byte, secret []byte, what string) ([]byte, error) {
	if err := o.selectApp(aid); err != nil {
		return nil, err
	}
	if err := o.ch.verify(key, secret); err != nil {
		return nil, fmt.Errorf("verify for %s: %w", what, err)
	}
	b, err := o.ch.readTLVFile(ef)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	return b, nil
}

// basicInfo reads the 基本4情報 unlocked by the 入力補助 PIN or by 照合番号B.
func (o ops) basicInfo(pin kiosk.PIN, code kiosk.CodeB) (BasicInfo, error) {
	key, secret := byte(efTextPIN), pin.Bytes()
	if pin.IsZero() {
		key, secret = efTextCodeB, code.Bytes()
	}
	if len(secret) == 0 {
		return BasicInfo{}, fmt.Errorf("基本4情報: no PIN or 照合番号B")
	}
	b, err := o.unlockAndRead(aidText, key, efTextBasic, secret, "基本4情報")
	if err != nil {
		return BasicInfo{}, err
	}
	return ParseBasicInfo(b)
}

// cardFace reads the card-face record unlocked by 照合番号B.
func (o ops) cardFace(code kiosk.CodeB) (CardFace, error) {
	if code.IsZero() {
		return CardFace{}, fmt.Errorf("券面: no 照合番号B")
	}
	b, err := o.unlockAndRead(aidVisual, efVisualCodeB, efVisualFace, code.Bytes(), "券面事項")
	if err != nil {
		return CardFace{}, err
	}
	cf, err := ParseCardFace(b)
	if err != nil {
		return CardFace{}, err
	}
	// The certificate that vouches for the face, while the AP is selected.
	// One that is missing or malformed stays empty: it vouches for nothing,
	// and VerifyCardFace refuses it.
	cf.Certificate, err = o.faceCertificate()
	if errors.Is(err, ErrCorrupt) || errors.Is(err, ErrNotFound) {
		cf.Certificate, err = trust.CVC{}, nil
	}
	return cf, err
}

// VerifyCardFace checks the card face against the anchors: its 券面
// certificate under the J-LIS CA key it names, then the card-face
// signature under the key the certificate certifies.
func VerifyCardFace(a *trust.Anchors, cf CardFace) error {
	cvc := cf.Certificate
	if a == nil {
		return fmt.Errorf("券面: no trust anchors: %w", trust.ErrUntrusted)
	}
	if err := a.VerifyCVC(cvc); err != nil {
		return err
	}
	return trust.VerifyCardFace(cvc.Key, cf.Signed, cf.Signature)
}

// ParseBasicInfo parses EF 0002 of the 券面事項入力補助AP:
// FF20 { DF21 offsets, DF22 氏名, DF23 住所, DF24 生年月日, DF25 性別 }.
func ParseBasicInfo(b []byte) (BasicInfo, error) {
	t, err := parseTemplate(b, 0xFF20)
	if err != nil {
		return BasicInfo{}, fmt.Errorf("基本4情報: %w: %w", ErrCorrupt, err)
	}
	var bi BasicInfo
	for _, f := range []struct {
		tag uint32
		dst *string
	}{{0xDF22, &bi.Name}, {0xDF23, &bi.Address}} {
		v, ok := t[f.tag]
		if !ok || len(v) == 0 || !utf8.Valid(v) {
			return BasicInfo{}, fmt.Errorf("基本4情報: tag %X missing or not UTF-8: %w", f.tag, ErrCorrupt)
		}
		*f.dst = string(v)
	}
	if bi.Birth, err = wareki.ParseCompact(string(t[0xDF24])); err != nil {
		return BasicInfo{}, fmt.Errorf("基本4情報: birth date: %w", ErrCorrupt)
	}
	if bi.Sex, err = parseSex(t[0xDF25]); err != nil {
		return BasicInfo{}, fmt.Errorf("基本4情報: %w", err)
	}
	return bi, nil
}

// ParseCardFace parses EF 0002 of the 券面事項確認AP (domain.md §1.3):
// FF20 { DF21 offsets, DF22 生年月日, DF23 性別, DF24 key, DF25 氏名 image,
// DF26 住所 image, DF27 顔写真, DF28 signature, DF29 有効期限, DF2A 番号 image }.
func ParseCardFace(b []byte) (CardFace, error) {
	objs, err := templateObjects(b, 0xFF20)
	if err != nil {
		return CardFace{}, fmt.Errorf("券面: %w: %w", ErrCorrupt, err)
	}
	t := make(map[uint32][]byte, len(objs))
	for tag, o := range objs {
		t[tag] = o.value
	}
	var cf CardFace
	if cf.Birth, err = wareki.ParseCompact(string(t[0xDF22])); err != nil {
		return CardFace{}, fmt.Errorf("券面: birth date: %w", ErrCorrupt)
	}
	if cf.Sex, err = parseSex(t[0xDF23]); err != nil {
		return CardFace{}, fmt.Errorf("券面: %w", err)
	}
	if cf.Expiry, err = wareki.ParseCompact(string(t[0xDF29])); err != nil {
		return CardFace{}, fmt.Errorf("券面: 有効期限: %w", ErrCorrupt)
	}
	photo := t[0xDF27]
	// A JP2 container: a 12-byte signature box whose bytes 4..8 are "jP  ".
	if len(photo) < 12 || string(photo[4:8]) != "jP  " {
		return CardFace{}, fmt.Errorf("券面: photo is not JPEG 2000: %w", ErrCorrupt)
	}
	cf.Photo = bytes.Clone(photo)
	for i, group := range [][]uint32{{0xDF22, 0xDF23, 0xDF24}, {0xDF25, 0xDF26}, {0xDF27}} {
		for _, tag := range group {
			o, ok := objs[tag]
			if !ok {
				return CardFace{}, fmt.Errorf("券面: tag %X missing: %w", tag, ErrCorrupt)
			}
			cf.Signed[i] = append(cf.Signed[i], o.raw...)
		}
	}
	if cf.Signature = bytes.Clone(t[0xDF28]); len(cf.Signature) != 256 {
		return CardFace{}, fmt.Errorf("券面: signature of %d bytes: %w", len(cf.Signature), ErrCorrupt)
	}
	return cf, nil
}

// faceCertificate reads EF 0004 of the 券面事項確認AP (free, by its short
// EF identifier: the AP must be selected).
func (o ops) faceCertificate() (trust.CVC, error) {
	b, err := o.ch.readTLVFile(efVisualCert)
	if err != nil {
		return trust.CVC{}, fmt.Errorf("read 券面 certificate: %w", err)
	}
	return ParseCVC(b)
}

// ParseCVC parses a card-verifiable certificate:
// 7F21 { 5F4E { 証明者鍵ID(16) 被証明者鍵ID(16) 90 e 91 n }, 5F37 signature }.
func ParseCVC(b []byte) (trust.CVC, error) {
	t, err := parseTemplate(b, 0x7F21)
	if err != nil {
		return trust.CVC{}, fmt.Errorf("券面 certificate: %w: %w", ErrCorrupt, err)
	}
	body, sig := t[0x5F4E], t[0x5F37]
	if len(body) < 32+8 || len(sig) != 256 {
		return trust.CVC{}, fmt.Errorf("券面 certificate: body %d, signature %d bytes: %w", len(body), len(sig), ErrCorrupt)
	}
	key, err := parseTLVs(body[32:])
	if err != nil {
		return trust.CVC{}, fmt.Errorf("券面 certificate key: %w", err)
	}
	var e, n []byte
	for _, o := range key {
		switch o.tag {
		case 0x90:
			e = o.value
		case 0x91:
			n = o.value
		}
	}
	if len(e) == 0 || len(e) > 4 || len(n) < 128 {
		return trust.CVC{}, fmt.Errorf("券面 certificate: no RSA key: %w", ErrCorrupt)
	}
	exp := 0
	for _, c := range e {
		exp = exp<<8 | int(c)
	}
	c := trust.CVC{Key: &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: exp}, Body: bytes.Clone(body), Signature: bytes.Clone(sig)}
	copy(c.Issuer[:], body[:16])
	copy(c.Subject[:], body[16:32])
	return c, nil
}

func parseSex(v []byte) (Sex, error) {
	if len(v) != 1 || !strings.ContainsRune("1239", rune(v[0])) {
		return "", fmt.Errorf("sex code %q: %w", v, ErrCorrupt)
	}
	return Sex(v), nil
}
