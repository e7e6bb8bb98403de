package kiosklink

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/internal/selfsigned"
	"github.com/uketsuke/uketsuke/kiosk"
)

// BenchmarkDeskToKioskOverTLS is what a desk on another machine waits
// for on the 目視確認 page: a new TLS connection (handshake, the kiosk's
// check of the desk's certificate) and the session, then the chip photo
// over the same connection. Median and 95th percentile of each.
func BenchmarkDeskToKioskOverTLS(b *testing.B) {
	ctx, k, views := start(b)
	kioskCert, deskCert := certificate(b, "kiosk"), certificate(b, "desk")
	deskFP := selfsigned.Fingerprint(deskCert.Certificate[0])
	addr := freeLoopback(b)
	go ServeTLS(ctx, addr, kioskCert, func(_ context.Context, fp string) error {
		if fp != deskFP {
			return context.Canceled
		}
		return nil
	}, "kiosk-1", k, slog.New(slog.DiscardHandler))
	_ = k.Post(ctx, kiosk.CardInserted{})
	for v := range views {
		if v.State == kiosk.StateChoosingMethod {
			break
		}
	}
	pin := Pinned(deskCert, selfsigned.Fingerprint(kioskCert.Certificate[0]))
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := (&Client{Addr: addr, TLS: pin}).Session(ctx); err == nil {
			break
		} else if time.Now().After(deadline) {
			b.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	var session, photo []time.Duration
	for b.Loop() {
		c := &Client{Addr: addr, TLS: pin}
		t0 := time.Now()
		s, err := c.Session(ctx)
		if err != nil || !s.Photo() {
			b.Fatalf("%+v %v", s, err)
		}
		t1 := time.Now()
		if _, err := c.Photo(ctx, "1001"); err != nil {
			b.Fatal(err)
		}
		session, photo = append(session, t1.Sub(t0)), append(photo, time.Since(t1))
		c.http().CloseIdleConnections()
	}
	report := func(lat []time.Duration, name string) {
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, name+"-ms-p50")
		b.ReportMetric(float64(lat[(len(lat)*95+99)/100-1].Microseconds())/1000, name+"-ms-p95")
	}
	report(session, "session")
	report(photo, "photo")
}
