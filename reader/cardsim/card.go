// Package cardsim is a virtual My Number card: the three applications the
// kiosk uses (JPKI, 券面事項入力補助, 券面事項確認), their files and access
// rules, PIN and code counters that lock and stay locked, and a client for
// the vsmartcard-vpcd driver so that the card sits in a real pcscd reader.
// It answers the APDUs of shared/docs/domain.md §1 the way the real card
// does, as far as public sources tell.
//
// The card holds synthetic data only; a test CA issues its certificate.
package cardsim

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"sync"
)

// ATR of a My Number card (OpenSC matches on it; domain.md §1.1).
var ATR = []byte{0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14}

// atrOther is the ATR of the "another card" fault: a generic contact card.
var atrOther = []byte{0x3B, 0x8F, 0x80, 0x01, 0x80, 0x4F, 0x0C, 0xA0, 0x00, 0x00, 0x03, 0x06, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x6A}

// AIDs (domain.md §1.2).
var (
	AIDJPKI   = []byte{0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}
	AIDText   = []byte{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08}
	AIDVisual = []byte{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02}
)

// key is a PIN or code file with its retry counter.
type key struct {
	secret []byte
	max    int
	left   int
}

// ef is an elementary file: data, a key, or a private key for signing.
type ef struct {
	data    []byte
	key     *key
	signer  *rsa.PrivateKey
	needs   []uint16 // data readable (or key usable) when any of these keys is verified; none: free
	private bool     // 個人番号 and 照合番号A files: any access is counted as forbidden
}

type app struct {
	aid []byte
	efs map[uint16]*ef
}

// Quirks make the card answer in ways some real cards do, so that the
// reader's handling of them is tested.
type Quirks struct {
	// GetResponse: responses longer than 128 bytes come back in 61xx chunks.
	GetResponse bool
	// WrongLe: a READ BINARY asking for more than remains is answered 6Cxx.
	WrongLe bool
}

// Card is the virtual card. Its counters persist across resets, as on a
// real card; verified states do not.
type Card struct {
	mu       sync.Mutex
	apps     []*app
	notMyna  bool
	quirks   Quirks
	cur      *app
	curEF    *ef
	verified map[*key]bool
	pending  []byte // GET RESPONSE data
	apdus    int
	forbid   int
	serial   string // hex serial of the user certificate
}

// CertSerial is the serial number of the card's 利用者証明用電子証明書 in
// hex, as reader.Certificate reports it: simulators of the eligibility
// terminal use it to know whose card this is.
func (c *Card) CertSerial() string { return c.serial }

// ATR returns the card's answer to reset.
func (c *Card) ATR() []byte {
	if c.notMyna {
		return bytes.Clone(atrOther)
	}
	return bytes.Clone(ATR)
}

// SetQuirks changes how the card answers.
func (c *Card) SetQuirks(q Quirks) {
	c.mu.Lock()
	c.quirks = q
	c.mu.Unlock()
}

// Reset is a power cycle: nothing selected, nothing verified.
func (c *Card) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cur, c.curEF, c.pending = nil, nil, nil
	c.verified = map[*key]bool{}
}

// APDUs is the number of commands the card has answered.
func (c *Card) APDUs() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.apdus
}

// Forbidden counts accesses to the 個人番号 file or a 照合番号A key. The kiosk
// must never make one; tests assert it stays 0.
func (c *Card) Forbidden() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.forbid
}

// Transmit answers one command APDU; it is the in-process transport and
// satisfies the reader's transmitter.
func (c *Card) Transmit(cmd []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.apdus++
	return c.process(cmd), nil
}

func sw(s uint16, data ...byte) []byte { return append(bytes.Clone(data), byte(s>>8), byte(s)) }

// command is a parsed short APDU.
type command struct {
	cla, ins, p1, p2 byte
	data             []byte
	le               int // -1 absent; 256 for 00
}

func parseCommand(b []byte) (command, bool) {
	if len(b) < 4 {
		return command{}, false
	}
	c := command{cla: b[0], ins: b[1], p1: b[2], p2: b[3], le: -1}
	switch rest := b[4:]; {
	case len(rest) == 0:
	case len(rest) == 1:
		c.le = int(rest[0])
	default:
		lc := int(rest[0])
		if lc == 0 || len(rest) < 1+lc || len(rest) > 2+lc {
			return command{}, false
		}
		c.data = rest[1 : 1+lc]
		if len(rest) == 2+lc {
			c.le = int(rest[1+lc])
		}
	}
	if c.le == 0 {
		c.le = 256
	}
	return c, true
}

func (c *Card) process(raw []byte) []byte {
	cmd, ok := parseCommand(raw)
	if !ok {
		return sw(0x6700)
	}
	if cmd.ins != 0xC0 {
		c.pending = nil
	}
	switch {
	case cmd.cla == 0x00 && cmd.ins == 0xA4:
		return c.doSelect(cmd)
	case cmd.cla == 0x00 && cmd.ins == 0xB0:
		return c.readBinary(cmd)
	case cmd.cla == 0x00 && cmd.ins == 0x20:
		return c.verify(cmd)
	case cmd.cla == 0x80 && cmd.ins == 0x2A:
		return c.sign(cmd)
	case cmd.cla == 0x00 && cmd.ins == 0xC0:
		return c.getResponse(cmd)
	case cmd.cla != 0x00 && cmd.cla != 0x80:
		return sw(0x6E00)
	}
	return sw(0x6D00)
}

