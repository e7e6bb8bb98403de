package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/uketsuke/uketsuke/console"
	"github.com/uketsuke/uketsuke/kiosklink"
	"github.com/uketsuke/uketsuke/sitequeue"
	"github.com/uketsuke/uketsuke/voice"
	"github.com/uketsuke/uketsuke/waitroom"
)

// runDesk is `uketsuke desk`: the reception desk's web server over
// HTTPS, serving the staff console (/desk/), the waiting-room display
// (/display) and the patients' pages (/q/<token>) from the kiosk's store.
func runDesk(ctx context.Context, g *globals, args []string) error {
	listen := ""
	args, err := parseCommand(g, "desk", args, func(fs *flag.FlagSet) {
		fs.StringVar(&listen, "listen", "", "the address to serve (default [desk] listen, :8443)")
	})
	if err != nil {
		return err
	}
	if len(args) != 0 {
		return usageError{"no arguments"}
	}
	if listen == "" {
		listen = g.cfg.Desk.Listen
	}
	cert, fingerprint, err := deskCertificate(g)
	if err != nil {
		return err
	}
	st, err := openStore(g)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var queue console.Store = st
	var pageQueue waitroom.Queue = st
	changes := func() <-chan struct{} { return st.Changes(ctx, 250*time.Millisecond) }
	if g.cfg.Queue.site() {
		q, err := sitequeue.Open(ctx, g.cfg.Queue.DSN, nil, g.log)
		if err != nil {
			return fmt.Errorf("desk: %w", err)
		}
		defer q.Close()
		queue, pageQueue = siteDesk{Store: st, site: q}, q
		changes = func() <-chan struct{} { return q.Changes(ctx) }
	}
	room := &waitroom.Server{
		Queue: pageQueue, Rules: waitroom.Rules{MinutesPerPatient: g.cfg.Reception.MinutesPerPatient},
		Clinic: g.cfg.Reception.ClinicName, Changes: changes(), Log: g.log,
	}
	if g.cfg.Desk.SpeakCalls == nil || *g.cfg.Desk.SpeakCalls {
		synth := voice.Synth{Speed: g.cfg.Voice.Speed}
		if err := synth.Check(); err != nil {
			g.log.Warn("desk: the display will not say the calls", "err", err)
		} else {
			room.Speech, room.Spoken = synth, voice.Spoken
		}
	}
	go room.Run(ctx)
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	dir, err := g.dataDir()
	if err != nil {
		return err
	}
	staff := &console.Server{Store: queue, Key: key, Rooms: g.cfg.Desk.Rooms, Changes: changes(), Log: g.log,
		Kiosk: &kiosklink.Client{Path: linkSocket(dir)}}
	go staff.Run(ctx)
	mux := http.NewServeMux()
	mux.Handle("/desk/", staff.Handler())
	pages := room.Handler()
	for _, p := range []string{"/display", "/display/", "/q/", "/waitroom.js", "/waitroom.css"} {
		mux.Handle(p, pages)
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/desk/", http.StatusSeeOther) })
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("desk: %w", err)
	}
	srv := &http.Server{
		Handler:           mux,
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}},
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx }, // streams end with the server
	}
	fmt.Fprintf(g.stdout, "desk: serving https://%s (staff: /desk/, the display: /display; certificate SHA-256 %s)\n", ln.Addr(), fingerprint)
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()
	select {
	case <-ctx.Done():
	case err := <-errc:
		return fmt.Errorf("desk: %w", err)
	}
	cancel()
	shut, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	_ = srv.Shutdown(shut)
	return nil
}

// deskCertificate is the clinic's certificate ([desk] cert and key), or
// a self-signed one made at first start in <data dir>/desk/ (0600). It
// returns the certificate's SHA-256 fingerprint for staff to check.
func deskCertificate(g *globals) (tls.Certificate, string, error) {
	certFile, keyFile := g.cfg.Desk.Cert, g.cfg.Desk.Key
	if certFile == "" {
		dir, err := g.dataDir()
		if err != nil {
			return tls.Certificate{}, "", err
		}
		certFile, keyFile = filepath.Join(dir, "desk", "cert.pem"), filepath.Join(dir, "desk", "key.pem")
		if _, err := os.Stat(certFile); errors.Is(err, os.ErrNotExist) {
			if err := makeDeskCertificate(certFile, keyFile, g.cfg.Desk.URL); err != nil {
				return tls.Certificate{}, "", fmt.Errorf("desk: making a certificate: %w", err)
			}
			g.log.Info("desk: made a self-signed certificate", "file", certFile)
		}
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return tls.Certificate{}, "", fmt.Errorf("desk: the certificate: %w", err)
	}
	sum := sha256.Sum256(cert.Certificate[0])
	return cert, hex.EncodeToString(sum[:]), nil
}

// makeDeskCertificate writes a self-signed ECDSA P-256 certificate for
// this machine's names and addresses (and [desk] url's host), valid two
// years.
func makeDeskCertificate(certFile, keyFile, deskURL string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "Uketsuke desk", Organization: []string{"Uketsuke"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(2, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		tmpl.DNSNames = append(tmpl.DNSNames, h)
	}
	if u, err := url.Parse(deskURL); err == nil && u.Hostname() != "" {
		if ip := net.ParseIP(u.Hostname()); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, u.Hostname())
		}
	}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
				tmpl.IPAddresses = append(tmpl.IPAddresses, n.IP)
			}
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(certFile), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
}
