package clinic

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"encoding/xml"
	"math/big"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/clinic/orcatest"
)

// certPair makes a certificate signed by parent (self-signed when nil).
func certPair(t *testing.T, cn string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, server bool) (*x509.Certificate, *ecdsa.PrivateKey, []byte, []byte) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, BasicConstraintsValid: true,
	}
	if parent == nil {
		tmpl.IsCA = true
		parent, parentKey = tmpl, key
	} else if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	kb, _ := x509.MarshalECPrivateKey(key)
	return cert, key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
}

// TestClientCertificateAuth: a cloud ORCA that requires a client
// certificate (orca-api.md §4.1) accepts the kiosk's and refuses a client
// without one.
func TestClientCertificateAuth(t *testing.T) {
	dir := t.TempDir()
	ca, caKey, caPEM, _ := certPair(t, "test CA", nil, nil, false)
	_, _, srvPEM, srvKeyPEM := certPair(t, "orca", ca, caKey, true)
	_, _, cliPEM, cliKeyPEM := certPair(t, "kiosk", ca, caKey, false)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o600)
		return p
	}
	srvCert, err := tls.X509KeyPair(srvPEM, srvKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	srv := orcatest.New("ormaster", "secret")
	hs := httptest.NewUnstartedServer(srv)
	hs.TLS = &tls.Config{Certificates: []tls.Certificate{srvCert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	hs.StartTLS()
	defer hs.Close()
	pw := write("pass", []byte("secret"))
	srv.AddPatient(orcatest.Patient{Name: "診療　太郎", Birth: "1980-02-17", Sex: "1"})
	o, err := NewORCA(ORCAConfig{URL: hs.URL, User: "ormaster", PasswordFile: pw, CA: write("ca.pem", caPEM),
		ClientCert: write("cli.pem", cliPEM), ClientKey: write("cli.key", cliKeyPEM)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Accept(context.Background(), Reception{PatientID: "00001", Date: "2026-11-25", Time: "09:00:00", Department: "01", Physician: "10001"}); err != nil {
		t.Fatalf("with the client certificate: %v", err)
	}
	bare, _ := NewORCA(ORCAConfig{URL: hs.URL, User: "ormaster", PasswordFile: pw, CA: write("ca2.pem", caPEM)})
	if _, err := bare.Accept(context.Background(), Reception{PatientID: "00001"}); err == nil {
		t.Fatal("a client without a certificate was let in")
	}
}

// FuzzORCAAnswers feeds arbitrary bytes to the decoding of every ORCA
// answer the client reads: nothing may panic.
func FuzzORCAAnswers(f *testing.F) {
	f.Add([]byte(`<xmlio2><acceptres type="record"><Api_Result>00</Api_Result><Acceptance_Id>00001</Acceptance_Id></acceptres></xmlio2>`))
	f.Add([]byte(`<xmlio2><patientlst2res><Api_Result>00</Api_Result><Patient_Information><Patient_Information_child><Patient_ID>1</Patient_ID></Patient_Information_child></Patient_Information></patientlst2res></xmlio2>`))
	f.Add([]byte(`<xmlio2><acceptlstres><Acceptlst_Information><Acceptlst_Information_child><Patient_Information><Patient_ID>1`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, out := range []any{&acceptRes{}, &patientListRes{}, &patientModRes{}, &acceptListRes{}} {
			_ = xml.Unmarshal(data, out)
		}
	})
}
