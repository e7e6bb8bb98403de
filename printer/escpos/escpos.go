// Package escpos writes and reads the ESC/POS command language of thermal
// receipt printers (Epson TM series and compatibles): Japanese text in
// kanji mode with Shift_JIS, character size, alignment, emphasis, QR codes
// (GS ( k), feeds and the cut, and the DLE EOT status replies. The
// decoder turns bytes back into commands, so that tests and `uketsuke
// print test` check what a printer would receive.
package escpos

import (
	"bytes"
	"fmt"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
)

// Control bytes.
const (
	esc = 0x1b
	gs  = 0x1d
	fs  = 0x1c
	dle = 0x10
	eot = 0x04
	lf  = 0x0a
)

// Align is a line's justification (ESC a).
type Align byte

// Alignments.
const (
	Left   Align = 0
	Center Align = 1
	Right  Align = 2
)

// Doc builds the bytes of one print job. Methods chain.
type Doc struct {
	b   bytes.Buffer
	enc *encoding.Encoder
}

// New starts a job: the printer initialised (ESC @), Shift_JIS chosen
// (FS C 1) and kanji mode on (FS &).
func New() *Doc {
	d := &Doc{enc: japanese.ShiftJIS.NewEncoder()}
	d.b.Write([]byte{esc, '@', fs, 'C', 1, fs, '&'})
	return d
}

// Text prints s on the current line. Characters Shift_JIS cannot hold,
// and control characters, print as "?".
func (d *Doc) Text(s string) *Doc {
	for _, r := range s {
		b, err := d.enc.Bytes([]byte(string(r)))
		if err != nil || r < 0x20 || r == 0x7f {
			b = []byte("?")
		}
		d.b.Write(b)
	}
	return d
}

// Line prints s and ends the line.
func (d *Doc) Line(s string) *Doc { return d.Text(s).raw(lf) }

// Lines prints each line of s.
func (d *Doc) Lines(s string) *Doc {
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		d.Line(l)
	}
	return d
}

// Align sets the justification of the following lines.
func (d *Doc) Align(a Align) *Doc { return d.raw(esc, 'a', byte(a)) }

// Bold turns emphasis on or off (ESC E).
func (d *Doc) Bold(on bool) *Doc { return d.raw(esc, 'E', b2(on)) }

// Size sets the character size: w and h are 1–8 times the normal width
// and height (GS !). Kanji follow it too.
func (d *Doc) Size(w, h int) *Doc {
	w, h = clamp(w, 1, 8), clamp(h, 1, 8)
	return d.raw(gs, '!', byte((w-1)<<4|(h-1)))
}

// Feed feeds n lines (ESC d).
func (d *Doc) Feed(n int) *Doc { return d.raw(esc, 'd', byte(clamp(n, 0, 255))) }

// QR prints data as a QR code, model 2, module size 1–16 dots, error
// correction M (GS ( k: functions 165, 167, 169, 180, 181).
func (d *Doc) QR(data string, module int) *Doc {
	d.raw(gs, '(', 'k', 4, 0, '1', 'A', '2', 0)
	d.raw(gs, '(', 'k', 3, 0, '1', 'C', byte(clamp(module, 1, 16)))
	d.raw(gs, '(', 'k', 3, 0, '1', 'E', '1')
	n := len(data) + 3
	d.raw(gs, '(', 'k', byte(n), byte(n>>8), '1', 'P', '0')
	d.b.WriteString(data)
	return d.raw(gs, '(', 'k', 3, 0, '1', 'Q', '0')
}

// Cut feeds the paper to the cutter and cuts it, leaving a hinge (GS V
// 66 0).
func (d *Doc) Cut() *Doc { return d.raw(gs, 'V', 66, 0) }

// Bytes is the job: kanji mode off (FS .) at the end.
func (d *Doc) Bytes() []byte {
	out := bytes.Clone(d.b.Bytes())
	return append(out, fs, '.')
}

func (d *Doc) raw(b ...byte) *Doc { d.b.Write(b); return d }

func b2(on bool) byte {
	if on {
		return 1
	}
	return 0
}

func clamp(v, lo, hi int) int { return max(lo, min(hi, v)) }

// Status queries (DLE EOT n) and what their reply bytes mean.
var (
	QueryPrinter = []byte{dle, eot, 1} // online or offline
	QueryOffline = []byte{dle, eot, 2} // why offline: cover, paper end, error
	QueryPaper   = []byte{dle, eot, 4} // the roll paper sensor
)

// Status is a printer's state from the DLE EOT replies.
type Status struct {
	Offline   bool
	CoverOpen bool
	PaperOut  bool // printing stopped at the paper's end
	PaperLow  bool // the near-end sensor
	Error     bool // a cutter jam or another error
}

// OK reports whether a ticket can be printed.
func (s Status) OK() bool { return !s.Offline && !s.CoverOpen && !s.PaperOut && !s.Error }

func (s Status) String() string {
	switch {
	case s.CoverOpen:
		return "cover open"
	case s.PaperOut:
		return "paper out"
	case s.Error:
		return "printer error"
	case s.Offline:
		return "offline"
	case s.PaperLow:
		return "ready, paper low"
	}
	return "ready"
}

// ParseStatus reads the replies to QueryPrinter, QueryOffline and
// QueryPaper. A reply byte always has bit 4 set and bits 0 and 7 clear;
// anything else is not an ESC/POS status reply.
func ParseStatus(printer, offline, paper byte) (Status, error) {
	for _, b := range []byte{printer, offline, paper} {
		if b&0x93 != 0x12 {
			return Status{}, fmt.Errorf("escpos: %#02x is not a status reply", b)
		}
	}
	return Status{
		Offline:   printer&0x08 != 0,
		CoverOpen: offline&0x04 != 0,
		PaperOut:  offline&0x20 != 0 || paper&0x60 == 0x60,
		Error:     offline&0x40 != 0,
		PaperLow:  paper&0x0c == 0x0c,
	}, nil
}