func (c *Card) doSelect(cmd command) []byte {
	switch cmd.p1 {
	case 0x04: // by AID
		for _, a := range c.apps {
			if bytes.Equal(a.aid, cmd.data) && !c.notMyna {
				if c.cur != a {
					c.verified = map[*key]bool{} // security status belongs to the DF
				}
				c.cur, c.curEF = a, nil
				return sw(0x9000)
			}
		}
		return sw(0x6A82)
	case 0x02: // EF by FID under the current DF
		if c.cur == nil || len(cmd.data) != 2 {
			return sw(0x6A82)
		}
		f, ok := c.cur.efs[uint16(cmd.data[0])<<8|uint16(cmd.data[1])]
		if !ok {
			return sw(0x6A82)
		}
		if f.private {
			c.forbid++
		}
		c.curEF = f
		return sw(0x9000)
	case 0x00: // MF: after reset it answers 6A86 (domain.md §1.1)
		if c.cur == nil {
			return sw(0x6A86)
		}
		return sw(0x9000)
	}
	return sw(0x6A86)
}

func (c *Card) allowed(f *ef) bool {
	if len(f.needs) == 0 {
		return true
	}
	for _, id := range f.needs {
		if k := c.cur.efs[id]; k != nil && k.key != nil && c.verified[k.key] {
			return true
		}
	}
	return false
}

func (c *Card) readBinary(cmd command) []byte {
	f := c.curEF
	offset := int(cmd.p1)<<8 | int(cmd.p2)
	if cmd.p1&0x80 != 0 { // short EF identifier: P1 = 80|SFI, P2 = offset
		if c.cur == nil {
			return sw(0x6A82)
		}
		var ok bool
		if f, ok = c.cur.efs[uint16(cmd.p1&0x1F)]; !ok {
			return sw(0x6A82)
		}
		if f.private {
			c.forbid++
		}
		c.curEF, offset = f, int(cmd.p2)
	}
	switch {
	case f == nil:
		return sw(0x6986)
	case f.key != nil || f.signer != nil:
		return sw(0x6981)
	case !c.allowed(f):
		return sw(0x6982)
	case offset > len(f.data) || (offset == len(f.data) && offset > 0):
		return sw(0x6B00)
	}
	le := cmd.le
	if le < 0 {
		le = 256
	}
	rest := f.data[offset:]
	if le > len(rest) {
		if c.quirks.WrongLe {
			return sw(0x6C00 | uint16(len(rest)&0xFF))
		}
		return c.respond(rest, 0x6282)
	}
	return c.respond(rest[:le], 0x9000)
}

// respond sends data, in 61xx chunks when the GetResponse quirk is on.
func (c *Card) respond(data []byte, status uint16) []byte {
	if c.quirks.GetResponse && len(data) > 128 {
		c.pending = append(bytes.Clone(data[128:]), byte(status>>8), byte(status))
		return sw(0x6100|uint16(min(len(c.pending)-2, 256)&0xFF), data[:128]...)
	}
	return sw(status, data...)
}

func (c *Card) getResponse(cmd command) []byte {
	if len(c.pending) < 2 {
		return sw(0x6985)
	}
	data, status := c.pending[:len(c.pending)-2], c.pending[len(c.pending)-2:]
	n := min(cmd.le, len(data))
	if cmd.le < 0 {
		n = len(data)
	}
	out, rest := data[:n], data[n:]
	if len(rest) > 0 {
		c.pending = append(bytes.Clone(rest), status...)
		return sw(0x6100|uint16(min(len(rest), 256)&0xFF), out...)
	}
	c.pending = nil
	return sw(uint16(status[0])<<8|uint16(status[1]), out...)
}

func (c *Card) verify(cmd command) []byte {
	f := c.curEF
	if cmd.p2&0x80 != 0 && cmd.p2 != 0x80 && c.cur != nil { // 80|SFI names the key
		f = c.cur.efs[uint16(cmd.p2&0x1F)]
	}
	if f == nil || f.key == nil {
		return sw(0x6986)
	}
	if f.private {
		c.forbid++
	}
	k := f.key
	if len(cmd.data) == 0 { // how many tries are left; uses none
		switch {
		case c.verified[k]:
			return sw(0x9000)
		case k.left == 0:
			return sw(0x63C0)
		}
		return sw(0x63C0 | uint16(k.left))
	}
	if k.left == 0 {
		return sw(0x6983)
	}
	if !bytes.Equal(cmd.data, k.secret) {
		k.left--
		c.verified[k] = false
		return sw(0x63C0 | uint16(k.left))
	}
	k.left = k.max
	c.verified[k] = true
	return sw(0x9000)
}

func (c *Card) sign(cmd command) []byte {
	f := c.curEF
	switch {
	case f == nil || f.signer == nil:
		return sw(0x6986)
	case !c.allowed(f):
		return sw(0x6982)
	case cmd.p1 != 0x00 || cmd.p2 != 0x80 || len(cmd.data) == 0:
		return sw(0x6A86)
	}
	// The card pads the given DigestInfo (PKCS#1 v1.5 type 1) and applies
	// RSA; it does not hash (domain.md §1.6).
	sig, err := rsa.SignPKCS1v15(rand.Reader, f.signer, crypto.Hash(0), cmd.data)
	if err != nil {
		return sw(0x6A80)
	}
	return c.respond(sig, 0x9000)
}

// String describes the card for logs: never its secrets.
func (c *Card) String() string {
	return fmt.Sprintf("virtual card (%d applications)", len(c.apps))
}

// File returns the contents of a file of the application aid, as stored,
// whatever its access rule (for tests that check what the card carries).
func (c *Card) File(aid []byte, fid uint16) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range c.apps {
		if bytes.Equal(a.aid, aid) {
			if f, ok := a.efs[fid]; ok && f.data != nil && !f.private {
				return bytes.Clone(f.data), nil
			}
		}
	}
	return nil, fmt.Errorf("no readable file %04X", fid)
}
