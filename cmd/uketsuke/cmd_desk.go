package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/uketsuke/uketsuke/console"
	"github.com/uketsuke/uketsuke/internal/selfsigned"
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
	var site *sitequeue.Queue
	if g.cfg.Queue.site() {
		q, err := sitequeue.Open(ctx, g.cfg.Queue.DSN, nil, g.log)
		if err != nil {
			return fmt.Errorf("desk: %w", err)
		}
		defer q.Close()
		site = q
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
	links := &kioskLinks{localID: g.cfg.KioskID, local: &kiosklink.Client{Path: linkSocket(dir)}, log: g.log}
	if site != nil {
		if links.cert, err = linkCertificate(filepath.Join(dir, "desk", "link"), "Uketsuke desk"); err != nil {
			return fmt.Errorf("desk: %w", err)
		}
		links.site, links.name = site, deskName()
		go links.register(ctx)
	}
	staff := &console.Server{Store: queue, Key: key, Rooms: g.cfg.Desk.Rooms, Changes: changes(), Log: g.log, Kiosks: links}
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
	var cert tls.Certificate
	var err error
	if certFile == "" {
		dir, err := g.dataDir()
		if err != nil {
			return tls.Certificate{}, "", err
		}
		names, ips := selfsigned.LocalNames()
		if u, err := url.Parse(g.cfg.Desk.URL); err == nil && u.Hostname() != "" {
			if ip := net.ParseIP(u.Hostname()); ip != nil {
				ips = append(ips, ip)
			} else {
				names = append(names, u.Hostname())
			}
		}
		certFile, keyFile = filepath.Join(dir, "desk", "cert.pem"), filepath.Join(dir, "desk", "key.pem")
		var made bool
		cert, made, err = selfsigned.LoadOrMake(certFile, keyFile, selfsigned.Spec{
			CommonName: "Uketsuke desk", DNSNames: names, IPs: ips, Usage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		if err != nil {
			return tls.Certificate{}, "", fmt.Errorf("desk: %w", err)
		}
		if made {
			g.log.Info("desk: made a self-signed certificate", "file", certFile)
		}
	} else if cert, err = tls.LoadX509KeyPair(certFile, keyFile); err != nil {
		return tls.Certificate{}, "", fmt.Errorf("desk: the certificate: %w", err)
	}
	return cert, selfsigned.Fingerprint(cert.Certificate[0]), nil
}

// deskName is how this desk is registered with the kiosks' links: its
// machine's name.
func deskName() string {
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "desk"
}
