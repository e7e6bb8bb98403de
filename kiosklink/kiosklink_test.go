package kiosklink

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/internal/selfsigned"
	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/kiosktest"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// running is a real machine and runner behind the link, with a chip photo.
type running struct {
	*kiosk.Runner
	mu      sync.Mutex
	viewed  []string
	photoID string
}

func (r *running) PhotoID() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.photoID
}

func (r *running) Photo(staff string) image.Image {
	r.mu.Lock()
	r.viewed = append(r.viewed, staff)
	r.mu.Unlock()
	img := image.NewGray(image.Rect(0, 0, 90, 110))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	img.Set(1, 1, color.White)
	return img
}

// start runs a real machine and runner with a card just put on the
// reader's way; views carries what the kiosk shows.
func start(t testing.TB) (context.Context, *running, chan kiosk.View) {
	card := kiosktest.NewCard("1234", wareki.MustDate(1980, 2, 17), 2035, "2285")
	card.Info = kiosk.CardInfo{CertSerial: "1", CertNotAfter: time.Now().AddDate(2, 0, 0)}
	views := make(chan kiosk.View, 64)
	r := kiosk.NewRunner(kiosk.NewMachine(kiosk.DefaultConfig()), kiosk.Ports{
		Card: card, Face: &kiosktest.Face{}, Eligibility: &kiosktest.Eligibility{Known: true},
		Store: &kiosktest.Store{}, Audit: &kiosktest.Store{},
	}, func(v kiosk.View) { views <- v })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go r.Run(ctx)
	return ctx, &running{Runner: r, photoID: "p1"}, views
}

func TestDeskConfirmsThroughTheLink(t *testing.T) {
	ctx, k, views := start(t)
	r := k.Runner
	sock := filepath.Join(t.TempDir(), "run", "kiosk.sock")
	go Serve(ctx, sock, "kiosk-1", k, slog.New(slog.DiscardHandler))
	c := &Client{Path: sock}
	confirmThrough(t, ctx, c, k, r, views)
	if fi, err := os.Stat(sock); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket %v %v", fi, err)
	}
}

// confirmThrough walks 目視確認 through the link c: nothing at welcome,
// the photo and the confirmation once the card is read.
func confirmThrough(t *testing.T, ctx context.Context, c *Client, k *running, r *kiosk.Runner, views chan kiosk.View) {
	t.Helper()
	var s Session
	deadline := time.Now().Add(5 * time.Second)
	for {
		var err error
		if s, err = c.Session(ctx); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if s.State != "welcome" || s.CanConfirm || s.Photo() {
		t.Errorf("at welcome: %+v", s)
	}
	if _, err := c.Photo(ctx, "1001"); !errors.Is(err, ErrNoPhoto) {
		t.Errorf("a photo at welcome: %v", err)
	}
	if err := c.Confirm(ctx, "1001", ""); err == nil {
		t.Error("a confirmation at welcome")
	}
	_ = r.Post(ctx, kiosk.CardInserted{})
	for v := range views {
		if v.State == kiosk.StateChoosingMethod {
			break
		}
	}
	if s, _ = c.Session(ctx); !s.CanConfirm || !s.Photo() || s.PhotoID != "p1" || s.State != "choosing-method" {
		t.Fatalf("with the card read: %+v", s)
	}
	b, err := c.Photo(ctx, "1001")
	if err != nil {
		t.Fatal(err)
	}
	if img, err := jpeg.Decode(bytes.NewReader(b)); err != nil || img.Bounds().Dx() != 90 {
		t.Errorf("photo: %v", err)
	}
	if len(k.viewed) != 1 || k.viewed[0] != "1001" {
		t.Errorf("the view was not the kiosk's to audit with the staff ID: %v", k.viewed)
	}
	// Another card on the reader since staff looked: not confirmed.
	k.mu.Lock()
	k.photoID = "p2"
	k.mu.Unlock()
	if err := c.Confirm(ctx, "1001", s.PhotoID); err == nil || r.View().Authenticated != kiosk.AuthNone {
		t.Fatalf("a confirmation of another card's photo: %v", err)
	}
	k.mu.Lock()
	k.photoID = "p1"
	k.mu.Unlock()
	if err := c.Confirm(ctx, "1001", s.PhotoID); err != nil {
		t.Fatal(err)
	}
	for v := range views {
		if v.Authenticated == kiosk.AuthVisual {
			break
		}
	}
	if s, _ = c.Session(ctx); s.CanConfirm {
		t.Errorf("after the confirmation: %+v", s)
	}
}

// certificate makes a self-signed certificate in a temporary folder.
func certificate(t testing.TB, name string) tls.Certificate {
	t.Helper()
	dir := t.TempDir()
	c, _, err := selfsigned.LoadOrMake(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), selfsigned.Spec{
		CommonName: name, Usage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestADeskOnAnotherMachineConfirmsOverTLS(t *testing.T) {
	ctx, k, views := start(t)
	kioskCert, deskCert, stranger := certificate(t, "kiosk"), certificate(t, "desk"), certificate(t, "stranger")
	deskFP := selfsigned.Fingerprint(deskCert.Certificate[0])
	addr := freeLoopback(t)
	var mu sync.Mutex
	var asked []string
	desks := func(_ context.Context, fp string) error {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, fp)
		if fp != deskFP {
			return errors.New("not a desk of this site")
		}
		return nil
	}
	go ServeTLS(ctx, addr, kioskCert, desks, "kiosk-2", k, slog.New(slog.DiscardHandler))
	kioskFP := selfsigned.Fingerprint(kioskCert.Certificate[0])

	c := &Client{Addr: addr, TLS: Pinned(deskCert, kioskFP)}
	confirmThrough(t, ctx, c, k, k.Runner, views)
	// A client certificate the site does not list is refused at the
	// handshake, before any request.
	if _, err := (&Client{Addr: addr, TLS: Pinned(stranger, kioskFP)}).Session(ctx); err == nil {
		t.Error("a stranger's certificate was served")
	}
	// A server that is not the registered kiosk is refused by the desk.
	if _, err := (&Client{Addr: addr, TLS: Pinned(deskCert, selfsigned.Fingerprint(stranger.Certificate[0]))}).Session(ctx); !errors.Is(err, ErrNotTheKiosk) {
		t.Errorf("a server with another certificate: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(asked, selfsigned.Fingerprint(stranger.Certificate[0])) || !slices.Contains(asked, deskFP) {
		t.Errorf("the desks asked for: %v", asked)
	}
}

// freeLoopback is a loopback address with a port free at the moment.
func freeLoopback(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
