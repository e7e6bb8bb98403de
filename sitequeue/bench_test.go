package sitequeue_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
	"github.com/uketsuke/uketsuke/sitequeue"
	"github.com/uketsuke/uketsuke/sitequeue/pgtest"
)

func reportPercentiles(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-p50")
	b.ReportMetric(float64(lat[(len(lat)*95+99)/100-1].Microseconds())/1000, "ms-p95")
}

// drain empties a change channel.
func drain(ch <-chan struct{}) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// benchSite is a PostgreSQL, one kiosk whose store is looked at every
// 100 ms (as `uketsuke run` does) and the desk's view of the queue.
func benchSite(b *testing.B) (*kioskRig, *sitequeue.Queue) {
	pg := pgtest.Start(b)
	k := startKiosk(b, pg.DSN, "front-1", "A", 100*time.Millisecond)
	q, err := sitequeue.Open(context.Background(), pg.DSN, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(q.Close)
	return k, q
}

// BenchmarkCheckInToDesk is the time from a check-in committed in a
// kiosk's own store to the desk's list holding it: the kiosk's store
// looked at every 100 ms (as `uketsuke run` does), the push, NOTIFY, and
// the desk's read of the day's list. Median and 95th percentile.
func BenchmarkCheckInToDesk(b *testing.B) {
	ctx := context.Background()
	k, q := benchSite(b)
	changes := q.Changes(b.Context())
	var lat []time.Duration
	for b.Loop() {
		b.StopTimer()
		time.Sleep(rand.N(100 * time.Millisecond)) // any moment of the store's look
		drain(changes)
		b.StartTimer()
		start := time.Now()
		tk, err := k.store.Register(ctx, kiosk.Visit{Path: kiosk.PathMynaCard})
		if err != nil {
			b.Fatal(err)
		}
		for found := false; !found; {
			<-changes
			rows, err := q.List(ctx, today())
			if err != nil {
				b.Fatal(err)
			}
			found = slices.ContainsFunc(rows, func(r storageRow) bool { return r.Number == tk.Number })
		}
		lat = append(lat, time.Since(start))
	}
	reportPercentiles(b, lat)
}

// BenchmarkCallToDisplay is the time from staff's call at the desk to the
// display's reader seeing the number called: the shared queue's update,
// NOTIFY and the queue's read.
func BenchmarkCallToDisplay(b *testing.B) {
	ctx := context.Background()
	k, q := benchSite(b)
	display := q.Changes(b.Context())
	var lat []time.Duration
	for b.Loop() {
		b.StopTimer()
		tk, err := k.store.Register(ctx, kiosk.Visit{Path: kiosk.PathMynaCard})
		if err != nil {
			b.Fatal(err)
		}
		eventually(b, "the check-in at the desk", func() bool {
			es, _ := q.Queue(ctx, today())
			return slices.ContainsFunc(es, func(e queueEntry) bool { return e.Number == tk.Number })
		})
		drain(display)
		b.StartTimer()
		start := time.Now()
		if err := q.Call(ctx, today(), tk.Number, "1番診察室", "1001"); err != nil {
			b.Fatal(err)
		}
		for called := false; !called; {
			<-display
			es, err := q.Queue(ctx, today())
			if err != nil {
				b.Fatal(err)
			}
			called = slices.ContainsFunc(es, func(e queueEntry) bool { return e.Number == tk.Number && e.Status == "called" })
		}
		lat = append(lat, time.Since(start))
	}
	reportPercentiles(b, lat)
}

// BenchmarkQueueOf50Kiosks reads the day's queue (numbers, for the
// display) and the desk's list (with the patients' details) of a site
// of 50 kiosks × 500 visits.
func BenchmarkQueueOf50Kiosks(b *testing.B) {
	pg := pgtest.Start(b)
	ctx := context.Background()
	q, err := sitequeue.Open(ctx, pg.DSN, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer q.Close()
	conn, err := pgx.Connect(ctx, pg.DSN)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	day := today()
	birth, _ := wareki.Parse("1950-01-01")
	eb, _ := json.Marshal(kiosk.EligibilityResult{Name: "山田　太郎", NameKana: "ﾔﾏﾀﾞ ﾀﾛｳ", Birth: birth, Sex: "1", Ratio: "030", InsurerName: "全国健康保険協会"})
	elig := string(eb)
	var rows [][]any
	var kiosks [][]any
	for k := range 50 {
		kid := fmt.Sprintf("k%02d", k)
		kiosks = append(kiosks, []any{kid, fmt.Sprintf("%02d", k)})
		for n := range 500 {
			at := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC).Add(time.Duration(n*50+k) * time.Second)
			rows = append(rows, []any{fmt.Sprintf("%s-%d", kid, n), kid, day, fmt.Sprintf("%02d%03d", k, n+1), n + 1,
				at.Format("2006-01-02T15:04:05.000Z"), []string{"waiting", "done"}[n%2], float64(at.UnixMilli()), "myna-card", "face", false, "ok", elig, int64(1)})
		}
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"uketsuke", "kiosks"}, []string{"kiosk_id", "prefix"}, pgx.CopyFromRows(kiosks)); err != nil {
		b.Fatal(err)
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"uketsuke", "visits"}, []string{"id", "kiosk_id", "business_day", "number", "seq",
		"created_at", "status", "pos", "path", "auth", "name_check", "cert_notice", "eligibility", "kiosk_version"}, pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "analyze"); err != nil {
		b.Fatal(err)
	}
	b.Run("queue", func(b *testing.B) {
		for b.Loop() {
			es, err := q.Queue(ctx, day)
			if err != nil || len(es) != 25000 {
				b.Fatal(len(es), err)
			}
		}
	})
	b.Run("list", func(b *testing.B) {
		for b.Loop() {
			rs, err := q.List(ctx, day)
			if err != nil || len(rs) != 25000 {
				b.Fatal(len(rs), err)
			}
		}
	})
}
