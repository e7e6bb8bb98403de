// Package trust decides whether a My Number card's data comes from J-LIS:
// the 利用者証明用電子証明書 against the J-LIS 利用者証明用 CA certificates,
// and the 券面事項確認AP's card-verifiable certificate and card-face
// signature against the J-LIS CA keys named by 証明者鍵ID. The anchors are
// compiled in; a test hierarchy is added only on request.
package trust

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"embed"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// ErrUntrusted is wrapped by every verification failure of this package.
var ErrUntrusted = errors.New("not issued by J-LIS")

// UntrustedError says why a certificate or signature was not accepted.
type UntrustedError struct{ Reason string }

func (e *UntrustedError) Error() string { return "untrusted: " + e.Reason }

// Unwrap makes errors.Is(err, ErrUntrusted) true.
func (e *UntrustedError) Unwrap() error { return ErrUntrusted }

func untrusted(format string, a ...any) error {
	return &UntrustedError{Reason: fmt.Sprintf(format, a...)}
}

// jlisCerts holds the J-LIS 利用者証明用 CA certificates, put there by
// packaging/setup-trust.sh from the shared reference folder after checking
// their fingerprints.
//
//go:embed jlis/*.pem
var jlisCerts embed.FS

// jlisAuthCAs pins the J-LIS 利用者証明用 CA certificates by the SHA-256 of
// their DER (the fingerprints J-LIS publishes).
var jlisAuthCAs = []struct{ file, sha256 string }{
	{"jlis/jlis_auth_ca_2015.pem", "4dcfc4ca0aaf9fb2a3081b3f0c991c320b3acc008667a341eeaec5af1d58ca7d"},
	{"jlis/jlis_auth_ca_2023.pem", "64114f29620c24ed2631d46476a040e7ee740d956089c00b036a6a8118c322b5"},
}

// Anchors are the certificates and keys a card is verified against.
type Anchors struct {
	roots []*x509.Certificate
	// cvc maps a 16-byte 証明者鍵ID to the CA key it names.
	cvc map[KeyID]*rsa.PublicKey
	// test is the test hierarchy's CA certificate, when one was added.
	test *x509.Certificate
}

// KeyID is a 16-byte 証明者鍵ID / 被証明者鍵ID: seven digits, 08 05, three
// digits, then padding.
type KeyID [16]byte

// String is the printable part, e.g. "5000023/001".
func (k KeyID) String() string {
	return fmt.Sprintf("%s/%s", printable(k[:7]), printable(k[9:12]))
}

func printable(b []byte) string {
	return strings.Map(func(r rune) rune {
		if r < '0' || r > '9' {
			return '?'
		}
		return r
	}, string(b))
}

// NewKeyID builds a key id from its two digit groups ("5000023", "001").
func NewKeyID(number, group string) KeyID {
	var k KeyID
	copy(k[:7], number)
	k[7], k[8] = 0x08, 0x05
	copy(k[9:12], group)
	return k
}

// Production returns the J-LIS anchors: the 利用者証明用 CA certificates
// (each checked against its pinned fingerprint) and the production CA keys
// of the 券面 applications. An error means the binary was built without
// the certificates (run packaging/setup-trust.sh) or with altered ones.
func Production() (*Anchors, error) {
	a := &Anchors{cvc: map[KeyID]*rsa.PublicKey{}}
	for _, c := range jlisAuthCAs {
		b, err := jlisCerts.ReadFile(c.file)
		if err != nil {
			return nil, fmt.Errorf("J-LIS CA certificate %s not built in (run packaging/setup-trust.sh): %w", c.file, err)
		}
		blk, _ := pem.Decode(b)
		if blk == nil || blk.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("J-LIS CA certificate %s is not PEM", c.file)
		}
		if sum := sha256.Sum256(blk.Bytes); hex.EncodeToString(sum[:]) != c.sha256 {
			return nil, fmt.Errorf("J-LIS CA certificate %s: SHA-256 %x is not the published fingerprint", c.file, sum)
		}
		cert, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("J-LIS CA certificate %s: %w", c.file, err)
		}
		a.roots = append(a.roots, cert)
	}
	for _, k := range jlisCVCKeys {
		n, ok := new(big.Int).SetString(k.modulus, 16)
		if !ok || n.BitLen() != 2048 {
			return nil, fmt.Errorf("CA key %s: bad modulus", k.id)
		}
		a.cvc[k.id] = &rsa.PublicKey{N: n, E: 65537}
	}
	return a, nil
}

// WithTest returns a copy of a that also trusts a test hierarchy: an
// X.509 利用者証明用 CA certificate and a 券面 CA key with its 証明者鍵ID.
// Only tests and the demo may use it.
func (a *Anchors) WithTest(root *x509.Certificate, id KeyID, key *rsa.PublicKey) *Anchors {
	b := &Anchors{roots: append(append([]*x509.Certificate(nil), a.roots...), root), cvc: map[KeyID]*rsa.PublicKey{}, test: root}
	for k, v := range a.cvc {
		b.cvc[k] = v
	}
	b.cvc[id] = key
	return b
}

// Test reports whether a test hierarchy is trusted.
func (a *Anchors) Test() bool { return a.test != nil }

// Roots returns the trusted 利用者証明用 CA certificates.
func (a *Anchors) Roots() []*x509.Certificate { return append([]*x509.Certificate(nil), a.roots...) }

// caName is how a CA is named in messages: its last OU and its validity.
func caName(c *x509.Certificate) string {
	name := c.Subject.Organization
	ou := c.Subject.OrganizationalUnit
	s := strings.Join(name, ",")
	if len(ou) > 0 {
		s += " / " + ou[0]
	}
	return fmt.Sprintf("%s, %s–%s", s, c.NotBefore.UTC().Format("2006-01-02"), c.NotAfter.UTC().Format("2006-01-02"))
}
