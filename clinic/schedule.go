package clinic

import (
	"time"

	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// Nightly is the daily sync time in Asia/Tokyo.
type Nightly struct{ Hour, Minute int }

// Last is the latest scheduled time at or before now.
func (n Nightly) Last(now time.Time) time.Time {
	t := now.In(wareki.Tokyo)
	at := time.Date(t.Year(), t.Month(), t.Day(), n.Hour, n.Minute, 0, 0, wareki.Tokyo)
	if at.After(t) {
		at = at.AddDate(0, 0, -1)
	}
	return at
}

// Next is the first scheduled time after now.
func (n Nightly) Next(now time.Time) time.Time { return n.Last(now).AddDate(0, 0, 1) }

// Missed reports whether the run scheduled last before now did not happen:
// the last finished run is older than it (a kiosk that was off at night
// catches up when it starts).
func (n Nightly) Missed(lastRun, now time.Time) bool { return lastRun.Before(n.Last(now)) }
