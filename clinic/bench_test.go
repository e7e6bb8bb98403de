package clinic

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/insurance"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// BenchmarkSync1000Visits sends a day of 1,000 visits (new patients) to the
// local ORCA-like server over HTTP, with the store in WAL and
// synchronous=FULL: target ≤ 10 s. It reports the requests per visit.
func BenchmarkSync1000Visits(b *testing.B) {
	for range b.N {
		b.StopTimer()
		r := newRig(b, true, false)
		for i := range 1000 {
			r.clk.add(time.Second)
			card, _ := insurance.ParseCard("01130012", "1234", fmt.Sprintf("%07d", i+1), "01")
			if _, err := r.store.Register(context.Background(), kiosk.Visit{Path: kiosk.PathMynaCard, Auth: kiosk.AuthPIN, CreatedAt: r.clk.Now(),
				Eligibility: &kiosk.EligibilityResult{Validity: kiosk.ValidityValid, Name: fmt.Sprintf("患者　%04d", i), NameKana: "ｶﾝｼﾞｬ",
					Birth: wareki.MustDate(1950+i%50, time.Month(1+i%12), 1+i%28), Sex: "1", Card: card}}); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		rep, err := r.y.Run(context.Background(), "bench")
		b.StopTimer()
		if err != nil || rep.Sent != 1000 {
			b.Fatalf("%s %v", rep, err)
		}
		n := 0
		for _, v := range r.srv.Requests() {
			n += v
		}
		b.ReportMetric(float64(n)/1000, "requests/visit")
		r.store.Close()
	}
}
