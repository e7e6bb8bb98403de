package printer

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/printer/escpos"
	"github.com/uketsuke/uketsuke/printer/printertest"
)

func TestTicketOnATCPPrinter(t *testing.T) {
	p := printertest.New(t)
	d, err := Parse(p.Device())
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 4, 1, 5, 0, 0, time.UTC) // 10:05 in Tokyo
	job := TicketJob(Ticket{Clinic: "うけつけ医院", Number: "A-012", Waiting: 3, At: at, QR: "https://desk.example/q/3f9a", Kiosk: "front-1"})
	if err := d.Print(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	cmds, err := escpos.Decode(p.Received(t))
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
	p := printertest.New(t)
	d, _ := Parse(p.Device())
	for _, c := range []struct {
		status [3]byte
		want   string
	}{
		{[3]byte{0x1e, 0x32, 0x72}, "paper out"},
		{[3]byte{0x1e, 0x16, 0x12}, "cover open"},
		{[3]byte{0x1e, 0x12, 0x12}, "offline"},
	} {
		p.SetStatus(c.status)
		err := d.Print(context.Background(), TicketJob(Ticket{Number: "001", At: time.Now()}))
		var nr *NotReadyError
		if !errors.As(err, &nr) || !errors.Is(err, ErrNotReady) || nr.Status.String() != c.want {
			t.Errorf("%s: %v", c.want, err)
		}
		time.Sleep(50 * time.Millisecond)
		if got := len(p.Job()); got != 0 {
			t.Errorf("%s: %d job bytes reached the printer", c.want, got)
		}
	}
	s, err := d.Status(context.Background())
	if err != nil || s.String() != "offline" {
		t.Errorf("status %v %v", s, err)
	}
}

func TestDeadOrSilentPrinter(t *testing.T) {
	p := printertest.New(t)
	p.SetSilent(true)
	d, _ := Parse(p.Device())
	d.Timeout = 300 * time.Millisecond
	if err := d.Print(context.Background(), SlipJob("x")); err == nil || !strings.Contains(err.Error(), "no status reply") {
		t.Errorf("a printer that does not answer: %v", err)
	}
	dev := p.Device()
	p.Close()
	d, _ = Parse(dev)
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
