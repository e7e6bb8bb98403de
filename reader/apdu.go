package reader

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/uketsuke/uketsuke/kiosk"
)

// Instruction bytes used with the My Number card (domain.md §1.5).
const (
	insSelect      = 0xA4
	insReadBinary  = 0xB0
	insVerify      = 0x20
	insGetResponse = 0xC0
	insSignature   = 0x2A // CLA 80: the JPKI "compute digital signature"
)

// maxShortLe is the most a short READ BINARY can return.
const maxShortLe = 256

// transmitter sends one APDU and returns the response with its status
// word. *scard.Card satisfies it; tests use scripted fakes and the
// in-process virtual card.
type transmitter interface {
	Transmit(cmd []byte) ([]byte, error)
}

// Tracer receives every APDU exchanged, for debugging. Secrets never reach
// it: the data of VERIFY commands is replaced with XX bytes.
type Tracer func(cmd, resp []byte)

// apdu is a command APDU in short form.
type apdu struct {
	cla, ins, p1, p2 byte
	data             []byte
	le               int // -1: no Le; 0..256, where 256 is encoded as 00
}

func (a apdu) bytes() []byte {
	b := []byte{a.cla, a.ins, a.p1, a.p2}
	if len(a.data) > 0 {
		b = append(b, byte(len(a.data)))
		b = append(b, a.data...)
	}
	if a.le >= 0 {
		b = append(b, byte(a.le)) // 256 wraps to 00 as ISO 7816-4 encodes it
	}
	return b
}

// name is the command's name for errors and traces.
func (a apdu) name() string {
	switch a.ins {
	case insSelect:
		return "SELECT"
	case insReadBinary:
		return "READ BINARY"
	case insVerify:
		return "VERIFY"
	case insGetResponse:
		return "GET RESPONSE"
	case insSignature:
		return "COMPUTE SIGNATURE"
	}
	return fmt.Sprintf("INS %02X", a.ins)
}

// channel sends APDUs over a transmitter: it follows 61xx with GET
// RESPONSE and re-sends with the right Le on 6Cxx, counts what it sends,
// and traces with VERIFY data masked.
type channel struct {
	t      transmitter
	trace  Tracer
	apdus  int // commands sent, GET RESPONSE and re-sends included
	bytes  int // response bytes received
	mapErr func(error) error
}

// response is a response's data and status word.
type response struct {
	data []byte
	sw   uint16
}

func (r response) ok() bool { return r.sw == 0x9000 }

// send transmits a and returns the complete response.
func (c *channel) send(a apdu) (response, error) {
	var data []byte
	cmd := a.bytes()
	for range 32 { // a card that keeps sending 61xx is broken; bound the loop
		raw, err := c.raw(cmd, a.ins == insVerify)
		if err != nil {
			return response{}, fmt.Errorf("%s: %w", a.name(), err)
		}
		switch len(raw) {
		case 0:
			// No answer at all: the card left the field or lost contact
			// (vpcd and contactless readers report it so, as success).
			return response{}, fmt.Errorf("%s: no answer from the card: %w", a.name(), ErrCardRemoved)
		case 1:
			return response{}, fmt.Errorf("%s: response of 1 byte: %w", a.name(), ErrCorrupt)
		}
		sw := uint16(raw[len(raw)-2])<<8 | uint16(raw[len(raw)-1])
		data = append(data, raw[:len(raw)-2]...)
		switch sw1 := byte(sw >> 8); {
		case sw1 == 0x61: // more data: GET RESPONSE with Le = SW2 (00 = 256)
			cmd = apdu{cla: 0x00, ins: insGetResponse, le: leOf(byte(sw))}.bytes()
		case sw1 == 0x6C && a.le >= 0: // wrong Le: the card says how many it has
			a.le = leOf(byte(sw))
			cmd = a.bytes()
			data = data[:0]
		default:
			return response{data: data, sw: sw}, nil
		}
	}
	return response{}, fmt.Errorf("%s: endless 61xx/6Cxx chain: %w", a.name(), ErrCorrupt)
}

func leOf(b byte) int {
	if b == 0 {
		return maxShortLe
	}
	return int(b)
}

func (c *channel) raw(cmd []byte, secret bool) ([]byte, error) {
	c.apdus++
	resp, err := c.t.Transmit(cmd)
	if c.trace != nil {
		shown := cmd
		if secret && len(cmd) > 5 {
			shown = append([]byte(nil), cmd[:5]...)
			shown = append(shown, []byte(strings.Repeat("X", len(cmd)-5))...)
		}
		c.trace(shown, resp)
	}
	if err != nil {
		if c.mapErr != nil {
			err = c.mapErr(err)
		}
		return nil, err
	}
	c.bytes += len(resp)
	return resp, nil
}

