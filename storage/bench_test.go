package storage

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
)

// BenchmarkCheckIn measures the commit latency of one check-in (visit +
// outbox + audit, one transaction) on an empty database and with 10,000
// visits stored, with synchronous=FULL (the chosen mode: the WAL is
// fsynced at every commit, so an acknowledged check-in survives power
// loss) and NORMAL (for comparison: durable across a crash of the process,
// not of the machine). Reports p50 and p99 in ms.
func BenchmarkCheckIn(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		for _, preload := range []int{0, 10000} {
			b.Run(fmt.Sprintf("sync=%s/stored=%d", sync, preload), func(b *testing.B) {
				s, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{synchronous: sync})
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				ctx := context.Background()
				at := time.Date(2026, 11, 25, 10, 0, 0, 0, jst)
				for range preload {
					if _, err := s.Register(ctx, visit(at.AddDate(0, 0, -1))); err != nil {
						b.Fatal(err)
					}
				}
				var lat []time.Duration
				for b.Loop() {
					t0 := time.Now()
					if _, err := s.Register(ctx, visit(at)); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
				}
				slices.Sort(lat)
				p := func(q float64) float64 {
					return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))].Microseconds()) / 1000
				}
				b.ReportMetric(p(0.50), "p50-ms")
				b.ReportMetric(p(0.99), "p99-ms")
			})
		}
	}
}

// BenchmarkQueueOf50Kiosks is the waiting room's and the desk's read of a
// day with 50 kiosks × 500 visits in one store: the queue in order, and
// the desk's list with the patients' details.
func BenchmarkQueueOf50Kiosks(b *testing.B) {
	c := &clock{t: time.Date(2026, 11, 25, 9, 0, 0, 0, jst)}
	path := filepath.Join(b.TempDir(), "bench.db")
	var st *Store
	for k := range 50 {
		s, err := Open(path, Options{KioskID: fmt.Sprintf("kiosk-%02d", k), Clock: c, synchronous: "OFF"})
		if err != nil {
			b.Fatal(err)
		}
		for range 500 {
			if _, err := s.Register(context.Background(), kiosk.Visit{Path: kiosk.PathMynaCard,
				Eligibility: &kiosk.EligibilityResult{Validity: kiosk.ValidityValid, Name: "宇計　花子"}}); err != nil {
				b.Fatal(err)
			}
		}
		if st == nil {
			st = s
			defer st.Close()
		} else {
			s.Close()
		}
	}
	b.Run("queue", func(b *testing.B) {
		for b.Loop() {
			if q, err := st.Queue(context.Background(), "2026-11-25"); err != nil || len(q) != 25000 {
				b.Fatalf("%d entries, %v", len(q), err)
			}
		}
	})
	b.Run("list", func(b *testing.B) {
		for b.Loop() {
			if l, err := st.List(context.Background(), "2026-11-25"); err != nil || len(l) != 25000 {
				b.Fatalf("%d visits, %v", len(l), err)
			}
		}
	})
}
