package cardsim

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"syscall"
	"time"
)

// minOut is the shortest time a pulled card stays out of the reader.
const minOut = 900 * time.Millisecond

// Faults change how the card behaves on the wire.
type Faults struct {
	// RemoveAt pulls the card when APDU number RemoveAt (counted from 1
	// since the last insertion) arrives, leaving it unanswered; 0: never.
	// The card stays out until Insert.
	RemoveAt int
	// Delay is added to every answer, e.g. 10ms for a contactless card.
	Delay time.Duration
	// Garbage answers every APDU with random bytes.
	Garbage bool
}

// Slot puts a Card into a vsmartcard-vpcd reader: it dials vpcd (the TCP
// server inside pcscd's driver) and answers its messages. While the card
// is inserted the slot re-dials whenever the connection drops, e.g. when
// pcscd restarts.
//
// The vpcd protocol (platform.md): every message is a 2-byte big-endian
// length and a payload; a 1-byte payload is a control code (00 power off,
// 01 power on, 02 reset, 04 get ATR), anything longer a command APDU.
// Closing the connection removes the card.
type Slot struct {
	addr string
	card *Card
	log  *slog.Logger

	mu       sync.Mutex
	inserted bool
	outSince time.Time // when the card last left the reader
	faults   Faults
	answered int // APDUs answered since the last insertion
	conn     net.Conn
	wake     chan struct{}
}

// NewSlot returns a slot for vpcd at addr (e.g. "127.0.0.1:35963"), with
// the card inserted.
func NewSlot(addr string, card *Card, log *slog.Logger) *Slot {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Slot{addr: addr, card: card, log: log, inserted: true, wake: make(chan struct{}, 1)}
}

// SetFaults changes the faults; they apply from the next APDU.
func (s *Slot) SetFaults(f Faults) {
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
}

// Insert puts the card (back) into the reader.
func (s *Slot) Insert() {
	s.mu.Lock()
	s.inserted, s.answered = true, 0
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Remove pulls the card out of the reader.
func (s *Slot) Remove() {
	s.mu.Lock()
	s.inserted = false
	c := s.conn
	s.mu.Unlock()
	if c != nil {
		c.Close()
	}
}

// Answered is the number of APDUs answered since the last insertion.
func (s *Slot) Answered() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.answered
}

// Run serves until ctx ends.
func (s *Slot) Run(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { s.Remove() })
	defer stop()
	for ctx.Err() == nil {
		s.mu.Lock()
		in, out := s.inserted, time.Since(s.outSince)
		s.mu.Unlock()
		var wait <-chan time.Time
		switch {
		case !in:
			wait = nil // until Insert
		case out < minOut:
			// A card that left stays out at least minOut, as a hand would:
			// pcscd polls presence every ~400ms and must see it gone.
			wait = time.After(minOut - out)
		default:
			if err := s.serveOnce(ctx); err != nil && ctx.Err() == nil {
				s.log.Debug("vpcd connection ended", "err", err)
			}
			continue
		}
		select {
		case <-ctx.Done():
		case <-s.wake:
		case <-wait:
		}
	}
	return ctx.Err()
}

// serveOnce connects to vpcd and answers it until the connection ends.
// When vpcd is not there (pcscd restarting) it returns after a short pause.
func (s *Slot) serveOnce(ctx context.Context) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
		return fmt.Errorf("dial vpcd %s: %w", s.addr, err)
	}
	s.mu.Lock()
	if !s.inserted {
		s.mu.Unlock()
		conn.Close()
		return nil
	}
	s.conn = conn
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.conn, s.outSince = nil, time.Now()
		s.mu.Unlock()
		conn.Close()
	}()
	s.log.Info("card inserted", "vpcd", s.addr)
	tc, _ := conn.(*net.TCPConn)
	var hdr [2]byte
	for {
		quickACK(tc)
		if _, err := io.ReadFull(conn, hdr[:]); err != nil {
			return err
		}
		msg := make([]byte, binary.BigEndian.Uint16(hdr[:]))
		quickACK(tc)
		if _, err := io.ReadFull(conn, msg); err != nil {
			return err
		}
		reply, ok := s.handle(msg)
		if !ok {
			return errors.New("card pulled by fault injection")
		}
		if reply == nil {
			continue
		}
		out := make([]byte, 2+len(reply))
		binary.BigEndian.PutUint16(out, uint16(len(reply)))
		copy(out[2:], reply)
		if _, err := conn.Write(out); err != nil {
			return err
		}
	}
}

// handle answers one vpcd message; ok == false means "pull the card now".
func (s *Slot) handle(msg []byte) (reply []byte, ok bool) {
	if len(msg) == 1 {
		switch msg[0] {
		case 0x00, 0x01, 0x02: // power off, power on, reset: no reply
			s.card.Reset()
			return nil, true
		case 0x04:
			return s.card.ATR(), true
		}
		return nil, true
	}
	s.mu.Lock()
	f := s.faults
	if f.RemoveAt > 0 && s.answered+1 >= f.RemoveAt {
		s.log.Debug("pulling the card", "apdu", s.answered+1)
		s.inserted = false
		s.mu.Unlock()
		return nil, false
	}
	s.answered++
	s.mu.Unlock()
	if f.Delay > 0 {
		time.Sleep(f.Delay)
	}
	if f.Garbage {
		g := make([]byte, 1+rand.IntN(3))
		for i := range g {
			g[i] = byte(rand.IntN(256))
		}
		return g, true
	}
	resp, _ := s.card.Transmit(msg)
	return resp, true
}

// quickACK re-arms TCP_QUICKACK: vpcd sends each message in two writes
// without TCP_NODELAY, and delayed ACKs would add ~40 ms to every APDU
// (platform.md). Linux clears the flag after use, so it is set per read.
func quickACK(c *net.TCPConn) {
	if c == nil {
		return
	}
	raw, err := c.SyscallConn()
	if err != nil {
		return
	}
	_ = raw.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}
