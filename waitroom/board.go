// Package waitroom serves the waiting room's pages: the calling display
// for a TV (/display) and the page a ticket's QR code opens on the
// patient's phone (/q/<token>), with their live updates. It reads only
// numbers, states and rooms: nothing it has could name a patient.
package waitroom

import (
	"slices"
	"time"

	"github.com/uketsuke/uketsuke/storage"
)

// Board is what the calling display shows.
type Board struct {
	Calling     []Call `json:"calling"` // being called now, the latest first
	Recent      []Call `json:"recent"`  // called before them
	Waiting     int    `json:"waiting"`
	WaitMinutes int    `json:"wait_minutes"` // estimated wait of the next to check in; 0: no estimate
}

// Call is a number called to a room.
type Call struct {
	Number string `json:"number"`
	Room   string `json:"room"`
	At     string `json:"at"` // Tokyo time, HH:MM
}

// Place is what a patient's page shows of their own visit.
type Place struct {
	Number      string `json:"number"`
	State       string `json:"state"` // waiting, soon, called, done, cancelled
	Ahead       int    `json:"ahead"`
	WaitMinutes int    `json:"wait_minutes"`
	Room        string `json:"room,omitempty"`
}

// Rules shape the board and the places.
type Rules struct {
	MinutesPerPatient int // the wait estimate per patient ahead (0: none)
	Calling           int // numbers shown as being called (default 3)
	Recent            int // numbers shown as called before (default 5)
	Soon              int // a place this many or fewer ahead is "soon" (default 2)
}

func (r Rules) orDefault(n, d int) int {
	if n <= 0 {
		return d
	}
	return n
}

// waiting reports whether an entry still waits to be called.
func waiting(e storage.QueueEntry) bool {
	return e.Status == storage.StatusWaiting || e.Status == storage.StatusPending
}

// board computes the display from the day's queue.
func (r Rules) board(q []storage.QueueEntry, tz *time.Location) Board {
	b := Board{Calling: []Call{}, Recent: []Call{}}
	var called []storage.QueueEntry
	for _, e := range q {
		if waiting(e) {
			b.Waiting++
		}
		if !e.CalledAt.IsZero() {
			called = append(called, e)
		}
	}
	slices.SortStableFunc(called, func(a, c storage.QueueEntry) int { return c.CalledAt.Compare(a.CalledAt) })
	for _, e := range called {
		c := Call{Number: e.Number, Room: e.Room, At: e.CalledAt.In(tz).Format("15:04")}
		switch {
		case e.Status == storage.StatusCalled && len(b.Calling) < r.orDefault(r.Calling, 3):
			b.Calling = append(b.Calling, c)
		case len(b.Recent) < r.orDefault(r.Recent, 5):
			b.Recent = append(b.Recent, c)
		}
	}
	b.WaitMinutes = b.Waiting * r.MinutesPerPatient
	return b
}

// place computes a patient's place from the day's queue; ok is false when
// the number is not in it.
func (r Rules) place(q []storage.QueueEntry, number string) (Place, bool) {
	ahead := 0
	for _, e := range q {
		if e.Number != number {
			if waiting(e) {
				ahead++
			}
			continue
		}
		p := Place{Number: number, Ahead: ahead}
		switch {
		case waiting(e):
			p.State, p.WaitMinutes = "waiting", ahead*r.MinutesPerPatient
			if ahead <= r.orDefault(r.Soon, 2) {
				p.State = "soon"
			}
		case e.Status == storage.StatusCalled:
			p.State, p.Room, p.Ahead = "called", e.Room, 0
		case e.Status == storage.StatusCancelled:
			p.State, p.Ahead = "cancelled", 0
		default:
			p.State, p.Ahead = "done", 0
		}
		return p, true
	}
	return Place{}, false
}
