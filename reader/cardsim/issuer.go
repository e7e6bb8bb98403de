package cardsim

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"embed"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/uketsuke/uketsuke/reader/trust"
)

//go:embed testca/*.pem
var testKeys embed.FS

// TestFaceCA is the 証明者鍵ID of the virtual card's 券面 test hierarchy; no
// real hierarchy uses a leading 9.
var TestFaceCA = trust.NewKeyID("9000023", "001")

// testFaceAP is the 被証明者鍵ID of the virtual card's 券面事項確認AP key.
var testFaceAP = trust.NewKeyID("9100023", "001")

// testAuthSubject names the virtual card's 利用者証明用 test CA.
var testAuthSubject = pkix.Name{Country: []string{"JP"}, Organization: []string{"JPKI-UKETSUKE-TEST"},
	OrganizationalUnit: []string{"JPKI for user authentication (Uketsuke virtual card - test only)"}}

// jlisAuthSubject is the J-LIS 利用者証明用 CA's name, which a forger copies.
var jlisAuthSubject = pkix.Name{Country: []string{"JP"}, Organization: []string{"JPKI"},
	OrganizationalUnit: []string{"JPKI for user authentication", "Japan Agency for Local Authority Information Systems"}}

func testKey(name string) *rsa.PrivateKey {
	b, err := testKeys.ReadFile("testca/" + name + "-key.pem")
	if err != nil {
		panic(err)
	}
	blk, _ := pem.Decode(b)
	k, err := x509.ParsePKCS1PrivateKey(blk.Bytes)
	if err != nil {
		panic(fmt.Sprintf("test key %s: %v", name, err))
	}
	return k
}

// testHierarchy is built once: the keys are fixed, so every process makes
// the same CA.
var testHierarchy = sync.OnceValue(func() *Issuer {
	is, err := newIssuer(testKey("auth-ca"), testAuthSubject, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC), testKey("face-ca"), TestFaceCA, testKey("face-ap"))
	if err != nil {
		panic(err)
	}
	return is
})

// TestAnchors returns prod with the virtual card's test hierarchy added:
// what the demo and the tests verify cards against.
func TestAnchors(prod *trust.Anchors) *trust.Anchors {
	is := testHierarchy()
	return prod.WithTest(is.cert, TestFaceCA, &is.faceCA.PublicKey)
}

// Issuer issues virtual cards: the 利用者証明用 certificate under its CA,
// and the 券面事項確認AP's card-verifiable certificate and card-face
// signature under its 券面 CA.
type Issuer struct {
	key    *rsa.PrivateKey
	cert   *x509.Certificate
	der    []byte
	faceCA *rsa.PrivateKey
	faceAP *rsa.PrivateKey
	cvc    []byte // EF 0004 of the 券面事項確認AP
	// Serial, when set, is the certificate serial (hex) of the next card.
	Serial string
	// TamperPhoto replaces the chip photo after the card face was signed.
	TamperPhoto bool
}

// NewIssuer returns the virtual card's test hierarchy (trusted only through
// TestAnchors).
func NewIssuer() (*Issuer, error) { return testHierarchy(), nil }

// NewForger returns a home-made issuer that copies J-LIS's CA name and the
// production 券面 CA key id with keys of its own: the cards it makes must be
// refused everywhere.
func NewForger() (*Issuer, error) {
	ca, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	face, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	is, err := newIssuer(ca, jlisAuthSubject, now.AddDate(-5, 0, 0), now.AddDate(5, 0, 0), face,
		trust.NewKeyID("5000023", "001"), testKey("face-ap"))
	if err != nil {
		return nil, err
	}
	// Copy J-LIS's name byte for byte when the real certificate is at hand.
	if prod, err := trust.Production(); err == nil {
		roots := prod.Roots()
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), RawSubject: roots[len(roots)-1].RawSubject,
			NotBefore: now.AddDate(-5, 0, 0), NotAfter: now.AddDate(5, 0, 0),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
		if is.der, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &ca.PublicKey, ca); err != nil {
			return nil, err
		}
		if is.cert, err = x509.ParseCertificate(is.der); err != nil {
			return nil, err
		}
	}
	return is, nil
}

