package printer

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/printer/escpos"
)

// fakePrinter is an ESC/POS printer on loopback TCP: it answers DLE EOT
// with its status bytes and records everything else it receives.
type fakePrinter struct {
	ln     net.Listener
	mu     sync.Mutex
	status [3]byte // replies to DLE EOT 1, 2, 4
	got    []byte
	silent bool // never answers a status query
}

func newFakePrinter(t *testing.T) *fakePrinter {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &fakePrinter{ln: ln, status: [3]byte{0x16, 0x12, 0x12}}
	t.Cleanup(func() { ln.Close() })
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

func (p *fakePrinter) serve(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 4096)
	var pending []byte
	for {
		n, err := c.Read(buf)
		if n > 0 {
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
		}
		if err != nil {
			p.mu.Lock()
			p.got = append(p.got, pending...)
			p.mu.Unlock()
			return
		}
	}
}

// indexQuery finds a DLE EOT query (a job's own bytes never hold DLE:
// the encoder writes none).
func indexQuery(b []byte) int {
	for i := 0; i+1 < len(b); i++ {
		if b[i] == 0x10 && b[i+1] == 0x04 {
			return i
		}
	}
	return -1
}

func (p *fakePrinter) received(t *testing.T) []byte {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		p.mu.Lock()
		got := append([]byte(nil), p.got...)
		p.mu.Unlock()
		if len(got) > 0 || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestTicketOnATCPPrinter(t *testing.T) {
	p := newFakePrinter(t)
	d, err := Parse("tcp:" + p.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 4, 1, 5, 0, 0, time.UTC) // 10:05 in Tokyo
	job := TicketJob(Ticket{Clinic: "うけつけ医院", Number: "A-012", Waiting: 3, At: at, QR: "https://desk.example/q/3f9a", Kiosk: "front-1"})
	if err := d.Print(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	cmds, err := escpos.Decode(p.received(t))
	if err != nil {
		t.Fatal(err)
	}
	text := escpos.Printed(cmds)
	for _, want := range []string{"うけつけ医院\n", "受付番号\n", "A-012\n", "2026年12月4日（金）10:05\n", "お待ちの方 3 人\n", "front-1\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("ticket lacks %q:\n%s", want, text)
		}
	}
	// The number in the largest type, the QR code holding the link, the
	// cut last; kanji mode on before any text.
	var sizeOfNumber, qr string
	var size int
	for i, c := range cmds {
		switch c.Name {
		case "size":
			size = c.Arg
		case "text":
			if c.Text == "A-012" {
				sizeOfNumber = map[bool]string{true: "6×6"}[size == 0x55]
			}
		case "qr-store":
			qr = c.Text
			if cmds[i+1].Name != "qr-print" {
				t.Error("the QR code is stored but not printed")
			}
		}
	}
	if sizeOfNumber != "6×6" {
		t.Errorf("the number is printed at size %#x, want 6×6 (0x55)", size)
	}
	if qr != "https://desk.example/q/3f9a" {
		t.Errorf("QR holds %q", qr)
	}
	if n := len(cmds); cmds[n-2].Name != "cut" || cmds[1].Name != "sjis" || cmds[2].Name != "kanji-on" {
		t.Errorf("job starts %v, ends %v", cmds[:3], cmds[n-2:])
	}
}

// A printer out of paper, with its cover open or offline gets no job: the
// error says why, and nothing but the status queries reached it.
func TestPrinterNotReady(t *testing.T) {
	p := newFakePrinter(t)
	d, _ := Parse("tcp:" + p.ln.Addr().String())
	for _, c := range []struct {
		status [3]byte
		want   string
	}{
		{[3]byte{0x1e, 0x32, 0x72}, "paper out"},
		{[3]byte{0x1e, 0x16, 0x12}, "cover open"},
		{[3]byte{0x1e, 0x12, 0x12}, "offline"},
	} {
		p.mu.Lock()
		p.status, p.got = c.status, nil
		p.mu.Unlock()
		err := d.Print(context.Background(), TicketJob(Ticket{Number: "001", At: time.Now()}))
		var nr *NotReadyError
		if !errors.As(err, &nr) || !errors.Is(err, ErrNotReady) || nr.Status.String() != c.want {
			t.Errorf("%s: %v", c.want, err)
		}
		time.Sleep(50 * time.Millisecond)
		p.mu.Lock()
		got := len(p.got)
		p.mu.Unlock()
		if got != 0 {
			t.Errorf("%s: %d job bytes reached the printer", c.want, got)
		}
	}
	s, err := d.Status(context.Background())
	if err != nil || s.String() != "offline" {
		t.Errorf("status %v %v", s, err)
	}
}

func TestDeadOrSilentPrinter(t *testing.T) {
	p := newFakePrinter(t)
	p.silent = true
	d, _ := Parse("tcp:" + p.ln.Addr().String())
	d.Timeout = 300 * time.Millisecond
	if err := d.Print(context.Background(), SlipJob("x")); err == nil || !strings.Contains(err.Error(), "no status reply") {
		t.Errorf("a printer that does not answer: %v", err)
	}
	addr := p.ln.Addr().String()
	p.ln.Close()
	d, _ = Parse("tcp:" + addr)
	if err := d.Print(context.Background(), SlipJob("x")); err == nil {
		t.Error("printing to a closed port succeeded")
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]string{
		"usb:/dev/usb/lp0":        "usb:/dev/usb/lp0",
		"tcp:192.168.1.50":        "tcp:192.168.1.50:9100",
		"tcp:printer.local:9101":  "tcp:printer.local:9101",
		"command:lp -d reception": "command:lp -d reception",
	} {
		d, err := Parse(in)
		if err != nil || d.String() != want {
			t.Errorf("Parse(%q) = %v, %v; want %s", in, d, err, want)
		}
	}
	for _, bad := range []string{"", "lp0", "usb:lp0", "serial:/dev/ttyS0", "tcp:"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

// A command printer gets the job on its standard input, byte for byte.
func TestSlipAndCommand(t *testing.T) {
	dir := t.TempDir()
	out := dir + "/job.bin"
	d, err := Parse("command:sh -c cat>" + out)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Print(context.Background(), SlipJob("暗証番号の再設定\n市区町村の窓口へ\n")); err != nil {
		t.Fatal(err)
	}
	job, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := escpos.Decode(job)
	if err != nil {
		t.Fatal(err)
	}
	if got := escpos.Printed(cmds); got != "暗証番号の再設定\n市区町村の窓口へ\n" {
		t.Errorf("slip %q", got)
	}
}
