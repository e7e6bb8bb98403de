package cardfront

import (
	"fmt"
	"slices"
	"time"

	"github.com/uketsuke/uketsuke/camera/cardfront/photoset"
)

// ConditionReport is the reader's accuracy and speed on the photos of one
// condition.
type ConditionReport struct {
	Condition photoset.Condition `json:"condition"`
	Photos    int                `json:"photos"`
	// AllThree: fronts whose three parts were all read right.
	AllThree int `json:"all_three"`
	// Right counts the parts read right: birth date, expiry year, code.
	Right [3]int `json:"right"`
	// Wrong: parts given that are not the truth (the figure that must be
	// 0); for backs and other cards, any part given at all.
	Wrong int `json:"wrong"`
	// P50 and P95 are the time per photo.
	P50 time.Duration `json:"p50_ns"`
	P95 time.Duration `json:"p95_ns"`
}

// Evaluate reads n generated photos of each condition and reports.
func Evaluate(r *Reader, g *photoset.Generator, n int, conds []photoset.Condition) ([]ConditionReport, error) {
	var out []ConditionReport
	for _, c := range conds {
		rep := ConditionReport{Condition: c, Photos: n}
		times := make([]time.Duration, 0, n)
		for range n {
			p, err := g.Next(c)
			if err != nil {
				return nil, err
			}
			start := time.Now()
			rd, err := r.Read(p.Frame)
			times = append(times, time.Since(start))
			p.Frame.Close()
			if err != nil {
				return nil, err
			}
			got := PartsOf(rd)
			want := [3]string{p.Truth.Birth, p.Truth.ExpiryYear, p.Truth.SecurityCode}
			right := 0
			for i := range got {
				switch {
				case got[i] == "":
				case got[i] == want[i]:
					right++
					rep.Right[i]++
				default:
					rep.Wrong++
				}
			}
			if p.Truth.Front && right == 3 {
				rep.AllThree++
			}
		}
		slices.Sort(times)
		rep.P50, rep.P95 = times[n/2], times[min(n-1, n*95/100)]
		out = append(out, rep)
	}
	return out, nil
}

// PartsOf gives a reading's parts as the command prints them: the birth
// date as 和暦 YYMMDD, the expiry year, the code; "" for a part not read.
func PartsOf(r Reading) [3]string {
	var out [3]string
	if b, ok := r.Birth(); ok {
		out[0], _ = b.EraYYMMDD()
	}
	if y, ok := r.ExpiryYear(); ok {
		out[1] = fmt.Sprint(y)
	}
	if c, ok := r.SecurityCode(); ok {
		out[2] = c
	}
	return out
}
