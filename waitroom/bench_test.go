package waitroom

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
	"github.com/uketsuke/uketsuke/storage"
)

// BenchmarkCallToDisplay is the time from a call committed by another
// connection (the desk's, or a kiosk's) to the display's event stream
// carrying the number, with the store looked at every 250 ms as `uketsuke
// desk` does; it reports the median and the 95th percentile.
func BenchmarkCallToDisplay(b *testing.B) {
	c := &clock{t: time.Date(2026, 11, 25, 9, 0, 0, 0, wareki.Tokyo)}
	path := filepath.Join(b.TempDir(), "kiosk.db")
	st, err := storage.Open(path, storage.Options{KioskID: "kiosk-1", Clock: c})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	writer, err := storage.Open(path, storage.Options{KioskID: "kiosk-1", Clock: c})
	if err != nil {
		b.Fatal(err)
	}
	defer writer.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := &Server{Queue: st, Changes: st.Changes(ctx, 250*time.Millisecond), Clock: c}
	go srv.Run(ctx)
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		tk, err := writer.Register(ctx, kiosk.Visit{Path: kiosk.PathMynaCard})
		if err != nil {
			b.Fatal(err)
		}
		// The check-in reaches the board first; the call then comes at any
		// moment of the store's 250 ms look.
		time.Sleep(300*time.Millisecond + rand.N(250*time.Millisecond))
		_, _, wake := srv.snapshot()
		b.StartTimer()
		start := time.Now()
		if err := writer.Call(ctx, "2026-11-25", tk.Number, "1番診察室", "7"); err != nil {
			b.Fatal(err)
		}
		for {
			<-wake
			var q []storage.QueueEntry
			_, q, wake = srv.snapshot()
			bd := srv.Rules.board(q, wareki.Tokyo)
			if len(bd.Calling) > 0 && bd.Calling[0].Number == tk.Number {
				break
			}
		}
		lat = append(lat, time.Since(start))
		b.StopTimer()
		if err := writer.SetStatus(ctx, "2026-11-25", tk.Number, storage.StatusDone, "7"); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	report(b, lat)
}

func report(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	if len(lat) == 0 {
		return
	}
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-p50")
	b.ReportMetric(float64(lat[(len(lat)*95+99)/100-1].Microseconds())/1000, "ms-p95")
}
