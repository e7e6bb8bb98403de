// Package printertest is an ESC/POS receipt printer on loopback TCP for
// tests: it answers the DLE EOT status queries with the status it is set
// to and records every other byte it receives. It is as strict as a real
// printer is unforgiving: a job it receives must decode as ESC/POS (a real
// printer prints garbage or stalls on anything else), or Received fails
// the test. Tests only.
package printertest

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/printer/escpos"
)

// Printer is a fake printer listening on 127.0.0.1.
type Printer struct {
	ln     net.Listener
	mu     sync.Mutex
	status [3]byte // replies to DLE EOT 1, 2, 4
	got    []byte
	silent bool
}

// New starts a printer that is ready (online, cover shut, paper in); it
// stops when the test ends.
func New(t testing.TB) *Printer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Printer{ln: ln, status: [3]byte{0x16, 0x12, 0x12}}
	t.Cleanup(p.Close)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

// Device is the [printer] device setting that reaches it.
func (p *Printer) Device() string { return "tcp:" + p.ln.Addr().String() }

// Close stops listening.
func (p *Printer) Close() { p.ln.Close() }

// SetStatus sets the replies to DLE EOT 1, 2 and 4 (e.g. 0x1e, 0x32,
// 0x72: offline, paper out).
func (p *Printer) SetStatus(s [3]byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.status, p.got = s, nil
}

// SetSilent makes it ignore status queries (a device that is not ESC/POS).
func (p *Printer) SetSilent(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.silent = on
}

// Job is what it has received besides the status queries.
func (p *Printer) Job() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]byte(nil), p.got...)
}

// Received waits up to 2 s for a job and returns it, failing the test
// when what arrived is not valid ESC/POS.
func (p *Printer) Received(t testing.TB) []byte {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		if got := p.Job(); len(got) > 0 || time.Now().After(deadline) {
			if _, err := escpos.Decode(got); err != nil {
				t.Fatalf("the printer received bytes it cannot print: %v", err)
			}
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (p *Printer) serve(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 4096)
	var pending []byte
	for {
		n, err := c.Read(buf)
		pending = append(pending, buf[:n]...)
		for {
			i := indexQuery(pending)
			if i < 0 || i+3 > len(pending) {
				break
			}
			p.mu.Lock()
			p.got = append(p.got, pending[:i]...)
			reply := map[byte]byte{1: p.status[0], 2: p.status[1], 4: p.status[2]}[pending[i+2]]
			silent := p.silent
			p.mu.Unlock()
			pending = pending[i+3:]
			if !silent {
				c.Write([]byte{reply})
			}
		}
		if err != nil {
			p.mu.Lock()
			p.got = append(p.got, pending...)
			p.mu.Unlock()
			return
		}
	}
}

// indexQuery finds a DLE EOT query; a job written by escpos holds no DLE
// of its own (text is Shift_JIS, whose bytes are all 0x20 or more).
func indexQuery(b []byte) int {
	for i := 0; i+1 < len(b); i++ {
		if b[i] == 0x10 && b[i+1] == 0x04 {
			return i
		}
	}
	return -1
}
