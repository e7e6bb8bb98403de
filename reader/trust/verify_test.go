package trust_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/reader"
	"github.com/uketsuke/uketsuke/reader/cardsim"
	"github.com/uketsuke/uketsuke/reader/trust"
)

func production(t *testing.T) *trust.Anchors {
	t.Helper()
	a, err := trust.Production()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestProductionAnchorsAreJLIS(t *testing.T) {
	a := production(t)
	roots := a.Roots()
	if len(roots) != 2 || a.Test() {
		t.Fatalf("%d roots, test %v", len(roots), a.Test())
	}
	for _, r := range roots {
		if r.Subject.Organization[0] != "JPKI" || r.Subject.OrganizationalUnit[0] != "JPKI for user authentication" || !r.IsCA {
			t.Errorf("root %s", r.Subject)
		}
	}
}

// card reads the 利用者証明用 certificate of a virtual card made by is.
func card(t *testing.T, is *cardsim.Issuer) *x509.Certificate {
	t.Helper()
	c, err := is.Build(cardsim.TestPersona())
	if err != nil {
		t.Fatal(err)
	}
	der, err := c.File(cardsim.AIDJPKI, 0x000A)
	if err != nil {
		t.Fatal(err)
	}
	x, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func wantUntrusted(t *testing.T, err error, reason string) {
	t.Helper()
	var ue *trust.UntrustedError
	if !errors.As(err, &ue) || !errors.Is(err, trust.ErrUntrusted) || !strings.Contains(ue.Reason, reason) {
		t.Errorf("got %v, want untrusted: …%s…", err, reason)
	}
}

func TestVerifyAuth(t *testing.T) {
	now := time.Now()
	test, _ := cardsim.NewIssuer()
	good := card(t, test)
	if _, err := production(t).VerifyAuth(good, now); err == nil {
		t.Error("production anchors trust the virtual card")
	} else {
		wantUntrusted(t, err, "is not a trusted")
	}
	chain, err := cardsim.TestAnchors(production(t)).VerifyAuth(good, now)
	if err != nil || !chain.Test || !strings.Contains(chain.CA, "JPKI-UKETSUKE-TEST") {
		t.Fatalf("test card: %+v, %v", chain, err)
	}

	forger, _ := cardsim.NewForger()
	_, err = cardsim.TestAnchors(production(t)).VerifyAuth(card(t, forger), now)
	wantUntrusted(t, err, "signature does not verify")

	// A CA that has expired vouches for nothing, even for a certificate
	// that is itself still within its validity.
	expired, _ := cardsim.NewExpiredIssuer()
	onlyExpired := production(t).WithTest(expired.CA(), cardsim.TestFaceCA, expired.FaceCAKey())
	leaf := card(t, expired)
	if !leaf.NotAfter.After(now) {
		t.Fatal("the leaf should still be valid")
	}
	_, err = onlyExpired.VerifyAuth(leaf, now)
	wantUntrusted(t, err, "outside its validity")

	_, err = cardsim.TestAnchors(production(t)).VerifyAuth(good, good.NotBefore.Add(-time.Hour))
	wantUntrusted(t, err, "not valid before")
}

// TestVerifyAuthKeyUsage: certificates signed by a trusted CA but not made
// for user authentication are refused.
func TestVerifyAuthKeyUsage(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	caKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ca"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, _ := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	ca, _ := x509.ParseCertificate(caDER)
	a := production(t).WithTest(ca, trust.NewKeyID("9999999", "001"), &caKey.PublicKey)
	leaf := func(usage x509.KeyUsage, isCA bool, k *rsa.PrivateKey) *x509.Certificate {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "leaf"}, NotBefore: time.Now().Add(-time.Minute),
			NotAfter: time.Now().Add(time.Hour), KeyUsage: usage, IsCA: isCA, BasicConstraintsValid: isCA}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return c
	}
	if _, err := a.VerifyAuth(leaf(x509.KeyUsageDigitalSignature, false, key), time.Now()); err != nil {
		t.Fatalf("good leaf: %v", err)
	}
	_, err := a.VerifyAuth(leaf(x509.KeyUsageKeyEncipherment, false, key), time.Now())
	wantUntrusted(t, err, "digitalSignature")
	_, err = a.VerifyAuth(leaf(x509.KeyUsageDigitalSignature|x509.KeyUsageCertSign, true, key), time.Now())
	wantUntrusted(t, err, "CA certificate")
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	_, err = a.VerifyAuth(leaf(x509.KeyUsageDigitalSignature, false, small), time.Now())
	wantUntrusted(t, err, "1024 bits")
}

// face reads and parses the virtual card's card face and 券面 certificate.
func face(t *testing.T, is *cardsim.Issuer) (trust.CVC, reader.CardFace) {
	t.Helper()
	c, err := is.Build(cardsim.TestPersona())
	if err != nil {
		t.Fatal(err)
	}
	cvcRaw, _ := c.File(cardsim.AIDVisual, 0x0004)
	cvc, err := reader.ParseCVC(cvcRaw)
	if err != nil {
		t.Fatal(err)
	}
	faceRaw, _ := c.File(cardsim.AIDVisual, 0x0002)
	cf, err := reader.ParseCardFace(faceRaw)
	if err != nil {
		t.Fatal(err)
	}
	cf.Certificate = cvc
	return cvc, cf
}

func TestVerifyCardFace(t *testing.T) {
	test, _ := cardsim.NewIssuer()
	cvc, cf := face(t, test)
	a := cardsim.TestAnchors(production(t))
	if err := reader.VerifyCardFace(a, cf); err != nil {
		t.Fatalf("genuine card face: %v", err)
	}
	wantUntrusted(t, reader.VerifyCardFace(production(t), cf), "unknown CA key 9000023/001")

	altered := *test
	altered.TamperPhoto = true
	_, cf2 := face(t, &altered)
	wantUntrusted(t, reader.VerifyCardFace(a, cf2), "card-face signature")

	forger, _ := cardsim.NewForger()
	cvc3, cf3 := face(t, forger)
	if cvc3.Issuer.String() != "5000023/001" {
		t.Fatalf("forger's CVC names %s", cvc3.Issuer)
	}
	wantUntrusted(t, reader.VerifyCardFace(a, cf3), "does not verify under CA key 5000023/001")

	// Each signed group counts: a change in any of them breaks DF28.
	for i := range cf.Signed {
		bad := cf
		bad.Signed[i] = append([]byte(nil), cf.Signed[i]...)
		bad.Signed[i][len(bad.Signed[i])-1] ^= 1
		wantUntrusted(t, reader.VerifyCardFace(a, bad), "card-face signature")
	}
	// A CVC whose body was edited (another key certified) fails its own signature.
	edited := cvc
	edited.Body = append([]byte(nil), cvc.Body...)
	edited.Body[40] ^= 1
	wantUntrusted(t, reader.VerifyCardFace(a, withCert(cf, edited)), "certificate signature")
	if err := reader.VerifyCardFace(nil, cf); !errors.Is(err, trust.ErrUntrusted) {
		t.Errorf("nil anchors: %v", err)
	}
}

// withCert is cf vouched for by another certificate.
func withCert(cf reader.CardFace, c trust.CVC) reader.CardFace {
	cf.Certificate = c
	return cf
}

func TestKeyIDString(t *testing.T) {
	if s := trust.NewKeyID("5000023", "001").String(); s != "5000023/001" {
		t.Error(s)
	}
}
