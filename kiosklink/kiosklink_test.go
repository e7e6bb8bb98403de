package kiosklink

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/kiosktest"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// running is a real machine and runner behind the link, with a chip photo.
type running struct {
	*kiosk.Runner
	mu     sync.Mutex
	viewed []string
}

func (r *running) HasPhoto() bool { return true }

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

func TestDeskConfirmsThroughTheLink(t *testing.T) {
	card := kiosktest.NewCard("1234", wareki.MustDate(1980, 2, 17), 2035, "2285")
	card.Info = kiosk.CardInfo{CertSerial: "1", CertNotAfter: time.Now().AddDate(2, 0, 0)}
	views := make(chan kiosk.View, 64)
	r := kiosk.NewRunner(kiosk.NewMachine(kiosk.DefaultConfig()), kiosk.Ports{
		Card: card, Face: &kiosktest.Face{}, Eligibility: &kiosktest.Eligibility{Known: true},
		Store: &kiosktest.Store{}, Audit: &kiosktest.Store{},
	}, func(v kiosk.View) { views <- v })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx)
	k := &running{Runner: r}
	sock := filepath.Join(t.TempDir(), "run", "kiosk.sock")
	go Serve(ctx, sock, "kiosk-1", k, slog.New(slog.DiscardHandler))
	c := &Client{Path: sock}
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
	if fi, err := os.Stat(sock); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket %v %v", fi, err)
	}
	if s.State != "welcome" || s.CanConfirm || s.Photo {
		t.Errorf("at welcome: %+v", s)
	}
	if _, err := c.Photo(ctx, "1001"); !errors.Is(err, ErrNoPhoto) {
		t.Errorf("a photo at welcome: %v", err)
	}
	if err := c.Confirm(ctx, "1001"); err == nil {
		t.Error("a confirmation at welcome")
	}
	_ = r.Post(ctx, kiosk.CardInserted{})
	for v := range views {
		if v.State == kiosk.StateChoosingMethod {
			break
		}
	}
	if s, _ = c.Session(ctx); !s.CanConfirm || !s.Photo || s.State != "choosing-method" {
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
	if err := c.Confirm(ctx, "1001"); err != nil {
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
