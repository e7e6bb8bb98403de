package trust

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"time"
)

// Chain is a verified 利用者証明用電子証明書: who issued it.
type Chain struct {
	CA   string // the issuing CA, e.g. "JPKI / JPKI for user authentication, 2023-07-16–2033-07-15"
	Test bool   // issued by a test hierarchy
}

// VerifyAuth checks a 利用者証明用電子証明書 read from a card at now:
//   - a trusted 利用者証明用 CA whose subject is the certificate's issuer
//     signed it (CheckSignatureFrom: a CA certificate with certSign);
//   - that CA is within its own validity at now: a CA that has expired
//     (the 2015 generation ended 2025-10-19) vouches for nothing, whatever
//     the certificate it issued says about itself;
//   - the certificate is an RSA end-entity certificate of at least 2048 bits
//     with digitalSignature key usage, and its validity has begun.
//
// The certificate's own expiry is not checked here: an expired certificate
// still identifies the card for a grace period, which kiosk.CertificateStatus
// decides from NotAfter.
func (a *Anchors) VerifyAuth(leaf *x509.Certificate, now time.Time) (Chain, error) {
	if leaf == nil {
		return Chain{}, untrusted("no certificate")
	}
	pub, ok := leaf.PublicKey.(*rsa.PublicKey)
	switch {
	case !ok:
		return Chain{}, untrusted("certificate key is %T, not RSA", leaf.PublicKey)
	case pub.N.BitLen() < 2048:
		return Chain{}, untrusted("certificate key is %d bits", pub.N.BitLen())
	case leaf.BasicConstraintsValid && leaf.IsCA:
		return Chain{}, untrusted("certificate is a CA certificate")
	case leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0:
		return Chain{}, untrusted("certificate lacks the digitalSignature key usage")
	case now.Before(leaf.NotBefore):
		return Chain{}, untrusted("certificate not valid before %s", leaf.NotBefore.UTC().Format(time.DateOnly))
	}
	var named, expired *x509.Certificate
	for _, root := range a.roots {
		if !bytes.Equal(root.RawSubject, leaf.RawIssuer) {
			continue
		}
		named = root
		if leaf.CheckSignatureFrom(root) != nil {
			continue
		}
		if now.Before(root.NotBefore) || now.After(root.NotAfter) {
			expired = root
			continue
		}
		return Chain{CA: caName(root), Test: root == a.test}, nil
	}
	switch {
	case expired != nil:
		return Chain{}, untrusted("issuing CA (%s) is outside its validity", caName(expired))
	case named != nil:
		return Chain{}, untrusted("signature does not verify under any trusted CA named %q", leaf.Issuer.String())
	}
	return Chain{}, untrusted("issuer %q is not a trusted 利用者証明用 CA", leaf.Issuer.String())
}

// CVC is a card-verifiable certificate (tag 7F21) as the 券面 applications
// keep it in EF 0004: 5F4E { 証明者鍵ID, 被証明者鍵ID, RSA key } and 5F37,
// the issuer's PKCS#1 v1.5 SHA-256 signature over the 5F4E value.
type CVC struct {
	Issuer, Subject KeyID
	Key             *rsa.PublicKey
	Body, Signature []byte
}

// VerifyCVC checks c against the CA key its 証明者鍵ID names. An issuer
// the anchors do not know is untrusted, like a bad signature.
func (a *Anchors) VerifyCVC(c CVC) error {
	ca, ok := a.cvc[c.Issuer]
	if !ok {
		return untrusted("券面 certificate issued under unknown CA key %s", c.Issuer)
	}
	sum := sha256.Sum256(c.Body)
	if err := rsa.VerifyPKCS1v15(ca, crypto.SHA256, sum[:], c.Signature); err != nil {
		return untrusted("券面 certificate signature does not verify under CA key %s", c.Issuer)
	}
	if c.Key == nil || c.Key.N.BitLen() < 2048 {
		return untrusted("券面 certificate certifies no usable key")
	}
	return nil
}

// CardFaceDigestInfo is what DF28 signs: a SHA-256 DigestInfo whose digest
// is the three SHA-256s of the card face's signed groups concatenated
// (DF22–DF24, DF25–DF26, DF27, each as the objects are written).
func CardFaceDigestInfo(groups [3][]byte) []byte {
	var digest []byte
	for _, g := range groups {
		s := sha256.Sum256(g)
		digest = append(digest, s[:]...)
	}
	prefix := []byte{0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00}
	inner := append(append(prefix, 0x04, byte(len(digest))), digest...)
	return append([]byte{0x30, byte(len(inner))}, inner...)
}

// VerifyCardFace checks the card-face signature (DF28) over the three
// signed groups with the key the verified CVC certifies.
func VerifyCardFace(key *rsa.PublicKey, groups [3][]byte, sig []byte) error {
	if key == nil {
		return untrusted("no 券面 key")
	}
	// crypto.Hash(0): the payload is the DigestInfo itself, unprefixed.
	if err := rsa.VerifyPKCS1v15(key, crypto.Hash(0), CardFaceDigestInfo(groups), sig); err != nil {
		return untrusted("the card-face signature does not verify")
	}
	return nil
}
