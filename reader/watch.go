package reader

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/ebfe/scard"
)

// EventKind is what a Watcher saw.
type EventKind int

// The presence events.
const (
	ReaderMissing EventKind = iota + 1 // pcscd is down, or no reader matches
	CardAbsent                         // the reader is there and empty
	CardPresent                        // a card sits in the reader
)

func (k EventKind) String() string {
	switch k {
	case ReaderMissing:
		return "reader missing"
	case CardAbsent:
		return "card absent"
	case CardPresent:
		return "card present"
	}
	return "unknown"
}

// Event is one change of reader or card presence.
type Event struct {
	Kind   EventKind
	Reader string
	ATR    []byte // with CardPresent
	Err    error  // with ReaderMissing: why
}

// pnpReader is PC/SC's pseudo reader whose state changes when readers
// come and go.
const pnpReader = `\\?PnP?\Notification`

// Watcher reports reader and card presence. It survives pcscd restarts and
// readers being unplugged: it re-establishes its context and reports
// ReaderMissing meanwhile.
type Watcher struct {
	// Match picks the reader whose name contains it; empty picks the first.
	Match string
	// Retry is the pause between attempts to reach pcscd (default 500ms).
	Retry time.Duration
	Log   *slog.Logger
}

// Run calls emit for every change until ctx ends. emit runs on Run's
// goroutine and must not block for long.
func (w *Watcher) Run(ctx context.Context, emit func(Event)) error {
	log := w.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	retry := w.Retry
	if retry <= 0 {
		retry = 500 * time.Millisecond
	}
	var last *Event
	send := func(e Event) {
		if last != nil && last.Kind == e.Kind && last.Reader == e.Reader && bytes.Equal(last.ATR, e.ATR) {
			return
		}
		last = &e
		emit(e)
	}
	for ctx.Err() == nil {
		pc, err := Establish()
		if err == nil {
			err = w.watch(ctx, pc, send)
			_ = pc.Release()
		}
		if ctx.Err() != nil {
			break
		}
		log.Warn("card reader unavailable", "err", err)
		send(Event{Kind: ReaderMissing, Err: err})
		select {
		case <-ctx.Done():
		case <-time.After(retry):
		}
	}
	return ctx.Err()
}

// watch follows one PC/SC context until it fails or ctx ends.
func (w *Watcher) watch(ctx context.Context, pc *Context, send func(Event)) error {
	stop := context.AfterFunc(ctx, func() { _ = pc.ctx.Cancel() })
	defer stop()
	for {
		readers, err := pc.Readers()
		if err != nil {
			return err
		}
		name, err := pickReader(readers, w.Match)
		states := []scard.ReaderState{{Reader: pnpReader, CurrentState: scard.StateUnaware}}
		if err == nil {
			states = append(states, scard.ReaderState{Reader: name, CurrentState: scard.StateUnaware})
		} else {
			send(Event{Kind: ReaderMissing, Err: err})
		}
		if err := w.follow(ctx, pc, states, send); err != nil {
			return err
		}
	}
}

// follow waits on states until the set of readers changes (nil) or the
// context fails (an error).
func (w *Watcher) follow(ctx context.Context, pc *Context, states []scard.ReaderState, send func(Event)) error {
	for first := true; ; first = false {
		// Wait for a change. The timeout only bounds how stale a missed
		// PnP notification can make us; changes arrive as they happen.
		err := pc.ctx.GetStatusChange(states, 2*time.Second)
		switch {
		case errors.Is(err, scard.ErrTimeout):
			continue
		case errors.Is(err, scard.ErrCancelled) && ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, scard.ErrUnknownReader):
			return nil // the reader vanished between listing and waiting
		case err != nil:
			return mapPCSC(err)
		}
		if !first && states[0].EventState&scard.StateChanged != 0 {
			return nil // readers came or went: list them again
		}
		if len(states) > 1 {
			st := states[1].EventState
			switch {
			case st&(scard.StateUnknown|scard.StateUnavailable) != 0:
				return nil
			case st&scard.StatePresent != 0 && st&scard.StateMute == 0:
				send(Event{Kind: CardPresent, Reader: states[1].Reader, ATR: bytes.Clone(states[1].Atr)})
			case st&scard.StateEmpty != 0:
				send(Event{Kind: CardAbsent, Reader: states[1].Reader})
			}
		}
		for i := range states {
			// Without clearing StateChanged the next call returns at once
			// and the loop spins (platform.md).
			states[i].CurrentState = states[i].EventState &^ scard.StateChanged
		}
	}
}
