package console

import (
	"bufio"
	"context"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
)

// BenchmarkCheckInToDesk is the time from a check-in committed at a kiosk
// to the desk's page holding its row: the store looked at every 250 ms
// (as `uketsuke desk` does), the change event, and the page's fetch of
// the rows. It reports the median and the 95th percentile.
func BenchmarkCheckInToDesk(b *testing.B) {
	f := newFixtureEvery(b, 250*time.Millisecond)
	c := f.browser()
	f.login(c, "482916", f.code())
	req, _ := http.NewRequest("GET", f.ts.URL+"/desk/events", nil)
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	events := make(chan struct{}, 16)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if sc.Text() == "data: changed" {
				events <- struct{}{}
			}
		}
	}()
	var lat []time.Duration
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		time.Sleep(rand.N(250 * time.Millisecond)) // any moment of the store's look
		for len(events) > 0 {
			<-events
		}
		b.StartTimer()
		start := time.Now()
		tk, err := f.store.Register(context.Background(), kiosk.Visit{Path: kiosk.PathMynaCard})
		if err != nil {
			b.Fatal(err)
		}
		for {
			<-events
			_, rows := f.do(c, "GET", "/desk/queue", nil)
			if strings.Contains(rows, `data-number="`+tk.Number+`"`) {
				break
			}
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-p50")
	b.ReportMetric(float64(lat[(len(lat)*95+99)/100-1].Microseconds())/1000, "ms-p95")
}
