package escpos

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	job := New().Align(Center).Bold(true).Line("うけつけ医院　𠮷田").Bold(false).
		Size(4, 4).Line("A-012").Size(1, 1).Line("お待ちの方 3 人").
		QR("https://kiosk.example/q/abc", 6).Feed(2).Cut().Bytes()
	cmds, err := Decode(job)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cmds {
		names = append(names, c.Name)
	}
	want := "init sjis kanji-on align bold text lf bold size text lf size text lf qr-model qr-size qr-level qr-store qr-print feed cut kanji-off"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("commands\n%s\nwant\n%s", got, want)
	}
	// 𠮷 is not in Shift_JIS: it prints as "?", never as bytes that would
	// throw the printer out of step.
	if got := Printed(cmds); got != "うけつけ医院　?田\nA-012\nお待ちの方 3 人\n" {
		t.Errorf("printed %q", got)
	}
	if cmds[8].Arg != 0x33 || cmds[11].Arg != 0 {
		t.Errorf("size bytes %#x %#x, want 0x33 (4×4) and 0", cmds[8].Arg, cmds[11].Arg)
	}
	if cmds[17].Text != "https://kiosk.example/q/abc" || cmds[15].Arg != 6 {
		t.Errorf("QR %q size %d", cmds[17].Text, cmds[15].Arg)
	}
	// Shift_JIS of 受 is 0x8E 0xF3: a kanji's second byte may be any
	// value, and the decoder keeps the pair together.
	if !bytes.Contains(New().Text("受付").Bytes(), []byte{0x8e, 0xf3}) {
		t.Error("受 is not encoded in Shift_JIS")
	}
}

func TestDecodeRefusesWhatAPrinterWouldMisread(t *testing.T) {
	for name, b := range map[string][]byte{
		"truncated size": {gs, '!'},
		"truncated qr":   {gs, '(', 'k', 10, 0, '1', 'P', '0', 'a'},
		"unknown esc":    {esc, 'Z', 1},
		"bare control":   {0x07},
		"bad sjis":       {0x81},
		"barcode":        {gs, '(', 'k', 3, 0, '0', 'A', 0},
	} {
		if _, err := Decode(b); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
	if _, err := Decode([]byte{gs, 'V'}); !errors.Is(err, ErrTruncated) {
		t.Errorf("GS V alone: %v", err)
	}
}

func TestStatus(t *testing.T) {
	for _, c := range []struct {
		printer, offline, paper byte
		ok                      bool
		text                    string
	}{
		{0x16, 0x12, 0x12, true, "ready"},
		{0x1e, 0x16, 0x12, false, "cover open"},
		{0x1e, 0x32, 0x72, false, "paper out"},
		{0x16, 0x12, 0x1e, true, "ready, paper low"},
		{0x1e, 0x52, 0x12, false, "printer error"},
		{0x1e, 0x12, 0x12, false, "offline"},
	} {
		s, err := ParseStatus(c.printer, c.offline, c.paper)
		if err != nil || s.OK() != c.ok || s.String() != c.text {
			t.Errorf("%#x %#x %#x: %v %q (ok %v), want %q ok %v", c.printer, c.offline, c.paper, err, s, s.OK(), c.text, c.ok)
		}
	}
	if _, err := ParseStatus('A', 0x12, 0x12); err == nil {
		t.Error("a text byte taken for a status reply")
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(New().Line("受付番号").QR("x", 4).Cut().Bytes())
	f.Add([]byte{gs, '(', 'k', 0xff, 0xff})
	f.Add([]byte("plain ascii\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cmds, err := Decode(b)
		if err != nil {
			return
		}
		// What decodes re-encodes: text and QR data survive.
		for _, c := range cmds {
			if c.Name == "" {
				t.Fatalf("an unnamed command from %x", b)
			}
		}
	})
}
