package clinic

import (
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

func TestNightlySchedule(t *testing.T) {
	n := Nightly{Hour: 23, Minute: 30}
	tokyo := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, wareki.Tokyo) }
	for _, c := range []struct {
		now, last, next time.Time
	}{
		{tokyo(25, 12, 0), tokyo(24, 23, 30), tokyo(25, 23, 30)},
		{tokyo(25, 23, 30), tokyo(25, 23, 30), tokyo(26, 23, 30)},
		{tokyo(26, 0, 10), tokyo(25, 23, 30), tokyo(26, 23, 30)},
		// The same instant in UTC: the schedule is Tokyo's whatever the machine says.
		{time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC), tokyo(25, 23, 30), tokyo(26, 23, 30)},
	} {
		if got := n.Last(c.now); !got.Equal(c.last) {
			t.Errorf("Last(%v) = %v, want %v", c.now, got, c.last)
		}
		if got := n.Next(c.now); !got.Equal(c.next) {
			t.Errorf("Next(%v) = %v, want %v", c.now, got, c.next)
		}
	}
	if !n.Missed(tokyo(24, 23, 0), tokyo(25, 8, 0)) {
		t.Error("a kiosk off at 23:30 did not catch up in the morning")
	}
	if n.Missed(tokyo(24, 23, 31), tokyo(25, 8, 0)) {
		t.Error("a run after the schedule counted as missed")
	}
	if !n.Missed(time.Time{}, tokyo(25, 8, 0)) {
		t.Error("never run is not missed")
	}
}