// check sends a and fails unless the card answers 9000.
func (c *channel) check(a apdu) ([]byte, error) {
	r, err := c.send(a)
	if err != nil {
		return nil, err
	}
	if !r.ok() {
		return nil, statusError(a.name(), r.sw)
	}
	return r.data, nil
}

// selectAID selects an application by its AID.
func (c *channel) selectAID(aid []byte) error {
	_, err := c.check(apdu{cla: 0x00, ins: insSelect, p1: 0x04, p2: 0x0C, data: aid, le: -1})
	if err != nil {
		return fmt.Errorf("select AID %X: %w", aid, err)
	}
	return nil
}

// selectEF selects an elementary file of the current application.
func (c *channel) selectEF(fid uint16) error {
	_, err := c.check(apdu{cla: 0x00, ins: insSelect, p1: 0x02, p2: 0x0C, data: []byte{byte(fid >> 8), byte(fid)}, le: -1})
	if err != nil {
		return fmt.Errorf("select EF %04X: %w", fid, err)
	}
	return nil
}

// readBinary reads up to n bytes (1..256) at offset of the current EF. A
// card may return fewer at the end of the file (6282, or 9000 short).
func (c *channel) readBinary(offset, n int) ([]byte, error) {
	if offset < 0 || offset > 0x7FFF {
		return nil, fmt.Errorf("READ BINARY at offset %d: beyond what a short command addresses: %w", offset, ErrCorrupt)
	}
	return c.read(apdu{cla: 0x00, ins: insReadBinary, p1: byte(offset >> 8), p2: byte(offset), le: n}, offset)
}

// readBinarySFI reads up to n bytes at the start of the EF with short
// identifier sfi, which becomes the current EF (ISO 7816-4 §7.2.2); it
// saves the SELECT a file would otherwise need.
func (c *channel) readBinarySFI(sfi byte, n int) ([]byte, error) {
	return c.read(apdu{cla: 0x00, ins: insReadBinary, p1: 0x80 | sfi&0x1F, p2: 0, le: n}, 0)
}

func (c *channel) read(a apdu, offset int) ([]byte, error) {
	r, err := c.send(a)
	if err != nil {
		return nil, err
	}
	switch {
	case r.ok(), r.sw == 0x6282: // 6282: end of file reached before Le bytes
		return r.data, nil
	case r.sw == 0x6B00 && offset > 0: // offset beyond the end: nothing more
		return nil, nil
	}
	return nil, statusError("READ BINARY", r.sw)
}

// readTLVFile reads the EF with short identifier sfi whole: the first READ
// BINARY fetches as much as one command carries, its BER-TLV header gives
// the object's length, and the rest comes in full-size commands — the
// fewest short APDUs can do, with no SELECT. Filler after the object is
// not read.
func (c *channel) readTLVFile(sfi byte) ([]byte, error) {
	first, err := c.readBinarySFI(sfi, maxShortLe)
	if err != nil {
		return nil, err
	}
	_, hdr, bodyLen, err := parseHeader(first)
	if err != nil {
		return nil, fmt.Errorf("file header %s: %w", hex.EncodeToString(first[:min(len(first), 8)]), err)
	}
	total := hdr + bodyLen
	if total > 0x7FFF+maxShortLe {
		return nil, fmt.Errorf("file of %d bytes: %w", total, ErrCorrupt)
	}
	buf := first
	for len(buf) < total {
		chunk, err := c.readBinary(len(buf), min(total-len(buf), maxShortLe))
		if err != nil {
			return nil, err
		}
		if len(chunk) == 0 {
			return nil, fmt.Errorf("file ends at %d of %d bytes: %w", len(buf), total, ErrCorrupt)
		}
		buf = append(buf, chunk...)
	}
	return buf[:total], nil
}

// verify sends VERIFY for the key EF with short identifier sfi (P2 80|SFI,
// no SELECT needed). With secret == nil it asks for the tries left without
// using one (ISO 7816-4 §11.5.6): the answer is 63Cx. The caller must never
// retry a failed VERIFY.
func (c *channel) verify(sfi byte, secret []byte) error {
	a := apdu{cla: 0x00, ins: insVerify, p1: 0x00, p2: 0x80 | sfi&0x1F, data: secret, le: -1}
	r, err := c.send(a)
	if err != nil {
		return err
	}
	if r.ok() {
		return nil
	}
	return statusError("VERIFY", r.sw)
}

// triesLeft asks the key EF sfi how many tries are left.
func (c *channel) triesLeft(sfi byte) (int, error) {
	err := c.verify(sfi, nil)
	var pe *kiosk.PINError
	switch {
	case err == nil:
		return -1, nil // already verified in this session: the card does not say
	case errors.As(err, &pe):
		return pe.Remaining, nil
	case errors.Is(err, ErrBlocked):
		return 0, nil
	}
	return 0, err
}
