package escpos

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/text/encoding/japanese"
)

// Command is one decoded command, or a run of text.
type Command struct {
	Name string // "init", "align", "bold", "size", "feed", "lf", "cut", "sjis", "kanji-on", "kanji-off", "qr-model", "qr-size", "qr-level", "qr-store", "qr-print", "status", "text"
	Arg  int    // its parameter (size: the GS ! byte; status: n)
	Text string // text, and the QR code's data
}

// ErrTruncated is a command cut off before its parameters end.
var ErrTruncated = errors.New("escpos: command cut off")

// Decode reads a job back into commands: the commands New, the Doc
// methods and the status queries write, and text in Shift_JIS. Any other
// control sequence is an error (a printer would print garbage or stall).
func Decode(b []byte) ([]Command, error) {
	var out []Command
	dec := japanese.ShiftJIS.NewDecoder()
	for i := 0; i < len(b); {
		need := func(n int) error {
			if i+n > len(b) {
				return fmt.Errorf("%w at byte %d", ErrTruncated, i)
			}
			return nil
		}
		switch c := b[i]; {
		case c == lf:
			out = append(out, Command{Name: "lf"})
			i++
		case c == esc:
			if err := need(2); err != nil {
				return out, err
			}
			switch b[i+1] {
			case '@':
				out = append(out, Command{Name: "init"})
				i += 2
				continue
			case 'a', 'E', 'd':
				if err := need(3); err != nil {
					return out, err
				}
				name := map[byte]string{'a': "align", 'E': "bold", 'd': "feed"}[b[i+1]]
				out = append(out, Command{Name: name, Arg: int(b[i+2])})
				i += 3
				continue
			}
			return out, fmt.Errorf("escpos: unknown command ESC %#02x at byte %d", b[i+1], i)
		case c == gs:
			if err := need(2); err != nil {
				return out, err
			}
			switch b[i+1] {
			case '!':
				if err := need(3); err != nil {
					return out, err
				}
				out = append(out, Command{Name: "size", Arg: int(b[i+2])})
				i += 3
				continue
			case 'V':
				if err := need(3); err != nil {
					return out, err
				}
				n := 3
				if b[i+2] == 65 || b[i+2] == 66 {
					n = 4 // function B: a feed amount follows
					if err := need(4); err != nil {
						return out, err
					}
				}
				out = append(out, Command{Name: "cut", Arg: int(b[i+2])})
				i += n
				continue
			case '(':
				if err := need(5); err != nil {
					return out, err
				}
				if b[i+2] != 'k' {
					return out, fmt.Errorf("escpos: unknown command GS ( %#02x at byte %d", b[i+2], i)
				}
				n := int(b[i+3]) | int(b[i+4])<<8
				if err := need(5 + n); err != nil {
					return out, err
				}
				p := b[i+5 : i+5+n]
				if len(p) < 2 || p[0] != '1' {
					return out, fmt.Errorf("escpos: GS ( k for symbol %q at byte %d, not a QR code", p, i)
				}
				cmd := Command{Name: map[byte]string{'A': "qr-model", 'C': "qr-size", 'E': "qr-level", 'P': "qr-store", 'Q': "qr-print"}[p[1]]}
				if cmd.Name == "" {
					return out, fmt.Errorf("escpos: QR function %#02x at byte %d", p[1], i)
				}
				switch {
				case cmd.Name == "qr-store" && len(p) >= 3:
					cmd.Text = string(p[3:])
				case len(p) >= 3:
					cmd.Arg = int(p[2])
				}
				out = append(out, cmd)
				i += 5 + n
				continue
			}
			return out, fmt.Errorf("escpos: unknown command GS %#02x at byte %d", b[i+1], i)
		case c == fs:
			if err := need(2); err != nil {
				return out, err
			}
			switch b[i+1] {
			case '&':
				out = append(out, Command{Name: "kanji-on"})
				i += 2
				continue
			case '.':
				out = append(out, Command{Name: "kanji-off"})
				i += 2
				continue
			case 'C':
				if err := need(3); err != nil {
					return out, err
				}
				out = append(out, Command{Name: "sjis", Arg: int(b[i+2])})
				i += 3
				continue
			}
			return out, fmt.Errorf("escpos: unknown command FS %#02x at byte %d", b[i+1], i)
		case c == dle:
			if err := need(3); err != nil {
				return out, err
			}
			if b[i+1] != eot {
				return out, fmt.Errorf("escpos: unknown command DLE %#02x at byte %d", b[i+1], i)
			}
			out = append(out, Command{Name: "status", Arg: int(b[i+2])})
			i += 3
		case c < 0x20 || c == 0x7f:
			return out, fmt.Errorf("escpos: control byte %#02x at byte %d", c, i)
		default:
			j := i
			for j < len(b) && b[j] >= 0x20 && b[j] != 0x7f {
				if isLead(b[j]) {
					j++ // a two-byte character: its second byte may look like anything
				}
				j++
			}
			j = min(j, len(b))
			s, err := dec.Bytes(b[i:j])
			if err != nil || strings.ContainsRune(string(s), '\uFFFD') {
				return out, fmt.Errorf("escpos: text at byte %d is not Shift_JIS", i)
			}
			out = append(out, Command{Name: "text", Text: string(s)})
			i = j
		}
	}
	return out, nil
}

// isLead reports whether b starts a two-byte Shift_JIS character.
func isLead(b byte) bool { return b >= 0x81 && b <= 0x9f || b >= 0xe0 && b <= 0xfc }

// Printed is the text a job prints, its lines joined by "\n" (what a
// customer reads on the slip, without the commands).
func Printed(cmds []Command) string {
	var s strings.Builder
	for _, c := range cmds {
		switch c.Name {
		case "text":
			s.WriteString(c.Text)
		case "lf":
			s.WriteByte('\n')
		}
	}
	return s.String()
}