// CA is the issuer's 利用者証明用 CA certificate.
func (is *Issuer) CA() *x509.Certificate { return is.cert }

// FaceCAKey is the public CA key of the issuer's 券面 hierarchy.
func (is *Issuer) FaceCAKey() *rsa.PublicKey { return &is.faceCA.PublicKey }

// NewExpiredIssuer returns a test issuer whose CA certificate has expired
// (as the J-LIS 2015 generation did on 2025-10-19), under the test name.
func NewExpiredIssuer() (*Issuer, error) {
	now := time.Now()
	return newIssuer(testKey("auth-ca"), testAuthSubject, now.AddDate(-10, 0, 0), now.AddDate(0, 0, -1),
		testKey("face-ca"), TestFaceCA, testKey("face-ap"))
}

func newIssuer(key *rsa.PrivateKey, subject pkix.Name, notBefore, notAfter time.Time,
	faceCA *rsa.PrivateKey, faceCAID trust.KeyID, faceAP *rsa.PrivateKey) (*Issuer, error) {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: subject, NotBefore: notBefore, NotAfter: notAfter,
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	cvc, err := buildCVC(faceCA, faceCAID, testFaceAP, &faceAP.PublicKey)
	if err != nil {
		return nil, err
	}
	return &Issuer{key: key, cert: cert, der: der, faceCA: faceCA, faceAP: faceAP, cvc: cvc}, nil
}

// CertificateDER is the CA certificate (EF 000B of the JPKI application).
func (is *Issuer) CertificateDER() []byte { return append([]byte(nil), is.der...) }

// rsaKeyTLV encodes a public key as the 券面 files do: 90 exponent, 91 modulus.
func rsaKeyTLV(k *rsa.PublicKey) []byte {
	return concat(tlvBytes(0x90, big.NewInt(int64(k.E)).Bytes()), tlvBytes(0x91, k.N.FillBytes(make([]byte, 256))))
}

// buildCVC makes a card-verifiable certificate: 7F21 { 5F4E body, 5F37 sig }.
func buildCVC(ca *rsa.PrivateKey, issuer, subject trust.KeyID, key *rsa.PublicKey) ([]byte, error) {
	body := concat(issuer[:], subject[:], rsaKeyTLV(key))
	sum := sha256.Sum256(body)
	sig, err := rsa.SignPKCS1v15(rand.Reader, ca, crypto.SHA256, sum[:])
	if err != nil {
		return nil, err
	}
	return tlvBytes(0x7F21, concat(tlvBytes(0x5F4E, body), tlvBytes(0x5F37, sig))), nil
}

// Build makes the card of persona p, issuing its certificate with is.
func (is *Issuer) Build(p *Persona) (*Card, error) {
	now := time.Now()
	notBefore, err := when(p.CertNotBefore, now)
	if err != nil {
		return nil, err
	}
	notAfter, err := when(p.CertNotAfter, now)
	if err != nil {
		return nil, err
	}
	userKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("card key: %w", err)
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if is.Serial != "" {
		b, err := hex.DecodeString(is.Serial)
		if err != nil {
			return nil, fmt.Errorf("serial %q: %w", is.Serial, err)
		}
		serial = new(big.Int).SetBytes(b)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		// The real subject CN is an opaque serial, not a name (domain.md §1.6).
		Subject:   pkix.Name{Country: []string{"JP"}, CommonName: fmt.Sprintf("%X", serial)},
		NotBefore: notBefore,
		NotAfter:  notAfter,
		KeyUsage:  x509.KeyUsageDigitalSignature,
	}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, is.cert, &userKey.PublicKey, is.key)
	if err != nil {
		return nil, fmt.Errorf("card certificate: %w", err)
	}
	photo, err := p.photoJP2()
	if err != nil {
		return nil, err
	}
	card, err := p.card(is, certDER, userKey, photo)
	if err != nil {
		return nil, err
	}
	card.serial = hex.EncodeToString(serial.Bytes())
	return card, nil
}

// signFace signs the card face's three groups with the 券面 key.
func (is *Issuer) signFace(groups [3][]byte) ([]byte, error) {
	return rsa.SignPKCS1v15(rand.Reader, is.faceAP, crypto.Hash(0), trust.CardFaceDigestInfo(groups))
}
