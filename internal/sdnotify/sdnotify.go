// Package sdnotify speaks systemd's notification protocol: READY=1 when
// the service is up, WATCHDOG=1 to feed the service watchdog.
package sdnotify

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"
)

// ErrNoSocket is returned when the process is not run by systemd with a
// notification socket.
var ErrNoSocket = errors.New("sdnotify: NOTIFY_SOCKET is not set")

// Messages systemd understands.
const (
	Ready    = "READY=1"
	Watchdog = "WATCHDOG=1"
	Stopping = "STOPPING=1"
)

// Notifier sends state lines to systemd's notification socket.
type Notifier struct{ socket string }

// FromEnv returns the notifier of the environment's NOTIFY_SOCKET.
func FromEnv(env func(string) string) (*Notifier, error) {
	s := env("NOTIFY_SOCKET")
	if s == "" {
		return nil, ErrNoSocket
	}
	if s[0] != '/' && s[0] != '@' {
		return nil, fmt.Errorf("sdnotify: NOTIFY_SOCKET %q is not a unix socket path", s)
	}
	return &Notifier{socket: s}, nil
}

// Notify sends one state line, e.g. Ready.
func (n *Notifier) Notify(state string) error {
	addr := &net.UnixAddr{Name: n.socket, Net: "unixgram"}
	if addr.Name[0] == '@' {
		addr.Name = "\x00" + addr.Name[1:]
	}
	c, err := net.DialUnix("unixgram", nil, addr)
	if err != nil {
		return fmt.Errorf("sdnotify: %w", err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(state)); err != nil {
		return fmt.Errorf("sdnotify: send %q: %w", state, err)
	}
	return nil
}

// WatchdogInterval is how often to feed the watchdog: a third of
// WATCHDOG_USEC, or false when the service has no watchdog. WATCHDOG_PID
// is not compared with this process: under a compositor (cage) the main
// process is the compositor, and the unit sets NotifyAccess=all.
func WatchdogInterval(env func(string) string) (time.Duration, bool) {
	us, err := strconv.ParseInt(env("WATCHDOG_USEC"), 10, 64)
	if err != nil || us <= 0 {
		return 0, false
	}
	return time.Duration(us) * time.Microsecond / 3, true
}
