// Package printer sends print jobs to the reception's receipt printer: an
// ESC/POS thermal printer raw over USB (/dev/usb/lp*) or TCP port 9100,
// asked for its status (paper, cover, online) before each job, or a
// command (lp) that takes the job on its standard input.
package printer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/uketsuke/uketsuke/printer/escpos"
)

// Kind is how a printer is reached.
type Kind string

// The kinds of printer device.
const (
	USB     Kind = "usb"     // a USB printer class device, /dev/usb/lp0
	TCP     Kind = "tcp"     // an Ethernet printer's raw port, host:9100
	Command Kind = "command" // a command, e.g. lp -d reception, reading the job
)

// Device is a configured printer. The zero Timeout is 5 s.
type Device struct {
	Kind    Kind
	Target  string   // the device path or host:port
	Argv    []string // the command, for Kind Command
	Timeout time.Duration
}

// ErrNotReady is a printer that answered but cannot print now; the
// *NotReadyError says why.
var ErrNotReady = errors.New("printer not ready")

// NotReadyError is a printer's status that stops printing.
type NotReadyError struct{ Status escpos.Status }

func (e *NotReadyError) Error() string { return "printer not ready: " + e.Status.String() }

// Is makes errors.Is(err, ErrNotReady) hold.
func (e *NotReadyError) Is(target error) bool { return target == ErrNotReady }

// Parse reads a [printer] device setting: "usb:/dev/usb/lp0",
// "tcp:192.168.1.50:9100" (the port defaults to 9100) or "command:lp -d
// reception".
func Parse(spec string) (*Device, error) {
	kind, rest, ok := strings.Cut(spec, ":")
	if !ok || rest == "" {
		return nil, fmt.Errorf("printer device %q: want usb:PATH, tcp:HOST[:PORT] or command:COMMAND", spec)
	}
	switch Kind(kind) {
	case USB:
		if !strings.HasPrefix(rest, "/dev/") {
			return nil, fmt.Errorf("printer device %q: a USB printer is a /dev path", spec)
		}
		return &Device{Kind: USB, Target: rest}, nil
	case TCP:
		if _, _, err := net.SplitHostPort(rest); err != nil {
			rest = net.JoinHostPort(rest, "9100")
		}
		if _, _, err := net.SplitHostPort(rest); err != nil {
			return nil, fmt.Errorf("printer device %q: %w", spec, err)
		}
		return &Device{Kind: TCP, Target: rest}, nil
	case Command:
		argv := strings.Fields(rest)
		return &Device{Kind: Command, Target: argv[0], Argv: argv}, nil
	}
	return nil, fmt.Errorf("printer device %q: unknown kind %q (usb, tcp or command)", spec, kind)
}

func (d *Device) String() string {
	if d.Kind == Command {
		return "command:" + strings.Join(d.Argv, " ")
	}
	return string(d.Kind) + ":" + d.Target
}

func (d *Device) timeout() time.Duration {
	if d.Timeout > 0 {
		return d.Timeout
	}
	return 5 * time.Second
}

// conn is an open connection to a raw printer.
type conn interface {
	io.ReadWriteCloser
	SetDeadline(time.Time) error
}

func (d *Device) open(ctx context.Context) (conn, error) {
	switch d.Kind {
	case TCP:
		var nd net.Dialer
		c, err := nd.DialContext(ctx, "tcp", d.Target)
		if err != nil {
			return nil, fmt.Errorf("printer %s: %w", d.Target, err)
		}
		return c.(*net.TCPConn), nil
	case USB:
		f, err := os.OpenFile(d.Target, os.O_RDWR, 0)
		if err != nil {
			return nil, fmt.Errorf("printer %s: %w", d.Target, err)
		}
		return f, nil
	}
	return nil, fmt.Errorf("printer %s: no raw connection to a command", d)
}

// Status asks a raw printer for its state (DLE EOT 1, 2 and 4).
func (d *Device) Status(ctx context.Context) (escpos.Status, error) {
	if d.Kind == Command {
		return escpos.Status{}, fmt.Errorf("printer %s: a command has no status", d)
	}
	c, err := d.open(ctx)
	if err != nil {
		return escpos.Status{}, err
	}
	defer c.Close()
	return d.status(c)
}

func (d *Device) status(c conn) (escpos.Status, error) {
	_ = c.SetDeadline(time.Now().Add(d.timeout()))
	var reply [3]byte
	for i, q := range [][]byte{escpos.QueryPrinter, escpos.QueryOffline, escpos.QueryPaper} {
		if _, err := c.Write(q); err != nil {
			return escpos.Status{}, fmt.Errorf("printer %s: status: %w", d.Target, err)
		}
		if _, err := io.ReadFull(c, reply[i:i+1]); err != nil {
			return escpos.Status{}, fmt.Errorf("printer %s: no status reply (off, or not ESC/POS): %w", d.Target, err)
		}
	}
	s, err := escpos.ParseStatus(reply[0], reply[1], reply[2])
	if err != nil {
		return s, fmt.Errorf("printer %s: %w", d.Target, err)
	}
	return s, nil
}

// Print sends one job. A raw printer is asked for its status first: one
// that cannot print (paper out, cover open, offline) gets nothing and the
// error is a *NotReadyError, so a ticket is never half printed and then
// printed again. A command gets the job on its standard input.
func (d *Device) Print(ctx context.Context, job []byte) error {
	ctx, cancel := context.WithTimeout(ctx, d.timeout())
	defer cancel()
	if d.Kind == Command {
		cmd := exec.CommandContext(ctx, d.Argv[0], d.Argv[1:]...)
		cmd.Stdin = bytes.NewReader(job)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("printer %s: %w: %s", d, err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	c, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	s, err := d.status(c)
	if err != nil {
		return err
	}
	if !s.OK() {
		return &NotReadyError{Status: s}
	}
	_ = c.SetDeadline(time.Now().Add(d.timeout()))
	if _, err := c.Write(job); err != nil {
		return fmt.Errorf("printer %s: %w", d.Target, err)
	}
	return nil
}
