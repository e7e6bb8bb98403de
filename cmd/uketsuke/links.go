package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/uketsuke/uketsuke/console"
	"github.com/uketsuke/uketsuke/internal/selfsigned"
	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosklink"
	"github.com/uketsuke/uketsuke/sitequeue"
)

// linkKiosk is the running kiosk as the desk's link (kiosklink) serves it.
type linkKiosk struct {
	s   *station
	d   *desk
	key []byte // keys the chip photo's digest; this process's only
}

func newLinkKiosk(s *station, d *desk) linkKiosk {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return linkKiosk{s: s, d: d, key: key}
}

func (k linkKiosk) View() kiosk.View { return k.s.runner.View() }

func (k linkKiosk) PhotoID() string {
	if k.s.verifier == nil {
		return ""
	}
	p := k.s.verifier.Photo()
	defer clear(p)
	if len(p) == 0 {
		return ""
	}
	m := hmac.New(sha256.New, k.key)
	m.Write(p)
	return hex.EncodeToString(m.Sum(nil)[:16])
}

func (k linkKiosk) Photo(staff string) image.Image { return k.d.Photo(staff) }

func (k linkKiosk) Post(ctx context.Context, ev kiosk.Event) error { return k.s.runner.Post(ctx, ev) }

// linkSocket is where the kiosk serves the desk's link.
func linkSocket(dataDir string) string { return filepath.Join(dataDir, "kiosk.sock") }

// linkCertificate is a certificate for the kiosks' link (a kiosk serves
// with it, a desk shows it), made at first start in dir (0600): the
// kiosk's in <data dir>/link/, the desk's in <data dir>/desk/link/.
func linkCertificate(dir, name string) (tls.Certificate, error) {
	names, ips := selfsigned.LocalNames()
	cert, _, err := selfsigned.LoadOrMake(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), selfsigned.Spec{
		CommonName: name, DNSNames: names, IPs: ips,
		Usage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}})
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("the link's certificate: %w", err)
	}
	return cert, nil
}

// kioskLink is the kiosk's link for desks on other machines ([queue]
// link), before it serves.
type kioskLink struct {
	listen string
	cert   tls.Certificate
	reg    sitequeue.Link
}

// prepareKioskLink makes the link's certificate and says where it
// listens and what it registers; nil when [queue] link is not set.
func prepareKioskLink(g *globals, dataDir string) (*kioskLink, error) {
	addr := g.cfg.Queue.Link
	if addr == "" || !g.cfg.Queue.site() {
		return nil, nil
	}
	cert, err := linkCertificate(filepath.Join(dataDir, "link"), "Uketsuke kiosk "+g.cfg.KioskID)
	if err != nil {
		return nil, err
	}
	host, port, _ := net.SplitHostPort(addr)
	listen := ":" + port
	if net.ParseIP(host) != nil {
		listen = addr
	}
	return &kioskLink{listen: listen, cert: cert,
		reg: sitequeue.Link{Addr: addr, Cert: selfsigned.Fingerprint(cert.Certificate[0])}}, nil
}

// serve serves the link to the site's registered desks until ctx ends.
func (l *kioskLink) serve(ctx context.Context, g *globals, k kiosklink.Kiosk) error {
	desks := &sitequeue.Desks{DSN: g.cfg.Queue.DSN}
	g.log.Info("kiosk link: serving desks of the site", "listen", l.listen, "fingerprint", l.reg.Cert)
	return kiosklink.ServeTLS(ctx, l.listen, l.cert, desks.Check, g.cfg.KioskID, k, g.log)
}

// kioskLinks are the desk's links to the kiosks (console.Kiosks): the
// kiosk on this machine over its socket, and with the site's queue every
// kiosk that registered a link, over TLS with this desk's certificate,
// each pinned to the certificate the kiosk registered.
type kioskLinks struct {
	localID string
	local   *kiosklink.Client // the socket of the kiosk on this machine
	site    *sitequeue.Queue  // nil: the kiosk on this machine only
	cert    tls.Certificate   // this desk's client certificate
	name    string            // this desk, as registered
	log     *slog.Logger

	mu      sync.Mutex
	clients map[sitequeue.Link]*kiosklink.Client // kept for their connections
}

type linkTo struct {
	id string
	c  *kiosklink.Client
}

// list is every kiosk to ask, by kiosk id: with the site's queue the
// kiosk on this machine only when its socket is there.
func (l *kioskLinks) list(ctx context.Context) []linkTo {
	var out []linkTo
	_, err := os.Stat(l.local.Path)
	haveLocal := l.site == nil || err == nil
	if haveLocal {
		out = append(out, linkTo{l.localID, l.local})
	}
	if l.site == nil {
		return out
	}
	links, err := l.site.Links(ctx)
	if err != nil {
		l.log.Warn("desk: the kiosks' links", "err", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	clients := make(map[sitequeue.Link]*kiosklink.Client, len(links))
	for _, k := range links {
		if haveLocal && k.KioskID == l.localID {
			continue // this machine's kiosk: its socket
		}
		c := l.clients[k]
		if c == nil {
			c = &kiosklink.Client{Addr: k.Addr, TLS: kiosklink.Pinned(l.cert, k.Cert)}
		}
		clients[k] = c
		out = append(out, linkTo{k.KioskID, c})
	}
	l.clients = clients // a link no longer registered is dropped
	return out
}

// register records this desk's certificate for the kiosks' links, trying
// every 5 s while PostgreSQL does not answer, until ctx ends.
func (l *kioskLinks) register(ctx context.Context) {
	fp := selfsigned.Fingerprint(l.cert.Certificate[0])
	for {
		err := l.site.RegisterDesk(ctx, fp, l.name)
		if err == nil {
			return
		}
		l.log.Warn("desk: not registered with the kiosks' links yet", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Second):
		}
	}
}

// errNoSuchKiosk: no link to the kiosk asked for.
var errNoSuchKiosk = errors.New("desk: no link to that kiosk")

func (l *kioskLinks) client(ctx context.Context, id string) (*kiosklink.Client, error) {
	for _, k := range l.list(ctx) {
		if k.id == id {
			return k.c, nil
		}
	}
	return nil, fmt.Errorf("%w: %q", errNoSuchKiosk, id)
}

// Sessions asks every kiosk at once, each for at most 3 s.
func (l *kioskLinks) Sessions(ctx context.Context) []console.KioskSession {
	ks := l.list(ctx)
	out := make([]console.KioskSession, len(ks))
	var wg sync.WaitGroup
	for i, k := range ks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			defer cancel()
			s, err := k.c.Session(cctx)
			if err == nil && s.KioskID != k.id {
				err = fmt.Errorf("desk: the link registered for kiosk %s answers as %s", k.id, s.KioskID)
			}
			if err != nil {
				s = kiosklink.Session{KioskID: k.id}
			}
			out[i] = console.KioskSession{Session: s, Err: err}
		}()
	}
	wg.Wait()
	return out
}

func (l *kioskLinks) Photo(ctx context.Context, id, staff string) ([]byte, error) {
	c, err := l.client(ctx, id)
	if err != nil {
		return nil, err
	}
	return c.Photo(ctx, staff)
}

func (l *kioskLinks) Confirm(ctx context.Context, id, staff, photoID string) error {
	c, err := l.client(ctx, id)
	if err != nil {
		return err
	}
	return c.Confirm(ctx, staff, photoID)
}
